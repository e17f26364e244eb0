"""Run one step of crm_nightly in this process (the benchmark starts one process per step, as
Airflow starts one per task, so that each step's peak RSS is its own)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time

from include.crm import pipeline
from include.crm.contracts import BY_NAME
from include.warehouse_kit import pg_io
from include.warehouse_kit.run_context import RunContext


def main(argv: list[str]) -> int:
    step, source_uri, warehouse_uri, raw = argv[1:5]
    spec = json.loads(raw)
    ctx = RunContext(run_id=spec["run_id"], dag_id="crm_nightly",
                     interval_start=dt.datetime.fromisoformat(spec["start"]),
                     interval_end=dt.datetime.fromisoformat(spec["end"]))
    started = time.perf_counter()  # the step's own work, without interpreter start-up and imports
    with pg_io.connect(warehouse_uri) as wh:
        if step == "bootstrap":
            pipeline.bootstrap(wh, ctx)
        elif step == "extract":
            with pg_io.connect(source_uri) as src:
                for table in BY_NAME.values():
                    pipeline.extract(src, wh, table, ctx)
        elif step == "validate":
            for table in BY_NAME.values():
                pipeline.validate(wh, table, ctx)
        elif step.startswith("load_"):
            pipeline.load(wh, step.removeprefix("load_"), ctx)
        elif step == "marts":
            pipeline.build_marts(wh, ctx)
            pipeline.check_marts(wh, ctx)
        elif step == "finish":
            pipeline.finish(wh, ctx, status="success")
        else:
            raise SystemExit(f"unknown step {step}")
    print(json.dumps({"work_seconds": round(time.perf_counter() - started, 3)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
