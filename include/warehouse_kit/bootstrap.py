"""Fingerprinted DDL, one version row per domain, and the run's log row.

A domain's DDL is the kit's audit schema plus the domain's own files. Bootstrap applies it
only when the files changed since audit.ddl_version says they were applied for that domain, so
two pipelines never re-apply each other's DDL. A warehouse whose audit tables predate the
per-pipeline keys is migrated first, once, by the pipeline that owned it.
"""

from __future__ import annotations

import hashlib

import psycopg

from include.warehouse_kit import run_log
from include.warehouse_kit.pipeline import Pipeline
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql, sql_text

BOOTSTRAP_LOCK = 7_310_001  # advisory lock id: one DDL run at a time
KIT_DDL = ("kit/bootstrap/create_audit.sql", "kit/bootstrap/create_dim_date.sql")


def ddl_files(pipeline: Pipeline) -> tuple[str, ...]:
    return (*KIT_DDL, *pipeline.ddl_files)


def ddl_fingerprint(pipeline: Pipeline) -> str:
    files = (*ddl_files(pipeline), *pipeline.fingerprinted_files)
    return hashlib.sha256("\n".join(sql_text(name) for name in files).encode()).hexdigest()


def _migrate_unkeyed_audit(wh: psycopg.Connection, pipeline: Pipeline) -> None:
    if not wh.execute(query("kit/bootstrap/select_unkeyed_audit.sql")).fetchone()[0]:
        return
    if not pipeline.owns_unkeyed_audit:
        raise RuntimeError("the audit tables predate per-pipeline keys and belong to another pipeline: "
                           "run that pipeline's bootstrap first, it migrates them")
    run_sql(wh, "kit/bootstrap/migrate_audit_keys.sql",
            {"dag_id": pipeline.dag_id, "domain": pipeline.domain, "source_schema": pipeline.tables[0].schema})


def bootstrap(wh: psycopg.Connection, ctx: RunContext, pipeline: Pipeline) -> None:
    """Apply the domain's DDL if its files changed (idempotent either way), then open the run's
    log row."""
    fingerprint = ddl_fingerprint(pipeline)
    with wh.transaction():
        wh.execute(query("kit/bootstrap/lock_ddl.sql"), {"lock": BOOTSTRAP_LOCK})
        _migrate_unkeyed_audit(wh, pipeline)
        applied = wh.execute(query("kit/bootstrap/select_has_ddl_version.sql")).fetchone()[0] and wh.execute(
            query("kit/bootstrap/select_ddl_version.sql"), {"domain": pipeline.domain}).fetchone()
        if not applied or applied[0] != fingerprint:
            for name in ddl_files(pipeline):
                wh.execute(query(name))
            wh.execute(query("kit/bootstrap/record_ddl_version.sql"),
                       {"domain": pipeline.domain, "fingerprint": fingerprint})
        run_log.start_run(wh, ctx)
