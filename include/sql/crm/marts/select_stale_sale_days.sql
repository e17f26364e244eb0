-- The business dates <= D whose sales changed since they were built: the dates each noted
-- hour meets in the business timezone (at most two). restate_all: a note asks for every day.
SELECT EXISTS (SELECT 1 FROM audit.stale_sales WHERE order_hour IS NULL) AS restate_all,
       coalesce(array_agg(DISTINCT d.day ORDER BY d.day) FILTER (WHERE d.day <= %(as_of_date)s),
                '{}') AS days
FROM audit.stale_sales s
CROSS JOIN LATERAL (VALUES ((s.order_hour AT TIME ZONE %(business_tz)s)::date),
                           (((s.order_hour + interval '1 hour' - interval '1 microsecond')
                             AT TIME ZONE %(business_tz)s)::date)) AS d (day)
WHERE s.order_hour IS NOT NULL
