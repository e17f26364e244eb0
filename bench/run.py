"""`make bench`: the nightly ETL at scale, stage by stage (wall time, rows/s, peak RSS).

Builds a seeded world (--customers 140000 gives about 1M order lines), then measures
(a) the initial full load and (b) a nightly incremental after one generator tick. Each stage
runs in its own process, like an Airflow task. Results go to bench/results.json and
docs/benchmarks.md.

Then it times every query of the segments page (p50 / p95) and the largest CSV export on the
resulting warehouse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench import compare, page_load, page_queries
from include.crm_etl import embedded_pg

REPO = Path(__file__).resolve().parents[1]
STEPS = ("bootstrap", "extract", "validate", "load_products", "load_customers", "load_orders",
         "load_order_items", "marts", "finish")


def generator(*args: str) -> dict:
    """The demo generator in its own process, so this one stays small: a child's peak RSS
    includes what it inherits from its parent at fork time."""
    out = subprocess.run([sys.executable, "-m", "include.crm_etl.demo_crm", *args], cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_step(step: str, source: str, warehouse: str, spec: dict) -> dict:
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bench.stage", step, source, warehouse, json.dumps(spec)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed (exit {proc.returncode})")
    return {"step": step, "seconds": round(time.monotonic() - started, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def night(source: str, warehouse: str, day: dt.date, label: str) -> dict:
    start = dt.datetime.combine(day, dt.time(0), dt.UTC)
    spec = {"run_id": f"bench_{label}_{day}", "start": start.isoformat(),
            "end": (start + dt.timedelta(days=1)).isoformat()}
    stages = [run_step(step, source, warehouse, spec) for step in STEPS]
    with psycopg.connect(warehouse) as conn:
        counts = conn.execute("SELECT table_counts FROM audit.etl_run_log WHERE run_id = %s",
                              (spec["run_id"],)).fetchone()[0]
    rows = {"extract": sum(counts[t]["extracted"] for t in ("products", "customers", "orders", "order_items")),
            "validate": sum(counts[t]["validated"] for t in ("products", "customers", "orders", "order_items"))}
    for stage in stages:
        table = stage["step"].removeprefix("load_")
        n = rows.get(stage["step"]) or (counts.get(table) or {}).get("loaded")
        if n:
            stage["rows"] = n
            stage["rows_per_s"] = round(n / stage["seconds"]) if stage["seconds"] else None
    return {"scenario": label, "business_day": str(day), "total_seconds": round(sum(s["seconds"] for s in stages), 2),
            "max_peak_rss_mb": max(s["peak_rss_mb"] for s in stages), "stages": stages, "counts": counts}


def markdown(result: dict) -> str:
    lines = ["# Benchmarks", "",
             f"Measured {result['date']} on {result['machine']['cores']} cores, "
             f"{result['machine']['ram_gb']} GB RAM, {result['machine']['postgres']}.", "",
             f"Command: `{result['command']}`. World: {result['world']}.", ""]
    for scenario in result["scenarios"]:
        lines += [f"## {scenario['scenario']} (business day {scenario['business_day']})", "",
                  f"Total {scenario['total_seconds']} s of task time; largest peak RSS "
                  f"{scenario['max_peak_rss_mb']} MB.", "",
                  "| stage | seconds | rows | rows/s | peak RSS (MB) |", "|---|---|---|---|---|"]
        for s in scenario["stages"]:
            lines.append(f"| {s['step']} | {s['seconds']} | {s.get('rows', '')} | {s.get('rows_per_s', '')} "
                         f"| {s['peak_rss_mb']} |")
        lines.append("")
    lines += ["## Segments page queries", "",
              "Each query the page runs, through the page's own functions on one warm connection "
              f"(p50 / p95 over {result['page_queries'][0]['runs']} runs, latest snapshot).", "",
              "| query | p50 (ms) | p95 (ms) |", "|---|---|---|"]
    lines += [f"| {q['query']} | {q['p50_ms']} | {q['p95_ms']} |" for q in result["page_queries"]]
    e = result["export"]
    if result.get("page_load"):
        p = result["page_load"]
        lines += ["", f"Whole page in headless Chromium against the real api-server (`python -m bench.page_load`), "
                  f"navigation to every chart and table drawn, {p['loads']} loads after a first one: "
                  f"p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms."]
    lines += ["", f"CSV export of `{e['view']}` (every customer of the latest snapshot): {e['rows']:,} rows, "
              f"{e['mb']} MB in {e['seconds']} s.", "",
              ""]
    if result.get("side_by_side"):
        c = result["side_by_side"]
        lines += ["## Side by side", "",
                  f"The same {c['rows']:,}-row, {c['columns']}-column frame (order lines with tz-aware timestamps, "
                  f"NULLs and quoted text), each method in its own process, median of {c['rounds']} interleaved "
                  "rounds. Memory is the process's peak RSS above its baseline with the frame loaded.", "",
                  "| method | rows | seconds | rows/s | extra memory (MB) |", "|---|---|---|---|---|"]
        lines += [f"| {r['method']} | {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} | {r['extra_rss_mb']} |"
                  for r in c["results"]]
        lines += ["", "| ratio | value |", "|---|---|"]
        lines += [f"| {k.replace('_', ' ')} | {v} |" for k, v in c["ratios"].items()]
        lines += ["", f"Our loader stores exactly what server-side COPY stores: {c['ours_equals_server_copy']} "
                  "(md5 of every row).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=140_000, help="world size (140000 ~ 1M order lines)")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--docs", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--compare-rows", type=int, default=1_000_000,
                        help="rows of the side-by-side loader/extractor comparison (0 skips it)")
    parser.add_argument("--compare-rounds", type=int, default=3)
    parser.add_argument("--no-page-load", dest="page_load", action="store_false",
                        help="skip the page load in headless Chromium (needs `make browser`)")
    args = parser.parse_args(argv)
    embedded_pg.start()
    source = embedded_pg.ensure_database("bench_crm", recreate=True)
    warehouse = embedded_pg.ensure_database("bench_warehouse", recreate=True)
    first = dt.date(2026, 10, 1)
    world = generator("init", "--uri", source, "--customers", str(args.customers), "--seed", "3",
                      "--end-date", first.isoformat(), "--no-progress")
    full = night(source, warehouse, first - dt.timedelta(days=1), "full load")
    tick = generator("tick", "--uri", source, "--day", first.isoformat(), "--seed", "3")
    incremental = night(source, warehouse, first, "nightly incremental")
    with psycopg.connect(warehouse) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    result = {
        "date": dt.date.today().isoformat(),
        "command": "make bench" + ("" if args.customers == 140_000 else f" BENCH_ARGS='--customers {args.customers}'"),
        "machine": {"cores": os.cpu_count(), "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
                    "postgres": f"PostgreSQL {version}", "python": platform.python_version()},
        "world": ", ".join(f"{k} {v:,}" for k, v in world.items()) + f"; tick: {tick['new_orders']} new orders, "
                 f"{tick['status_changes']} status changes",
        "scenarios": [full, incremental],
        "page_queries": page_queries.measure(warehouse),
        "export": page_queries.export_seconds(warehouse),
        "page_load": page_load.measure(embedded_pg.base_uri("bench_warehouse"), 15) if args.page_load else None,
        "side_by_side": compare.compare(args.compare_rows, args.compare_rounds) if args.compare_rows else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str))
    args.docs.write_text(markdown(result))
    for scenario in result["scenarios"]:
        print(f"\n{scenario['scenario']}: {scenario['total_seconds']} s, peak RSS {scenario['max_peak_rss_mb']} MB")
        for s in scenario["stages"]:
            print(f"  {s['step']:<18}{s['seconds']:>8} s{s.get('rows', ''):>12}{s['peak_rss_mb']:>10} MB")
    for q in result["page_queries"]:
        print(f"  {q['query']:<45}p50 {q['p50_ms']:>7} ms   p95 {q['p95_ms']:>7} ms")
    print(f"  export {result['export']}")
    print(f"  page load {result['page_load']}")
    print(f"\nwrote {args.out} and {args.docs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
