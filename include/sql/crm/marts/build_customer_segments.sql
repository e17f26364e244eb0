-- RFM segments for business day D (%(as_of_date)s), every rule in one place.
-- cutoff = D+1 00:00 in the business timezone; window = [cutoff - 365 days, cutoff).
-- Scored into a new table (CREATE TABLE AS may scan and aggregate with parallel workers, an
-- INSERT ... SELECT may not): a new night's partition, which attach_customer_segments.sql
-- indexes and attaches, or, when the night is rebuilt, a temp table that
-- insert_customer_segments.sql publishes. Both in the transaction of the whole build.
CREATE TABLE {snapshot} AS
-- Qualifying orders (paid, shipped or delivered, placed before the cutoff) summed per
-- canonical customer of their customer_id. Value = valid lines - discount (net_amount).
-- cutoff = D+1 00:00 in the business timezone; window = [cutoff - 365 days, cutoff).
WITH ordered AS (
    SELECT x.canonical_customer_id AS customer_id,
           max(f.order_ts) AS last_order_ts,
           count(*) FILTER (
               WHERE f.order_ts >= ((%(as_of_date)s::date + 1 - 365)::timestamp AT TIME ZONE %(business_tz)s)
           ) AS frequency,
           sum(f.net_amount) FILTER (
               WHERE f.order_ts >= ((%(as_of_date)s::date + 1 - 365)::timestamp AT TIME ZONE %(business_tz)s)
           ) AS monetary
    FROM core.fact_orders f
    JOIN core.customer_xref x ON x.customer_id = f.customer_id
    WHERE f.status IN ('paid', 'shipped', 'delivered')
      AND f.order_ts < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
    GROUP BY x.canonical_customer_id
),
-- The population: canonical customers created before the cutoff and not soft-deleted at it.
-- Inferred members are not in customer_xref, so a customer never seen in the source has no row.
rfm AS (
    SELECT x.customer_id,
           %(as_of_date)s::date - (o.last_order_ts AT TIME ZONE %(business_tz)s)::date AS recency_days,
           coalesce(o.frequency, 0)::integer AS frequency,
           coalesce(o.monetary, 0)::numeric(14, 2) AS monetary
    FROM core.customer_xref x
    LEFT JOIN ordered o ON o.customer_id = x.customer_id
    WHERE x.customer_id = x.canonical_customer_id
      AND x.created_at < ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s)
      AND (x.deleted_at IS NULL
           OR x.deleted_at >= ((%(as_of_date)s::date + 1)::timestamp AT TIME ZONE %(business_tz)s))
),
-- Competition ranks (1 = lowest, ties share the lowest rank) among customers with frequency >= 1:
-- 1 + the number of buyers strictly before the customer. Recency and frequency take few distinct
-- values, so their ranks are counted once per value and looked up; only monetary is sorted.
buyers AS (
    SELECT * FROM rfm WHERE frequency >= 1
),
recency_ranks AS (
    SELECT recency_days,
           1 + coalesce(sum(count(*)) OVER (ORDER BY recency_days DESC
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS r_rank
    FROM buyers
    GROUP BY recency_days
),
frequency_ranks AS (
    SELECT frequency,
           1 + coalesce(sum(count(*)) OVER (ORDER BY frequency
                                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::bigint AS f_rank
    FROM buyers
    GROUP BY frequency
),
ranked AS (
    SELECT b.*, rr.r_rank, fr.f_rank,
           count(*) OVER () AS n,
           rank() OVER (ORDER BY b.monetary) AS m_rank
    FROM buyers b
    JOIN recency_ranks rr ON rr.recency_days = b.recency_days
    JOIN frequency_ranks fr ON fr.frequency = b.frequency
),
scored AS (
    SELECT customer_id, recency_days, frequency, monetary,
           marts.rfm_score(r_rank, n) AS r_score,
           marts.rfm_score(f_rank, n) AS f_score,
           marts.rfm_score(m_rank, n) AS m_score
    FROM ranked
    UNION ALL
    SELECT customer_id, recency_days, frequency, monetary, NULL, NULL, NULL  -- no order in the window
    FROM rfm
    WHERE frequency < 1
)
-- The columns' types are the partitioned table's, as attaching a partition requires.
SELECT %(as_of_date)s::date AS as_of_date, customer_id::bigint, recency_days::integer, frequency::integer,
       monetary::numeric(14, 2), r_score::smallint, f_score::smallint, m_score::smallint,
       CASE
           WHEN frequency >= 1 THEN marts.rfm_segment(r_score, f_score)
           WHEN recency_days IS NOT NULL THEN 'lost'      -- ordered before, not in the window
           ELSE 'prospect'                                -- never a qualifying order
       END::text AS segment
FROM scored
