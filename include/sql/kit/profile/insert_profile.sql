INSERT INTO audit.column_profile (dag_id, run_id, table_name, column_name, position, kind, rows, nulls, null_rate,
                                  distinct_count, distinct_exact, distinct_share, min_value, max_value, mean,
                                  top_values)
VALUES (%(dag_id)s, %(run_id)s, %(table_name)s, %(column_name)s, %(position)s, %(kind)s, %(rows)s, %(nulls)s, %(null_rate)s,
        %(distinct_count)s, %(distinct_exact)s, %(distinct_share)s, %(min_value)s, %(max_value)s, %(mean)s,
        %(top_values)s::jsonb)
