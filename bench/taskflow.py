"""taskflow_nightly at scale, measured as `make bench` measures crm_nightly (bench/run.py).

Builds the seeded TaskFlow world once (devtools/demo_taskflow: at scale 1 the issue's 10k users,
500 projects, 1M tasks and about 4.3M event lines; --taskflow-scale 2 doubles them) on its own
databases of the embedded server, its event files under .local/bench/taskflow_events, then:

- (a) the first night, a full load, and (b) a 1 % night after one generator tick, stage by
  stage, each stage in a process of its own like an Airflow task: wall time, rows, rows/s and
  peak RSS (the process's ru_maxrss);
- the same two nights on the real Airflow scheduler (bench/dag_run.py's stack, into a second
  warehouse of the same world): DAG time and task time;
- every query of the Task analytics page, p50 / p95, on the stage-by-stage warehouse;
- the targets of the issue beside the measurements; at a scale other than 1, the full load's
  peak RSS against the 1x results (bench/results_taskflow.json).

The nights interleave so that the world is built and ticked once: the stage-by-stage full load,
the stack's full load, the tick, the stack's 1 % night, the stack stopped, then the
stage-by-stage 1 % night (no Airflow component shares the cores with it).

`python -m bench.run --pipeline taskflow` runs this alone. The generator runs in a process of its
own (`python -m bench.taskflow world|tick ...`), so that this one stays small: a stage process's
peak RSS includes what it inherits from its parent at fork time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import page_queries, run
from bench.world import settle
from devtools import embedded_pg
from include.taskflow.contracts import DAG_ID, EVENTS_URL_ENV
from include.taskflow.pipeline import PIPELINE
from include.warehouse_kit.settings import settings

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results_taskflow.json"
EVENTS = REPO / ".local" / "bench" / "taskflow_events"
# The world's history ends before this night: the full load is the business day before it, the
# 1 % night is this day, after the generator's tick of it.
FIRST_NIGHT = dt.date(2026, 10, 1)
SEED = 7
# The world at scale 1 (demo_taskflow.BENCH).
USERS, PROJECTS, TASKS, HISTORY_DAYS = 10_000, 500, 1_000_000, 120
# The count a step of no table logs in audit.etl_run_log.table_counts: a stage's rows.
PLAIN_ROWS = {"extract_events": ("events", "extracted"), "validate_events": ("events", "validated"),
              "load_events": ("events", "lines")}
# The targets: a benchmark, not a timed test.
FULL_LOAD_DAG_SECONDS = 90
NIGHT_TASK_SECONDS = 10
PEAK_RSS_MB = 1024
GROWTH_AT_2X = 0.20
PAGE_P95_MS = 50


@dataclass(frozen=True)
class Names:
    """The databases and event root of one scale (the 1x and 2x worlds can live side by side)."""

    prefix: str
    scale: float

    @property
    def base(self) -> str:
        return f"{self.prefix}_taskflow" + ("" if self.scale == 1 else f"_{self.scale:g}x")

    @property
    def source(self) -> str:
        return self.base

    @property
    def warehouse(self) -> str:
        return f"{self.base}_warehouse"

    @property
    def dag_warehouse(self) -> str:
        return f"{self.base}_dag_warehouse"

    @property
    def meta(self) -> str:
        return f"{self.base}_meta"

    @property
    def events(self) -> Path:
        return EVENTS if self.base == "bench_taskflow" else EVENTS.with_name(f"taskflow_events_{self.base}")


def volumes_at(scale: float) -> dict:
    """The world at `scale` (1: the issue's), as demo_taskflow.Volumes' fields."""
    return {"users": round(USERS * scale), "projects": round(PROJECTS * scale), "tasks": round(TASKS * scale),
            "history_days": HISTORY_DAYS}


def parse_volumes(raw: str) -> dict:
    """USERS,PROJECTS,TASKS,DAYS -> Volumes' fields."""
    users, projects, tasks, days = (int(x) for x in raw.split(","))
    return {"users": users, "projects": projects, "tasks": tasks, "history_days": days}


def results_path(scale: float) -> Path:
    return RESULTS if scale == 1 else RESULTS.with_name(f"results_taskflow_{scale:g}x.json")


def docs_path(scale: float) -> Path:
    """The page of a run at a scale other than 1 (scale 1 is a section of docs/benchmarks.md)."""
    return REPO / "docs" / f"benchmarks_taskflow_{scale:g}x.md"


def interval(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Business day `day`: [day 00:00, day+1 00:00) in ETL_BUSINESS_TZ, as the timetable gives it."""
    tz = settings().business_tz
    return (dt.datetime.combine(day, dt.time(0), tz).astimezone(dt.UTC),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(dt.UTC))


def generator(*args: str) -> dict:
    """`python -m bench.taskflow world|tick ...` in a process of its own; its report."""
    out = subprocess.run([sys.executable, "-m", "bench.taskflow", *args], cwd=REPO,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def build_world(source: str, events: Path, volumes: dict, seed: int) -> dict:
    return generator("world", "--source", source, "--events", str(events), "--first-night", FIRST_NIGHT.isoformat(),
                     "--volumes", ",".join(str(volumes[k]) for k in ("users", "projects", "tasks", "history_days")),
                     "--seed", str(seed))


def tick(source: str, events: Path, day: dt.date, seed: int) -> dict:
    return generator("tick", "--source", source, "--events", str(events), "--day", day.isoformat(),
                     "--seed", str(seed))


def measure(volumes: dict, names: Names, *, airflow: bool = True, nights: int = 1, page_runs: int = 30,
            seed: int = SEED) -> dict:
    """The world, both nights stage by stage and (with `airflow`) on the real scheduler, the page."""
    embedded_pg.start()
    source = embedded_pg.ensure_database(names.source, recreate=True)
    warehouse = embedded_pg.ensure_database(names.warehouse, recreate=True)
    events_url = names.events.resolve().as_uri()
    staged = {"pipeline": PIPELINE, "env": {EVENTS_URL_ENV: events_url}, "plain_rows": PLAIN_ROWS}
    world = build_world(source, names.events, volumes, seed)
    full_day = FIRST_NIGHT - dt.timedelta(days=1)
    full = run.night(source, warehouse, full_day, "full load", interval=interval(full_day), **staged)
    dag = None
    if airflow:
        from bench import dag_run  # Airflow's client and processes only when asked for

        dag_warehouse = embedded_pg.ensure_database(names.dag_warehouse, recreate=True)
        home = REPO / ".local" / "bench" / "airflow_taskflow"
        env = dag_run.prepare(home, names.meta, names.dag_warehouse,
                              {"AIRFLOW_CONN_TASKFLOW_SOURCE": source, EVENTS_URL_ENV: events_url})
        with dag_run.running(env, home, DAG_ID) as (client, cold_start):
            runs = [dag_run.run_night(client, full_day, "full load", source, dag_warehouse, DAG_ID)]
            ticked = tick(source, names.events, FIRST_NIGHT, seed)
            runs.append(dag_run.run_night(client, FIRST_NIGHT, "1 % night", source, dag_warehouse, DAG_ID))
        dag = {"executor": "LocalExecutor", "task_slots": dag_run.TASK_SLOTS, "cold_start": cold_start,
               "scenarios": runs}
    else:
        ticked = tick(source, names.events, FIRST_NIGHT, seed)
    night = run.night(source, warehouse, FIRST_NIGHT, "1 % night", interval=interval(FIRST_NIGHT), **staged)
    settle(warehouse)
    pages = page_queries.taskflow(warehouse, page_runs)
    export = page_queries.taskflow_export_seconds(warehouse)
    if dag and nights > 1:  # later nights: the stage-by-stage warehouse has had its one tick
        with dag_run.running(env, home, DAG_ID) as (client, _):
            for n in range(1, nights):
                day = FIRST_NIGHT + dt.timedelta(days=n)
                tick(source, names.events, day, seed)
                runs.append(dag_run.run_night(client, day, f"1 % night {n + 1}", source, dag_warehouse, DAG_ID))
    return {"machine": run.machine(warehouse), "volumes": volumes, "world": world, "tick": ticked,
            "scenarios": [full, night],
            "page_queries": pages, "export": export, "airflow": dag}


def memory_growth(baseline: dict, larger: dict) -> dict:
    """The full load's peak RSS at two sizes, stage by stage and at its largest."""
    def of(result: dict) -> tuple[dict, dict]:
        full = result["scenarios"][0]
        return full, {s["step"]: s["peak_rss_mb"] for s in full["stages"]}

    (small, small_steps), (big, big_steps) = of(baseline), of(larger)
    peaks = [small["max_peak_rss_mb"], big["max_peak_rss_mb"]]
    return {"baseline": {"measured_at": baseline.get("measured_at"), "command": baseline.get("command")},
            "tasks": [r["volumes"]["tasks"] for r in (baseline, larger)],
            "event_lines": [r["scenarios"][0]["counts"]["events"]["extracted"] for r in (baseline, larger)],
            "peak_rss_mb": peaks, "growth": round(peaks[1] / peaks[0] - 1, 3),
            "stages": [{"step": step, "peak_rss_mb": [small_steps.get(step), mb]} for step, mb in big_steps.items()]}


def targets(result: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for the issue's targets that this run measured."""
    full, night = result["scenarios"]
    out = []
    if result.get("airflow"):
        a_full, *a_nights = result["airflow"]["scenarios"]
        tasks = [n["task_seconds"] for n in a_nights]
        night_seconds = round(statistics.median(tasks), 2)
        failed = [f"{r['scenario']}: {r['state']}" for r in result["airflow"]["scenarios"] if r["state"] != "success"]
        out += [(f"full load <= {FULL_LOAD_DAG_SECONDS} s of DAG time (first task start to last task end)",
                 f"{a_full['dag_seconds']} s in Airflow (stage processes one after another: {full['total_seconds']} s)",
                 a_full["state"] == "success" and a_full["dag_seconds"] <= FULL_LOAD_DAG_SECONDS),
                (f"1 % night <= {NIGHT_TASK_SECONDS} s of task time (sum of task durations)",
                 (f"median {night_seconds} s over {len(tasks)} nights ({' / '.join(map(str, tasks))} s)"
                  if len(tasks) > 1 else f"{night_seconds} s") + f", {len(a_full['tasks'])} Airflow tasks "
                 f"(stage processes: {night['total_seconds']} s, their own work {night['work_seconds']} s)",
                 not failed and night_seconds <= NIGHT_TASK_SECONDS)]
        if failed:
            out.append(("every Airflow run succeeds", "; ".join(failed), False))
    else:
        out += [(f"full load <= {FULL_LOAD_DAG_SECONDS} s (stage processes one after another; no Airflow run)",
                 f"{full['total_seconds']} s", full["total_seconds"] <= FULL_LOAD_DAG_SECONDS),
                (f"1 % night <= {NIGHT_TASK_SECONDS} s of task time (stage processes; no Airflow run)",
                 f"{night['total_seconds']} s", night["total_seconds"] <= NIGHT_TASK_SECONDS)]
    tables = tuple(t.name for t in PIPELINE.tables)
    out += run.profiling_share(full, "validate", tables) + run.profiling_share(full, "extract_events", ("events",))
    peak = max(s["max_peak_rss_mb"] for s in result["scenarios"])
    heaviest = max((s for sc in result["scenarios"] for s in sc["stages"]), key=lambda s: s["peak_rss_mb"])
    out.append(("no task above 1 GB peak RSS", f"{peak} MB ({heaviest['step']})", peak <= PEAK_RSS_MB))
    if g := result.get("memory_growth"):
        out.append((f"at {result['scale']:g}x: peak RSS grows <= {GROWTH_AT_2X:.0%}",
                    f"{g['peak_rss_mb'][0]} -> {g['peak_rss_mb'][1]} MB ({g['growth']:+.1%}) for "
                    f"{g['tasks'][0]:,} -> {g['tasks'][1]:,} tasks, {g['event_lines'][0]:,} -> "
                    f"{g['event_lines'][1]:,} event lines", g["growth"] <= GROWTH_AT_2X))
    worst = max(result["page_queries"], key=lambda q: q["p95_ms"])
    out.append((f"every page query p95 <= {PAGE_P95_MS} ms", f"worst p95 {worst['p95_ms']} ms ({worst['query']})",
                worst["p95_ms"] <= PAGE_P95_MS))
    return out


def _world_line(result: dict) -> str:
    v, w, t = result["volumes"], result["world"], result["tick"]
    return (f"{v['users']:,} users, {v['projects']:,} projects, {v['tasks']:,} tasks, {v['history_days']} days of "
            f"history: {w['lines']:,} event lines in {w['files']:,} files ({w['valid_events']:,} events, "
            f"{w['duplicates']:,} identical duplicates, {w['conflicting']:,} conflicting, "
            f"{sum(w['bad_lines'].values()):,} bad lines), built in {w['seconds']} s. The tick of "
            f"{t['day']}: {t['lines']:,} event lines in {t['files']} files, {t['db']['tasks_inserted']:,} new and "
            f"{t['db']['tasks_updated']:,} changed tasks")


def markdown(result: dict, level: str = "#") -> str:
    """The section "taskflow_nightly" of docs/benchmarks.md (or the page of another scale)."""
    sub = level + "#"
    lines = [f"{level} taskflow_nightly" + (f" at {result['scale']:g}x" if result["scale"] != 1 else ""), "",
             f"Measured {result['date']} on {result['machine']['cores']} cores, {result['machine']['ram_gb']} GB RAM, "
             f"{result['machine']['postgres']}. Command: `{result['command']}`.", "",
             f"World: {_world_line(result)}.", "",
             f"{sub} Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in targets(result)]
    lines.append("")
    for scenario in result["scenarios"]:
        lines += run.scenario_section(scenario, sub)
    if result.get("airflow"):
        runs = result["airflow"]["scenarios"]
        lines += [f"{sub} As Airflow runs it", "",
                  "`taskflow_nightly` on the real scheduler (bench/dag_run.py's stack: LocalExecutor"
                  + (f" with {result['airflow']['task_slots']} task slots, one per core" if "task_slots" in result["airflow"]
                     else "") + "; api-server, "
                  "scheduler, dag-processor and triggerer as processes; metadata in PostgreSQL; the `taskflow_source` "
                  "pool of 2 slots), triggered through the REST API on the same world, into a warehouse of its own. "
                  "DAG time runs from the first task's start to the last task's end; task time is the sum of the "
                  "task instances' durations as Airflow recorded them. A no-op task ran first (the first task after "
                  f"the api-server starts took {result['airflow']['cold_start']['noop_task_seconds']} s for nothing).",
                  "", *run.airflow_task_table(runs), ""]
    if g := result.get("memory_growth"):
        lines += [f"{sub} Peak RSS at {result['scale']:g}x", "",
                  f"The full load's stage processes against the 1x run of {g['baseline']['measured_at']} "
                  f"(`{g['baseline']['command']}`).", "",
                  "| stage | 1x (MB) | " + f"{result['scale']:g}x (MB) |", "|---|---|---|"]
        lines += [f"| {s['step']} | {s['peak_rss_mb'][0]} | {s['peak_rss_mb'][1]} |" for s in g["stages"]]
        lines.append("")
    e = result["export"]
    lines += [f"{sub} Task analytics page queries", "",
              "Each query the page runs, through the page's own functions on one warm connection "
              f"(p50 / p95 over {result['page_queries'][0]['runs']} runs, latest night; the project health "
              "routes count the rows and read the page, both timed).", "",
              "| query | p50 (ms) | p95 (ms) |", "|---|---|---|"]
    lines += [f"| {q['query']} | {q['p50_ms']} | {q['p95_ms']} |" for q in result["page_queries"]]
    lines += ["", f"CSV export of `{e['view']}` over snapshots {e['snapshots']}: {e['rows']:,} rows, {e['mb']} MB "
              f"in {e['seconds']} s.", ""]
    if result["scale"] == 1:
        lines += [f"At {path.stem.rsplit('_', 1)[-1]}: [{path.name}]({path.name})." for path in
                  sorted((REPO / "docs").glob("benchmarks_taskflow_*x.md"))]
    return "\n".join(lines) + "\n"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """bench.run's options for taskflow_nightly."""
    group = parser.add_argument_group("taskflow_nightly")
    group.add_argument("--taskflow-scale", type=float, default=1.0,
                       help="TaskFlow world size: 1 = 10k users, 500 projects, 1M tasks (~4.3M event lines); "
                            "another scale also reports the full load's peak RSS against --taskflow-baseline")
    group.add_argument("--taskflow-volumes", type=parse_volumes, default=None, metavar="USERS,PROJECTS,TASKS,DAYS",
                       help="TaskFlow world size (overrides --taskflow-scale's)")
    group.add_argument("--taskflow-out", type=Path, default=None,
                       help="results file (default bench/results_taskflow.json; bench/results_taskflow_2x.json at 2x)")
    group.add_argument("--taskflow-docs", type=Path, default=None,
                       help="page of a run at another scale (default docs/benchmarks_taskflow_2x.md at 2x); "
                            "a 1x run is a section of --docs")
    group.add_argument("--taskflow-baseline", type=Path, default=RESULTS,
                       help="the 1x results that a run at another scale compares its peak RSS with")
    group.add_argument("--taskflow-nights", type=int, default=1, help="1 %% nights taskflow_nightly runs in Airflow")
    group.add_argument("--taskflow-page-runs", type=int, default=30, help="runs of each page query")
    group.add_argument("--taskflow-seed", type=int, default=SEED)


def bench(args: argparse.Namespace, command: str) -> tuple[dict, list[Path]]:
    """The measurements of bench.run's options; writes the results (and, at a scale other than
    1, its page). Returns the result and the files written."""
    scale = args.taskflow_scale
    volumes = args.taskflow_volumes or volumes_at(scale)
    measured_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    measured = measure(volumes, Names(args.db_prefix, scale), airflow=args.airflow, nights=args.taskflow_nights,
                       page_runs=args.taskflow_page_runs, seed=args.taskflow_seed)
    result = {"pipeline": DAG_ID, "date": measured_at[:10], "measured_at": measured_at, "command": command,
              "scale": scale, **measured}
    if scale != 1:
        if args.taskflow_baseline.exists():
            result["memory_growth"] = memory_growth(json.loads(args.taskflow_baseline.read_text()), result)
        else:
            print(f"no 1x results at {args.taskflow_baseline}: run the 1x bench first for the peak RSS comparison")
    out = args.taskflow_out or results_path(scale)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    written = [out]
    if scale != 1:
        page = args.taskflow_docs or docs_path(scale)
        page.write_text(markdown(result))
        written.append(page)
    return result, written


def docs_section(args: argparse.Namespace) -> str | None:
    """The section of docs/benchmarks.md: the 1x results (this run's, or the last ones)."""
    path = (args.taskflow_out or RESULTS) if args.taskflow_scale == 1 else RESULTS
    return markdown(json.loads(path.read_text())) if path.exists() else None


def print_result(result: dict) -> None:
    """The per-stage tables, Airflow's runs, the page queries and the targets, on stdout."""
    run.print_scenarios(result["scenarios"])
    if result.get("airflow"):
        print(f"\nAirflow (warm-up no-op task {result['airflow']['cold_start']['noop_task_seconds']} s)")
        for r in result["airflow"]["scenarios"]:
            print(f"  {r['scenario']:<16}{r['state']:<9}DAG time {r['dag_seconds']:>8} s   task time "
                  f"{r['task_seconds']:>8} s" + (f"   failed: {', '.join(r['failed_tasks'])}"
                                                 if r.get("failed_tasks") else ""))
    print()
    for q in result["page_queries"]:
        print(f"  {q['query']:<50}p50 {q['p50_ms']:>7} ms   p95 {q['p95_ms']:>7} ms")
    print(f"  export {result['export']}")
    print("\ntargets")
    for target, measured, met in targets(result):
        print(f"  [{'pass' if met else 'FAIL'}] {target}: {measured}")


def main(argv: list[str] | None = None) -> int:
    """The generator's calls, each in this process: `world` (build_world) or `tick`; prints the
    report's counts as JSON (lists as their lengths)."""
    from devtools import demo_taskflow

    parser = argparse.ArgumentParser(description=main.__doc__)
    sub = parser.add_subparsers(dest="call", required=True)
    world = sub.add_parser("world")
    world.add_argument("--first-night", type=dt.date.fromisoformat, required=True)
    world.add_argument("--volumes", type=parse_volumes, required=True, metavar="USERS,PROJECTS,TASKS,DAYS")
    day = sub.add_parser("tick")
    day.add_argument("--day", type=dt.date.fromisoformat, required=True)
    for one in (world, day):
        one.add_argument("--source", required=True)
        one.add_argument("--events", type=Path, required=True)
        one.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.call == "world":
        report = demo_taskflow.build_world(args.source, args.events, args.first_night,
                                           demo_taskflow.Volumes(**args.volumes), args.seed)
    else:
        report = demo_taskflow.tick(args.source, args.events, args.day, args.seed)
    counts = {k: len(v) if isinstance(v, list) else v for k, v in report.summary().items()}
    counts["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(counts, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
