-- The trend chart: one point per day of [fill_from, fill_to] (segments_page/filters.py
-- trend_days: the filter's range within the days daily_sales covers), 0 on a day without a
-- sale, so a chart never draws a line across an empty day. Distinct customers cannot be added
-- up across countries and channels, so they are not part of the trend.
WITH sales AS (
    SELECT sale_date, sum(orders)::bigint AS orders, sum(items)::bigint AS items,
           sum(net_revenue) AS net_revenue
    FROM marts.daily_sales
    WHERE sale_date BETWEEN %(date_from)s AND %(date_to)s
      AND (%(countries)s::bpchar[] IS NULL OR country_code = ANY (%(countries)s::bpchar[]))
      AND (%(channels)s::text[] IS NULL OR channel = ANY (%(channels)s::text[]))
    GROUP BY sale_date
)
SELECT d::date AS sale_date, coalesce(s.orders, 0)::bigint AS orders, coalesce(s.items, 0)::bigint AS items,
       coalesce(s.net_revenue, 0) AS net_revenue
FROM generate_series(%(fill_from)s::date, %(fill_to)s::date, interval '1 day') AS d
LEFT JOIN sales s ON s.sale_date = d::date
ORDER BY 1
