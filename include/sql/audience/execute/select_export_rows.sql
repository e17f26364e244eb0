-- members.csv: the whole audience of the snapshot, as transformed.
SELECT payload
FROM staging.audience_payloads
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s
ORDER BY external_id COLLATE "C";
