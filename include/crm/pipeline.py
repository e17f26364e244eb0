"""The steps of crm_nightly. Each step takes open psycopg connections and a RunContext;
the DAG file only wires them together.

bootstrap -> extract (per table) -> validate (per table) -> load (products, customers,
orders, order_items) -> finish. Every load is one transaction: quarantine, merge, release
and watermark commit together or not at all.

pandas, pandera and the transforms are imported inside the steps that use them. Every Airflow
task is a new process, and bootstrap, extract, check_marts and finish need none of them
(importing them costs about 0.4 s a task).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from include.crm.contracts import BY_NAME, CUSTOMERS, ORDER_ITEMS, ORDERS, PRODUCTS, SourceTable
from include.warehouse_kit import pg_io
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import fillers as _fillers
from include.warehouse_kit.sql_files import query
from include.warehouse_kit.sql_files import sql_text as _sql_text

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

log = logging.getLogger(__name__)
BOOTSTRAP_LOCK = 7_310_001  # advisory lock id: one DDL run at a time


class QualityGateError(RuntimeError):
    """A batch failed a quality gate; nothing of it was loaded."""


def run_sql(conn: psycopg.Connection, name: str, params: dict | None = None,
            **identifiers: str | sql.Composable) -> int:
    """Execute a SQL file statement by statement (bind parameters allow one statement per
    execute). Returns the row count of the last statement."""
    statements = [s for s in _sql_text(name).split(";\n") if s.strip() and not _only_comments(s)]
    rowcount = 0
    for statement in statements:
        rowcount = conn.execute(sql.SQL(statement).format(**_fillers(identifiers)), params).rowcount
    return rowcount


def customer_version_at(orders: sql.Composable) -> sql.Composable:
    """The customer-version lookup (one rule, one file) for the rows of `orders`, a relation
    of (order_id, customer_id, order_ts)."""
    return query("crm/load/select_customer_version_at.sql", orders=orders)


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def _record_counts(conn: psycopg.Connection, ctx: RunContext, table: str, counts: dict) -> None:
    conn.execute(query("kit/audit/record_table_counts.sql"),
                 {"run_id": ctx.run_id, "source_table": table, "counts": json.dumps(counts)})


def record_task_seconds(conn: psycopg.Connection, ctx: RunContext, task: str, seconds: float) -> None:
    conn.execute(query("kit/audit/record_task_seconds.sql"),
                 {"run_id": ctx.run_id, "task": task, "seconds": round(seconds, 3)})


# ----------------------------------------------------------------------------- bootstrap

BOOTSTRAP_FILES = ("crm/bootstrap/create_staging.sql", "crm/bootstrap/create_core.sql",
                   "crm/bootstrap/create_marts.sql", "kit/bootstrap/create_audit.sql",
                   "crm/bootstrap/create_change_capture.sql")
# Applying the DDL asks for a full restatement of daily_sales, so a change of the mart's
# definition counts as a change of the DDL.
FINGERPRINTED_FILES = (*BOOTSTRAP_FILES, "crm/marts/build_daily_sales.sql")


def ddl_fingerprint() -> str:
    return hashlib.sha256("\n".join(_sql_text(name) for name in FINGERPRINTED_FILES).encode()).hexdigest()


def bootstrap(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Apply the warehouse DDL (idempotent; skipped when audit.ddl_version says these files are
    applied already) and open the run's log row."""
    fingerprint = ddl_fingerprint()
    with wh.transaction():
        wh.execute("SELECT pg_advisory_xact_lock(%s)", (BOOTSTRAP_LOCK,))
        applied = wh.execute("SELECT to_regclass('audit.ddl_version') IS NOT NULL").fetchone()[0] and \
            wh.execute("SELECT fingerprint FROM audit.ddl_version").fetchone()
        if not applied or applied[0] != fingerprint:
            for name in BOOTSTRAP_FILES:
                wh.execute(query(name))
            wh.execute("INSERT INTO audit.ddl_version (fingerprint) VALUES (%s) ON CONFLICT (singleton) "
                       "DO UPDATE SET fingerprint = excluded.fingerprint, applied_at = now()", (fingerprint,))
        wh.execute(query("kit/audit/start_run.sql"), ctx.as_params())


# ----------------------------------------------------------------------------- extract

class SchemaDriftError(RuntimeError):
    """A contract column is missing from the source or has another type."""


# information_schema.columns.data_type accepted for each contract type
_SOURCE_TYPES = {
    "bigint": {"bigint"}, "integer": {"integer"}, "numeric": {"numeric"}, "boolean": {"boolean"},
    "timestamptz": {"timestamp with time zone"}, "text": {"text", "character varying", "character"},
}


