"""The benchmark's world: the seeded CRM it runs on, the generator's ticks, and the upkeep that
autovacuum would have done between two nights. `bench.run` (stage by stage) and `bench.dag_run`
(on the real scheduler) both build on it, so neither imports the other for it."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
# The world: about 250k customers and 1M order lines. The demo's customers order more
# often (0.6 orders a month); here they order 0.27 times a month, init and ticks alike.
CUSTOMERS_PER_SCALE = 245_000
ORDER_RATE = 0.27


def generator(*args: str) -> dict:
    """The demo generator in its own process, so this one stays small: a child's peak RSS
    includes what it inherits from its parent at fork time."""
    out = subprocess.run([sys.executable, "-m", "devtools.demo_crm", *args], cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def init_world(source: str, customers: int, end_date: dt.date) -> dict:
    """The benchmark's seeded CRM (seed 3, ORDER_RATE) with history up to `end_date`."""
    return generator("init", "--uri", source, "--customers", str(customers), "--seed", "3",
                     "--end-date", end_date.isoformat(), "--no-progress", "--order-rate", str(ORDER_RATE))


def tick_world(source: str, day: dt.date) -> dict:
    """One business day of changes in the benchmark's CRM."""
    return generator("tick", "--uri", source, "--day", day.isoformat(), "--seed", "3", "--order-rate", str(ORDER_RATE))


# The tables autovacuum would process now (its global thresholds), and what it would do to them.
OVERDUE_UPKEEP = """
    SELECT s.schemaname, s.relname,
           s.n_dead_tup > current_setting('autovacuum_vacuum_threshold')::float8
                          + current_setting('autovacuum_vacuum_scale_factor')::float8 * greatest(c.reltuples, 0)
           OR s.n_ins_since_vacuum > current_setting('autovacuum_vacuum_insert_threshold')::float8
                          + current_setting('autovacuum_vacuum_insert_scale_factor')::float8 * greatest(c.reltuples, 0),
           s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::float8
                          + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"""


UPKEEP = {(True, True): "VACUUM (ANALYZE) {}", (True, False): "VACUUM {}", (False, True): "ANALYZE {}"}


def settle(*uris: str, timeout: float = 300) -> None:
    """Bring the databases to where autovacuum leaves them between two nights. A production night
    starts hours after the previous one's autovacuum; here the next scenario starts seconds
    later, before autovacuum's launcher may even have looked (the night after the full load
    then shared the cores with a vacuum of 1M staged rows, and its staging cleanup waited a
    second for that vacuum to give way). So the tables past autovacuum's thresholds are
    vacuumed and analyzed now, as it would, and a worker already running is waited for until
    none has run for 3 s."""
    time.sleep(1)  # the last transactions' counts reach pg_stat_user_tables
    for uri in uris:
        with psycopg.connect(uri, autocommit=True) as conn:
            for schema, table, vacuum, analyze in conn.execute(OVERDUE_UPKEEP).fetchall():
                if vacuum or analyze:
                    conn.execute(sql.SQL(UPKEEP[vacuum, analyze]).format(sql.Identifier(schema, table)))
    deadline, quiet_since = time.monotonic() + timeout, None
    with psycopg.connect(uris[0], autocommit=True) as conn:
        while time.monotonic() < deadline:
            busy = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'"
                                ).fetchone()[0]
            quiet_since = None if busy else (quiet_since or time.monotonic())
            if quiet_since and time.monotonic() - quiet_since >= 3:
                return
            time.sleep(0.5)
