#!/bin/bash
# First start of the `crm-db` service (the sources' server): besides the CRM database, the
# TaskFlow product database, which taskflow-seed fills.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" -c "CREATE DATABASE taskflow"
