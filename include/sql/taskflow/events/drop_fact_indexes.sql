-- Before a first load into the empty fact (see bootstrap/create_fact_indexes.sql): the
-- registry's key and the fact's indexes are built again after the rows.
DROP INDEX IF EXISTS core.task_event_ids_event_id_uq;
DROP INDEX IF EXISTS core.fact_task_events_task_idx;
DROP INDEX IF EXISTS core.fact_task_events_actor_idx;
DROP INDEX IF EXISTS core.fact_task_events_done_idx;
DROP INDEX IF EXISTS core.fact_task_events_created_idx
