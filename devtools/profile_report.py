"""`make profile`: the demo's source tables profiled in full, as one self-contained HTML report.

One section per table of the CRM and TaskFlow databases:
- its columns with their contract types and the kit's column profile (profiling.Profiler over
  the whole table, not a nightly batch);
- the dirty values found, and what catches each: the rows the table's pandera rules reject,
  by reason with sample values, and the dirt a transform mends instead (the domain's probes,
  include/crm/profile_probes.py: non-ISO countries, shared emails).

    python -m devtools.profile_report [--crm URI] [--taskflow URI] [--out .local/reports/source_profile.html]

Defaults: the demo's databases on the embedded server (run `make demo` first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import psycopg
from psycopg import sql

from devtools import embedded_pg
from devtools.local_env import LOCAL_DIR, SOURCE_DB, TASKFLOW_DB
from include.crm import contracts as crm
from include.crm.profile_probes import PROBES as CRM_PROBES
from include.taskflow import contracts as taskflow
from include.warehouse_kit import pg_io, profiling, validation
from include.warehouse_kit.tables import SourceTable

OUT = LOCAL_DIR / "reports" / "source_profile.html"
CHUNK_ROWS = 200_000
SAMPLES = 5


@dataclass
class Finding:
    title: str
    caught_by: str
    rows: int
    samples: list[str]


@dataclass
class TableReport:
    source: str
    table: SourceTable
    rows: int
    profiles: list[profiling.ColumnProfile]
    findings: list[Finding]


def read_table(conn: psycopg.Connection, table: SourceTable) -> Iterable[pd.DataFrame]:
    """The whole source table, in primary-key order, a chunk at a time."""
    columns = sql.SQL(", ").join(map(sql.Identifier, table.columns))
    select = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        columns, sql.Identifier(table.schema, table.name), sql.Identifier(table.primary_key))
    with conn.transaction(), conn.cursor(name=f"profile_{table.name}") as cursor:
        cursor.execute(select)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield typed(pd.DataFrame(rows, columns=list(table.columns), dtype=object), table)


def typed(frame: pd.DataFrame, table: SourceTable) -> pd.DataFrame:
    """Rows as the pipeline's validation reads them (pg_io's types)."""
    empty = pg_io.empty_frame(table.types)
    for column, kind in table.types.items():
        if kind == "timestamptz":
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        elif kind != "date":
            frame[column] = frame[column].astype(empty[column].dtype)
    return frame


def rule_findings(rejects: Counter, samples: dict[str, list[str]]) -> list[Finding]:
    return [Finding(reason, "rules: the row goes to audit.quarantine with all its reasons", n, samples[reason])
            for reason, n in rejects.most_common()]


def profile_table(conn: psycopg.Connection, source: str, table: SourceTable, probes=()) -> TableReport:
    profiler = profiling.Profiler(table.types)
    rejects: Counter = Counter()
    samples: dict[str, list[str]] = {}
    whole = []
    rows = 0
    judged_at = dt.datetime.now(dt.UTC)  # as a night ending now would judge the rows
    for frame in read_table(conn, table):
        rows += len(frame)
        profiler.add(frame)
        found = validation.find_rejects(table, frame.reset_index(drop=True), judged_at)
        for row, reasons in zip(found["row"], found["reasons"], strict=True):
            for reason in reasons:
                rejects[reason] += 1
                shown = samples.setdefault(reason, [])
                column = reason.split(":", 1)[0]
                if column not in frame.columns or len(shown) >= SAMPLES:
                    continue  # a rule on the whole row names no column
                value = frame.iloc[row][column]
                text = "NULL" if pd.isna(value) else repr(str(value))
                if text not in shown:
                    shown.append(text)
        if probes:
            whole.append(frame)
    findings = rule_findings(rejects, samples)
    if probes:
        everything = pd.concat(whole, ignore_index=True)
        for probe in probes:
            hits = probe.find(everything)
            shown = [f"{v!r} → {b}" for v, b in hits.drop_duplicates("value").head(SAMPLES).itertuples(index=False)]
            findings.append(Finding(probe.title, probe.caught_by, len(hits), shown))
    return TableReport(source, table, rows, profiler.profiles(), findings)


def _number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:,.{digits}f}"


def render(reports: list[TableReport], generated: dt.datetime) -> str:
    e = html.escape
    parts = [f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Source profile</title>
<style>
body {{ margin: 2rem; color: #1d2733; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }}
h1 {{ margin: 0 0 .25rem; }} h2 {{ margin: 2rem 0 .25rem; border-bottom: 2px solid #0b6bcb; }}
h3 {{ margin: 1rem 0 .25rem; font-size: 1rem; }} .soft {{ color: #5f6b7a; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: .25rem .5rem; border-bottom: 1px solid #d9e0e8; text-align: right; vertical-align: top; }}
th {{ color: #5f6b7a; font-weight: 500; }} .l {{ text-align: left; }}
.bar {{ display: inline-block; height: .6rem; background: #b42318; vertical-align: middle; }}
.none {{ color: #067647; }}
@media print {{ h2 {{ break-before: page; }} }}
</style></head><body>
<h1>Source profile</h1>
<p class="soft">Every row of the demo's source tables, profiled by include/warehouse_kit/profiling.py and checked
by each table's rules; generated {e(generated.isoformat(timespec="seconds"))}.</p>
<ul>{''.join(f'<li><a href="#{e(r.source)}">{e(r.source)}</a>: {r.rows:,} rows, '
             f'{sum(f.rows for f in r.findings):,} findings</li>' for r in reports)}</ul>"""]
    for r in reports:
        parts.append(f'<h2 id="{e(r.source)}">{e(r.source)}</h2><p class="soft">{r.rows:,} rows; primary key '
                     f'{e(r.table.primary_key)}; rules {e(r.table.model.split(":")[1])}</p>')
        parts.append("<h3>Columns</h3><table><tr><th class=l>column</th><th class=l>type</th><th>nulls</th>"
                     "<th>null rate</th><th class=l></th><th>distinct</th><th class=l>min</th><th class=l>max</th>"
                     "<th>mean</th><th class=l>top values</th></tr>")
        for p in r.profiles:
            top = ", ".join(f"{e(v)} ({n:,})" for v, n in p.top_values or ())
            parts.append(
                f"<tr><td class=l>{e(p.column)}</td><td class=l>{e(r.table.types[p.column])}</td>"
                f"<td>{p.nulls:,}</td><td>{p.null_rate:.1%}</td>"
                f"<td class=l><span class=bar style='width:{100 * p.null_rate:.1f}px'></span></td>"
                f"<td>{'' if p.distinct_exact else '≈ '}{p.distinct:,}</td><td class=l>{e(p.minimum or '')}</td>"
                f"<td class=l>{e(p.maximum or '')}</td><td>{_number(p.mean, 2)}</td><td class=l>{top}</td></tr>")
        parts.append("</table><h3>Dirty values found, and what catches them</h3>")
        if not r.findings:
            parts.append('<p class="none">None: every row passes the rules.</p>')
            continue
        parts.append("<table><tr><th class=l>finding</th><th>rows</th><th class=l>examples</th>"
                     "<th class=l>caught by</th></tr>")
        for f in r.findings:
            parts.append(f"<tr><td class=l>{e(f.title)}</td><td>{f.rows:,}</td>"
                         f"<td class=l>{e(', '.join(f.samples))}</td><td class=l>{e(f.caught_by)}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def build(crm_uri: str, taskflow_uri: str | None, out: Path) -> list[TableReport]:
    reports = []
    with pg_io.connect(crm_uri) as conn:
        reports += [profile_table(conn, t.qualified_name, t, CRM_PROBES.get(t.name, ())) for t in crm.TABLES]
    if taskflow_uri:
        with pg_io.connect(taskflow_uri) as conn:
            reports += [profile_table(conn, t.qualified_name, t) for t in taskflow.TABLES]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(reports, dt.datetime.now(dt.UTC)), encoding="utf-8")
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crm", help="the CRM source (default: the demo's)")
    parser.add_argument("--taskflow", help="the TaskFlow source (default: the demo's)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not (args.crm and args.taskflow) and not embedded_pg.is_ready():
        print("the embedded PostgreSQL is not running: run `make demo` first (or pass --crm and --taskflow)",
              file=sys.stderr)
        return 2
    crm_uri = args.crm or embedded_pg.base_uri(SOURCE_DB)
    taskflow_uri = args.taskflow or embedded_pg.base_uri(TASKFLOW_DB)
    try:
        reports = build(crm_uri, taskflow_uri, args.out)
    except psycopg.OperationalError as error:
        print(f"cannot read the demo's sources ({error}): run `make demo` first", file=sys.stderr)
        return 2
    for r in reports:
        print(f"  {r.source:<20} {r.rows:>9,} rows  {sum(f.rows for f in r.findings):>7,} findings")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