def check_source_schema(src: psycopg.Connection, wh: psycopg.Connection, table: SourceTable,
                        ctx: RunContext) -> list[str]:
    """Compare crm.<table> with the contract before anything is extracted.

    A missing or retyped contract column fails the run and names the column; a new column is
    logged as a warning (audit.data_quality_log) and ignored: we read only contract columns.
    """
    actual = dict(src.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'crm' AND table_name = %s", (table.name,)).fetchall())
    if not actual:
        raise SchemaDriftError(f"source table crm.{table.name} does not exist or is not readable")
    problems = [f"crm.{table.name}.{column} is missing" for column in table.columns if column not in actual]
    problems += [f"crm.{table.name}.{column} is {actual[column]}, the contract says {kind}"
                 for column, kind in table.types.items()
                 if column in actual and actual[column] not in _SOURCE_TYPES[kind]]
    if problems:
        raise SchemaDriftError("source schema drift: " + "; ".join(problems))
    extra = sorted(set(actual) - set(table.columns))
    check = f"{table.name}.source_schema"
    with wh.transaction():
        wh.execute('DELETE FROM audit.data_quality_log WHERE run_id = %s AND "check" = %s', (ctx.run_id, check))
        wh.execute('INSERT INTO audit.data_quality_log (run_id, "check", status, observed, expected) '
                   "VALUES (%s, %s, %s, %s, %s)",
                   (ctx.run_id, check, "warn" if extra else "pass",
                    "new columns: " + ", ".join(extra) if extra else "contract columns only", "contract columns"))
    if extra:
        log.warning("crm.%s has columns outside the contract, ignored: %s", table.name, ", ".join(extra))
    return extra


def extract(src: psycopg.Connection, wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> int:
    """Stream changed source rows into staging.<table>, tagged with the run id."""
    check_source_schema(src, wh, table, ctx)
    row = wh.execute("SELECT watermark FROM audit.watermarks WHERE source_table = %s",
                     (table.name,)).fetchone()
    if ctx.full_refresh or row is None:
        lower = None  # everything before interval_end
    else:
        lower = min(ctx.interval_start, row[0]) - ctx.lookback
    select = sql.SQL(_sql_text("crm/extract/select_changed_rows.sql")).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, table.columns)),
        source_table=sql.Identifier("crm", table.name),
    )
    params = {"run_id": ctx.run_id, "interval_end": ctx.interval_end, "lower_bound": lower}
    with wh.transaction():
        wh.execute(sql.SQL("DELETE FROM {} WHERE run_id = %s").format(
            sql.Identifier("staging", table.name)), (ctx.run_id,))
        rows = pg_io.stream_copy(src, select, params, wh, f"staging.{table.name}",
                                 ("run_id", *table.columns))
        # rows changed inside the interval (the lookback re-reads some of the previous night)
        changed = wh.execute(sql.SQL("SELECT count(*) FROM {} WHERE run_id = %s AND updated_at >= %s").format(
            sql.Identifier("staging", table.name)), (ctx.run_id, ctx.interval_start)).fetchone()[0]
        _record_counts(wh, ctx, table.name, {"extracted": rows, "changed": changed})
        _check_volume(wh, ctx, table, changed)
    log.info("extracted %s rows from crm.%s (updated_at in [%s, %s))", rows, table.name,
             lower or "-inf", ctx.interval_end)
    return rows


# Volume warnings: nothing where the trailing runs averaged at least BUSY_TABLE rows, or more
# than SPIKE_FACTOR times that average.
BUSY_TABLE = 10
SPIKE_FACTOR = 10


def _check_volume(wh: psycopg.Connection, ctx: RunContext, table: SourceTable, rows: int) -> None:
    """Log `<table>.volume` (pass / warn): rows changed in the interval against the trailing 7
    successful runs. An empty or a huge night still loads; the warning reaches the morning
    Slack message."""
    trailing = wh.execute(query("kit/audit/select_trailing_extract_volume.sql"),
                          {"table": table.name, "run_id": ctx.run_id}).fetchone()[0]
    if trailing is None or ctx.full_refresh:
        status, expected = "pass", "no history" if trailing is None else "full refresh"
    else:
        average = float(trailing)
        low = rows == 0 and average >= BUSY_TABLE
        high = rows > SPIKE_FACTOR * max(average, BUSY_TABLE)
        status, expected = ("warn" if low or high else "pass"), f"{average:.0f} rows (trailing 7 runs)"
    check = f"{table.name}.volume"
    wh.execute('DELETE FROM audit.data_quality_log WHERE run_id = %s AND "check" = %s', (ctx.run_id, check))
    wh.execute('INSERT INTO audit.data_quality_log (run_id, "check", status, observed, expected) '
               "VALUES (%s, %s, %s, %s, %s)", (ctx.run_id, check, status, f"{rows} rows", expected))
    if status == "warn":
        log.warning("crm.%s: %s rows changed in the interval, expected about %s", table.name, rows, expected)


CHUNK_ROWS = 200_000  # staged rows per frame: a task's memory stays flat however large the batch


def read_batches(wh: psycopg.Connection, table: SourceTable, ctx: RunContext, *, valid_only: bool = False,
                 chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """The run's staged rows of `table`, chunk by chunk in staging_row order (keyset paging on
    the (run_id, staging_row) index), each chunk indexed by staging_row. valid_only leaves out
    the rows validate rejected."""
    limit = chunk_rows or CHUNK_ROWS
    select = sql.SQL(
        "SELECT s.staging_row, {columns} FROM {staging} s WHERE s.run_id = %(run_id)s AND s.staging_row > %(after)s "
        "{valid} ORDER BY s.staging_row LIMIT %(limit)s").format(
        columns=sql.SQL(", ").join(sql.Identifier("s", c) for c in table.columns),
        staging=sql.Identifier("staging", table.name),
        valid=sql.SQL("AND NOT EXISTS (SELECT 1 FROM staging.rejects r WHERE r.run_id = s.run_id "
                      "AND r.source_table = %(table)s AND r.staging_row = s.staging_row)") if valid_only else sql.SQL(""))
    for frame in pg_io.read_frames(wh, select, {"run_id": ctx.run_id, "table": table.name},
                                   {"staging_row": "bigint", **table.types}, key="staging_row", chunk_rows=limit):
        yield frame.set_index(frame["staging_row"].astype("int64")).drop(columns="staging_row")


# ----------------------------------------------------------------------------- validate

def _pg_array(values: list[str]) -> str:
    escaped = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in escaped) + "}"


