-- The key of core.task_event_ids (event_id: one row per event in the fact too) and the fact's
-- indexes. Bootstrap creates them; a first load into an empty fact drops them
-- (drop_fact_indexes.sql), inserts, and creates them again with this file: one sorted build of
-- the registry's key instead of millions of single inserts, and the fact's on its partitions
-- while they are empty, to be joined by the built partitions' own
-- (events/create_fact_build_indexes.sql: keep the two files' definitions the same).
CREATE UNIQUE INDEX IF NOT EXISTS task_event_ids_event_id_uq ON core.task_event_ids (event_id);
-- a task's events in time order (minutes in status, the task's project once it arrives)
CREATE INDEX IF NOT EXISTS fact_task_events_task_idx ON core.fact_task_events (task_key, occurred_at);
-- an actor's events from a time on (a new dim_user version)
CREATE INDEX IF NOT EXISTS fact_task_events_actor_idx ON core.fact_task_events (actor_id, occurred_at);
-- the done events and the task_created events from a time on, read from the index alone: the
-- marts' 30-day windows and their checks against core
CREATE INDEX IF NOT EXISTS fact_task_events_done_idx ON core.fact_task_events (occurred_at)
    INCLUDE (task_key, actor_id, project_key)
    WHERE event_type = 'status_changed' AND to_status = 'done';
CREATE INDEX IF NOT EXISTS fact_task_events_created_idx ON core.fact_task_events (occurred_at) INCLUDE (task_key)
    WHERE event_type = 'task_created';
-- (a warehouse bootstrapped before: the fact's (event_id, occurred_at) index was the registry's
-- key over again)
DROP INDEX IF EXISTS core.fact_task_events_pkey
