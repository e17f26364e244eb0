-- Orders whose lines must be re-keyed (orders load) or that must be re-valued (lines load).
CREATE TEMP TABLE IF NOT EXISTS tmp_orders (order_id bigint) ON COMMIT DROP
