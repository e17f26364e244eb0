SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s;
