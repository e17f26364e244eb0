#!/bin/bash
# First start of the `postgres` service: Airflow's metadata database with its own role, and
# the warehouse (its roles come from include/sql/crm/security/roles.sql, applied by airflow-init).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" -v pw="$AIRFLOW_DB_PASSWORD" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'pw';
CREATE DATABASE airflow OWNER airflow;
CREATE DATABASE warehouse;
SQL
