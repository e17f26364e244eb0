-- Snapshots whose movement changes when snapshot D (%(as_of_date)s) is (re)built: D itself and
-- the next snapshot after D, each with the latest snapshot before it.
WITH targets AS (
    SELECT %(as_of_date)s::date AS as_of_date
    UNION
    SELECT min(as_of_date) FROM marts.customer_segments WHERE as_of_date > %(as_of_date)s
)
SELECT t.as_of_date,
       (SELECT max(c.as_of_date) FROM marts.customer_segments c WHERE c.as_of_date < t.as_of_date)
FROM targets t
WHERE t.as_of_date IS NOT NULL
