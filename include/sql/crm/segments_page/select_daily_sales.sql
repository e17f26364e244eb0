-- Rows of marts.daily_sales in [date_from, date_to]; NULL arrays mean "all".
SELECT sale_date, country_code, channel, orders, items, net_revenue, customers
FROM marts.daily_sales
WHERE sale_date BETWEEN %(date_from)s AND %(date_to)s
  AND (%(countries)s::bpchar[] IS NULL OR country_code = ANY (%(countries)s::bpchar[]))
  AND (%(channels)s::text[] IS NULL OR channel = ANY (%(channels)s::text[]))
ORDER BY sale_date, country_code, channel
