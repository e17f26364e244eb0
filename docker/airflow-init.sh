#!/bin/bash
# One-shot `airflow-init`: check .env, migrate the metadata DB, create the first UI user, the
# source pools (crm_source, taskflow_source) and the least-privilege roles. Safe to run again.
set -euo pipefail
missing=()
for name in POSTGRES_PASSWORD CRM_DB_PASSWORD AIRFLOW_DB_PASSWORD REDIS_PASSWORD AIRFLOW_FERNET_KEY \
            AIRFLOW_JWT_SECRET AIRFLOW_API_SECRET_KEY AIRFLOW_ADMIN_USER AIRFLOW_ADMIN_PASSWORD \
            ETL_EXTRACT_PASSWORD ETL_WRITER_PASSWORD DASH_READER_PASSWORD; do
  [[ -n "${!name:-}" ]] || missing+=("$name")
done
if (( ${#missing[@]} )); then
  echo "Set these in .env (see .env.example): ${missing[*]}" >&2
  exit 1
fi
airflow db migrate
airflow users create --role Admin --username "$AIRFLOW_ADMIN_USER" --password "$AIRFLOW_ADMIN_PASSWORD" \
  --email "${AIRFLOW_ADMIN_EMAIL:-admin@example.com}" --firstname Admin --lastname User \
  || echo "user $AIRFLOW_ADMIN_USER exists"
airflow pools set crm_source 2 "Concurrent queries against the CRM source"
airflow pools set taskflow_source 2 "Concurrent queries against TaskFlow"
python -m include.crm.security \
  --source "postgresql://postgres:${CRM_DB_PASSWORD}@crm-db:5432/crm" \
  --source "postgresql://postgres:${CRM_DB_PASSWORD}@crm-db:5432/taskflow" \
  --warehouse "postgresql://postgres:${POSTGRES_PASSWORD}@postgres:5432/warehouse"
