-- A first load's builder: its share of the facts ({insert_facts}: insert_facts.sql over
-- first_fact_lines.sql), sorted by task for the minutes in memory.
SET LOCAL work_mem = '512MB';
{insert_facts}
