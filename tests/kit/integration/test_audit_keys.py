"""The audit tables keyed per pipeline (issue 16, "Pipelines side by side in one warehouse").

1. A warehouse built and run by the previous release (1bb81f2, package include/crm_etl, its own
   DDL) migrates on the next bootstrap of the new code, once and idempotently: every old audit
   row is still there under the new keys, and the migrated tables read like fresh ones.
2. Two DAGs on one timetable (the same scheduled run_id): crm_nightly and a minimal pipeline
   declared here with the kit write the same audit tables, and neither overwrites, resets or
   cleans up the other's rows.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import psycopg
import pytest
from pandera.typing import Series
from psycopg import sql

from devtools import demo_crm
from include.crm import pipeline as crm
from include.warehouse_kit import bootstrap as kit_bootstrap
from include.warehouse_kit import extract as kit_extract
from include.warehouse_kit import load as kit_load
from include.warehouse_kit import pg_io, quality, run_log, staging
from include.warehouse_kit.errors import SchemaDriftError
from include.warehouse_kit.pipeline import Pipeline, Step, run_in_process
from include.warehouse_kit.quarantine import quarantine, release
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query, sql_text
from include.warehouse_kit.tables import SourceTable, resolve
from tests.crm.integration.warehouse_checks import conservation

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
PREVIOUS_RELEASE = "1bb81f2"
CRM = crm.PIPELINE.dag_id
CRM_TABLES = ("products", "customers", "orders", "order_items")
# Every table the kit's audit DDL owns; each row of each belongs to one pipeline.
KIT_TABLES = ("audit.etl_run_log", "audit.data_quality_log", "audit.quarantine", "audit.watermarks",
              "audit.alert_log", "audit.ddl_version", "staging.rejects")
# The identity of a row under the new keys (staging.rejects has none: compared as a multiset).
ROW_KEYS = {"audit.etl_run_log": ("dag_id", "run_id"), "audit.data_quality_log": ("id",),
            "audit.quarantine": ("quarantine_id",), "audit.watermarks": ("pipeline", "source_table"),
            "audit.alert_log": ("dag_id", "run_id", "kind")}
# The column naming the pipeline a row belongs to.
OWNER = {"audit.etl_run_log": "dag_id", "audit.data_quality_log": "dag_id", "audit.quarantine": "dag_id",
         "audit.watermarks": "pipeline", "audit.alert_log": "dag_id", "staging.rejects": "dag_id"}


# ----------------------------------------------------------------------------- helpers

def interval(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Business day `day` as a data interval (as World.night and the timetable make it)."""
    tz = settings().business_tz
    return (dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC))


def scheduled(day: dt.date, dag_id: str) -> RunContext:
    """The scheduled run of `day`: its run_id is the same for every DAG on the timetable."""
    start, end = interval(day)
    return RunContext(run_id=f"scheduled__{start.isoformat()}", dag_id=dag_id, interval_start=start, interval_end=end)


def rows(world, table: str, where: str = "true", params=None) -> list[dict]:
    return [r[0] for r in world.wh(f"SELECT to_jsonb(t) FROM {table} t WHERE {where}", params)]