def validate(wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> dict:
    """Run the table's rules on the staged batch, record the rejects and the quality gates.

    Raises QualityGateError when a gate fails; the load never starts then.
    """
    import pandas as pd

    from include.crm.rules import Tally, find_rejects, quality_gates, tally

    # Rows without updated_at come back every night (no window can exclude them); once they
    # sit in quarantine they no longer count against the gates.
    known = {r[0] for r in wh.execute(
        "SELECT source_id FROM audit.quarantine WHERE source_table = %s AND released_at IS NULL "
        "AND source_updated_at IS NULL AND source_id IS NOT NULL", (table.name,))}
    counts, rows, rejected = Tally(), 0, 0
    with wh.transaction():
        wh.execute("DELETE FROM staging.rejects WHERE run_id = %s AND source_table = %s",
                   (ctx.run_id, table.name))
        wh.execute("CREATE TEMP TABLE tmp_reject_rows (staging_row bigint, source_id bigint, "
                   "source_updated_at timestamptz, reasons text) ON COMMIT DROP")
        for batch in read_batches(wh, table, ctx):
            rejects = find_rejects(table, batch, ctx.interval_end)
            known_rows = batch.index[batch["updated_at"].isna() & batch[table.primary_key].isin(known)]
            counts += tally(table, batch.drop(index=known_rows), int((~rejects["row"].isin(known_rows)).sum()))
            rows, rejected = rows + len(batch), rejected + len(rejects)
            pg_io.write_frame(wh, "tmp_reject_rows", pd.DataFrame({
                "staging_row": rejects["row"],
                "source_id": rejects["source_id"],
                "source_updated_at": rejects["source_updated_at"],
                "reasons": [_pg_array(r) for r in rejects["reasons"]],
            }))
        wh.execute("INSERT INTO staging.rejects (run_id, source_table, staging_row, source_id, "
                   "source_updated_at, reasons) "
                   "SELECT %s, %s, staging_row, source_id, source_updated_at, reasons::text[] FROM tmp_reject_rows",
                   (ctx.run_id, table.name))
        gates = quality_gates(table, counts)
        wh.execute("DELETE FROM audit.data_quality_log WHERE run_id = %s AND \"check\" = ANY(%s)",
                   (ctx.run_id, [g.check for g in gates]))
        for gate in gates:
            wh.execute(
                "INSERT INTO audit.data_quality_log (run_id, \"check\", status, observed, expected) "
                "VALUES (%s, %s, %s, %s, %s)",
                (ctx.run_id, gate.check, "pass" if gate.passed else "fail", f"{gate.observed:.4f}",
                 (">= " if gate.check.endswith("completeness") else "<= ") + f"{gate.threshold:.2f}"),
            )
        result = {"validated": rows, "rejected": rejected}
        _record_counts(wh, ctx, table.name, result)
    log.info("validated %s: %s", table.name, result)
    failed = [g for g in gates if not g.passed]
    if failed:
        detail = "; ".join(f"{g.check} = {g.observed:.2%} (limit {g.threshold:.0%})" for g in failed)
        raise QualityGateError(f"crm.{table.name} batch of {rows} rows failed quality gates: {detail}")
    return result


# ----------------------------------------------------------------------------- load

def _temp_table(wh: psycopg.Connection, name: str, columns: dict[str, str]) -> None:
    wh.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns.items())))


def _fill_valid(wh: psycopg.Connection, table: SourceTable, ctx: RunContext, columns: dict[str, str],
                transform: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    """The batch's valid rows, transformed chunk by chunk (every transform is row by row), in
    a new temp table tmp_valid with its planner statistics."""
    _temp_table(wh, "tmp_valid", columns)
    for batch in read_batches(wh, table, ctx, valid_only=True):
        pg_io.write_frame(wh, "tmp_valid", transform(batch.reset_index(drop=True))[list(columns)])
    wh.execute("ANALYZE tmp_valid")


def _quarantine(wh: psycopg.Connection, table: SourceTable, ctx: RunContext) -> int:
    """Move this batch's rejects into audit.quarantine; returns how many rows were rejected."""
    _temp_table(wh, "tmp_rejects", {"staging_row": "bigint", "source_id": "bigint",
                                    "source_updated_at": "timestamptz", "reasons": "text[]"})
    wh.execute("INSERT INTO tmp_rejects SELECT staging_row, source_id, source_updated_at, reasons FROM staging.rejects "
               "WHERE run_id = %s AND source_table = %s", (ctx.run_id, table.name))
    wh.execute("ANALYZE tmp_rejects")
    run_sql(wh, "crm/load/quarantine_rejects.sql", {"source_table": table.name, "run_id": ctx.run_id},
            staging_table=f"staging.{table.name}", primary_key=table.primary_key)
    return wh.execute("SELECT count(*) FROM tmp_rejects").fetchone()[0]


def _remove_replaced(wh: psycopg.Connection, core_table: str, key: str) -> int:
    """A newer bad version replaces the loaded one: the row now lives in quarantine only."""
    cur = wh.execute(sql.SQL(
        "DELETE FROM {t} c USING tmp_rejects r WHERE c.{k} = r.source_id "
        "AND c.updated_at < r.source_updated_at").format(
        t=sql.Identifier(*core_table.split(".")), k=sql.Identifier(key)))
    return cur.rowcount


def _release(wh: psycopg.Connection, table: SourceTable) -> int:
    return run_sql(wh, "crm/load/release_quarantine.sql", {"source_table": table.name},
                   primary_key=table.primary_key)


def _begin_load(wh: psycopg.Connection, name: str) -> None:
    """Start a load's transaction: serialise concurrent runs (two runs of a night, a backfill
    beside the nightly run) per table, with a lock that lives until the transaction ends; and
    price index reads for a warehouse whose pages are cached. At PostgreSQL's default
    random_page_cost (4, meant for spinning disks) a 1 % night's re-keying and revaluation
    hashed all of fact_orders instead of probing its keys: the customers, orders and lines
    loads of a 1 % night at 1M lines took 1.1-1.3 s, 0.6 s with 1.1. A full load's joins stay
    hash joins either way."""
    wh.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"crm_etl.{name}",))
    wh.execute("SET LOCAL random_page_cost = 1.1")


# The core tables each load writes, and the share of a table a batch must reach before the load
# refreshes its planner statistics itself.
CORE_TABLES_OF = {"products": ("core.dim_product",), "customers": ("core.customer_xref", "core.dim_customer"),
                  "orders": ("core.fact_orders",), "order_items": ("core.fact_order_lines",)}
ANALYZE_SHARE = 0.1


