-- Customers created per business day (their current version's created_at, in ETL_BUSINESS_TZ).
WITH days AS (
    SELECT d::date AS day FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') d
)
SELECT days.day, count(c.customer_id)
FROM days
LEFT JOIN core.dim_customer c
       ON c.is_current AND NOT c.is_deleted
      AND c.created_at >= days.day::timestamp AT TIME ZONE %(tz)s
      AND c.created_at < (days.day + 1)::timestamp AT TIME ZONE %(tz)s
GROUP BY days.day
ORDER BY days.day;
