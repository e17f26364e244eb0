INSERT INTO audit.handoff_packages
    (dag_id, run_id, audience_id, destination, as_of_date, name, description, based_on, full_resync,
     members, upserts, removes, unchanged, checksum, superseded_by, payloads_checksum)
VALUES (%(dag_id)s, %(run_id)s, %(audience_id)s, %(destination)s, %(as_of_date)s, %(name)s, %(description)s,
        %(based_on)s, %(full_resync)s, 0, 0, 0, 0, '', %(superseded_by)s, %(payloads_checksum)s)
RETURNING package_id;
