-- A batch's valid rows into the temp table tmp_valid, as staged or as the domain's {values}
-- (a select list over the staged row s) derives them: one statement, no round trip through the client.
INSERT INTO tmp_valid ({columns})
SELECT {values}
FROM {staging} s
WHERE s.run_id = %(run_id)s {valid}
