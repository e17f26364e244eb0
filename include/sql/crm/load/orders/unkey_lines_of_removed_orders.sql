-- Lines of an order that left core (its newer version is in quarantine) lose their keys.
UPDATE core.fact_order_lines l
SET customer_key = NULL, date_key = NULL
WHERE l.order_id IN (SELECT source_id FROM tmp_rejects)
  AND NOT EXISTS (SELECT 1 FROM core.fact_orders o WHERE o.order_id = l.order_id)
