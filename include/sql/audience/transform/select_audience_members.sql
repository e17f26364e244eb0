SELECT customer_id, email, first_name, country_code, segment, recency_days, frequency, monetary
FROM staging.audience_members
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s
ORDER BY customer_id
