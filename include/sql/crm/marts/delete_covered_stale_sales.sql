-- Notes whose every date is <= D are covered by this build. The restate-everything note goes
-- once no later day exists (a backfill of an old night leaves it for the nights after).
DELETE FROM audit.stale_sales
WHERE ((order_hour + interval '1 hour' - interval '1 microsecond') AT TIME ZONE %(business_tz)s)::date
      <= %(as_of_date)s
   OR (order_hour IS NULL AND NOT EXISTS (SELECT 1 FROM marts.daily_sales WHERE sale_date > %(as_of_date)s))
