-- What the page's filters may take: snapshot dates (newest first), then the sales filters.
SELECT
    (SELECT coalesce(array_agg(as_of_date ORDER BY as_of_date DESC), '{}')
       FROM (SELECT DISTINCT as_of_date FROM marts.segment_summary) d)            AS as_of_dates,
    (SELECT coalesce(array_agg(DISTINCT country_code::text ORDER BY country_code::text), '{}')
       FROM marts.daily_sales)                                                     AS countries,
    (SELECT coalesce(array_agg(DISTINCT channel ORDER BY channel), '{}')
       FROM marts.daily_sales)                                                     AS channels,
    (SELECT min(sale_date) FROM marts.daily_sales)                                 AS first_sale_date,
    (SELECT max(sale_date) FROM marts.daily_sales)                                 AS last_sale_date
