"""The taskflow_nightly benchmark keeps working (a tiny world; no timing is asserted)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid

import psycopg
import pytest
from psycopg import sql

from bench import run, stage, taskflow
from devtools import demo_taskflow, embedded_pg
from include.taskflow.pipeline import PIPELINE

TINY = "200,10,2000,14"  # users, projects, tasks, days of history


@pytest.fixture
def names(admin_uri):
    """The bench's databases and event root for a unique prefix, dropped afterwards."""
    names = taskflow.Names(f"bench_smoke_{uuid.uuid4().hex[:6]}", 1)
    yield names
    with psycopg.connect(embedded_pg.base_uri(), autocommit=True) as conn:
        for db in (names.source, names.warehouse, names.dag_warehouse, names.meta):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
    for folder in (names.events, demo_taskflow.state_dir(names.events)):
        shutil.rmtree(folder, ignore_errors=True)


def test_stages_of_a_pipeline_mixing_per_table_and_plain_steps_keep_the_declared_order():
    assert [s.name for s in stage.stages(PIPELINE)] == [
        "bootstrap", "extract", "extract_events", "validate", "validate_events", "load_users", "load_projects",
        "load_tasks", "load_events", "build_marts", "check_marts", "reconcile", "finish"]
    assert [(step.name, table.name) for step, table in stage.lookup("extract", PIPELINE).calls] == [
        ("extract", "users"), ("extract", "projects"), ("extract", "tasks")]
    assert stage.lookup("extract_events", PIPELINE).calls == ((PIPELINE.step("extract_events"), None),)


def test_a_stage_spec_names_its_pipeline_and_carries_its_params():
    spec = {"run_id": "r", "start": "2026-10-01T00:00:00+00:00", "end": "2026-10-02T00:00:00+00:00",
            "pipeline": "taskflow", "lookback_days": 3, "full_refresh": True}
    ctx = stage.context(spec, stage.pipeline_of(spec["pipeline"]))
    assert (ctx.dag_id, ctx.full_refresh, ctx.lookback_hours, dict(ctx.params)) == (
        "taskflow_nightly", True, 2, {"lookback_days": 3})


def test_bench_measures_taskflow_alone_stage_by_stage_and_its_page(names, tmp_path):
    out, tf_out, docs = tmp_path / "results.json", tmp_path / "results_taskflow.json", tmp_path / "benchmarks.md"
    assert run.main(["--pipeline", "taskflow", "--taskflow-volumes", TINY, "--db-prefix", names.prefix,
                     "--out", str(out), "--taskflow-out", str(tf_out), "--docs", str(docs), "--no-airflow",
                     "--taskflow-page-runs", "3"]) == 0
    assert not out.exists()  # the CRM did not run
    result = json.loads(tf_out.read_text())
    assert result["volumes"] == {"users": 200, "projects": 10, "tasks": 2000, "history_days": 14}
    full, night = result["scenarios"]
    assert (full["scenario"], night["scenario"]) == ("full load", "1 % night")
    for scenario in (full, night):
        assert [s["step"] for s in scenario["stages"]] == [s.name for s in stage.stages(PIPELINE)]
        assert all(s["peak_rss_mb"] > 0 for s in scenario["stages"])
    rows = {s["step"]: s.get("rows") for s in full["stages"]}
    assert rows["extract_events"] == rows["load_events"] == result["world"]["lines"]  # every line of the world
    assert (rows["extract"], rows["load_tasks"]) == (200 + 10 + 2000, 2000)  # orphans' rows come with the tick
    assert night["counts"]["events"]["extracted"] > 0
    names_of = [q["query"] for q in result["page_queries"]]
    assert {"kpis", "top users, 7 days", "created vs completed, 90 days"} <= set(names_of)
    assert all(q["p95_ms"] >= q["p50_ms"] > 0 for q in result["page_queries"])
    page = docs.read_text()
    assert page.startswith("# taskflow_nightly")
    assert "| extract_events |" in page and "## Task analytics page queries" in page
    assert "| no task above 1 GB peak RSS |" in page and "As Airflow runs it" not in page


def _result(peaks: dict[str, float], tasks: int, lines: int, scale: float = 1) -> dict:
    """A result of the shape bench.taskflow writes, with only what the targets read."""
    full = {"scenario": "full load", "total_seconds": 80.0, "work_seconds": 70.0,
            "max_peak_rss_mb": max(peaks.values()), "stages": [{"step": k, "peak_rss_mb": v} for k, v in peaks.items()],
            "counts": {"events": {"extracted": lines}}}
    night = {**full, "scenario": "1 % night", "total_seconds": 12.0, "work_seconds": 6.0}
    return {"scale": scale, "volumes": {"tasks": tasks}, "scenarios": [full, night], "airflow": None,
            "measured_at": "2026-12-01T00:00:00+00:00", "command": "make bench",
            "page_queries": [{"query": "kpis", "p50_ms": 3.0, "p95_ms": 51.0}]}


def test_peak_rss_at_2x_is_compared_stage_by_stage_with_the_1x_run():
    small = _result({"extract_events": 400.0, "load_events": 200.0}, 1_000_000, 4_300_000)
    big = _result({"extract_events": 460.0, "load_events": 300.0}, 2_000_000, 8_600_000, scale=2)
    big["memory_growth"] = taskflow.memory_growth(small, big)
    assert big["memory_growth"]["growth"] == 0.15  # 460 / 400 - 1: the largest peaks, wherever they are
    assert big["memory_growth"]["stages"] == [{"step": "extract_events", "peak_rss_mb": [400.0, 460.0]},
                                              {"step": "load_events", "peak_rss_mb": [200.0, 300.0]}]
    met = {target: ok for target, _, ok in taskflow.targets(big)}
    assert met == {"full load <= 90 s (stage processes one after another; no Airflow run)": True,
                   "1 % night <= 10 s of task time (stage processes; no Airflow run)": False,
                   "no task above 1 GB peak RSS": True,
                   "at 2x: peak RSS grows <= 20%": True,
                   "every page query p95 <= 50 ms": False}


@pytest.mark.slow  # the Airflow components as processes: a few minutes
def test_bench_runs_taskflow_nightly_on_the_real_scheduler_and_reads_every_task_back(names):
    volumes = taskflow.parse_volumes(TINY)
    result = taskflow.measure(volumes, names, airflow=True, nights=1, page_runs=2)
    full, night = result["airflow"]["scenarios"]
    assert (full["state"], night["state"]) == ("success", "success")
    assert result["airflow"]["cold_start"]["state"] == "success"
    tasks = {t["task"] for t in full["tasks"]}
    assert {"bootstrap", "extract_tasks", "extract_events", "validate_events", "load_events", "check_marts",
            "reconcile", "finish_success"} <= tasks and len(full["tasks"]) == len(night["tasks"]) == 17
    assert (full["business_day"], night["business_day"]) == (
        str(taskflow.FIRST_NIGHT - dt.timedelta(days=1)), str(taskflow.FIRST_NIGHT))
    with psycopg.connect(embedded_pg.base_uri(names.dag_warehouse)) as conn:
        loaded = conn.execute("SELECT count(*) FROM core.fact_task_events").fetchone()[0]
    with psycopg.connect(embedded_pg.base_uri(names.warehouse)) as conn:
        staged = conn.execute("SELECT count(*) FROM core.fact_task_events").fetchone()[0]
    assert loaded == staged > 0  # the stack and the stage processes loaded the same world
    markdown = taskflow.markdown({**result, "scale": 1, "date": "2026-12-01", "command": "make bench"})
    assert "## As Airflow runs it" in markdown and "| **DAG time** |" in markdown
