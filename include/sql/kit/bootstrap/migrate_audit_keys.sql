-- Once, on a warehouse whose audit tables predate per-pipeline keys (one pipeline wrote them
-- all): key every audit row by its pipeline. Run by bootstrap in one transaction, before
-- create_audit.sql, only while audit.watermarks has no pipeline column. Old rows take the dag_id
-- of their run in audit.etl_run_log, else the dag_id parameter (the pipeline that owned the
-- warehouse), and bare source table names get the source_schema parameter. No row is dropped.
ALTER TABLE audit.etl_run_log DROP CONSTRAINT etl_run_log_pkey;
ALTER TABLE audit.etl_run_log ADD PRIMARY KEY (dag_id, run_id);
DROP INDEX IF EXISTS audit.etl_run_log_day_idx;

ALTER TABLE audit.data_quality_log ADD COLUMN dag_id text;
UPDATE audit.data_quality_log q
SET dag_id = coalesce((SELECT min(r.dag_id) FROM audit.etl_run_log r WHERE r.run_id = q.run_id), %(dag_id)s);
ALTER TABLE audit.data_quality_log ALTER COLUMN dag_id SET NOT NULL;
DROP INDEX IF EXISTS audit.data_quality_log_run_idx;

ALTER TABLE audit.alert_log ADD COLUMN dag_id text;
UPDATE audit.alert_log a
SET dag_id = coalesce((SELECT min(r.dag_id) FROM audit.etl_run_log r WHERE r.run_id = a.run_id), %(dag_id)s);
ALTER TABLE audit.alert_log ALTER COLUMN dag_id SET NOT NULL;
ALTER TABLE audit.alert_log DROP CONSTRAINT alert_log_pkey;
ALTER TABLE audit.alert_log ADD PRIMARY KEY (dag_id, run_id, kind);

ALTER TABLE audit.quarantine ADD COLUMN dag_id text;
UPDATE audit.quarantine q
SET dag_id = coalesce((SELECT min(r.dag_id) FROM audit.etl_run_log r WHERE r.run_id = q.run_id), %(dag_id)s),
    source_table = CASE WHEN position('.' IN source_table) = 0 THEN %(source_schema)s || '.' || source_table
                        ELSE source_table END;
ALTER TABLE audit.quarantine ALTER COLUMN dag_id SET NOT NULL;

ALTER TABLE audit.watermarks ADD COLUMN pipeline text;
UPDATE audit.watermarks SET pipeline = %(dag_id)s;
ALTER TABLE audit.watermarks ALTER COLUMN pipeline SET NOT NULL;
ALTER TABLE audit.watermarks DROP CONSTRAINT watermarks_pkey;
ALTER TABLE audit.watermarks ADD PRIMARY KEY (pipeline, source_table);

ALTER TABLE staging.rejects ADD COLUMN dag_id text;
UPDATE staging.rejects j
SET dag_id = coalesce((SELECT min(r.dag_id) FROM audit.etl_run_log r WHERE r.run_id = j.run_id), %(dag_id)s),
    source_table = CASE WHEN position('.' IN source_table) = 0 THEN %(source_schema)s || '.' || source_table
                        ELSE source_table END;
ALTER TABLE staging.rejects ALTER COLUMN dag_id SET NOT NULL;
DROP INDEX IF EXISTS staging.rejects_run_idx;

-- The single version row becomes the owning domain's.
ALTER TABLE audit.ddl_version ADD COLUMN domain text;
UPDATE audit.ddl_version SET domain = %(domain)s;
ALTER TABLE audit.ddl_version DROP CONSTRAINT ddl_version_pkey;
ALTER TABLE audit.ddl_version DROP COLUMN singleton;
ALTER TABLE audit.ddl_version ALTER COLUMN domain SET NOT NULL;
ALTER TABLE audit.ddl_version ADD PRIMARY KEY (domain)
