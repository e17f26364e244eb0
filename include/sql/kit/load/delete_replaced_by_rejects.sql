-- A newer bad version (tmp_rejects) replaces the loaded row: it now lives in quarantine only.
DELETE FROM {core_table} c
USING tmp_rejects r
WHERE c.{key} = r.source_id AND c.updated_at < r.source_updated_at
