-- A batch's members in the order they are sent.
SELECT external_id, payload
FROM audit.handoff_package_members
WHERE package_id = %(package_id)s AND kind = %(kind)s AND batch_no = %(batch_no)s
ORDER BY external_id COLLATE "C";
