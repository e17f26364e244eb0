-- A staged row s that validate did not reject: inside a load, after quarantine() has put the
-- batch's rejects into tmp_rejects (analyzed). The shared staging.rejects is not analyzed yet
-- when the load plans: at its old statistics a first night's 1M lines were anti-joined to 5.7k
-- rejects by a nested loop, 166 s instead of 0.8 s.
AND NOT EXISTS (SELECT 1 FROM tmp_rejects r WHERE r.staging_row = s.staging_row)
