"""Apply include/sql/crm/security/roles.sql to the sources and the warehouse, and set the roles'
passwords from the environment (never from the repo).

    python -m include.crm.security --source ADMIN_URI_OF_CRM_DB [--source ADMIN_URI_OF_TASKFLOW_DB] \
        --warehouse ADMIN_URI_OF_WAREHOUSE_DB

Passwords: ETL_EXTRACT_PASSWORD, ETL_WRITER_PASSWORD, DASH_READER_PASSWORD; a role whose
variable is unset keeps its password (or has none, for trust / certificate setups).
"""

from __future__ import annotations

import argparse
import os

import psycopg
from psycopg import sql

from include.warehouse_kit.sql_files import query, sql_text

ROLES = {"etl_extract": "ETL_EXTRACT_PASSWORD", "etl_writer": "ETL_WRITER_PASSWORD",
         "dash_reader": "DASH_READER_PASSWORD"}


def apply(*admin_uris: str, environ: dict[str, str] | None = None) -> None:
    """Run roles.sql in each database (as an admin), then set the passwords that are given."""
    environ = os.environ if environ is None else environ
    for uri in admin_uris:
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(sql_text("crm/security/roles.sql"))
    if admin_uris:
        with psycopg.connect(admin_uris[0], autocommit=True) as conn:
            for role, variable in ROLES.items():
                if environ.get(variable):
                    # ALTER ROLE takes no bind parameter: the password goes in as a quoted literal.
                    conn.execute(query("crm/security/set_password.sql", role=role,
                                       password=sql.Literal(environ[variable])))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True, action="append",
                        help="admin URI of a source database (CRM, TaskFlow); repeat for each")
    parser.add_argument("--warehouse", required=True, help="admin URI of the warehouse database")
    args = parser.parse_args(argv)
    apply(*args.source, args.warehouse)
    print("roles etl_extract, etl_writer, dash_reader applied")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
