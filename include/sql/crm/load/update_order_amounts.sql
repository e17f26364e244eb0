-- The orders of tmp_orders re-valued from their lines ({line_totals}: order_line_totals.sql).
UPDATE core.fact_orders o
SET gross_amount = s.gross, net_amount = s.gross - o.discount_amount, items = s.items
FROM (
    SELECT k.order_id, COALESCE(t.gross, 0) AS gross, COALESCE(t.items, 0) AS items
    FROM (SELECT DISTINCT order_id FROM tmp_orders) k
    LEFT JOIN ({line_totals}) t ON t.order_id = k.order_id
) s
WHERE o.order_id = s.order_id
  AND (o.gross_amount, o.net_amount, o.items) IS DISTINCT FROM (s.gross, s.gross - o.discount_amount, s.items);
