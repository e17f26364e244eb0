-- Orders whose lines must be re-keyed and re-valued, collected by each load of the transaction.
CREATE TEMP TABLE IF NOT EXISTS tmp_orders (order_id bigint) ON COMMIT DROP
