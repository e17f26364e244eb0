-- Per (as_of_date, segment): size, share of all customers, revenue in the window,
-- average order value (revenue / orders in the window) and average recency.
INSERT INTO marts.segment_summary
    (as_of_date, segment, customers, customer_share, revenue, avg_order_value, avg_recency_days)
SELECT as_of_date, segment, count(*)::integer,
       round(count(*)::numeric / sum(count(*)) OVER (), 6),
       sum(monetary),
       round(sum(monetary) / nullif(sum(frequency), 0), 2),
       round(avg(recency_days), 2)
FROM marts.customer_segments
WHERE as_of_date = %(as_of_date)s
GROUP BY as_of_date, segment
