"""The benchmark keeps working (a tiny world; no timing is asserted)."""

from __future__ import annotations

import json

from bench import run


def test_bench_runs_both_scenarios_stage_by_stage(admin_uri, tmp_path):
    out, docs = tmp_path / "results.json", tmp_path / "benchmarks.md"
    assert run.main(["--customers", "300", "--out", str(out), "--docs", str(docs)]) == 0
    result = json.loads(out.read_text())
    assert [s["scenario"] for s in result["scenarios"]] == ["full load", "nightly incremental"]
    for scenario in result["scenarios"]:
        assert [s["step"] for s in scenario["stages"]] == list(run.STEPS)
        assert all(s["peak_rss_mb"] > 0 for s in scenario["stages"])
    assert result["scenarios"][0]["counts"]["order_items"]["extracted"] > 0
    assert "| load_order_items |" in docs.read_text()
