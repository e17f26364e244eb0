-- The fact's indexes (bootstrap/create_fact_indexes.sql) on one built partition, each the
-- partition's part of the fact's index: attaching the partition adopts them instead of
-- building them again.
CREATE INDEX ON {partition} (task_key, occurred_at);
CREATE INDEX ON {partition} (actor_id, occurred_at);
CREATE INDEX ON {partition} (occurred_at) INCLUDE (task_key, actor_id, project_key)
    WHERE event_type = 'status_changed' AND to_status = 'done';
CREATE INDEX ON {partition} (occurred_at) INCLUDE (task_key) WHERE event_type = 'task_created'
