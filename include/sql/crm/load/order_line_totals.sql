-- How an order is valued: gross_amount = the sum of its valid (loaded) lines' line_amount
-- (quantity * unit_price), items = the sum of their quantities, net_amount = gross_amount -
-- discount_amount; an order without lines is worth 0 (the COALESCE is the caller's). Shipping
-- is reported apart. The totals of the orders that have lines, those of {of_orders}
-- (line_totals_of_orders.sql) or, where it is empty, every order.
SELECT l.order_id, sum(l.line_amount) AS gross, sum(l.quantity)::integer AS items
FROM core.fact_order_lines l
{of_orders}
GROUP BY l.order_id
