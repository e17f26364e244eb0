-- RFM segments for business day D (%(as_of_date)s), every rule in one place.
-- cutoff = D+1 00:00 in the business timezone; window = [cutoff - 365 days, cutoff).
-- Runs in one transaction with the DELETE of the same as_of_date (atomic publish).
INSERT INTO marts.customer_segments
    (as_of_date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment)
WITH bounds AS (
    SELECT %(as_of_date)s::date AS as_of_date,
           ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s) AS cutoff,
           ((%(as_of_date)s::date + 1 - 365)::timestamp AT TIME ZONE %(business_tz)s) AS window_start
),
-- Canonical customers created before the cutoff and not soft-deleted at it. Inferred members
-- are not in customer_xref, so a customer never seen in the source has no row.
population AS (
    SELECT x.customer_id
    FROM core.customer_xref x, bounds b
    WHERE x.customer_id = x.canonical_customer_id
      AND x.created_at < b.cutoff
      AND (x.deleted_at IS NULL OR x.deleted_at >= b.cutoff)
),
-- Qualifying orders: paid, shipped or delivered, placed before the cutoff, counted for the
-- canonical customer of their customer_id. Value = valid lines - discount (net_amount).
qualifying AS (
    SELECT x.canonical_customer_id AS customer_id, f.order_ts, f.net_amount
    FROM core.fact_orders f
    JOIN core.customer_xref x ON x.customer_id = f.customer_id
    CROSS JOIN bounds b
    WHERE f.status IN ('paid', 'shipped', 'delivered') AND f.order_ts < b.cutoff
),
rfm AS (
    SELECT p.customer_id,
           b.as_of_date - max((q.order_ts AT TIME ZONE %(business_tz)s)::date) AS recency_days,
           count(q.order_ts) FILTER (WHERE q.order_ts >= b.window_start)::integer AS frequency,
           coalesce(sum(q.net_amount) FILTER (WHERE q.order_ts >= b.window_start), 0)::numeric(14, 2) AS monetary
    FROM population p
    CROSS JOIN bounds b
    LEFT JOIN qualifying q ON q.customer_id = p.customer_id
    GROUP BY p.customer_id, b.as_of_date
),
-- Competition ranks (1 = lowest, ties share the lowest rank) among customers with frequency >= 1.
ranked AS (
    SELECT r.*,
           count(*) FILTER (WHERE r.frequency >= 1) OVER () AS n,
           rank() OVER (PARTITION BY r.frequency >= 1 ORDER BY r.recency_days DESC) AS r_rank,
           rank() OVER (PARTITION BY r.frequency >= 1 ORDER BY r.frequency) AS f_rank,
           rank() OVER (PARTITION BY r.frequency >= 1 ORDER BY r.monetary) AS m_rank
    FROM rfm r
),
scored AS (
    SELECT customer_id, recency_days, frequency, monetary,
           CASE WHEN frequency >= 1 THEN marts.rfm_score(r_rank, n) END AS r_score,
           CASE WHEN frequency >= 1 THEN marts.rfm_score(f_rank, n) END AS f_score,
           CASE WHEN frequency >= 1 THEN marts.rfm_score(m_rank, n) END AS m_score
    FROM ranked
)
SELECT %(as_of_date)s::date, customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
       CASE
           WHEN frequency >= 1 THEN marts.rfm_segment(r_score, f_score)
           WHEN recency_days IS NOT NULL THEN 'lost'      -- ordered before, not in the window
           ELSE 'prospect'                                -- never a qualifying order
       END
FROM scored
