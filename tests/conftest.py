"""What every test shares.

- Airflow in the test process gets a home of its own (never ~/airflow): SQLite metadata under
  .local/pytest-airflow, this repo's dags and plugins. Set before anything imports Airflow.
- `admin_uri`: a real PostgreSQL. By default the embedded server (.local/pg) is started; set
  ETL_TEST_PG_URI to an admin URI of any PostgreSQL >= 14
  (e.g. postgresql://postgres:pw@127.0.0.1:5432/postgres) to use that one.
- Every test under an `integration/` folder carries the `integration` marker:
  `pytest -m "not integration"` is the suite that needs no database and no system package.
"""

from __future__ import annotations

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
