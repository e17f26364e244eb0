-- The rules of one night's snapshot (night %(as_of_date)s), one row per broken rule with its
-- failing rows; no row when the snapshot is sound. The table's own constraints already hold
-- the key and the NOT NULL columns. %(segments)s: every segment; %(unscored)s: those of
-- customers with no qualifying order in the window.
WITH failing AS (
    SELECT count(*) FILTER (WHERE recency_days < 0) AS recency_negative,
           count(*) FILTER (WHERE frequency < 0) AS frequency_negative,
           count(*) FILTER (WHERE r_score NOT BETWEEN 1 AND 5) AS r_score_out_of_range,
           count(*) FILTER (WHERE f_score NOT BETWEEN 1 AND 5) AS f_score_out_of_range,
           count(*) FILTER (WHERE m_score NOT BETWEEN 1 AND 5) AS m_score_out_of_range,
           count(*) FILTER (WHERE segment <> ALL (%(segments)s::text[])) AS unknown_segment,
           -- scored (all three scores) exactly when the customer bought in the window
           count(*) FILTER (WHERE NOT (frequency > 0 AND num_nulls(r_score, f_score, m_score) = 0
                                       OR frequency = 0 AND num_nonnulls(r_score, f_score, m_score) = 0)
           ) AS scored_exactly_when_frequency_positive,
           count(*) FILTER (WHERE (frequency = 0) IS DISTINCT FROM (segment = ANY (%(unscored)s::text[])))
               AS lost_and_prospect_only_without_orders_in_window,
           count(*) FILTER (WHERE (segment = 'prospect') IS DISTINCT FROM (recency_days IS NULL))
               AS prospect_exactly_when_never_ordered
    FROM marts.customer_segments
    WHERE as_of_date = %(as_of_date)s
)
SELECT rule, rows
FROM failing,
     LATERAL (VALUES ('recency_days: greater_than_or_equal_to(0)', recency_negative),
                     ('frequency: greater_than_or_equal_to(0)', frequency_negative),
                     ('r_score: in_range(1, 5)', r_score_out_of_range),
                     ('f_score: in_range(1, 5)', f_score_out_of_range),
                     ('m_score: in_range(1, 5)', m_score_out_of_range),
                     ('segment: isin(segments)', unknown_segment),
                     ('snapshot: scored_exactly_when_frequency_positive', scored_exactly_when_frequency_positive),
                     ('snapshot: lost_and_prospect_only_without_orders_in_window',
                      lost_and_prospect_only_without_orders_in_window),
                     ('snapshot: prospect_exactly_when_never_ordered', prospect_exactly_when_never_ordered)
     ) AS rules (rule, rows)
WHERE rows > 0
ORDER BY rule
