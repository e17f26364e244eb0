"""Handoff test worlds: a CRM warehouse with nights run (tests/crm/integration/conftest.py), a
campaign file, the loopback marketing platform (devtools/marketing_platform.py) as the
`marketing_api` connection, and an export folder. `expected_audience` is the audience rule
written again in pandas, independently of the SQL that builds it."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psycopg
import pytest
import yaml

from devtools import demo_crm
from devtools.marketing_platform import MarketingPlatform
from include.audience import pipeline
from tests.crm.integration.conftest import World, module_worlds, world_factory  # noqa: F401

NIGHTS = (dt.date(2026, 10, 2), dt.date(2026, 10, 3))
FIRST = dt.date(2026, 10, 1)
VIP = {"audience_id": "vip", "name": "VIP", "description": "best customers",
       "segments": ["champion", "loyal", "potential_loyalist"], "destination": "marketing_api"}
WINBACK = {"audience_id": "winback", "name": "Win back", "segments": ["at_risk", "hibernating", "lost",
                                                                       "about_to_sleep", "cant_lose"],
           "destination": "marketing_api"}
EXPORT = {"audience_id": "de-export", "name": "DE file", "segments": list(
    ("champion", "loyal", "potential_loyalist", "new_customer", "promising", "need_attention", "about_to_sleep",
     "at_risk", "cant_lose", "hibernating", "lost", "prospect")), "countries": ["DE", "FR"], "min_monetary": 1,
    "destination": "file"}
HANDOFF_TABLES = ("audit.handoff_log", "audit.handoff_runs", "audit.handoff_packages", "audit.audience_state",
                  "audit.audience_delivered", "staging.audience_members", "staging.audience_payloads")


def build_crm_world(factory, customers: int = 300) -> World:
    world = factory(customers=customers, end_date=FIRST)
    for day in NIGHTS:
        demo_crm.tick(world.source_uri, day=day, seed=7)
        world.night(day)
    return world


def expected_audience(world: World, campaign: dict, as_of_date: dt.date) -> dict[str, dict]:
    """external_id -> member, from the snapshot and the current customers, in pandas."""
    with psycopg.connect(world.warehouse_uri) as conn:
        snap = pd.DataFrame(conn.execute(
            "SELECT customer_id, segment, recency_days, frequency, monetary FROM marts.customer_segments "
            "WHERE as_of_date = %s", (as_of_date,)).fetchall(),
            columns=["customer_id", "segment", "recency_days", "frequency", "monetary"])
        dim = pd.DataFrame(conn.execute(
            "SELECT customer_id, email, first_name, country_code, marketing_opt_in, is_deleted, deleted_at "
            "FROM core.dim_customer WHERE is_current").fetchall(),
            columns=["customer_id", "email", "first_name", "country_code", "opt_in", "is_deleted", "deleted_at"])
    both = snap.merge(dim, on="customer_id")
    keep = (both["segment"].isin(campaign["segments"]) & ~both["is_deleted"].astype(bool)
            & both["deleted_at"].isna() & (both["opt_in"] == True) & both["email"].notna())  # noqa: E712
    if campaign.get("countries"):
        keep &= both["country_code"].isin(campaign["countries"])
    if campaign.get("min_monetary") is not None:
        keep &= both["monetary"].astype(float) >= campaign["min_monetary"]
    members = {}
    for row in both[keep].itertuples():
        members[str(row.customer_id)] = {
            "external_id": str(row.customer_id), "email": row.email,
            "first_name": None if pd.isna(row.first_name) else row.first_name,
            "country_code": None if pd.isna(row.country_code) else row.country_code.strip(),
            "segment": row.segment, "recency_days": None if pd.isna(row.recency_days) else int(row.recency_days),
            "frequency": int(row.frequency), "monetary": round(float(row.monetary), 2)}
    return members


@dataclass
class HandoffWorld:
    crm: World
    platform: MarketingPlatform
    campaigns_file: Path
    export_dir: Path
    runs: list[str] = field(default_factory=list)

    def declare(self, *campaigns: dict) -> None:
        self.campaigns_file.write_text(yaml.safe_dump({"campaigns": list(campaigns)}, sort_keys=False))

    def handoff(self, as_of_date: dt.date | None = None, *, run_id: str | None = None, **kwargs):
        run_id = run_id or f"manual__{uuid.uuid4().hex[:8]}"
        self.runs.append(run_id)
        return pipeline.run(self.crm.warehouse_uri, run_id=run_id,
                            as_of_date=str(as_of_date) if as_of_date else None, **kwargs)

    def log(self, run_id: str | None = None) -> dict[str, dict]:
        rows = self.crm.wh("SELECT audience_id, status, upserted, removed, unchanged, batches, http_retries, error, "
                           "detail, as_of_date, destination FROM audit.handoff_log WHERE run_id = %s",
                           (run_id or self.runs[-1],))
        keys = ("status", "upserted", "removed", "unchanged", "batches", "http_retries", "error", "detail",
                "as_of_date", "destination")
        return {r[0]: dict(zip(keys, r[1:], strict=True)) for r in rows}

    def on_platform(self, audience_id: str) -> dict[str, dict]:
        return self.platform.members(audience_id)

    def expected(self, campaign: dict, as_of_date: dt.date) -> dict[str, dict]:
        return expected_audience(self.crm, campaign, as_of_date)

    def manifest(self, audience_id: str, as_of_date: dt.date) -> dict:
        return json.loads((self.export_dir / audience_id / str(as_of_date) / "manifest.json").read_text())


def _reset(world: World) -> None:
    with psycopg.connect(world.warehouse_uri, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('audit.handoff_log')").fetchone()[0]:
            conn.execute("TRUNCATE " + ", ".join(HANDOFF_TABLES) + " CASCADE")
        conn.execute("DELETE FROM audit.etl_run_log WHERE dag_id = 'audience_handoff'")


@pytest.fixture(scope="module")
def crm_world(module_worlds):  # noqa: F811 - the fixture imported above
    return build_crm_world(module_worlds)


def _handoff_world(world: World, tmp_path: Path, monkeypatch) -> HandoffWorld:
    platform = MarketingPlatform(token="t0ken").start()
    export = tmp_path / "audiences"
    campaigns = tmp_path / "campaigns.yaml"
    monkeypatch.setenv("AIRFLOW_CONN_MARKETING_API", platform.connection_uri(timeout=2, backoff_seconds=0.01,
                                                                             max_backoff_seconds=0.05))
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", world.warehouse_url)
    monkeypatch.setenv("ETL_CAMPAIGNS_FILE", str(campaigns))
    monkeypatch.setenv("ETL_AUDIENCE_EXPORT_URL", export.as_uri())
    monkeypatch.setenv("ETL_AUDIENCE_BATCH_SIZE", "10")
    handoff = HandoffWorld(world, platform, campaigns, export)
    handoff.declare(VIP, WINBACK, EXPORT)
    return handoff


@pytest.fixture
def handoff(crm_world, tmp_path, monkeypatch):
    """The module's CRM world with no handoff yet, a fresh platform and campaign file."""
    _reset(crm_world)
    world = _handoff_world(crm_world, tmp_path, monkeypatch)
    yield world
    world.platform.stop()


@pytest.fixture
def own_handoff(world_factory, tmp_path, monkeypatch):  # noqa: F811 - the fixture imported above
    """A handoff world of its own, for a test that changes the CRM."""
    world = _handoff_world(build_crm_world(world_factory), tmp_path, monkeypatch)
    yield world
    world.platform.stop()
