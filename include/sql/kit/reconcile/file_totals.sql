-- A file source's lines as its manifest records them, against where the lines are: facts,
-- identical duplicates (counted in the manifest), or open in quarantine.
SELECT (SELECT coalesce(sum(lines), 0) FROM audit.file_manifest WHERE dag_id = %(dag_id)s AND source = %(source)s) AS lines,
       (SELECT count(*) FROM {fact_table}) AS facts,
       (SELECT coalesce(sum(duplicates), 0) FROM audit.file_manifest WHERE dag_id = %(dag_id)s AND source = %(source)s) AS duplicates,
       (SELECT count(*) FROM audit.quarantine
        WHERE dag_id = %(dag_id)s AND source_table = %(source)s AND released_at IS NULL) AS quarantined
