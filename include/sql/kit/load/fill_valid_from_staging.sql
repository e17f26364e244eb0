-- A batch's valid rows, as staged, into the temp table tmp_valid (for a table whose load
-- needs no transform in pandas): one statement, no round trip through the client.
INSERT INTO tmp_valid ({columns})
SELECT {staged_columns}
FROM {staging} s
WHERE s.run_id = %(run_id)s {valid}
