CREATE TEMP TABLE tmp_reconcile_late (key bigint) ON COMMIT DROP;
CREATE TEMP TABLE tmp_reconcile_source (key bigint, updated_at timestamptz) ON COMMIT DROP
