"""Side by side, same run, same machine: our loader and extractor against what people usually
write. Every method runs in its own process on the same frame (1M rows x 12 columns by default,
saved once as Parquet), in interleaved rounds; the median time and the process's peak RSS above
its baseline (after the frame is loaded) are reported, with ratios.

    python -m bench.compare [--rows 1000000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from devtools import embedded_pg

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".local" / "bench"
TABLE = "bench_lines"
DDL = f"""
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (
    order_item_id bigint, order_id bigint, product_id bigint, quantity integer,
    unit_price numeric(12, 2), discount numeric(12, 2), currency text, status text, channel text,
    sku text, created_at timestamptz, updated_at timestamptz
)"""
TYPES = {"order_item_id": "bigint", "order_id": "bigint", "product_id": "bigint", "quantity": "integer",
         "unit_price": "numeric", "discount": "numeric", "currency": "text", "status": "text", "channel": "text",
         "sku": "text", "created_at": "timestamptz", "updated_at": "timestamptz"}
# (name, kind, sample rows or None for all)
LOADERS = [("ours: pyarrow CSV + COPY FROM STDIN", "ours", None),
           ("server-side COPY FROM file (ceiling)", "server_copy", None),
           ("DataFrame.to_sql(method=None)", "to_sql", None),
           ("PostgresHook.insert_rows", "insert_rows", None),
           ('to_sql(method="multi"), 100k sample', "to_sql_multi", 100_000)]
EXTRACTORS = [("ours: COPY TO STDOUT + pyarrow read_csv", "read_ours", None),
              ("pd.read_sql", "read_sql", None)]


def make_frame(rows: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-10-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 365 * 86400, rows), unit="s")
    return pd.DataFrame({
        "order_item_id": np.arange(1, rows + 1, dtype="int64"),
        "order_id": (np.arange(rows) // 2 + 1).astype("int64"),
        "product_id": rng.integers(1, 151, rows).astype("int64"),
        "quantity": rng.integers(1, 6, rows).astype("int64"),
        "unit_price": np.round(rng.uniform(2, 400, rows), 2),
        "discount": np.where(rng.random(rows) < 0.1, np.nan, np.round(rng.uniform(0, 20, rows), 2)),
        "currency": pd.Series(rng.choice(["EUR", "USD", "GBP"], rows), dtype="str"),
        "status": pd.Series(rng.choice(["paid", "shipped", "delivered", "refunded"], rows), dtype="str"),
        "channel": pd.Series(rng.choice(["web", "mobile", "marketplace"], rows), dtype="str"),
        "sku": pd.Series([f"SKU-{n:05d}, \"v{n % 7}\"" for n in rng.integers(0, 99999, rows)], dtype="str"),
        "created_at": created,
        "updated_at": created + pd.to_timedelta(rng.integers(0, 86400, rows), unit="s"),
    })


def run_one(kind: str, uri: str, parquet: Path, sample: int | None) -> dict:
    """Runs in a child process: one method, timed. Prints JSON."""
    import resource

    import psycopg

    from include.warehouse_kit import pg_io

    frame = pd.read_parquet(parquet)
    if sample:
        frame = frame.head(sample)
    with psycopg.connect(uri, autocommit=True) as conn:
        if not kind.startswith("read"):
            conn.execute(DDL)
        if kind == "server_copy":
            csv_path = parquet.with_suffix(".csv")
            if not csv_path.exists():
                import pyarrow as pa
                import pyarrow.csv as pa_csv
                pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), csv_path,
                                 pa_csv.WriteOptions(include_header=False))
                csv_path.chmod(0o644)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rows = len(frame)
    if kind == "ours":
        with pg_io.connect(uri) as conn:
            pg_io.write_frame(conn, TABLE, frame)
    elif kind == "server_copy":
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute(f"COPY {TABLE} FROM '{parquet.with_suffix('.csv')}' (FORMAT csv)")  # noqa: S608 - bench path
    elif kind in ("to_sql", "to_sql_multi"):
        from sqlalchemy import create_engine

        engine = create_engine(uri.replace("postgresql://", "postgresql+psycopg://"))
        frame.to_sql(TABLE, engine, if_exists="append", index=False,
                     method="multi" if kind == "to_sql_multi" else None, chunksize=1000 if kind == "to_sql_multi" else None)
        engine.dispose()
    elif kind == "insert_rows":
        os.environ["AIRFLOW_CONN_BENCH_PG"] = uri
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id="bench_pg")
        hook.insert_rows(TABLE, rows=frame.itertuples(index=False, name=None), target_fields=list(frame.columns),
                         commit_every=10_000)
    elif kind == "read_ours":
        del frame
        with pg_io.connect(uri) as conn:
            from psycopg import sql
            rows = len(pg_io.read_frame(conn, sql.SQL(f"SELECT * FROM {TABLE}"), None, TYPES))  # noqa: S608
    elif kind == "read_sql":
        del frame
        from sqlalchemy import create_engine

        engine = create_engine(uri.replace("postgresql://", "postgresql+psycopg://"))
        rows = len(pd.read_sql(f"SELECT * FROM {TABLE}", engine))  # noqa: S608
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with psycopg.connect(uri) as conn:
        stored = conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]  # noqa: S608
    if stored != (rows if not kind.startswith("read") else stored):
        raise SystemExit(f"{kind}: {stored} rows stored, {rows} sent")
    return {"seconds": seconds, "rows": rows, "stored": stored, "extra_rss_mb": round((peak - baseline) / 1024, 1),
            "checksum": _checksum(uri) if kind in ("ours", "server_copy") else None}


def _checksum(uri: str) -> str:
    import psycopg

    with psycopg.connect(uri) as conn:
        return conn.execute(f"SELECT md5(string_agg(t::text, '|' ORDER BY order_item_id)) FROM {TABLE} t").fetchone()[0]  # noqa: S608


def _child(kind: str, uri: str, parquet: Path, sample: int | None) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.compare", "--one", kind, "--uri", uri, "--parquet", str(parquet),
                          "--sample", str(sample or 0)], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{kind} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(rows: int, rounds: int) -> dict:
    embedded_pg.start()
    uri = embedded_pg.ensure_database("bench_compare", recreate=True)
    WORK.mkdir(parents=True, exist_ok=True)
    parquet = WORK / f"lines_{rows}.parquet"
    if not parquet.exists():
        make_frame(rows).to_parquet(parquet)
    parquet.with_suffix(".csv").unlink(missing_ok=True)
    samples: dict[str, list[dict]] = {}
    for _ in range(rounds):
        for name, kind, sample in LOADERS:
            samples.setdefault(name, []).append(_child(kind, uri, parquet, sample and min(sample, rows)))
        # extraction reads what the last loader left: reload with ours first
        _child("ours", uri, parquet, None)
        for name, kind, sample in EXTRACTORS:
            samples.setdefault(name, []).append(_child(kind, uri, parquet, sample))
    results = []
    for name, runs in samples.items():
        sample_rows = runs[0]["rows"] if not name.startswith(("ours: COPY", "pd.read")) else runs[0]["stored"]
        seconds = statistics.median(r["seconds"] for r in runs)
        results.append({"method": name, "rows": sample_rows, "seconds": round(seconds, 2),
                        "rows_per_s": round(sample_rows / seconds), "extra_rss_mb": statistics.median(
                            r["extra_rss_mb"] for r in runs), "rounds": len(runs)})
    by = {r["method"]: r for r in results}
    ours, ceiling = by[LOADERS[0][0]], by[LOADERS[1][0]]
    ratios = {
        "loader_share_of_server_copy_throughput": round(ours["rows_per_s"] / ceiling["rows_per_s"], 2),
        "loader_speedup_vs_to_sql": round(ours["rows_per_s"] / by[LOADERS[2][0]]["rows_per_s"], 1),
        "loader_speedup_vs_insert_rows": round(ours["rows_per_s"] / by[LOADERS[3][0]]["rows_per_s"], 1),
        "loader_speedup_vs_to_sql_multi": round(ours["rows_per_s"] / by[LOADERS[4][0]]["rows_per_s"], 1),
        "extractor_speedup_vs_read_sql": round(by["pd.read_sql"]["seconds"] / by[EXTRACTORS[0][0]]["seconds"], 1),
        "extractor_memory_share_of_read_sql": round(
            by[EXTRACTORS[0][0]]["extra_rss_mb"] / max(by["pd.read_sql"]["extra_rss_mb"], 0.1), 2),
    }
    same = {r["checksum"] for name, runs in samples.items() for r in runs if r["checksum"]}
    return {"rows": rows, "columns": 12, "rounds": rounds, "results": results, "ratios": ratios,
            "ours_equals_server_copy": len(same) == 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    parser.add_argument("--parquet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.uri, args.parquet, args.sample or None)))
        return 0
    print(json.dumps(compare(args.rows, args.rounds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
