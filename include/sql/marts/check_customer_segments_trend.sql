-- Snapshot size against the average of the trailing 7 snapshots (before D).
SELECT (SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s) AS observed,
       (SELECT avg(n) FROM (
            SELECT count(*) AS n FROM marts.customer_segments
            WHERE as_of_date < %(as_of_date)s
            GROUP BY as_of_date ORDER BY as_of_date DESC LIMIT 7) t) AS expected