def _refresh_statistics(wh: psycopg.Connection, table: SourceTable, rows: int) -> None:
    """ANALYZE the core tables a large batch (a full load) just filled. Autovacuum has not
    looked yet when the next load plans its joins on "empty" tables: the first night after
    the initial load took 33 s instead of 0.2 s to re-key orders."""
    for name in CORE_TABLES_OF[table.name]:
        known = wh.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (name,)).fetchone()[0]
        if known < 0 or rows > ANALYZE_SHARE * known:
            wh.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(*name.split("."))))


def _finish_load(wh: psycopg.Connection, table: SourceTable, ctx: RunContext, counts: dict) -> dict:
    _refresh_statistics(wh, table, counts["loaded"])
    wh.execute(query("crm/load/advance_watermark.sql"),
               {"source_table": table.name, "interval_end": ctx.interval_end, "run_id": ctx.run_id})
    _record_counts(wh, ctx, table.name, counts)
    log.info("loaded %s: %s", table.name, counts)
    return counts


TMP_PRODUCTS = {"product_id": "bigint", "sku": "text", "name": "text", "category": "text",
                "list_price": "numeric(12,2)", "is_active": "boolean",
                "created_at": "timestamptz", "updated_at": "timestamptz"}


def load_products(wh: psycopg.Connection, ctx: RunContext) -> dict:
    from include.crm import transforms

    table = PRODUCTS
    with wh.transaction():
        _begin_load(wh, "load.products")
        quarantined = _quarantine(wh, table, ctx)
        _fill_valid(wh, table, ctx, TMP_PRODUCTS, transforms.transform_products)
        released = _release(wh, table)
        loaded = wh.execute("SELECT count(*) FROM tmp_valid").fetchone()[0]
        written = wh.execute(query("crm/load/merge_dim_product.sql"), {"run_id": ctx.run_id}).rowcount
        return _finish_load(wh, table, ctx, {"quarantined": quarantined, "loaded": loaded,
                                             "written": written, "released": released})


TMP_CUSTOMERS = {"customer_id": "bigint", "email": "text", "first_name": "text",
                 "last_name": "text", "country_code": "char(2)", "city": "text",
                 "marketing_opt_in": "boolean", "created_at": "timestamptz",
                 "updated_at": "timestamptz", "deleted_at": "timestamptz"}
XREF_TYPES = {"customer_id": "bigint", "canonical_customer_id": "bigint", "email": "text",
              "first_name": "text", "last_name": "text", "country_code": "text", "city": "text",
              "marketing_opt_in": "boolean", "created_at": "timestamptz",
              "updated_at": "timestamptz", "deleted_at": "timestamptz"}
DIM_TYPES = {"customer_key": "bigint", "customer_id": "bigint", "email": "text",
             "first_name": "text", "last_name": "text", "country_code": "text", "city": "text",
             "marketing_opt_in": "boolean", "created_at": "timestamptz",
             "deleted_at": "timestamptz", "is_deleted": "boolean", "valid_from": "timestamptz",
             "valid_to": "timestamptz", "is_current": "boolean", "is_inferred": "boolean",
             "source_updated_at": "timestamptz"}


