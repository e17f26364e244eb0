"""CRM test worlds on the real PostgreSQL of tests/conftest.py (`admin_uri`).

Every test world gets its own uniquely named source and warehouse databases, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from devtools import demo_crm
from include.crm import pipeline
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings


def _with_db(uri: str, dbname: str) -> str:
    params = conninfo_to_dict(uri)
    params["dbname"] = dbname
    return make_conninfo("", **params)


def _uri_form(uri: str, dbname: str) -> str:
    """A postgresql:// URI (what Airflow connections take)."""
    p = conninfo_to_dict(uri)
    auth = p.get("user", "postgres") + (f":{p['password']}" if p.get("password") else "")
    return f"postgresql://{auth}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{dbname}"


@dataclass
class World:
    """A source CRM and a warehouse, and the nights run so far."""

    source_uri: str
    warehouse_uri: str
    source_url: str
    warehouse_url: str

    def night(self, day: dt.date, **params) -> RunContext:
        """Run business day `day` in-process: [day 00:00, day+1 00:00) in ETL_BUSINESS_TZ."""
        tz = settings().business_tz
        start = dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC)
        ctx = RunContext(run_id=f"test__{day}__{uuid.uuid4().hex[:6]}", dag_id="crm_nightly",
                         interval_start=start, interval_end=end, **params)
        pipeline.run(self.source_uri, self.warehouse_uri, ctx)
        return ctx

    def add_customer(self, customer_id: int, created: dt.datetime, email: str | None = None,
                     country: str | None = "DE") -> None:
        """A source customer with an accented, emoji-bearing name."""
        self.src("INSERT INTO crm.customers VALUES (%s, %s, 'Zoë', 'Café 😀', %s, 'Lyon', true, %s, %s, NULL)",
                 (customer_id, email if email is not None else f"c{customer_id}@example.com", country,
                  created, created))

    def add_order(self, order_id: int, customer_id: int, ts: dt.datetime, lines=((1, 2, 10.00),),
                  status: str = "paid", discount: float = 0) -> None:
        """A source order and its lines (product_id, quantity, unit_price); line ids order_id*10+n."""
        self.src("INSERT INTO crm.orders VALUES (%s, %s, %s, %s, 'web', 'EUR', %s, 4.99, %s, %s)",
                 (order_id, customer_id, ts, status, discount, ts, ts))
        for n, (product_id, quantity, price) in enumerate(lines):
            self.src("INSERT INTO crm.order_items VALUES (%s, %s, %s, %s, %s, %s, %s)",
                     (order_id * 10 + n, order_id, product_id, quantity, price, ts, ts))

    def src(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.source_uri, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def wh(self, query: str, params=None) -> list[tuple]:
        with psycopg.connect(self.warehouse_uri, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []


class _Worlds:
    """Creates worlds (a pair of databases each) and drops them all at teardown."""

    def __init__(self, admin_uri: str):
        self.admin_uri = admin_uri
        self.created: list[str] = []

    def __call__(self, customers: int = 600, end_date: dt.date = dt.date(2026, 10, 1), seed: int = 7) -> World:
        tag = uuid.uuid4().hex[:10]
        names = (f"t_crm_{tag}", f"t_wh_{tag}")
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            for name in names:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                self.created.append(name)
        world = World(_with_db(self.admin_uri, names[0]), _with_db(self.admin_uri, names[1]),
                      _uri_form(self.admin_uri, names[0]), _uri_form(self.admin_uri, names[1]))
        demo_crm.init(world.source_uri, customers=customers, seed=seed, end_date=end_date, progress=False)
        return world

    def database(self, prefix: str) -> tuple[str, str]:
        """An empty database: (libpq conninfo, postgresql:// URI)."""
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return _with_db(self.admin_uri, name), _uri_form(self.admin_uri, name)

    def drop_all(self) -> None:
        with psycopg.connect(self.admin_uri, autocommit=True) as conn:
            for name in self.created:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def world_factory(admin_uri):
    worlds = _Worlds(admin_uri)
    yield worlds
    worlds.drop_all()


@pytest.fixture(scope="module")
def module_worlds(admin_uri):
    """Like world_factory, for read-only worlds shared by a module's tests."""
    worlds = _Worlds(admin_uri)
    yield worlds
    worlds.drop_all()
