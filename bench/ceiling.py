"""The COPY ceiling of a first night: a server-side COPY of the same source rows into plain
tables (no keys, no indexes, no constraints) in the warehouse, the fastest way PostgreSQL
itself moves them. Issue 20 holds a pipeline's first night against a multiple of it.

Each source table's rows of the night (`updated_at` before its end, or none: what the first
night extracts) are written by the server to a file (`COPY (SELECT ...) TO '<file>'`, timed as
`out_seconds`), then read by the server into a fresh plain table of the warehouse
(`COPY ... FROM '<file>'`, timed as `in_seconds`), each the median of `rounds`. The ceiling is
the sum of both over the tables: the rows moved from the source into plain tables. Both
databases must live on one server with this machine's file system (the benchmark's embedded
PostgreSQL).

    python -m bench.ceiling SOURCE_URI WAREHOUSE_URI [--until ISO] [--pipeline crm] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench import stage
from include.warehouse_kit.tables import SourceTable

SCHEMA = "bench_ceiling"


def _columns(src: psycopg.Connection, table: SourceTable) -> sql.Composed:
    """The source table's columns and their types, as `CREATE TABLE` lists them."""
    rows = src.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                       "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                       (table.qualified_name,)).fetchall()
    return sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(kind)) for name, kind in rows)


def measure(source: str, warehouse: str, tables: tuple[SourceTable, ...], until: dt.datetime | None = None,
            rounds: int = 3) -> dict:
    """Per table: rows (those updated before `until` or never, or all), the median seconds out of
    the source and into the warehouse; and the ceiling `seconds`, the sum of both over the tables."""
    per_table = {}
    with tempfile.TemporaryDirectory(prefix="copy_ceiling_") as tmp, \
            psycopg.connect(source, autocommit=True) as src, psycopg.connect(warehouse, autocommit=True) as wh:
        Path(tmp).chmod(0o777)  # the server's process writes and reads the files
        wh.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        for table in tables:
            path = str(Path(tmp) / f"{table.name}.copy")
            plain = sql.Identifier(SCHEMA, table.name)
            columns = _columns(src, table)
            outs, ins = [], []
            # the first night's rows: changed before its end, and those without updated_at (kit extract)
            rows_of_night = sql.SQL("SELECT * FROM {} WHERE %(until)s::timestamptz IS NULL "
                                    "OR updated_at < %(until)s OR updated_at IS NULL"
                                    ).format(sql.Identifier(table.schema, table.name))
            for _ in range(rounds):
                started = time.perf_counter()
                # a utility statement takes no server-side parameters: bound on the client
                psycopg.ClientCursor(src).execute(sql.SQL("COPY ({}) TO %(path)s").format(rows_of_night),
                                                  {"until": until, "path": path})
                outs.append(time.perf_counter() - started)
                wh.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(plain))
                wh.execute(sql.SQL("CREATE TABLE {} ({})").format(plain, columns))
                started = time.perf_counter()
                rows = psycopg.ClientCursor(wh).execute(sql.SQL("COPY {} FROM %(path)s").format(plain),
                                                        {"path": path}).rowcount
                ins.append(time.perf_counter() - started)
            per_table[table.name] = {"rows": rows, "out_seconds": round(statistics.median(outs), 3),
                                     "in_seconds": round(statistics.median(ins), 3)}
        wh.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(SCHEMA)))
    return {"rounds": rounds, "tables": per_table, "rows": sum(t["rows"] for t in per_table.values()),
            "seconds": round(sum(t["out_seconds"] + t["in_seconds"] for t in per_table.values()), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    parser.add_argument("warehouse")
    parser.add_argument("--pipeline", default="crm", choices=sorted(stage.PIPELINES))
    parser.add_argument("--until", type=dt.datetime.fromisoformat, default=None,
                        help="only the rows updated before this instant (a night's interval end)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.source, args.warehouse, stage.pipeline_of(args.pipeline).tables, args.until,
                             args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
