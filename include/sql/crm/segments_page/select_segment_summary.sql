SELECT as_of_date, segment, customers, customer_share, revenue, avg_order_value, avg_recency_days
FROM marts.segment_summary
WHERE as_of_date = %(as_of_date)s
ORDER BY customers DESC, segment