def load_customers(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Conform customers, settle who is the same person, and version dim_customer (SCD2)."""
    from include.crm import transforms

    table = CUSTOMERS
    with wh.transaction():
        _begin_load(wh, "load.customers")
        # Customers whose person may change: this batch's, good or bad, and their old groups.
        _temp_table(wh, "tmp_customers", {"customer_id": "bigint"})
        _temp_table(wh, "tmp_emails", {"email": "text"})
        quarantined = _quarantine(wh, table, ctx)
        _fill_valid(wh, table, ctx, TMP_CUSTOMERS, transforms.normalize_customers)
        released = _release(wh, table)
        loaded = wh.execute("SELECT count(*) FROM tmp_valid").fetchone()[0]
        wh.execute("INSERT INTO tmp_customers SELECT customer_id FROM tmp_valid "
                   "UNION SELECT source_id FROM tmp_rejects WHERE source_id IS NOT NULL")
        wh.execute("INSERT INTO tmp_emails SELECT email FROM core.customer_xref "
                   "WHERE customer_id IN (SELECT customer_id FROM tmp_customers) AND email IS NOT NULL "
                   "UNION SELECT email FROM tmp_valid WHERE email IS NOT NULL")
        wh.execute("INSERT INTO tmp_customers SELECT canonical_customer_id FROM core.customer_xref "
                   "WHERE customer_id IN (SELECT customer_id FROM tmp_customers)")
        _remove_replaced(wh, "core.customer_xref", "customer_id")
        written = wh.execute(query("crm/load/merge_customer_xref.sql"), {"run_id": ctx.run_id}).rowcount

        # Everyone in the touched email groups, plus the touched customers themselves.
        # Two semi-joins, not `IN (...) OR IN (...)`: an OR of subqueries becomes a per-row
        # subplan, quadratic once the batch outgrows work_mem (it stalled a 2M-line load).
        wh.execute("ANALYZE tmp_emails")
        wh.execute("ANALYZE tmp_customers")
        wh.execute(sql.SQL(
            "CREATE TEMP TABLE tmp_members ON COMMIT DROP AS "
            "SELECT {columns} FROM core.customer_xref WHERE email IN (SELECT email FROM tmp_emails) "
            "UNION SELECT {columns} FROM core.customer_xref WHERE customer_id IN (SELECT customer_id FROM tmp_customers)"
        ).format(columns=sql.SQL(", ").join(map(sql.Identifier, XREF_TYPES))))
        # A person is an email group, so the members split into independent parts by a hash of
        # the email: memory stays flat however many customers a night touches.
        parts = max(1, -(-wh.execute("SELECT count(*) FROM tmp_members").fetchone()[0] // CHUNK_ROWS))
        _temp_table(wh, "tmp_canonical", {"customer_id": "bigint", "canonical_customer_id": "bigint"})
        versions: dict[str, int] = {}
        for part in range(parts):
            members = pg_io.read_frame(wh, sql.SQL(
                "SELECT {columns} FROM tmp_members "
                "WHERE (hashtext(coalesce(email, '')) & 2147483647) %% %(parts)s = %(part)s ORDER BY customer_id").format(
                columns=sql.SQL(", ").join(map(sql.Identifier, XREF_TYPES))), {"parts": parts, "part": part}, XREF_TYPES)
            members["canonical_customer_id"] = transforms.assign_canonical(members)
            pg_io.write_frame(wh, "tmp_canonical", members[["customer_id", "canonical_customer_id"]])
            for name, n in _version_customers(wh, members).items():
                versions[name] = versions.get(name, 0) + n
        wh.execute("UPDATE core.customer_xref x SET canonical_customer_id = c.canonical_customer_id "
                   "FROM tmp_canonical c WHERE x.customer_id = c.customer_id "
                   "AND x.canonical_customer_id <> c.canonical_customer_id")
        wh.execute("INSERT INTO tmp_customers SELECT customer_id FROM tmp_canonical")

        wh.execute(_temp_orders_sql())
        run_sql(wh, "crm/load/update_order_customer_keys.sql", customer_version_at=customer_version_at(sql.SQL(
            "(SELECT order_id, customer_id, order_ts FROM core.fact_orders "
            "WHERE customer_id IN (SELECT customer_id FROM tmp_customers))")))
        wh.execute(query("crm/load/update_line_keys.sql"))
        wh.execute(query("crm/load/delete_replaced_inferred_customers.sql"))
        return _finish_load(wh, table, ctx, {"quarantined": quarantined, "loaded": loaded,
                                             "written": written, "released": released, **versions})


def _temp_orders_sql() -> sql.Composable:
    return sql.SQL("CREATE TEMP TABLE IF NOT EXISTS tmp_orders (order_id bigint) ON COMMIT DROP")


def _version_customers(wh: psycopg.Connection, members: pd.DataFrame) -> dict:
    """Apply the SCD2 plan for the canonical customers of `members` and the ones retired."""
    import pandas as pd

    from include.crm import transforms

    is_canonical = members["customer_id"] == members["canonical_customer_id"]
    golden = members.loc[is_canonical, ["customer_id", *[a for a in transforms.ATTRIBUTES if a != "is_deleted"],
                                        "updated_at"]]
    # A customer stops being canonical when its own row or its new canonical's row changes.
    dups = members.loc[~is_canonical, ["customer_id", "canonical_customer_id", "updated_at"]].merge(
        members[["customer_id", "updated_at"]].rename(
            columns={"customer_id": "canonical_customer_id", "updated_at": "canonical_updated_at"}),
        on="canonical_customer_id", how="left")
    retired = pd.DataFrame({"customer_id": dups["customer_id"],
                            "retired_at": dups[["updated_at", "canonical_updated_at"]].max(axis=1)})
    wh.execute("DROP TABLE IF EXISTS tmp_ids, tmp_close, tmp_update, tmp_insert")  # one part after another
    _temp_table(wh, "tmp_ids", {"customer_id": "bigint"})
    pg_io.write_frame(wh, "tmp_ids", members[["customer_id"]])
    latest = pg_io.read_frame(wh, sql.SQL(
        "SELECT DISTINCT ON (customer_id) {} FROM core.dim_customer "
        "WHERE customer_id IN (SELECT customer_id FROM tmp_ids) ORDER BY customer_id, valid_from DESC").format(
        sql.SQL(", ").join(map(sql.Identifier, DIM_TYPES))), None, DIM_TYPES)
    plan = transforms.plan_customer_versions(golden, latest, retired)

    attr_types = {c: DIM_TYPES[c] for c in transforms.ATTRIBUTES}
    attr_types["country_code"] = "char(2)"
    _temp_table(wh, "tmp_close", {"customer_key": "bigint", "valid_to": "timestamptz"})
    pg_io.write_frame(wh, "tmp_close", plan.close)
    wh.execute("UPDATE core.dim_customer d SET valid_to = c.valid_to, is_current = false "
               "FROM tmp_close c WHERE d.customer_key = c.customer_key")
    _temp_table(wh, "tmp_update", {"customer_key": "bigint", **attr_types, "source_updated_at": "timestamptz"})
    pg_io.write_frame(wh, "tmp_update", plan.update)
    assignments = sql.SQL(", ").join(
        sql.SQL("{c} = u.{c}").format(c=sql.Identifier(c)) for c in (*transforms.ATTRIBUTES, "source_updated_at"))
    wh.execute(sql.SQL("UPDATE core.dim_customer d SET {}, is_inferred = false "
                       "FROM tmp_update u WHERE d.customer_key = u.customer_key").format(assignments))
    _temp_table(wh, "tmp_insert", {"customer_id": "bigint", **attr_types,
                                   "source_updated_at": "timestamptz", "valid_from": "timestamptz"})
    pg_io.write_frame(wh, "tmp_insert", plan.insert)
    columns = sql.SQL(", ").join(map(sql.Identifier, ["customer_id", *transforms.ATTRIBUTES,
                                                      "source_updated_at", "valid_from"]))
    wh.execute(sql.SQL("INSERT INTO core.dim_customer ({c}) SELECT {c} FROM tmp_insert").format(c=columns))
    return {"versions_opened": len(plan.insert), "versions_closed": len(plan.close),
            "versions_updated": len(plan.update)}


TMP_ORDERS = {"order_id": "bigint", "customer_id": "bigint", "order_ts": "timestamptz",
              "status": "text", "channel": "text", "currency": "char(3)",
              "discount_amount": "numeric(12,2)", "shipping_amount": "numeric(12,2)",
              "created_at": "timestamptz", "updated_at": "timestamptz", "date_key": "integer"}


def load_orders(wh: psycopg.Connection, ctx: RunContext) -> dict:
    from include.crm import transforms

    table = ORDERS
    business_tz = settings().business_tz
    with wh.transaction():
        _begin_load(wh, "load.orders")
        quarantined = _quarantine(wh, table, ctx)
        wh.execute(_temp_orders_sql())
        # Orders whose lines must be re-keyed and re-valued: this batch, good or bad.
        wh.execute("INSERT INTO tmp_orders SELECT source_id FROM tmp_rejects WHERE source_id IS NOT NULL")
        _remove_replaced(wh, "core.fact_orders", "order_id")
        _fill_valid(wh, table, ctx, TMP_ORDERS, lambda batch: transforms.transform_orders(batch, business_tz))
        released = _release(wh, table)
        loaded = wh.execute("SELECT count(*) FROM tmp_valid").fetchone()[0]
        wh.execute("INSERT INTO tmp_orders SELECT order_id FROM tmp_valid")
        _ensure_dates(wh)
        inferred = wh.execute(query("crm/load/insert_inferred_customers.sql")).rowcount
        written = wh.execute(query("crm/load/merge_fact_orders.sql", customer_version_at=customer_version_at(sql.Identifier("tmp_valid"))),
                             {"run_id": ctx.run_id}).rowcount
        wh.execute("UPDATE core.fact_order_lines l SET customer_key = NULL, date_key = NULL "
                   "WHERE l.order_id IN (SELECT source_id FROM tmp_rejects) "
                   "AND NOT EXISTS (SELECT 1 FROM core.fact_orders o WHERE o.order_id = l.order_id)")
        wh.execute(query("crm/load/update_line_keys.sql"))
        wh.execute("ANALYZE tmp_orders")
        wh.execute(query("crm/load/update_order_amounts.sql"))
        return _finish_load(wh, table, ctx, {"quarantined": quarantined, "loaded": loaded,
                                             "written": written, "released": released,
                                             "inferred_customers": inferred})


def _ensure_dates(wh: psycopg.Connection) -> None:
    """dim_date covers every order date (bootstrap seeds 2000-2040; extend if ever needed)."""
    wh.execute("""
        INSERT INTO core.dim_date
        SELECT to_char(d, 'YYYYMMDD')::int, d::date, extract(year FROM d), extract(quarter FROM d),
               extract(month FROM d), trim(to_char(d, 'Month')), extract(day FROM d),
               extract(isodow FROM d), trim(to_char(d, 'Day')), extract(week FROM d),
               extract(isodow FROM d) IN (6, 7)
        FROM (SELECT min(date_key) lo, max(date_key) hi FROM tmp_valid) b,
             generate_series(to_date(b.lo::text, 'YYYYMMDD'), to_date(b.hi::text, 'YYYYMMDD'), interval '1 day') d
        WHERE b.lo IS NOT NULL
        ON CONFLICT (date_key) DO NOTHING""")


TMP_LINES = {"order_item_id": "bigint", "order_id": "bigint", "product_id": "bigint",
             "quantity": "integer", "unit_price": "numeric(12,2)", "line_amount": "numeric(14,2)",
             "created_at": "timestamptz", "updated_at": "timestamptz"}


def load_order_items(wh: psycopg.Connection, ctx: RunContext) -> dict:
    from include.crm import transforms

    table = ORDER_ITEMS
    with wh.transaction():
        _begin_load(wh, "load.order_items")
        quarantined = _quarantine(wh, table, ctx)
        wh.execute(_temp_orders_sql())
        # Orders to re-value: of this batch's lines, including the orders lines leave.
        wh.execute("INSERT INTO tmp_orders SELECT order_id FROM core.fact_order_lines "
                   "WHERE order_item_id IN (SELECT source_id FROM tmp_rejects)")
        _remove_replaced(wh, "core.fact_order_lines", "order_item_id")
        _fill_valid(wh, table, ctx, TMP_LINES, transforms.transform_order_lines)
        released = _release(wh, table)
        loaded = wh.execute("SELECT count(*) FROM tmp_valid").fetchone()[0]
        wh.execute("INSERT INTO tmp_orders SELECT order_id FROM tmp_valid UNION "
                   "SELECT order_id FROM core.fact_order_lines WHERE order_item_id IN (SELECT order_item_id FROM tmp_valid)")
        inferred = wh.execute(query("crm/load/insert_inferred_products.sql"), {"run_id": ctx.run_id}).rowcount
        written = wh.execute(query("crm/load/merge_fact_order_lines.sql"), {"run_id": ctx.run_id}).rowcount
        wh.execute("ANALYZE tmp_orders")
        wh.execute(query("crm/load/update_order_amounts.sql"))
        return _finish_load(wh, table, ctx, {"quarantined": quarantined, "loaded": loaded,
                                             "written": written, "released": released,
                                             "inferred_products": inferred})


LOADERS = {"products": load_products, "customers": load_customers, "orders": load_orders,
           "order_items": load_order_items}


def load(wh: psycopg.Connection, table_name: str, ctx: RunContext) -> dict:
    return LOADERS[BY_NAME[table_name].name](wh, ctx)


# ----------------------------------------------------------------------------- marts

TREND_TOLERANCE = 0.20
SNAPSHOT_TYPES = {"customer_id": "bigint", "recency_days": "integer", "frequency": "integer",
                  "monetary": "numeric", "r_score": "integer", "f_score": "integer", "m_score": "integer",
                  "segment": "text"}


class MartCheckError(RuntimeError):
    """A mart failed a data-quality check after its rebuild."""


def _mart_params(ctx: RunContext) -> dict:
    return {"as_of_date": ctx.business_date, "business_tz": settings().business_tz.key}


MARTS_LOCK = "crm_etl.marts"


def build_marts(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Rebuild the marts for business day D, check them, and publish both in one transaction.

    Readers see the previous state until the new one commits, never a half-built mart. The
    build and its checks read one snapshot of the warehouse (REPEATABLE READ), so a load of
    another night committing meanwhile (a backfill beside the nightly run) cannot make the
    checks disagree with what was built. A failed check rolls the build back (the previous
    marts stay published), is logged, and raises MartCheckError.
    """
    params = _mart_params(ctx)
    # A session lock, taken before the transaction's snapshot, serialises concurrent builds.
    wh.execute("SELECT pg_advisory_lock(hashtext(%s))", (MARTS_LOCK,))
    try:
        results: list[tuple[str, str, str, str]] = []
        with wh.transaction() as tx:
            wh.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # Parallel plans priced for a bulk build: the scoring's aggregation runs on two
            # workers (0.8 -> 0.4 s at 1M lines); the builds use CREATE TEMP TABLE AS for this.
            wh.execute("SET LOCAL parallel_setup_cost = 10")
            wh.execute("SET LOCAL parallel_tuple_cost = 0.001")
            counts = _build_marts(wh, ctx, params)
            _record_counts(wh, ctx, "marts", counts)
            results = mart_check_results(wh, params)
            if any(status == "fail" for _, status, _, _ in results):
                raise psycopg.Rollback(tx)
            _log_mart_checks(wh, ctx, results)
    finally:
        wh.execute("SELECT pg_advisory_unlock(hashtext(%s))", (MARTS_LOCK,))
    failed = [r for r in results if r[1] == "fail"]
    if failed:
        with wh.transaction():
            _log_mart_checks(wh, ctx, results)
        raise MartCheckError("; ".join(f"{c}: observed {o}, expected {e}" for c, _, o, e in failed))
    log.info("built marts for %s: %s", params["as_of_date"], counts)
    return counts


def _build_marts(wh: psycopg.Connection, ctx: RunContext, params: dict) -> dict:
    # A snapshot is history once a newer night exists: a backfill of an old night keeps it
    # (the warehouse no longer knows that night's state), and only fills a missing one.
    kept = wh.execute(
        "SELECT EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s) "
        "AND EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date > %(as_of_date)s)",
        params).fetchone()[0]
    segments = 0
    if not kept:
        segments = _publish_segments(wh, params)
        wh.execute("DELETE FROM marts.segment_summary WHERE as_of_date = %(as_of_date)s", params)
        wh.execute(query("crm/marts/build_segment_summary.sql"), params)
        for as_of, previous in wh.execute(query("crm/marts/select_movement_targets.sql"), params).fetchall():
            wh.execute("DELETE FROM marts.segment_movement WHERE as_of_date = %s", (as_of,))
            if previous is not None:
                wh.execute(query("crm/marts/build_segment_movement.sql"),
                           {"as_of_date": as_of, "previous_as_of_date": previous})
                wh.execute(query("crm/marts/insert_segment_movement.sql"))
    sales, restated = _restate_daily_sales(wh, params)
    return {"customer_segments": segments, "segments_snapshot_kept": kept, "daily_sales": sales,
            "daily_sales_days_restated": restated}


def _publish_segments(wh: psycopg.Connection, params: dict) -> int:
    """Score night D into marts.customer_segments; returns its rows. A new night gets a
    partition of its own, built and indexed in bulk, then attached; a night already there (a
    rerun, or rows in the default partition) is replaced by DELETE and INSERT, so readers keep
    the old rows until commit."""
    as_of: dt.date = params["as_of_date"]
    partition = sql.Identifier("marts", f"customer_segments_{as_of:%Y%m%d}")
    there = wh.execute(
        "SELECT to_regclass(%(partition)s) IS NOT NULL "
        "OR EXISTS (SELECT 1 FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s)",
        {**params, "partition": partition.as_string(wh)}).fetchone()[0]
    if there:
        snapshot = sql.Identifier("pg_temp", "tmp_customer_segments")
        wh.execute("DELETE FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s", params)
        rows = wh.execute(query("crm/marts/build_customer_segments.sql", snapshot=snapshot), params).rowcount
        run_sql(wh, "crm/marts/insert_customer_segments.sql", snapshot=snapshot)
    else:
        rows = wh.execute(query("crm/marts/build_customer_segments.sql", snapshot=partition), params).rowcount
        run_sql(wh, "crm/marts/attach_customer_segments.sql", snapshot=partition, as_of_date=sql.Literal(as_of))
    # The night's rows are in no statistics yet: without them the movement join was planned
    # for one row and ran for minutes at 2M lines. Only the partition holding them is sampled.
    holder = wh.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = (SELECT tableoid FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s LIMIT 1)",
        params).fetchone()
    if holder:
        wh.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(*holder)))
    return rows


