-- Which of these files the manifest already holds: they are never read again.
SELECT path FROM audit.file_manifest
WHERE dag_id = %(dag_id)s AND source = %(source)s AND path = ANY(%(paths)s)
