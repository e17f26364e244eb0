-- A valid staged order (s) as it loads, in the order of TMP_ORDERS (include/crm/loaders/orders.py):
-- date_key is order_ts's calendar date in the business timezone, as YYYYMMDD.
s.order_id, s.customer_id, s.order_ts, s.status, s.channel, s.currency, s.discount_amount,
s.shipping_amount, s.created_at, s.updated_at,
to_char(s.order_ts AT TIME ZONE %(business_tz)s, 'YYYYMMDD')::integer
