-- Marts for marketing, rebuilt by crm_nightly for each business day D (include/sql/marts/).
CREATE SCHEMA IF NOT EXISTS marts;

-- One row per canonical customer per night (as_of_date = D); earlier nights are kept.
-- One partition per night, marts.customer_segments_YYYYMMDD: build_marts fills a new night's
-- table, indexes it in bulk and attaches it (marts/attach_customer_segments.sql). Rows of a date
-- without a partition of its own (a hand-made fix) land in the default partition.
-- A warehouse from before the partitioning keeps its snapshots: the table is set aside here
-- and its rows are moved into per-night partitions below.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass('marts.customer_segments') AND relkind = 'r') THEN
        -- The views on it are made again below (segment_movement is a table since).
        DROP VIEW IF EXISTS marts.segment_contacts;
        IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass('marts.segment_movement') AND relkind = 'v') THEN
            DROP VIEW marts.segment_movement;
        END IF;
        ALTER TABLE marts.customer_segments RENAME TO customer_segments_unpartitioned;
        ALTER INDEX marts.customer_segments_pkey RENAME TO customer_segments_unpartitioned_pkey;
        ALTER INDEX IF EXISTS marts.customer_segments_segment_idx
            RENAME TO customer_segments_unpartitioned_segment_idx;
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS marts.customer_segments (
    as_of_date    date           NOT NULL,
    customer_id   bigint         NOT NULL,  -- canonical customer (core.customer_xref)
    recency_days  integer,                  -- D - date of the last qualifying order; NULL if none ever
    frequency     integer        NOT NULL,  -- qualifying orders in [cutoff - 365 days, cutoff)
    monetary      numeric(14, 2) NOT NULL,  -- their value (lines - discount)
    r_score       smallint,
    f_score       smallint,
    m_score       smallint,
    segment       text           NOT NULL,
    PRIMARY KEY (as_of_date, customer_id)
) PARTITION BY LIST (as_of_date);
CREATE INDEX IF NOT EXISTS customer_segments_segment_idx
    ON marts.customer_segments (as_of_date, segment, customer_id);
CREATE TABLE IF NOT EXISTS marts.customer_segments_default PARTITION OF marts.customer_segments DEFAULT;
DO $$
DECLARE
    night date;
BEGIN
    IF to_regclass('marts.customer_segments_unpartitioned') IS NOT NULL THEN
        FOR night IN SELECT DISTINCT as_of_date FROM marts.customer_segments_unpartitioned LOOP
            EXECUTE format('CREATE TABLE marts.%I PARTITION OF marts.customer_segments FOR VALUES IN (%L)',
                           'customer_segments_' || to_char(night, 'YYYYMMDD'), night);
        END LOOP;
        INSERT INTO marts.customer_segments SELECT * FROM marts.customer_segments_unpartitioned;
        DROP TABLE marts.customer_segments_unpartitioned;
    END IF;
END $$;

CREATE TABLE IF NOT EXISTS marts.segment_summary (
    as_of_date        date           NOT NULL,
    segment           text           NOT NULL,
    customers         integer        NOT NULL,
    customer_share    numeric(9, 6)  NOT NULL,  -- of all customers in the snapshot
    revenue           numeric(16, 2) NOT NULL,  -- monetary summed: qualifying orders in the window
    avg_order_value   numeric(14, 2),           -- revenue / orders in the window
    avg_recency_days  numeric(10, 2),           -- over customers with a qualifying order
    PRIMARY KEY (as_of_date, segment)
);

-- One row per (sale_date, country_code, channel) of qualifying orders, by order date in the
-- business timezone; country_code is the customer's country at order time (SCD2 version).
CREATE TABLE IF NOT EXISTS marts.daily_sales (
    sale_date     date           NOT NULL,
    country_code  char(2)        NOT NULL,
    channel       text           NOT NULL,
    orders        integer        NOT NULL,
    items         integer        NOT NULL,  -- units sold (sum of line quantities)
    net_revenue   numeric(16, 2) NOT NULL,
    customers     integer        NOT NULL,  -- distinct canonical customers
    PRIMARY KEY (sale_date, country_code, channel)
);
CREATE INDEX IF NOT EXISTS daily_sales_filter_idx ON marts.daily_sales (country_code, channel, sale_date);

-- The scoring rule: rank 1 is the lowest; n customers are scored.
CREATE OR REPLACE FUNCTION marts.rfm_score(rank bigint, n bigint) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE WHEN n = 1 THEN 1 ELSE least(5, 1 + (5 * (rank - 1)) / (n - 1)) END)::smallint
$$;

-- The segment map from (r_score, f_score), for customers with frequency >= 1.
CREATE OR REPLACE FUNCTION marts.rfm_segment(r smallint, f smallint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN r <= 2 THEN CASE WHEN f <= 2 THEN 'hibernating' WHEN f <= 4 THEN 'at_risk' ELSE 'cant_lose' END
        WHEN r = 3 THEN CASE WHEN f <= 2 THEN 'about_to_sleep' WHEN f = 3 THEN 'need_attention' ELSE 'loyal' END
        WHEN r = 4 THEN CASE WHEN f = 1 THEN 'promising' WHEN f <= 3 THEN 'potential_loyalist' ELSE 'loyal' END
        ELSE CASE WHEN f = 1 THEN 'new_customer' WHEN f <= 3 THEN 'potential_loyalist' ELSE 'champion' END
    END
$$;

-- Customers who changed segment since the previous snapshot, as from -> to counts. Built with
-- each snapshot (marts/build_segment_movement.sql), so the page reads a few rows instead of
-- joining two snapshots. (It was a view before; a view is replaced and refilled here once.)
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_class WHERE oid = to_regclass('marts.segment_movement') AND relkind = 'v') THEN
        DROP VIEW marts.segment_movement;
    END IF;
END $$;
CREATE TABLE IF NOT EXISTS marts.segment_movement (
    as_of_date           date    NOT NULL,
    previous_as_of_date  date    NOT NULL,  -- the latest snapshot before as_of_date
    from_segment         text    NOT NULL,
    to_segment           text    NOT NULL,
    customers            integer NOT NULL,  -- in both snapshots, in another segment now
    PRIMARY KEY (as_of_date, from_segment, to_segment)
);
INSERT INTO marts.segment_movement
WITH snapshots AS (
    SELECT as_of_date, lag(as_of_date) OVER (ORDER BY as_of_date) AS previous_as_of_date
    FROM (SELECT DISTINCT as_of_date FROM marts.customer_segments) d
)
SELECT s.as_of_date, s.previous_as_of_date, prev.segment, cur.segment, count(*)::integer
FROM snapshots s
JOIN marts.customer_segments cur ON cur.as_of_date = s.as_of_date
JOIN marts.customer_segments prev
  ON prev.as_of_date = s.previous_as_of_date AND prev.customer_id = cur.customer_id
WHERE prev.segment <> cur.segment
  AND NOT EXISTS (SELECT FROM marts.segment_movement)
GROUP BY s.as_of_date, s.previous_as_of_date, prev.segment, cur.segment;

-- Campaign exports: the latest snapshot's opted-in customers. The only mart with emails.
CREATE OR REPLACE VIEW marts.segment_contacts AS
SELECT s.as_of_date, s.customer_id, d.email, d.first_name, d.last_name, d.country_code, d.city,
       s.segment, s.recency_days, s.frequency, s.monetary
FROM marts.customer_segments s
JOIN core.dim_customer d ON d.customer_id = s.customer_id AND d.is_current
WHERE s.as_of_date = (SELECT max(as_of_date) FROM marts.customer_segments)
  AND d.marketing_opt_in;
