-- One month of fact_task_events (bounds in UTC). DDL takes no bind parameters: the bounds
-- come in as psycopg literals of dates the code computed.
CREATE TABLE IF NOT EXISTS {partition} PARTITION OF core.fact_task_events
    FOR VALUES FROM ({low}) TO ({high})
