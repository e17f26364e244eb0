-- One chunk of night D's snapshot, for the pandera checks (keyset paging on customer_id).
SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment
FROM marts.customer_segments
WHERE as_of_date = %(as_of_date)s AND customer_id > %(after)s
ORDER BY customer_id
LIMIT %(limit)s
