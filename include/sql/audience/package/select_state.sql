SELECT as_of_date, complete_as_of_date, package_id, metadata_fingerprint
FROM audit.audience_state
WHERE audience_id = %(audience_id)s AND destination = %(destination)s;
