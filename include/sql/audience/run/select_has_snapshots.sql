SELECT to_regclass('marts.customer_segments') IS NOT NULL;
