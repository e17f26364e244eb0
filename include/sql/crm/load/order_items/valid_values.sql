-- A valid staged line (s) as it loads, in the order of TMP_LINES (include/crm/loaders/order_items.py):
-- line_amount = quantity * unit_price, exact to the cent (numeric arithmetic).
s.order_item_id, s.order_id, s.product_id, s.quantity, s.unit_price, s.quantity * s.unit_price,
s.created_at, s.updated_at
