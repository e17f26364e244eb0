SELECT package_id, based_on, upserts, removes, unchanged, members, checksum, superseded_by, payloads_checksum
FROM audit.handoff_packages
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s AND audience_id = %(audience_id)s AND retired_at IS NULL;
