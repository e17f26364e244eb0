"""``python -m devtools.demo_taskflow``: build the world, then tick the days after it; prints
each call's report as JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from collections.abc import Sequence
from pathlib import Path

import devtools.demo_taskflow as demo_taskflow
from devtools.demo_taskflow import BENCH, DEMO, build_world, tick


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo_taskflow",
                                     description=demo_taskflow.__doc__.split("\n")[0])
    parser.add_argument("--source", required=True, help="admin libpq URI of the source database")
    parser.add_argument("--events", required=True, type=Path, help="the events root (a local directory)")
    parser.add_argument("--first-night", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--ticks", type=int, default=0, help="days to tick after the history")
    parser.add_argument("--bench", action="store_true", help="BENCH volumes instead of DEMO")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    started = time.monotonic()
    report = build_world(args.source, args.events, args.first_night, BENCH if args.bench else DEMO, args.seed)
    print(json.dumps({"build_world": report.summary(), "seconds": round(time.monotonic() - started, 1)}))
    for i in range(args.ticks):
        started = time.monotonic()
        report = tick(args.source, args.events, args.first_night + dt.timedelta(days=i), args.seed)
        print(json.dumps({"tick": report.summary(), "seconds": round(time.monotonic() - started, 1)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
