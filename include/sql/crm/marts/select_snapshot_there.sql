-- Night D has rows already (a rerun), or a partition of its own.
SELECT to_regclass(%(partition)s) IS NOT NULL
    OR EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s)
