UPDATE audit.handoff_batches SET idempotency_key = %(key)s
WHERE package_id = %(package_id)s AND kind = %(kind)s AND batch_no = %(batch_no)s;