def _restate_daily_sales(wh: psycopg.Connection, params: dict) -> tuple[int, int | str]:
    """Sales of every date <= D, as restated from the current warehouse: only the days whose
    inputs changed since they were last built (audit.stale_sales, noted by triggers on the
    facts and customers) are computed again. Returns (rows written, days restated or "all")."""
    restate_all, days = wh.execute(query("crm/marts/select_stale_sale_days.sql"), params).fetchone()
    restate = {**params, "restate_all": restate_all, "days": days}
    wh.execute("DELETE FROM marts.daily_sales WHERE sale_date <= %(as_of_date)s "
               "AND (%(restate_all)s OR sale_date = ANY(%(days)s::date[]))", restate)
    rows = 0
    if restate_all or days:
        wh.execute(query("crm/marts/build_daily_sales.sql"), restate)
        rows = wh.execute(query("crm/marts/insert_daily_sales.sql")).rowcount
    wh.execute(query("crm/marts/delete_covered_stale_sales.sql"), params)
    return rows, "all" if restate_all else len(days)


def mart_check_results(wh: psycopg.Connection, params: dict) -> list[tuple[str, str, str, str]]:
    """(check, pass/warn/fail, observed, expected) for the marts of params["as_of_date"].

    A snapshot size outside +-20 % of the trailing 7 snapshots is a warning only."""
    from include.crm import mart_checks

    results = []
    # Chunk by chunk (memory stays flat as customers grow); the primary key keeps customer_id
    # unique across chunks, and the unique_customer check below counts it again.
    failures: dict[str, int] = {}
    for snapshot in pg_io.read_frames(wh, sql.SQL(
            "SELECT customer_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment "
            "FROM marts.customer_segments WHERE as_of_date = %(as_of_date)s AND customer_id > %(after)s "
            "ORDER BY customer_id LIMIT %(limit)s"), params, SNAPSHOT_TYPES, key="customer_id", chunk_rows=CHUNK_ROWS):
        for check, rows in mart_checks.snapshot_failures(snapshot).items():
            failures[check] = failures.get(check, 0) + rows
    results.append(("marts.customer_segments.rules", "pass" if not failures else "fail",
                    json.dumps(failures) if failures else "0 failing rows", "0 failing rows"))
    for check, name in (("marts.customer_segments.unique_customer", "check_customer_segments_unique"),
                        ("marts.customer_segments.exclusive_exhaustive", "check_customer_segments_exhaustive"),
                        ("marts.daily_sales.net_revenue_matches_facts", "check_daily_sales_matches_facts"),
                        ("marts.daily_sales.every_day_matches_facts", "check_daily_sales_all_days")):
        observed, expected = wh.execute(query(f"crm/marts/{name}.sql"), params).fetchone()
        results.append((check, "pass" if observed == expected else "fail", str(observed), str(expected)))
    observed, trailing = wh.execute(query("crm/marts/check_customer_segments_trend.sql"), params).fetchone()
    within = trailing is None or abs(observed - float(trailing)) <= TREND_TOLERANCE * float(trailing)
    results.append(("marts.customer_segments.row_count_trend", "pass" if within else "warn", str(observed),
                    "no history" if trailing is None else f"{float(trailing):.1f} +- 20%"))
    return results


