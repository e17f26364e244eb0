-- Publish the snapshot scored by build_customer_segments.sql (same transaction as the DELETE
-- of its as_of_date). In customer_id order, the primary key's inserts append at its right edge.
INSERT INTO marts.customer_segments
    (as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment)
SELECT as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment
FROM tmp_customer_segments
ORDER BY customer_id
