-- Customers whose person may change: this batch's, good or bad, and their old groups; and the
-- emails of those groups.
CREATE TEMP TABLE tmp_customers (customer_id bigint) ON COMMIT DROP;
CREATE TEMP TABLE tmp_emails (email text) ON COMMIT DROP;
INSERT INTO tmp_customers
SELECT customer_id FROM tmp_valid
UNION SELECT source_id FROM tmp_rejects WHERE source_id IS NOT NULL;
INSERT INTO tmp_emails
SELECT email FROM core.customer_xref
WHERE customer_id IN (SELECT customer_id FROM tmp_customers) AND email IS NOT NULL
UNION SELECT email FROM tmp_valid WHERE email IS NOT NULL;
INSERT INTO tmp_customers
SELECT canonical_customer_id FROM core.customer_xref
WHERE customer_id IN (SELECT customer_id FROM tmp_customers)
