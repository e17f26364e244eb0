-- removed.csv: the package's removes.
SELECT external_id, payload, reason
FROM audit.handoff_package_members
WHERE package_id = %(package_id)s AND kind = 'remove'
ORDER BY external_id COLLATE "C";
