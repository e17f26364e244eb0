-- Publish a rebuilt night: the snapshot scored into {snapshot} by build_customer_segments.sql
-- replaces the night's rows (deleted in the same transaction). In customer_id order, the
-- primary key's inserts append at its right edge.
INSERT INTO marts.customer_segments
    (as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment)
SELECT as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment
FROM {snapshot}
ORDER BY customer_id;
DROP TABLE {snapshot}
