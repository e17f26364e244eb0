-- How an order is valued: gross_amount = sum of its valid (loaded) lines' quantity * unit_price;
-- net_amount = gross_amount - discount_amount; items = sum of their quantities. Shipping is
-- reported apart. For orders in tmp_orders.
UPDATE core.fact_orders o
SET gross_amount = s.gross, net_amount = s.gross - o.discount_amount, items = s.items
FROM (
    SELECT f.order_id, COALESCE(sum(l.line_amount), 0) AS gross, COALESCE(sum(l.quantity), 0)::integer AS items
    FROM core.fact_orders f
    LEFT JOIN core.fact_order_lines l ON l.order_id = f.order_id
    WHERE f.order_id IN (SELECT order_id FROM tmp_orders)
    GROUP BY f.order_id
) s
WHERE o.order_id = s.order_id
  AND (o.gross_amount, o.net_amount, o.items) IS DISTINCT FROM (s.gross, s.gross - o.discount_amount, s.items);
