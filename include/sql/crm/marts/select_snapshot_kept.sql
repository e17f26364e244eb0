-- A snapshot is history once a newer night exists: a backfill of an old night keeps it (the
-- warehouse no longer knows that night's state), and only fills a missing one.
SELECT EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s)
   AND EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date > %(as_of_date)s)
