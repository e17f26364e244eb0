-- The cells night D changed (tmp_agg_delta), as a condition on alias c.
(c.date_key, c.project_id) IN (SELECT date_key, project_id FROM tmp_agg_delta)
