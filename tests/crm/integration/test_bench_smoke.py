"""The benchmark keeps working (a tiny world; no timing is asserted)."""

from __future__ import annotations

import json

import psycopg

from bench import run
from devtools import embedded_pg


def test_bench_runs_both_scenarios_stage_by_stage(admin_uri, tmp_path):
    out, docs = tmp_path / "results.json", tmp_path / "benchmarks.md"
    assert run.main(["--pipeline", "crm", "--customers", "300", "--out", str(out), "--docs", str(docs), "--no-page-load", "--no-airflow", "--db-prefix", "bench_smoke",
                     "--compare-rows", "2000", "--compare-rounds", "1"]) == 0
    result = json.loads(out.read_text())
    assert [s["scenario"] for s in result["scenarios"]] == ["full load", "nightly incremental", "second nightly incremental"]
    for scenario in result["scenarios"]:
        assert [s["step"] for s in scenario["stages"]] == list(run.STEPS)
        assert all(s["peak_rss_mb"] > 0 for s in scenario["stages"])
    assert result["scenarios"][0]["counts"]["order_items"]["extracted"] > 0
    # the COPY ceiling moves exactly the first night's source rows
    ceiling = result["copy_ceiling"]
    assert {name: t["rows"] for name, t in ceiling["tables"].items()} == {
        name: result["scenarios"][0]["counts"][name]["extracted"] for name in ceiling["tables"]}
    assert ceiling["seconds"] > 0 and "the COPY ceiling" in docs.read_text()
    assert "| load_order_items |" in docs.read_text()
    names = [q["query"] for q in result["page_queries"]]
    assert "segment_movement" in names and all(q["p95_ms"] >= q["p50_ms"] > 0 for q in result["page_queries"])
    with psycopg.connect(embedded_pg.base_uri("bench_smoke_warehouse")) as conn:
        latest = conn.execute("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = "
                              "(SELECT max(as_of_date) FROM marts.customer_segments)").fetchone()[0]
    assert result["export"]["rows"] == latest > 0
    assert "## Segments page queries" in docs.read_text()
    side = result["side_by_side"]
    assert side["ours_equals_server_copy"] is True
    assert {r["method"] for r in side["results"]} >= {"pd.read_sql", "PostgresHook.insert_rows"}
    assert all(r["rows"] == 2000 for r in side["results"])


def test_bench_runs_crm_nightly_on_the_real_scheduler_and_reads_every_task_back(admin_uri):
    from bench import dag_run

    result = dag_run.measure(300, "bench_smoke_dag", nights=1)
    full, night = result["scenarios"]
    assert (full["state"], night["state"]) == ("success", "success")
    assert result["cold_start"]["state"] == "success"  # the warm-up ran first, outside the nights
    tasks = {t["task"] for t in full["tasks"]}
    assert {"bootstrap", "extract_order_items", "validate_customers", "load_orders", "build_marts",
            "reconcile", "finish_success"} <= tasks and len(full["tasks"]) == len(night["tasks"]) == 17
    for scenario in (full, night):
        assert scenario["task_seconds"] == round(sum(t["seconds"] for t in scenario["tasks"]), 2)
        assert 0 < scenario["dag_seconds"] and all(t["seconds"] > 0 for t in scenario["tasks"])
    markdown = run.markdown({**json.loads((run.REPO / "bench" / "results.json").read_text()), "airflow": result})
    assert "## As Airflow runs it" in markdown and "| **DAG time** |" in markdown
    assert "no-op task" in markdown and "median" in markdown


def test_issue_20_targets_judge_the_first_night_against_the_ceiling_of_the_same_run():
    def scenario(work: float, build_marts: float, rss: float) -> dict:
        return {"work_seconds": work, "max_peak_rss_mb": rss, "counts": {"customers": {"extracted": 250_000}},
                "stages": [{"step": "build_marts", "work_seconds": build_marts}]}

    result = {"copy_ceiling": {"seconds": 4.0, "rows": 1_600_000, "tables": {}},
              "scenarios": [scenario(32.0, 3.0, 300.0), scenario(3.3, 2.0, 250.0)],
              "airflow": {"scenarios": [{"dag_seconds": 24.4}]}}
    verdicts = {target: met for target, _, met in run.copy_targets(result)}
    assert verdicts == {
        "first night <= 8x the COPY ceiling, in task work one task after another": True,    # 32 / 4 = 8.0
        "first night on the scheduler <= 6x the COPY ceiling, in DAG time": False,         # 24.4 / 4 = 6.1
        "1% night <= 0.1x the first night, in task work": False,                           # 3.3 / 32 = 0.103
        "build_marts of a 1% night <= 2 s": True,
        "peak RSS <= 306 MB": True}
    assert run.copy_targets({"scenarios": result["scenarios"]}) == []  # no ceiling measured, no verdict
