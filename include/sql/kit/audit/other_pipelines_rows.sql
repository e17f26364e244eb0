s.dag_id <> %(dag_id)s
