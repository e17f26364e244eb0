-- Has the pipeline processed any file of this source yet? (No: the first run lists every partition.)
SELECT EXISTS (SELECT 1 FROM audit.file_manifest WHERE dag_id = %(dag_id)s AND source = %(source)s)
