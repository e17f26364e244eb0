-- The destination acknowledged a remove batch: its members are no longer delivered.
DELETE FROM audit.audience_delivered d
USING audit.handoff_package_members m
WHERE m.package_id = %(package_id)s AND m.kind = 'remove' AND m.batch_no = %(batch_no)s
  AND d.audience_id = %(audience_id)s AND d.destination = %(destination)s AND d.external_id = m.external_id;
