-- KPI tiles for one snapshot. Active = at least one qualifying order in the 365-day window;
-- revenue and average order value are over that window (monetary / frequency).
SELECT count(*)                                                    AS customers,
       count(*) FILTER (WHERE frequency > 0)                       AS active_customers,
       coalesce(sum(monetary), 0)                                  AS revenue,
       round(sum(monetary) / nullif(sum(frequency), 0), 2)         AS avg_order_value
FROM marts.customer_segments
WHERE as_of_date = %(as_of_date)s
