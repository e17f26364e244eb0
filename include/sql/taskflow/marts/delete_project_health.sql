DELETE FROM marts.project_health WHERE as_of_date = %(as_of_date)s
