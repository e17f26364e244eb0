SELECT DISTINCT ON (customer_id) {columns}
FROM core.dim_customer
WHERE customer_id IN (SELECT customer_id FROM tmp_ids)
ORDER BY customer_id, valid_from DESC
