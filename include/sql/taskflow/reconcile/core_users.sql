-- The source users core holds: the current version of each (it carries the newest row's time).
SELECT user_id AS key, source_updated_at AS updated_at, NULL::numeric AS amount
FROM core.dim_user WHERE is_current AND NOT is_inferred
