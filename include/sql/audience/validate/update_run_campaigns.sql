UPDATE audit.handoff_runs
SET campaigns = %(campaigns)s::jsonb, source_run_id = %(source_run_id)s, validated_at = now()
WHERE dag_id = %(dag_id)s AND run_id = %(run_id)s;
