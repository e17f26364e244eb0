-- Night D's project_health has exactly one row per live project (not inferred, archived_at
-- NULL or >= cutoff): observed = live projects without a row + rows of other projects.
WITH live AS (
    SELECT project_id
    FROM core.dim_project
    WHERE NOT is_inferred
      AND (archived_at IS NULL
           OR archived_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
),
snapshot AS (
    SELECT project_id FROM marts.project_health WHERE as_of_date = %(as_of_date)s
)
SELECT count(*) FILTER (WHERE s.project_id IS NULL OR l.project_id IS NULL) AS observed, 0 AS expected
FROM snapshot s
FULL JOIN live l ON l.project_id = s.project_id
