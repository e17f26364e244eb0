-- The source customers core holds: one xref row per source customer, merged or not.
SELECT customer_id AS key, updated_at, NULL::numeric AS amount FROM core.customer_xref
