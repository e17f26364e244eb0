-- Everyone in the touched email groups, plus the touched customers themselves.
-- Two semi-joins, not `IN (...) OR IN (...)`: an OR of subqueries becomes a per-row
-- subplan, quadratic once the batch outgrows work_mem (it stalled a 2M-line load).
-- UNION ALL, the second part without the first's rows (an anti-join, which may spill like
-- the semi-joins): a UNION compared every member's eleven columns to drop the repeats.
ANALYZE tmp_emails;
ANALYZE tmp_customers;
CREATE TEMP TABLE tmp_members ON COMMIT DROP AS
SELECT {columns} FROM core.customer_xref WHERE email IN (SELECT email FROM tmp_emails)
UNION ALL
SELECT {columns} FROM core.customer_xref x
WHERE customer_id IN (SELECT customer_id FROM tmp_customers)
  AND NOT EXISTS (SELECT 1 FROM tmp_emails e WHERE e.email = x.email)
