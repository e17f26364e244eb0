DELETE FROM marts.user_productivity WHERE as_of_date = %(as_of_date)s
