-- SCD2 of core.dim_user from the batch's users (tmp_valid), newer wins. team, role and
-- is_active are versioned: a change closes the current version at the row's updated_at and
-- opens the next. email, full_name and created_at are type 1: every version shows the latest.

-- A row that is not newer than what core holds changes nothing.
DELETE FROM tmp_valid v
USING core.dim_user d
WHERE d.user_id = v.user_id AND d.is_current AND NOT d.is_inferred
  AND d.source_updated_at >= v.updated_at;

-- An inferred member (an actor seen before the row) becomes the user's first version.
UPDATE core.dim_user d
SET email = v.email, full_name = v.full_name, team = v.team, role = v.role, is_active = v.is_active,
    created_at = v.created_at, is_inferred = false, source_updated_at = v.updated_at
FROM tmp_valid v
WHERE d.user_id = v.user_id AND d.is_inferred;

-- The users whose versioned attributes changed.
CREATE TEMP TABLE tmp_user_changes ON COMMIT DROP AS
SELECT v.*, d.user_key AS closed_key
FROM tmp_valid v
JOIN core.dim_user d ON d.user_id = v.user_id AND d.is_current
WHERE d.source_updated_at < v.updated_at
  AND (d.team, d.role, d.is_active) IS DISTINCT FROM (v.team, v.role, v.is_active);
-- its size, for the plans below: a night's few dozen users reach their facts through the actor
-- index, where the default guess for an unanalyzed table hashes them against every fact
ANALYZE tmp_user_changes;

UPDATE core.dim_user d
SET valid_to = c.updated_at, is_current = false
FROM tmp_user_changes c
WHERE d.user_key = c.closed_key;

INSERT INTO core.dim_user (user_id, email, full_name, team, role, is_active, created_at, valid_from,
                           source_updated_at)
SELECT user_id, email, full_name, team, role, is_active, created_at, updated_at, updated_at
FROM tmp_user_changes;

-- Type 1 attributes, and the newer row's time, on every version of the user.
UPDATE core.dim_user d
SET email = v.email, full_name = v.full_name, created_at = v.created_at,
    source_updated_at = CASE WHEN d.is_current THEN v.updated_at ELSE d.source_updated_at END
FROM tmp_valid v
WHERE d.user_id = v.user_id
  AND ((d.email, d.full_name, d.created_at) IS DISTINCT FROM (v.email, v.full_name, v.created_at)
       OR (d.is_current AND d.source_updated_at < v.updated_at));

-- New users: the first version reaches back to 1900-01-01, so every event of theirs finds one.
INSERT INTO core.dim_user (user_id, email, full_name, team, role, is_active, created_at, valid_from,
                           source_updated_at)
SELECT v.user_id, v.email, v.full_name, v.team, v.role, v.is_active, v.created_at, '1900-01-01 00:00:00+00', v.updated_at
FROM tmp_valid v
WHERE NOT EXISTS (SELECT 1 FROM core.dim_user d WHERE d.user_id = v.user_id);

-- Events at or after a new version's start now belong to it.
UPDATE core.fact_task_events f
SET actor_user_key = d.user_key
FROM tmp_user_changes c
JOIN core.dim_user d ON d.user_id = c.user_id AND d.is_current
WHERE f.actor_id = c.user_id
  AND f.occurred_at >= c.updated_at
  AND f.actor_user_key IS DISTINCT FROM d.user_key
