-- Snapshot size against the average of the trailing 7 snapshots (before D); their sizes come
-- from segment_summary, built from each snapshot in the same transaction.
SELECT (SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s) AS observed,
       (SELECT avg(n) FROM (
            SELECT sum(customers) AS n FROM marts.segment_summary
            WHERE as_of_date < %(as_of_date)s
            GROUP BY as_of_date ORDER BY as_of_date DESC LIMIT 7) t) AS expected
