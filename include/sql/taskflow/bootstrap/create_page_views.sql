-- The Task analytics page's views (the page's reader may only read marts): the names and teams
-- the page shows beside the marts' ids, never an email. A view reads core with its owner's
-- rights (etl_writer once roles.sql has run), so dash_reader sees these columns and nothing
-- else of core; roles.sql's grant on all tables in marts covers views.
CREATE SCHEMA IF NOT EXISTS marts;

-- Every project, inferred ones included (name and category NULL until the row arrives), so a
-- join never drops a mart row. team: the owner's current team.
CREATE OR REPLACE VIEW marts.task_projects AS
SELECT p.project_id, p.name, p.category, u.team
FROM core.dim_project p
LEFT JOIN core.dim_user u ON u.user_id = p.owner_user_id AND u.is_current;

-- Every user's current version (one per user_id: dim_user_current_uq).
CREATE OR REPLACE VIEW marts.task_users AS
SELECT user_id, full_name, team
FROM core.dim_user
WHERE is_current;
