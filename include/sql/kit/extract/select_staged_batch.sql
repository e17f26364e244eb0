-- One chunk of a run's staged batch (keyset paging on the (run_id, staging_row) index).
SELECT s.staging_row, {columns}
FROM {staging} s
WHERE s.run_id = %(run_id)s AND s.staging_row > %(after)s {valid}
ORDER BY s.staging_row
LIMIT %(limit)s