def _log_mart_checks(wh: psycopg.Connection, ctx: RunContext, results: list[tuple[str, str, str, str]]) -> None:
    wh.execute("DELETE FROM audit.data_quality_log WHERE run_id = %s AND \"check\" LIKE 'marts.%%'", (ctx.run_id,))
    for check, status, observed_text, expected_text in results:
        wh.execute("INSERT INTO audit.data_quality_log (run_id, \"check\", status, observed, expected) "
                   "VALUES (%s, %s, %s, %s, %s)", (ctx.run_id, check, status, observed_text, expected_text))


def check_marts(wh: psycopg.Connection, ctx: RunContext) -> list[tuple[str, str, str, str]]:
    """The checks build_marts ran on what it published, as logged for this run: a failed
    one raises MartCheckError, a warning is passed on to the morning summary."""
    rows = wh.execute("SELECT \"check\", status, observed, expected FROM audit.data_quality_log "
                      "WHERE run_id = %s AND \"check\" LIKE 'marts.%%' ORDER BY id", (ctx.run_id,)).fetchall()
    if not rows:
        raise MartCheckError(f"no mart checks logged for run {ctx.run_id}: build_marts did not finish")
    failed = [r for r in rows if r[1] == "fail"]
    if failed:
        raise MartCheckError("; ".join(f"{c}: observed {o}, expected {e}" for c, _, o, e in failed))
    return rows


