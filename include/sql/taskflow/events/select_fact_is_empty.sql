SELECT NOT EXISTS (SELECT 1 FROM core.fact_task_events)
