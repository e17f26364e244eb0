-- Night D is published (in the build's transaction).
INSERT INTO marts.taskflow_published_nights (business_date) VALUES (%(as_of_date)s)
ON CONFLICT (business_date) DO NOTHING
