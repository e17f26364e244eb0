"""Least privilege (include/sql/crm/security/roles.sql): each connection with its own role, the
nightly run end to end, and what each role must not be able to do."""

from __future__ import annotations

import datetime as dt
import secrets
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devtools import demo_crm
from include.crm import security
from include.crm.segments_page import queries
from tests.crm.integration.test_airflow_cli import dags_test
from tests.crm.integration.warehouse_checks import conservation

PASSWORDS = {v: secrets.token_urlsafe(12) for v in security.ROLES.values()}
DAY = dt.date(2026, 10, 5)


def as_role(uri: str, role: str) -> str:
    """The same database as `uri`, logged in as `role` (conninfo or postgresql:// URI)."""
    password = PASSWORDS[security.ROLES[role]]
    if uri.startswith("postgresql://"):
        parts = urlsplit(uri)
        host = parts.netloc.rsplit("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=f"{role}:{password}@{host}"))
    return make_conninfo("", **{**conninfo_to_dict(uri), "user": role, "password": password})


def night_as_roles(world, day: dt.date) -> None:
    """Run a night with the extract role on the source and the writer role on the warehouse."""
    admin = (world.source_uri, world.warehouse_uri)
    world.source_uri, world.warehouse_uri = as_role(admin[0], "etl_extract"), as_role(admin[1], "etl_writer")
    try:
        world.night(day)
    finally:
        world.source_uri, world.warehouse_uri = admin


@pytest.fixture
def world(world_factory):
    world = world_factory(customers=300, end_date=DAY)
    security.apply(world.source_uri, world.warehouse_uri, environ=PASSWORDS)
    return world


def test_a_night_runs_with_each_connection_in_its_own_role(world):
    demo_crm.tick(world.source_uri, day=DAY, seed=7)
    night_as_roles(world, DAY)
    conservation(world, through=dt.datetime(2026, 10, 6, tzinfo=dt.UTC))
    owners = world.wh("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
                      "WHERE relnamespace::regnamespace::text IN ('staging', 'core', 'marts', 'audit')")
    assert owners == [("etl_writer",)]
    with queries.connect(as_role(world.warehouse_uri, "dash_reader")) as conn:
        assert conn.execute("SELECT count(*) FROM marts.customer_segments").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM marts.segment_contacts").fetchone()[0] > 0


@pytest.mark.parametrize("statement", [
    "INSERT INTO crm.customers (customer_id, marketing_opt_in) VALUES (-1, false)",
    "UPDATE crm.orders SET status = 'paid'",
    "DELETE FROM crm.order_items",
    "CREATE TABLE crm.evil (x int)",
    "CREATE TABLE public.evil (x int)",
    "TRUNCATE crm.products",
])
def test_the_extract_role_cannot_write(world, statement):
    with psycopg.connect(as_role(world.source_uri, "etl_extract"), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM crm.customers").fetchone()[0] > 0
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            conn.execute(statement)


@pytest.mark.parametrize("table", ["core.dim_customer", "core.fact_orders", "audit.etl_run_log",
                                   "audit.quarantine", "staging.customers"])
def test_the_dashboard_role_reads_marts_only(world, table):
    night_as_roles(world, DAY)
    with psycopg.connect(as_role(world.warehouse_uri, "dash_reader"), autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"SELECT * FROM {table} LIMIT 1")
        assert conn.execute("SELECT count(*) FROM marts.daily_sales").fetchone()[0] > 0
        emails = conn.execute("SELECT count(email) FROM marts.segment_contacts").fetchone()[0]
        assert emails > 0  # emails only through the view
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            conn.execute("DELETE FROM marts.daily_sales")


def test_roles_script_is_idempotent_and_takes_over_objects_an_admin_created(world_factory):
    world = world_factory(customers=200, end_date=DAY)
    world.night(DAY - dt.timedelta(days=1))  # bootstrap and load as the admin
    for _ in range(2):
        security.apply(world.source_uri, world.warehouse_uri, environ=PASSWORDS)
    owners = world.wh("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
                      "WHERE relnamespace::regnamespace::text IN ('staging', 'core', 'marts', 'audit')")
    assert owners == [("etl_writer",)]
    demo_crm.tick(world.source_uri, day=DAY, seed=7)
    night_as_roles(world, DAY)  # the writer carries on where the admin left off
    assert world.wh("SELECT status FROM audit.etl_run_log ORDER BY business_date") == [("success",), ("success",)]


def test_the_dag_runs_end_to_end_with_role_connections(world, tmp_path):
    demo_crm.tick(world.source_uri, day=DAY, seed=7)
    roles = SimpleNamespace(source_url=as_role(world.source_url, "etl_extract"),
                            warehouse_url=as_role(world.warehouse_url, "etl_writer"))
    result = dags_test(roles, tmp_path, AIRFLOW_CONN_WAREHOUSE_READER=as_role(world.warehouse_url, "dash_reader"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert world.wh("SELECT status FROM audit.etl_run_log") == [("success",)]
    conservation(world, through=dt.datetime(2026, 10, 6, tzinfo=dt.UTC))
