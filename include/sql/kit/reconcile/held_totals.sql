SELECT count(*) AS rows, sum(key) AS key_sum, sum(extract(epoch FROM updated_at)) AS version_sum,
       sum(amount) AS amount
FROM tmp_reconcile_held
