-- The audience's delivery moved on: as_of_date never goes back; `complete` marks the snapshot
-- delivered in full, with the name and description it was sent under.
INSERT INTO audit.audience_state AS s
    (audience_id, destination, as_of_date, complete_as_of_date, package_id, metadata_fingerprint, updated_at)
VALUES (%(audience_id)s, %(destination)s, %(as_of_date)s, CASE WHEN %(complete)s THEN %(as_of_date)s::date END,
        %(package_id)s, %(metadata_fingerprint)s, now())
ON CONFLICT (audience_id, destination) DO UPDATE
SET as_of_date = greatest(s.as_of_date, excluded.as_of_date),
    complete_as_of_date = CASE WHEN %(complete)s THEN greatest(s.complete_as_of_date, excluded.as_of_date)
                               ELSE s.complete_as_of_date END,
    package_id = excluded.package_id,
    metadata_fingerprint = coalesce(excluded.metadata_fingerprint, s.metadata_fingerprint),
    updated_at = now();
