"""audience_handoff, step by step: the company's handoff pattern, one Airflow task each.

validate -> extract -> transform -> package -> execute -> record. Each step reads what the one
before it left in the warehouse (never XCom, never local files), replaces its own output when
it runs again, and merges its counts into the run's audit.etl_run_log row.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg

from include.audience import campaigns as campaign_file
from include.audience import run
from include.audience.contracts import SOURCE_DAG_ID, campaigns_file
from include.audience.marketing_api import MarketingApi, settings_from_airflow
from include.audience.run import AudienceResult, SnapshotError
from include.warehouse_kit import run_log
from include.warehouse_kit.errors import FinalError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql

PACKAGE_KEEP_DAYS = 35  # member lists of older packages are dropped (their batches and counts stay)


class HandoffFailed(FinalError):
    """At least one audience failed; the others were delivered."""

    def __init__(self, message: str, audiences: list[str]) -> None:
        super().__init__(message)
        self.alert_detail = "audience " + ", ".join(audiences) if len(audiences) == 1 else (
            f"{len(audiences)} audiences: " + ", ".join(audiences))


def _api() -> MarketingApi:
    return MarketingApi(settings_from_airflow())


def snapshot_problem(wh: psycopg.Connection, ctx: RunContext, choice: run.Choice) -> tuple[str | None, str | None]:
    """Why the snapshot of as_of_date must not be sent (None if it may), and the run that built it."""
    day = ctx.business_date
    if not wh.execute(query("audience/validate/select_snapshot_size.sql"), {"as_of_date": day}).fetchone()[0]:
        return f"there is no snapshot of {day} in marts.customer_segments", None
    row = wh.execute(query("audience/validate/select_source_run.sql"), {
        "source_dag_id": choice.source_dag_id or SOURCE_DAG_ID, "as_of_date": day,
        "source_run_id": choice.source_run_id}).fetchone()
    if row is None:
        named = f"run {choice.source_run_id}" if choice.source_run_id else "no run"
        return f"{named} of {SOURCE_DAG_ID} for business day {day} published the snapshot in audit.etl_run_log", None
    run_id, status, failed_checks = row
    if status != "success":
        return f"the {SOURCE_DAG_ID} run {run_id} that built the snapshot of {day} ended {status}, not success", run_id
    if failed_checks:
        return f"the snapshot of {day} failed its mart checks in run {run_id}: {failed_checks}", run_id
    return None, run_id


def validate(wh: psycopg.Connection, ctx: RunContext) -> None:
    """The snapshot exists and was built by a successful run whose mart checks passed; the
    campaign file is valid. A bad campaign fails alone; a bad snapshot fails the run."""
    choice = run.pinned(wh, ctx.dag_id, ctx.run_id)
    problem, source_run_id = snapshot_problem(wh, ctx, choice)
    declared = campaign_file.load(campaigns_file())
    valid = [c.as_json() for c in declared.valid]
    with wh.transaction():
        for bad in declared.invalid:
            run.log(wh, ctx, AudienceResult(bad.audience_id, bad.destination, "failed", error=bad.error))
        for campaign in valid if problem else ():
            run.log(wh, ctx, AudienceResult(campaign["audience_id"], campaign["destination"], "skipped",
                                            detail=f"nothing sent: {problem}"))
        run.record_campaigns(wh, ctx, [] if problem else valid, source_run_id)
        run_log.record_counts(wh, ctx, "validate", {"campaigns": len(valid), "invalid_campaigns": len(declared.invalid),
                                                    "snapshot_ok": problem is None})
    if problem:
        raise SnapshotError(f"{problem}: nothing is sent")


def extract(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Each campaign's audience, with consent read now, into staging.audience_members."""
    counts = {}
    with wh.transaction():
        wh.execute(query("audience/extract/delete_run_members.sql"), ctx.keys())
        for c in run.campaigns(wh, ctx):
            counts[c["audience_id"]] = wh.execute(query("audience/extract/insert_audience_members.sql"), ctx.keys() | {
                "audience_id": c["audience_id"], "as_of_date": ctx.business_date, "segments": list(c["segments"]),
                "countries": c.get("countries"),
                "min_monetary": Decimal(str(c["min_monetary"])) if c.get("min_monetary") is not None else None,
            }).rowcount
        run_log.record_counts(wh, ctx, "extract", counts)


