CREATE TEMP TABLE IF NOT EXISTS tmp_platform_ids (external_id text PRIMARY KEY) ON COMMIT DROP;
TRUNCATE tmp_platform_ids;
