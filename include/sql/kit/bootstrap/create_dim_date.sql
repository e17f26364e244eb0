-- The conformed date dimension every pipeline's facts key on (date_key = yyyymmdd), seeded
-- for 2000-2040; kit/load/ensure_dates.sql extends it for a batch that reaches further.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.dim_date (
    date_key      integer PRIMARY KEY,  -- yyyymmdd
    full_date     date    NOT NULL UNIQUE,
    year          smallint NOT NULL,
    quarter       smallint NOT NULL,
    month         smallint NOT NULL,
    month_name    text    NOT NULL,
    day_of_month  smallint NOT NULL,
    day_of_week   smallint NOT NULL,  -- ISO: Monday = 1
    day_name      text    NOT NULL,
    iso_week      smallint NOT NULL,
    is_weekend    boolean NOT NULL
);

-- Calendar rows for every date a fact can carry (validation keeps dates >= 2000-01-01).
INSERT INTO core.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d::date,
       extract(year FROM d), extract(quarter FROM d), extract(month FROM d),
       trim(to_char(d, 'Month')), extract(day FROM d), extract(isodow FROM d),
       trim(to_char(d, 'Day')), extract(week FROM d), extract(isodow FROM d) IN (6, 7)
FROM generate_series(date '2000-01-01', date '2040-12-31', interval '1 day') AS d
ON CONFLICT (date_key) DO NOTHING;
