SELECT max(as_of_date) FROM marts.customer_segments;
