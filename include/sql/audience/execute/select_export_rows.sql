-- members.csv: the whole audience of the snapshot, the members' fields in the contract's order,
-- typed as the segments page's CSV types them.
SELECT customer_id::text AS external_id, email, first_name, country_code, segment, recency_days, frequency,
       monetary
FROM staging.audience_members
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s
ORDER BY customer_id::text COLLATE "C";
