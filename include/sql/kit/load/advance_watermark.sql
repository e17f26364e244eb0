-- Runs in the load's transaction, so the watermark moves only if the load commits.
-- It never moves back: a backfill of an old night leaves it where it is.
INSERT INTO audit.watermarks AS w (pipeline, source_table, watermark, run_id, updated_at)
VALUES (%(dag_id)s, %(source_table)s, %(interval_end)s, %(run_id)s, now())
ON CONFLICT (pipeline, source_table) DO UPDATE
SET watermark = excluded.watermark, run_id = excluded.run_id, updated_at = excluded.updated_at
WHERE excluded.watermark > w.watermark
