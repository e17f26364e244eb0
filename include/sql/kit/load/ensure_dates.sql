-- dim_date covers every date_key of the batch in {table} (bootstrap seeds 2000-2040; this
-- extends it).
INSERT INTO core.dim_date
SELECT to_char(d, 'YYYYMMDD')::int, d::date, extract(year FROM d), extract(quarter FROM d),
       extract(month FROM d), trim(to_char(d, 'Month')), extract(day FROM d),
       extract(isodow FROM d), trim(to_char(d, 'Day')), extract(week FROM d),
       extract(isodow FROM d) IN (6, 7)
FROM (SELECT min(date_key) lo, max(date_key) hi FROM {table}) b,
     generate_series(to_date(b.lo::text, 'YYYYMMDD'), to_date(b.hi::text, 'YYYYMMDD'), interval '1 day') d
WHERE b.lo IS NOT NULL
ON CONFLICT (date_key) DO NOTHING
