-- Counted before each request, committed: a resend after a crash counts as a retry too.
UPDATE audit.handoff_batches SET tries = tries + 1
WHERE package_id = %(package_id)s AND kind = %(kind)s AND batch_no = %(batch_no)s
RETURNING tries;