def canon(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


def kit_rows(world) -> dict[str, list[dict]]:
    return {table: rows(world, table) for table in KIT_TABLES}


def own_rows(world, dag_id: str) -> dict[str, list[str]]:
    """Every audit row of one pipeline, canonical and sorted."""
    return {table: sorted(canon(r) for r in rows(world, table, f"{column} = %s", (dag_id,)))
            for table, column in OWNER.items()}


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def audit_schema(conninfo: str) -> dict[str, list[tuple]]:
    """Columns, indexes and constraints of the kit's tables."""
    names = list(KIT_TABLES)
    with psycopg.connect(conninfo) as conn:
        return {
            "columns": conn.execute(
                "SELECT table_schema || '.' || table_name, column_name, data_type, is_nullable, "
                "coalesce(column_default, ''), is_identity FROM information_schema.columns "
                "WHERE table_schema || '.' || table_name = ANY(%s) ORDER BY 1, 2", (names,)).fetchall(),
            "indexes": conn.execute(
                "SELECT schemaname || '.' || tablename, indexname, indexdef FROM pg_indexes "
                "WHERE schemaname || '.' || tablename = ANY(%s) ORDER BY 1, 2", (names,)).fetchall(),
            "constraints": conn.execute(
                "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid::regclass::text = ANY(%s) ORDER BY 1, 2", (names,)).fetchall(),
        }


def assert_kept(before: dict[str, list[dict]], after: dict[str, list[dict]]) -> None:
    """Every keyed row of `before` is in `after`, unchanged but for what a later night may do: an
    open quarantine entry may be released, a watermark may move forward."""
    for table, key in ROW_KEYS.items():
        now = {tuple(r[c] for c in key): r for r in after[table]}
        assert len(now) == len(after[table]), f"{table}: two rows share the key {key}"
        assert len(after[table]) >= len(before[table]), f"{table} lost rows"
        for row in before[table]:
            k = tuple(row[c] for c in key)
            assert k in now, f"{table}: row {k} is gone"
            new = now[k]
            if table == "audit.quarantine" and row["released_at"] is None:
                assert new["resolution"] in (None, "fixed", "superseded")
                new = new | {"released_at": None, "resolution": None}
            if table == "audit.watermarks":
                assert ts(new["watermark"]) >= ts(row["watermark"]), f"watermark {k} moved back"
                new = new | {c: row[c] for c in ("watermark", "run_id", "updated_at")}
            assert new == row, f"{table}: row {k} changed:\n{row}\n->\n{new}"


# ----------------------------------------------------------------------------- 1. migration

# One night of the previous release, run from its own tree in a subprocess: its include package,
# its DDL, its SQL. A night expected to fail records its failure email as the old DAG's
# on_failure_callback did (include/crm_etl/notify.py, with the warehouse connection given here).
OLD_NIGHT = r"""
import datetime as dt, json, sys
import include
from include.crm_etl import connections, notify, pg_io, pipeline
from include.crm_etl.run_context import RunContext

a = json.loads(sys.argv[1])
assert include.__file__.startswith(a["tree"]), f"not the old tree: {include.__file__}"
ctx = RunContext(run_id=a["run_id"], dag_id="crm_nightly", interval_start=dt.datetime.fromisoformat(a["start"]),
                 interval_end=dt.datetime.fromisoformat(a["end"]))
try:
    pipeline.run(a["source"], a["warehouse"], ctx)
except Exception as error:
    if not a["fails"]:
        raise
    connections.connect = lambda conn_id, **kwargs: pg_io.connect(a["warehouse"])
    assert notify._first_alert(ctx.run_id, "failure_email", f"{type(error).__name__}: {error}")
else:
    assert not a["fails"], "this night of the previous release was meant to fail"
"""


def previous_release(root: Path) -> Path:
    """The previous release's include/ tree (git archive: no worktree bookkeeping)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", PREVIOUS_RELEASE, "include"],
                             check=True, capture_output=True).stdout
    tree = root / f"release_{PREVIOUS_RELEASE}"
    tree.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="data")
    assert (tree / "include" / "crm_etl" / "pipeline.py").exists()
    return tree


def old_night(tree: Path, world, day: dt.date, run_id: str, *, fails: bool = False) -> None:
    start, end = interval(day)
    args = {"tree": str(tree), "source": world.source_uri, "warehouse": world.warehouse_uri, "run_id": run_id,
            "start": start.isoformat(), "end": end.isoformat(), "fails": fails}
    done = subprocess.run([sys.executable, "-c", OLD_NIGHT, json.dumps(args)], cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(tree)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"old night {run_id} (fails={fails}):\n{done.stderr[-4000:]}"


def under_new_keys(table: str, row: dict) -> dict:
    """An old row as the migration must leave it."""
    if table == "audit.etl_run_log":
        return row  # it had a dag_id already
    if table == "audit.watermarks":
        return row | {"pipeline": CRM}
    if table == "audit.quarantine":  # and the text key of line sources, empty for a table's row
        return row | {"dag_id": CRM, "source_table": f"crm.{row['source_table']}", "source_key": None}
    if table == "staging.rejects":
        return row | {"dag_id": CRM, "source_table": f"crm.{row['source_table']}"}
    return row | {"dag_id": CRM}


def test_a_warehouse_of_the_previous_release_migrates_once_and_keeps_every_row(world_factory, tmp_path):
    tree = previous_release(tmp_path)
    day1, day2, day3 = dt.date(2026, 10, 1), dt.date(2026, 10, 2), dt.date(2026, 10, 3)
    world = world_factory(customers=300, end_date=day1)
    demo_crm.tick(world.source_uri, day=day1, seed=7)

    # The previous release builds the warehouse. Its first night fails on schema drift of the
    # last table it extracts (after logging counts and checks of the others) and sends its
    # failure email; the rerun of the night succeeds and keeps its rejects in staging.
    world.src("ALTER TABLE crm.order_items RENAME COLUMN unit_price TO unit_price_eur")
    failed_run = scheduled(day1, CRM).run_id
    old_night(tree, world, day1, failed_run, fails=True)
    world.src("ALTER TABLE crm.order_items RENAME COLUMN unit_price_eur TO unit_price")
    world.add_customer(990001, created=interval(day1)[0] + dt.timedelta(hours=9), email="not an email")
    old_night(tree, world, day1, f"manual__{interval(day1)[1].isoformat()}")

    old = kit_rows(world)
    for table, found in old.items():
        assert found, f"the previous release left {table} empty: this test needs a row of each"
    assert {r["status"] for r in old["audit.etl_run_log"]} == {"failed", "success"}
    assert [r["run_id"] for r in old["audit.alert_log"]] == [failed_run]
    assert all("." not in r["source_table"] for r in old["audit.quarantine"] + old["staging.rejects"])
    assert {r["source_table"] for r in old["audit.watermarks"]} == set(CRM_TABLES)
    assert "singleton" in old["audit.ddl_version"][0]  # the old single-row version table
    assert not world.wh("SELECT 1 FROM information_schema.columns WHERE table_schema = 'audit' "
                        "AND table_name = 'watermarks' AND column_name = 'pipeline'")

    # The next night of the new code: first its bootstrap alone (it migrates), then the night.
    demo_crm.tick(world.source_uri, day=day2, seed=7)
    ctx = scheduled(day2, CRM)
    with pg_io.connect(world.warehouse_uri) as wh:
        crm.bootstrap(wh, ctx)
    migrated = kit_rows(world)
    # Every old row under its new keys, and nothing else but the new run's log row. (The rejects
    # are compared here: finishing the night drops the staged batches of finished runs.)
    for table in KIT_TABLES:
        if table == "audit.ddl_version":
            continue
        found = [r for r in migrated[table] if not (table == "audit.etl_run_log" and r["run_id"] == ctx.run_id)]
        assert Counter(map(canon, found)) == Counter(canon(under_new_keys(table, r)) for r in old[table]), table
    assert [r["status"] for r in migrated["audit.etl_run_log"] if r["run_id"] == ctx.run_id] == ["running"]
    assert [(r["domain"], r["fingerprint"]) for r in migrated["audit.ddl_version"]] == [("crm", crm.ddl_fingerprint())]
    assert old["audit.ddl_version"][0]["fingerprint"] != crm.ddl_fingerprint()

    crm.run(world.source_uri, world.warehouse_uri, ctx)
    night2 = kit_rows(world)
    assert_kept({t: [under_new_keys(t, r) for r in old[t]] for t in ROW_KEYS}, night2)
    assert {(r["pipeline"], r["source_table"], ts(r["watermark"])) for r in night2["audit.watermarks"]} == {
        (CRM, t, interval(day2)[1]) for t in CRM_TABLES}
    assert {r[column] for t, column in OWNER.items() for r in night2[t]} == {CRM}
    assert all(r["source_table"].startswith("crm.") for r in night2["audit.quarantine"] + night2["staging.rejects"])
    assert world.wh("SELECT status FROM audit.etl_run_log WHERE dag_id = %s AND run_id = %s",
                    (CRM, ctx.run_id)) == [("success",)]
    # the new night logged its own checks, next to the old ones
    assert len(night2["audit.data_quality_log"]) > len(old["audit.data_quality_log"])
    assert [(r["domain"], r["fingerprint"]) for r in night2["audit.ddl_version"]] == [("crm", crm.ddl_fingerprint())]
    conservation(world, through=interval(day2)[1])

    # Once and idempotently: a further night (bootstrap included) changes no earlier row, the
    # audit tables' shape, nor the version row (the DDL is not applied again).
    shape, version = audit_schema(world.warehouse_uri), world.wh("SELECT * FROM audit.ddl_version")
    demo_crm.tick(world.source_uri, day=day3, seed=7)
    world.night(day3)
    night3 = kit_rows(world)
    assert_kept(night2, night3)
    assert audit_schema(world.warehouse_uri) == shape
    assert world.wh("SELECT * FROM audit.ddl_version") == version
    assert len(night3["audit.etl_run_log"]) == len(night2["audit.etl_run_log"]) + 1
    conservation(world, through=interval(day3)[1])

    # The migrated tables read like the ones a fresh warehouse gets from the new DDL.
    fresh, _ = world_factory.database("t_fresh")
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(sql_text(kit_bootstrap.KIT_DDL[0]))
    assert audit_schema(world.warehouse_uri) == audit_schema(fresh)


# ----------------------------------------------------------------------------- 2. two DAGs

# A second pipeline, declared with the kit as a new domain would: source table shop.widgets,
# landing table staging.widgets and core table core.dim_widget (tests/kit/integration/sql/).
MINIMAL_DAG = "minimal_nightly"
SHOP_DDL = ("CREATE SCHEMA shop; CREATE TABLE shop.widgets (widget_id bigint PRIMARY KEY, name text, "
            "price numeric(12, 2), created_at timestamptz, updated_at timestamptz)")
TMP_WIDGETS = {"widget_id": "bigint", "name": "text", "price": "numeric(12,2)", "created_at": "timestamptz",
               "updated_at": "timestamptz"}
MERGE_WIDGETS = sql.SQL(
    "INSERT INTO core.dim_widget AS d (widget_id, name, price, created_at, updated_at, run_id) "
    "SELECT widget_id, name, price, created_at, updated_at, %(run_id)s FROM tmp_valid "
    "ON CONFLICT (widget_id) DO UPDATE SET name = excluded.name, price = excluded.price, "
    "updated_at = excluded.updated_at, run_id = excluded.run_id WHERE excluded.updated_at > d.updated_at")


def _ts_field() -> pa.Field:
    return pa.Field(nullable=False, dtype_kwargs={"unit": "us", "tz": "UTC"})


class WidgetRow(pa.DataFrameModel):
    widget_id: Series[pd.Int64Dtype] = pa.Field(nullable=False)
    name: Series[str] = pa.Field(nullable=False)
    price: Series[float] = pa.Field(nullable=False, ge=0)
    created_at: Series[pd.DatetimeTZDtype] = _ts_field()
    updated_at: Series[pd.DatetimeTZDtype] = _ts_field()

    class Config:
        strict = True


def load_widgets(wh: psycopg.Connection, ctx: RunContext) -> dict:
    table = MINIMAL.table("widgets")
    with kit_load.transaction(wh, table, ctx) as counts:
        counts["quarantined"] = quarantine(wh, table, ctx)
        kit_load.fill_valid(wh, table, ctx, TMP_WIDGETS, lambda batch: batch)
        counts["released"] = release(wh, table)
        counts["loaded"] = kit_load.count_rows(wh, "tmp_valid")
        counts["written"] = wh.execute(MERGE_WIDGETS, {"run_id": ctx.run_id}).rowcount
    return counts


def minimal_bootstrap(wh, ctx):
    kit_bootstrap.bootstrap(wh, ctx, MINIMAL)


def minimal_extract(src, wh, ctx, table):
    kit_extract.extract(src, wh, ctx, table)


def minimal_validate(wh, ctx, table):
    from include.warehouse_kit import validation

    validation.validate(wh, table, ctx)


def minimal_load(wh, ctx, table):
    resolve(table.loader)(wh, ctx)


def minimal_finish(wh, ctx, *, status, error=None):
    with wh.transaction():
        run_log.finish_run(wh, ctx, status, error)
    if status == "success":
        staging.drop_finished_batches(wh, ctx, tuple(t.staging for t in MINIMAL.tables))


MINIMAL = Pipeline(
    dag_id=MINIMAL_DAG,
    domain="minimal",
    source_conn_id="shop_source",
    tables=(SourceTable(
        name="widgets", schema="shop",
        types={"widget_id": "bigint", "name": "text", "price": "numeric", "created_at": "timestamptz",
               "updated_at": "timestamptz"},
        primary_key="widget_id", key_fields=("widget_id", "updated_at"),
        model=f"{__name__}:WidgetRow", loader=f"{__name__}:load_widgets", feeds=("core.dim_widget",)),),
    # include/warehouse_kit/sql_files.py reads include/sql only; an absolute path gets through
    # because pathlib's `/` lets an absolute right-hand side win.
    ddl_files=(str(HERE / "sql" / "create_minimal.sql"),),
    steps=(Step("bootstrap", minimal_bootstrap),
           Step("extract", minimal_extract, per_table=True, reads_source=True),
           Step("validate", minimal_validate, per_table=True),
           Step("load", minimal_load, per_table=True)),
    finish=Step("finish", minimal_finish),
)
WIDGETS = MINIMAL.table("widgets")


def put_widgets(world, at: dt.datetime, widgets: dict[int, float]) -> None:
    """Insert or update widgets {id: price} as changed at `at`."""
    for widget_id, price in widgets.items():
        world.src("INSERT INTO shop.widgets VALUES (%s, %s, %s, %s, %s) ON CONFLICT (widget_id) DO UPDATE "
                  "SET price = excluded.price, updated_at = excluded.updated_at",
                  (widget_id, f"widget {widget_id}", price, at, at))


def run_log_of(world, run_id: str) -> dict[str, tuple]:
    return {dag: (status, counts, error) for dag, status, counts, error in world.wh(
        "SELECT dag_id, status, table_counts, error FROM audit.etl_run_log WHERE run_id = %s", (run_id,))}


def checks_of(world, run_id: str, dag_id: str) -> dict[str, str]:
    return dict(world.wh('SELECT "check", status FROM audit.data_quality_log WHERE run_id = %s AND dag_id = %s',
                         (run_id, dag_id)))


def test_two_dags_on_one_timetable_keep_their_own_audit_rows(world_factory):
    day1, day2, day3 = dt.date(2026, 10, 5), dt.date(2026, 10, 6), dt.date(2026, 10, 7)
    world = world_factory(customers=300, end_date=day1)
    world.src(SHOP_DDL)
    assert resolve(WIDGETS.model) is WidgetRow and resolve(WIDGETS.loader) is load_widgets

    # ---- night 1, crm_nightly first, on a fresh warehouse; 2 of 20 widgets are bad (a warning
    # at 20 rows), so minimal has quarantine rows and staged rejects of its own
    put_widgets(world, interval(day1)[0] + dt.timedelta(hours=1), {n: 10.0 + n for n in range(1, 19)} | {19: -1, 20: -2})
    demo_crm.tick(world.source_uri, day=day1, seed=7)
    crm1, min1 = scheduled(day1, CRM), scheduled(day1, MINIMAL_DAG)
    assert crm1.run_id == min1.run_id
    if settings().business_tz.key == "UTC":
        assert crm1.run_id == "scheduled__2026-10-05T00:00:00+00:00"
    crm.run(world.source_uri, world.warehouse_uri, crm1)
    crm_after_1 = own_rows(world, CRM)
    run_in_process(MINIMAL, world.source_uri, world.warehouse_uri, min1)
    assert own_rows(world, CRM) == crm_after_1, "minimal's night changed crm_nightly's audit rows"

    log = run_log_of(world, crm1.run_id)
    assert {dag: status for dag, (status, _, _) in log.items()} == {CRM: "success", MINIMAL_DAG: "success"}
    assert set(log[CRM][1]) == {*CRM_TABLES, "marts"}
    assert log[MINIMAL_DAG][1].keys() == {"widgets"}
    widgets = log[MINIMAL_DAG][1]["widgets"]
    assert {k: widgets[k] for k in ("extracted", "validated", "rejected", "quarantined", "loaded", "released")} == {
        "extracted": 20, "validated": 20, "rejected": 2, "quarantined": 2, "loaded": 18, "released": 0}
    assert checks_of(world, crm1.run_id, MINIMAL_DAG) == {
        "widgets.source_schema": "pass", "widgets.freshness": "pass", "widgets.volume": "pass",
        "widgets.key_completeness": "pass", "widgets.quarantine_share": "warn"}
    crm_checks = checks_of(world, crm1.run_id, CRM)
    assert {f"{t}.{c}" for t in CRM_TABLES for c in ("source_schema", "volume", "key_completeness",
                                                        "quarantine_share")} <= crm_checks.keys()
    assert any(c.startswith("marts.") for c in crm_checks) and not any(c.startswith("widgets.") for c in crm_checks)
    assert set(world.wh("SELECT pipeline, source_table, watermark FROM audit.watermarks")) == {
        *((CRM, t, interval(day1)[1]) for t in CRM_TABLES), (MINIMAL_DAG, "widgets", interval(day1)[1])}
    assert world.wh("SELECT source_id, dag_id, run_id FROM audit.quarantine WHERE source_table = 'shop.widgets' "
                    "ORDER BY source_id") == [(19, MINIMAL_DAG, min1.run_id), (20, MINIMAL_DAG, min1.run_id)]
    assert world.wh("SELECT DISTINCT dag_id FROM audit.quarantine WHERE source_table LIKE 'crm.%'") in ([], [(CRM,)])
    assert world.wh("SELECT count(*) FROM core.dim_widget") == [(18,)]
    versions = world.wh("SELECT domain, fingerprint, applied_at FROM audit.ddl_version ORDER BY domain")
    assert [(d, f) for d, f, _ in versions] == [("crm", crm.ddl_fingerprint()),
                                               ("minimal", kit_bootstrap.ddl_fingerprint(MINIMAL))]
    assert crm.ddl_fingerprint() != kit_bootstrap.ddl_fingerprint(MINIMAL)
    conservation(world, through=interval(day1)[1])

    # A check of the same name in the same run_id, recorded again by the other DAG (a retried
    # task, say), replaces only that DAG's row.
    shared = "products.volume"
    crm_check = world.wh('SELECT id, status, observed FROM audit.data_quality_log '
                         'WHERE dag_id = %s AND run_id = %s AND "check" = %s', (CRM, crm1.run_id, shared))
    assert len(crm_check) == 1
    with pg_io.connect(world.warehouse_uri) as wh, wh.transaction():
        quality.record(wh, min1, [quality.Check(shared, "warn", "recorded by minimal", "-")])
    both = world.wh('SELECT dag_id, id, status, observed FROM audit.data_quality_log '
                    'WHERE run_id = %s AND "check" = %s ORDER BY dag_id', (crm1.run_id, shared))
    assert [r[0] for r in both] == [CRM, MINIMAL_DAG]
    assert both[0][1:] == crm_check[0] and both[1][2:] == ("warn", "recorded by minimal")
    with pg_io.connect(world.warehouse_uri) as wh, wh.transaction():
        quality.record(wh, min1, [quality.Check(shared, "pass", "again", "-")])
    assert world.wh('SELECT dag_id, status, observed FROM audit.data_quality_log WHERE run_id = %s '
                    'AND "check" = %s ORDER BY dag_id', (crm1.run_id, shared)) == [
        (CRM, *crm_check[0][1:]), (MINIMAL_DAG, "pass", "again")]

    # Both DAGs' alerts of one kind for the one run_id: each is noted once, for its own DAG.
    def note_alert(dag_id: str) -> bool:
        with pg_io.connect(world.warehouse_uri) as wh:
            return wh.execute(query("kit/alerts/insert_alert.sql"), {
                "dag_id": dag_id, "run_id": crm1.run_id, "kind": "summary", "detail": dag_id}).fetchone() is not None

    assert note_alert(CRM) and note_alert(MINIMAL_DAG)
    assert not note_alert(CRM) and not note_alert(MINIMAL_DAG)
    assert world.wh("SELECT dag_id, detail FROM audit.alert_log WHERE run_id = %s ORDER BY dag_id",
                    (crm1.run_id,)) == [(CRM, CRM), (MINIMAL_DAG, MINIMAL_DAG)]

    # ---- night 2, minimal first. Neither bootstrap re-applies its own DDL or the other's:
    # the version rows stay as they are, and what the test changed in each domain's objects
    # (a comment of minimal's, an index of crm's) stays changed.
    world.wh("COMMENT ON TABLE core.dim_widget IS 'changed by the test'")
    world.wh("DROP INDEX marts.daily_sales_filter_idx")
    put_widgets(world, interval(day2)[0] + dt.timedelta(hours=1), {19: 19.0, 20: 20.0, 21: 21.0})
    demo_crm.tick(world.source_uri, day=day2, seed=7)
    crm2, min2 = scheduled(day2, CRM), scheduled(day2, MINIMAL_DAG)
    crm_before = own_rows(world, CRM)
    run_in_process(MINIMAL, world.source_uri, world.warehouse_uri, min2)
    # minimal's staging cleanup kept crm's staged rejects too (its own were dropped)
    assert own_rows(world, CRM) == crm_before, "minimal's night changed crm_nightly's audit rows"
    min_after_2 = own_rows(world, MINIMAL_DAG)
    crm.run(world.source_uri, world.warehouse_uri, crm2)
    assert own_rows(world, MINIMAL_DAG) == min_after_2, "crm_nightly's night changed minimal's audit rows"

    log = run_log_of(world, crm2.run_id)
    assert {dag: status for dag, (status, _, _) in log.items()} == {CRM: "success", MINIMAL_DAG: "success"}
    assert {k: log[MINIMAL_DAG][1]["widgets"][k] for k in ("extracted", "quarantined", "loaded", "released")} == {
        "extracted": 3, "quarantined": 0, "loaded": 3, "released": 2}
    assert len(world.wh("SELECT 1 FROM audit.etl_run_log WHERE dag_id = %s", (MINIMAL_DAG,))) == 2
    assert world.wh("SELECT source_id, resolution FROM audit.quarantine WHERE source_table = 'shop.widgets' "
                    "ORDER BY source_id") == [(19, "fixed"), (20, "fixed")]
    assert world.wh("SELECT domain, fingerprint, applied_at FROM audit.ddl_version ORDER BY domain") == versions
    assert world.wh("SELECT obj_description('core.dim_widget'::regclass)") == [("changed by the test",)]
    assert world.wh("SELECT to_regclass('marts.daily_sales_filter_idx')") == [(None,)]
    assert set(world.wh("SELECT pipeline, source_table, watermark FROM audit.watermarks")) == {
        *((CRM, t, interval(day2)[1]) for t in CRM_TABLES), (MINIMAL_DAG, "widgets", interval(day2)[1])}
    assert world.wh("SELECT count(*) FROM core.dim_widget") == [(21,)]
    for day in (day1, day2):
        with pg_io.connect(world.warehouse_uri) as wh:
            assert run_log.latest_status(wh, CRM, day) == run_log.latest_status(wh, MINIMAL_DAG, day) == "success"

    # ---- night 3: minimal's scheduled run fails (schema drift) and a manual rerun of it is
    # still going (extracted and validated, a reject staged) while crm_nightly's run of the same
    # night finishes and cleans staging.
    put_widgets(world, interval(day3)[0] + dt.timedelta(hours=1), {22: -3.0, 23: 23.0})
    demo_crm.tick(world.source_uri, day=day3, seed=7)
    world.add_customer(990002, created=interval(day3)[0] + dt.timedelta(hours=2), email="not an email")
    crm3, min3 = scheduled(day3, CRM), scheduled(day3, MINIMAL_DAG)
    world.src("ALTER TABLE shop.widgets RENAME COLUMN price TO price_eur")
    with pytest.raises(SchemaDriftError, match="shop.widgets.price is missing"):
        run_in_process(MINIMAL, world.source_uri, world.warehouse_uri, min3)
    world.src("ALTER TABLE shop.widgets RENAME COLUMN price_eur TO price")
    rerun = RunContext(run_id=f"manual__{interval(day3)[1].isoformat()}", dag_id=MINIMAL_DAG,
                       interval_start=min3.interval_start, interval_end=min3.interval_end)
    with pg_io.connect(world.warehouse_uri) as wh, pg_io.connect(world.source_uri) as src:
        minimal_bootstrap(wh, rerun)
        minimal_extract(src, wh, rerun, WIDGETS)
        minimal_validate(wh, rerun, WIDGETS)
    staged = world.wh("SELECT source_id, source_table FROM staging.rejects WHERE dag_id = %s AND run_id = %s",
                      (MINIMAL_DAG, rerun.run_id))
    assert staged == [(22, "shop.widgets")]

    crm.run(world.source_uri, world.warehouse_uri, crm3)
    # crm_nightly's cleanup dropped its finished runs' batches but not minimal's running one
    assert world.wh("SELECT source_id FROM staging.rejects WHERE dag_id = %s AND run_id = %s",
                    (MINIMAL_DAG, rerun.run_id)) == [(22,)]
    assert not world.wh("SELECT 1 FROM staging.rejects WHERE dag_id = %s AND run_id <> %s", (CRM, crm3.run_id))
    crm_rejects = rows(world, "staging.rejects", "dag_id = %s", (CRM,))
    assert 990002 in {r["source_id"] for r in crm_rejects}
    log = run_log_of(world, crm3.run_id)
    assert log[CRM][0] == "success"
    assert log[MINIMAL_DAG][0] == "failed" and "shop.widgets.price is missing" in log[MINIMAL_DAG][2]
    with pg_io.connect(world.warehouse_uri) as wh:
        # each DAG's day status reads its own rows (the lateness check, the morning summary)
        assert run_log.latest_status(wh, CRM, day3) == "success"
        assert run_log.latest_status(wh, MINIMAL_DAG, day3) == "running"
        minimal_load(wh, rerun, WIDGETS)
        minimal_finish(wh, rerun, status="success")
        assert run_log.latest_status(wh, MINIMAL_DAG, day3) == "success"
    # minimal's cleanup kept crm_nightly's staged rejects of its finished run
    assert rows(world, "staging.rejects", "dag_id = %s", (CRM,)) == crm_rejects
    assert world.wh("SELECT source_id, dag_id, run_id, released_at IS NULL FROM audit.quarantine "
                    "WHERE source_table = 'shop.widgets' AND source_id = 22") == [(22, MINIMAL_DAG, rerun.run_id, True)]
    assert world.wh("SELECT dag_id, run_id FROM audit.quarantine WHERE source_table = 'crm.customers' "
                    "AND source_id = 990002 AND released_at IS NULL") == [(CRM, crm3.run_id)]
    assert world.wh("SELECT count(*) FROM core.dim_widget") == [(22,)]
    assert world.wh("SELECT dag_id, count(*) FROM audit.etl_run_log GROUP BY 1 ORDER BY 1") == [
        (CRM, 3), (MINIMAL_DAG, 4)]
    conservation(world, through=interval(day3)[1])