def transform(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Each member's payload and fingerprint (include/audience/members.py)."""
    from include.audience import members
    from include.audience import package as packages
    from include.warehouse_kit import pg_io

    counts = {}
    with wh.transaction():
        wh.execute(query("audience/transform/delete_run_payloads.sql"), ctx.keys())
        for c in run.campaigns(wh, ctx):
            keys = ctx.keys() | {"audience_id": c["audience_id"]}
            rows = pg_io.read_frame(wh, query("audience/transform/select_audience_members.sql"), keys,
                                    members.MEMBER_TYPES)
            out = members.payloads(rows)
            for column, value in reversed(keys.items()):
                out.insert(0, column, value)
            counts[c["audience_id"]] = pg_io.write_frame(wh, "staging.audience_payloads", out)
            packages.retire_if_stale(wh, ctx, c)  # this step ran again after package: consent read anew
        run_log.record_counts(wh, ctx, "transform", counts)


def package(wh: psycopg.Connection, ctx: RunContext) -> None:
    """Each audience's diff against its delivered state, frozen with its counts and checksum."""
    from include.audience import package as packages

    counts = {}
    for c in run.campaigns(wh, ctx):
        try:
            built = packages.build(wh, ctx, c, _api)
        except Exception as error:  # noqa: BLE001 - execute builds it again; the others go on
            run.log(wh, ctx, AudienceResult(c["audience_id"], c["destination"], "failed", retryable=True,
                                            error=f"package: {type(error).__name__}: {error}"))
            continue
        counts[c["audience_id"]] = {"members": built.members, "upserts": built.upserts, "removes": built.removes,
                                    "unchanged": built.unchanged, "checksum": built.checksum,
                                    "superseded_by": str(built.superseded_by) if built.superseded_by else None}
    run_log.record_counts(wh, ctx, "package", counts)


def execute(wh: psycopg.Connection, ctx: RunContext, api=None) -> list[AudienceResult]:
    """Deliver every audience that has not finished; a failure is logged and the others go on.

    A request has had its tries (at most 5 for 5xx, timeouts and connection errors) when an
    audience fails here, so the task does not retry it: record fails the run once all audiences
    were tried. A later try of this task (after a crash, or cleared by hand) delivers again the
    audiences without a row and those whose failure a retry may fix (`retryable`)."""
    from include.audience import deliver

    done = run.logged(wh, ctx)
    results = []
    for c in run.campaigns(wh, ctx):
        prior = done.get(c["audience_id"])
        if prior is not None and (prior.status in ("success", "superseded") or not prior.retryable):
            continue
        result = deliver.deliver(wh, ctx, c, api or _api)
        run.log(wh, ctx, result)
        results.append(result)
    run_log.record_counts(wh, ctx, "execute", {r.audience_id: r.status for r in results})
    return results


def finish(wh: psycopg.Connection, ctx: RunContext, *, status: str, error: str | None = None) -> None:
    """Record the result: every audience has its row, the run log is closed, and the run fails
    (after all audiences were tried) if any audience failed."""
    if run.pinned(wh, ctx.dag_id, ctx.run_id) is None:  # stopped before it chose a snapshot
        with wh.transaction():
            run_log.finish_run(wh, ctx, "failed", error)
        return
    logged = run.logged(wh, ctx)
    with wh.transaction():
        for c in run.campaigns(wh, ctx):
            if c["audience_id"] not in logged:
                result = AudienceResult(c["audience_id"], c["destination"], "failed",
                                        error=f"the run stopped before this audience was delivered: {error or status}")
                run.log(wh, ctx, result)
                logged[c["audience_id"]] = result
        failed = sorted(a for a, r in logged.items() if r.status == "failed")
        message = "; ".join(f"{a} ({logged[a].destination}): {logged[a].error}" for a in failed)
        ok = status == "success" and not failed
        run_log.finish_run(wh, ctx, "success" if ok else "failed",
                           None if ok else (f"{len(failed)} of {len(logged)} audiences failed: {message}"
                                            if failed else error))
        if ok:
            run_sql(wh, "audience/record/delete_run_staging.sql", ctx.keys())
            wh.execute(query("audience/record/prune_packages.sql"),
                       {"as_of_date": ctx.business_date, "keep_days": PACKAGE_KEEP_DAYS})
    if status == "success" and failed:
        raise HandoffFailed(f"{len(failed)} of {len(logged)} audiences failed: {message}", failed)
