"""Where the full load's time goes, by Python call stack (pyinstrument): the whole night run
in one process against the benchmark's CRM, into a fresh warehouse.

    python -m bench.profile     # after `make bench`; writes docs/profile_full_load.txt

Time a call spends waiting on PostgreSQL shows up under psycopg's execute / copy frames.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from pyinstrument import Profiler

from devtools import embedded_pg
from include.crm import pipeline
from include.warehouse_kit.run_context import RunContext

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source-db", default="bench_crm")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 9, 30))
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "profile_full_load.txt")
    args = parser.parse_args(argv)
    embedded_pg.start()
    source = embedded_pg.base_uri(args.source_db)
    warehouse = embedded_pg.ensure_database("bench_profile_warehouse", recreate=True)
    start = dt.datetime.combine(args.day, dt.time(0), dt.UTC)
    ctx = RunContext(run_id=f"profile_{args.day}", dag_id=pipeline.PIPELINE.dag_id, interval_start=start,
                     interval_end=start + dt.timedelta(days=1))
    profiler = Profiler(interval=0.005)
    with profiler:
        pipeline.run(source, warehouse, ctx)
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    args.out.write_text(f"# pyinstrument, full load of {args.source_db} (business day {args.day}), one process\n"
                        f"# command: python -m bench.profile\n\n{text}")
    print(text[:6000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
