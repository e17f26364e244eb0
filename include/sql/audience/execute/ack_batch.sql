UPDATE audit.handoff_batches SET acked_at = now()
WHERE package_id = %(package_id)s AND kind = %(kind)s AND batch_no = %(batch_no)s;
