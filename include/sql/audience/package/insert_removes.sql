-- Removes: delivered members no longer in the audience, with why (the first that holds):
-- deleted, no_consent (opted out, or no email), left_audience (segment or filters).
INSERT INTO audit.handoff_package_members (package_id, kind, external_id, batch_no, payload, reason)
SELECT %(package_id)s, 'remove', d.external_id,
       ((row_number() OVER (ORDER BY d.external_id COLLATE "C") - 1) / %(batch_size)s)::integer,
       d.payload,
       CASE WHEN c.is_deleted OR c.deleted_at IS NOT NULL THEN 'deleted'
            WHEN c.customer_id IS NOT NULL AND (NOT coalesce(c.marketing_opt_in, false) OR c.email IS NULL)
                THEN 'no_consent'
            ELSE 'left_audience' END
FROM audit.audience_delivered d
LEFT JOIN core.dim_customer c
       ON c.customer_id = CASE WHEN d.external_id ~ '^[0-9]{1,18}$' THEN d.external_id::bigint END
      AND c.is_current
WHERE d.audience_id = %(audience_id)s AND d.destination = %(destination)s
  AND NOT EXISTS (SELECT FROM staging.audience_payloads p
                  WHERE p.dag_id = %(dag_id)s AND p.run_id = %(run_id)s AND p.audience_id = d.audience_id
                    AND p.external_id = d.external_id);
