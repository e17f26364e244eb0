UPDATE core.customer_xref x
SET canonical_customer_id = c.canonical_customer_id
FROM tmp_canonical c
WHERE x.customer_id = c.customer_id AND x.canonical_customer_id <> c.canonical_customer_id;
INSERT INTO tmp_customers SELECT customer_id FROM tmp_canonical
