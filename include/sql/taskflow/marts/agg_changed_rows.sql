-- The mart rows of the cells night D changed (tmp_agg_delta), as a condition on alias m.
(m.metric_date, m.project_id) IN (SELECT d.full_date, x.project_id
                                  FROM tmp_agg_delta x JOIN core.dim_date d ON d.date_key = x.date_key)
