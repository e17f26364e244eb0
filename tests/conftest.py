"""What every test shares.

- Airflow in the test process gets a home of its own (never ~/airflow): SQLite metadata under
  .local/pytest-airflow, this repo's dags and plugins. Set before anything imports Airflow.
- `admin_uri`: a real PostgreSQL. By default the embedded server (.local/pg) is started; set
  ETL_TEST_PG_URI to an admin URI of any PostgreSQL >= 14
  (e.g. postgresql://postgres:pw@127.0.0.1:5432/postgres) to use that one.
- The generated worlds rest after their generation, and their nights run days later: the
  shipped source freshness (72 h to an error) would fail them. Every test runs with a century
  (`RESTING_WORLDS` in ETL_FRESHNESS); the freshness tests take it away (`shipped_freshness`).
- Every test under an `integration/` folder carries the `integration` marker:
  `pytest -m "not integration"` is the suite that needs no database and no system package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_HOME = REPO / ".local" / "pytest-airflow"
_HOME.mkdir(parents=True, exist_ok=True)
os.environ.update({
    "AIRFLOW_HOME": str(_HOME),
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_HOME / 'airflow.db'}",
    "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
})


def _resting_worlds() -> str:
    from include.crm.contracts import TABLES as CRM_TABLES
    from include.taskflow.contracts import EVENTS
    from include.taskflow.contracts import TABLES as TASKFLOW_TABLES

    century = {"warn_after_hours": 876_000, "error_after_hours": 876_000}
    return json.dumps({s.qualified_name: century for s in (*CRM_TABLES, *TASKFLOW_TABLES, EVENTS)
                       if s.freshness is not None})


RESTING_WORLDS = _resting_worlds()
os.environ["ETL_FRESHNESS"] = RESTING_WORLDS


@pytest.fixture
def shipped_freshness(monkeypatch):
    """The declared freshness thresholds, as a deployment runs them."""
    monkeypatch.delenv("ETL_FRESHNESS")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in Path(str(item.path)).relative_to(REPO / "tests").parts[:-1]:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def admin_uri():
    from devtools import embedded_pg

    uri = os.environ.get("ETL_TEST_PG_URI")
    if uri:
        yield uri
        return
    already_running = embedded_pg.is_ready()
    yield embedded_pg.start()
    if not already_running:
        embedded_pg.stop()  # leave the machine as we found it