# ----------------------------------------------------------------------------- finish

def finish(wh: psycopg.Connection, ctx: RunContext, *, status: str, error: str | None = None) -> None:
    with wh.transaction():
        wh.execute(query("kit/audit/finish_run.sql"), {"run_id": ctx.run_id, "status": status, "error": error})
    if status == "success":
        # Staging keeps this run's batch for inspection, and the batches of runs still going
        # (a backfill may run beside the nightly run); everything else is dropped.
        for name in (*BY_NAME, "rejects"):
            _drop_finished_batches(wh, sql.Identifier("staging", name), ctx.run_id)


def _drop_finished_batches(wh: psycopg.Connection, table: sql.Identifier, run_id: str) -> None:
    """One staging table, in a transaction of its own. When more rows go than stay (the night
    after a full load drops 1.7M staged rows and keeps 16k), the kept rows are copied aside
    and the table truncated: 0.3 s instead of 1.4 s. The count only picks the way; the kept
    rows are chosen under TRUNCATE's lock, so no batch landing meanwhile is lost. The usual
    way takes only DELETE's lock, which an autovacuum of staging does not hold up."""
    params, kept_rule = {"run_id": run_id}, query("kit/audit/select_kept_staging.sql")
    kept, total = wh.execute(query("kit/audit/count_kept_staging.sql", table=table, kept=kept_rule), params).fetchone()
    with wh.transaction():
        if total - kept <= kept:
            wh.execute(query("kit/audit/delete_finished_staging.sql", table=table, kept=kept_rule), params)
            return
        wh.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(table))
        wh.execute(query("kit/audit/copy_kept_staging.sql", table=table, kept=kept_rule), params)
        wh.execute(sql.SQL("TRUNCATE {}").format(table))
        wh.execute(sql.SQL("INSERT INTO {} SELECT * FROM tmp_kept_staging").format(table))


# ----------------------------------------------------------------------------- whole run

def run(source_uri: str, warehouse_uri: str, ctx: RunContext) -> None:
    """All steps of one night in this process, in the DAG's order (tests and benchmarks).

    The DAG runs the same functions as separate tasks; this is not a second implementation.
    Step timings land in audit.etl_run_log.task_seconds as they do from the DAG.
    """
    with pg_io.connect(warehouse_uri) as wh, pg_io.connect(source_uri) as src:
        def timed(step: str, fn, *args) -> None:
            started = time.monotonic()
            fn(*args)
            record_task_seconds(wh, ctx, step, time.monotonic() - started)

        bootstrap(wh, ctx)
        try:
            for table in BY_NAME.values():
                timed(f"extract_{table.name}", extract, src, wh, table, ctx)
            for table in BY_NAME.values():
                timed(f"validate_{table.name}", validate, wh, table, ctx)
            for name in LOADERS:
                timed(f"load_{name}", load, wh, name, ctx)
            timed("build_marts", build_marts, wh, ctx)
            timed("check_marts", check_marts, wh, ctx)
        except Exception as exc:
            finish(wh, ctx, status="failed", error=str(exc)[:2000])
            raise
        finish(wh, ctx, status="success")
