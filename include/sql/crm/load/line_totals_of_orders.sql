-- The lines of order_line_totals.sql: those of the orders of the relation {orders} (order_id).
WHERE l.order_id IN (SELECT order_id FROM {orders})
