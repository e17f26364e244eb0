-- Campaign contacts: the view holds only opted-in customers of the latest snapshot.
SELECT as_of_date, customer_id, email, first_name, last_name, country_code, city,
       segment, recency_days, frequency, monetary
FROM marts.segment_contacts
WHERE as_of_date = %(as_of_date)s
  AND (%(segment)s::text IS NULL OR segment = %(segment)s::text)
ORDER BY segment, customer_id
