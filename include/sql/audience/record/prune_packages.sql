-- Member lists of packages for snapshots more than keep_days before this one (their batches,
-- counts and checksums stay).
DELETE FROM audit.handoff_package_members m
USING audit.handoff_packages k
WHERE m.package_id = k.package_id AND k.as_of_date < %(as_of_date)s::date - %(keep_days)s::integer;
