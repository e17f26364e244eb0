DELETE FROM marts.daily_sales
WHERE sale_date <= %(as_of_date)s AND (%(restate_all)s OR sale_date = ANY(%(days)s::date[]))
