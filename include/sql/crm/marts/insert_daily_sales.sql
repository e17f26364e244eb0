-- Publish the days restated by build_daily_sales.sql (same transaction as their DELETE).
INSERT INTO marts.daily_sales (sale_date, country_code, channel, orders, items, net_revenue, customers)
SELECT sale_date, country_code, channel, orders, items, net_revenue, customers
FROM tmp_daily_sales
