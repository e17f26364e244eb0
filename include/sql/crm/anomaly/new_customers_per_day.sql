-- Customers created per business day (their current version's created_at, in ETL_BUSINESS_TZ).
-- dim_customer is read once for the whole window and grouped by day; a join of the days with a
-- range condition on created_at scanned every customer once per day (0.53 s at 250k).
WITH days AS (
    SELECT d::date AS day FROM generate_series(%(first_day)s::date, %(last_day)s::date, interval '1 day') d
),
created AS (
    SELECT (c.created_at AT TIME ZONE %(tz)s)::date AS day, count(*) AS customers
    FROM core.dim_customer c
    WHERE c.is_current AND NOT c.is_deleted
      AND c.created_at >= %(first_day)s::date::timestamp AT TIME ZONE %(tz)s
      AND c.created_at < (%(last_day)s::date + 1)::timestamp AT TIME ZONE %(tz)s
    GROUP BY 1
)
SELECT days.day, coalesce(created.customers, 0)
FROM days
LEFT JOIN created ON created.day = days.day
ORDER BY days.day;
