-- The trend chart: one point per day over the filtered daily_sales rows. Distinct customers
-- cannot be added up across countries and channels, so they are not part of the trend.
SELECT sale_date, sum(orders)::bigint AS orders, sum(items)::bigint AS items,
       sum(net_revenue) AS net_revenue
FROM marts.daily_sales
WHERE sale_date BETWEEN %(date_from)s AND %(date_to)s
  AND (%(countries)s::bpchar[] IS NULL OR country_code = ANY (%(countries)s::bpchar[]))
  AND (%(channels)s::text[] IS NULL OR channel = ANY (%(channels)s::text[]))
GROUP BY sale_date
ORDER BY sale_date
