-- The audience of one campaign for as_of_date: the snapshot's customers in its segments whose
-- current dim_customer version is not deleted, has consent and an email (read now, at handoff
-- time, not as of the snapshot), and who pass the campaign's country and monetary filters.
INSERT INTO staging.audience_members
    (dag_id, run_id, audience_id, customer_id, email, first_name, country_code, segment, recency_days,
     frequency, monetary)
SELECT %(dag_id)s, %(run_id)s, %(audience_id)s, s.customer_id, d.email, d.first_name, d.country_code, s.segment,
       s.recency_days, s.frequency, s.monetary
FROM marts.customer_segments s
JOIN core.dim_customer d ON d.customer_id = s.customer_id AND d.is_current
WHERE s.as_of_date = %(as_of_date)s
  AND s.segment = ANY(%(segments)s::text[])
  AND NOT d.is_deleted AND d.deleted_at IS NULL
  AND d.marketing_opt_in
  AND d.email IS NOT NULL
  AND (%(countries)s::text[] IS NULL OR d.country_code = ANY(%(countries)s::text[]))
  AND (%(min_monetary)s::numeric IS NULL OR s.monetary >= %(min_monetary)s::numeric);
