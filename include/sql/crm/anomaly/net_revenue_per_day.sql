-- Net revenue per business day (marts.daily_sales, restated by this run); 0 for a day without orders.
SELECT d::date, coalesce(sum(s.net_revenue), 0)
FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') d
LEFT JOIN marts.daily_sales s ON s.sale_date = d::date
GROUP BY d
ORDER BY d;
