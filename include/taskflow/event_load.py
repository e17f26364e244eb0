"""load_events: the staged lines of the event files (include/taskflow/events.py) -> quarantine,
the duplicates count, or core.fact_task_events, in one transaction: bad lines and conflicting
duplicates to quarantine, identical duplicates counted, the new events to the fact (against
inferred tasks and users when their rows have not arrived), minutes_in_previous_status
recomputed, and the files recorded in audit.file_manifest: each file is processed exactly once.
A first load into an empty fact builds the fact's rows on connections beside that transaction,
which then takes them or nothing (_first_load).
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg
from psycopg import sql

from include.taskflow.contracts import EVENTS
from include.taskflow.events import event_keys
from include.warehouse_kit import load as kit_load
from include.warehouse_kit import quality, run_log
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query, run_sql

log = logging.getLogger(__name__)


def _months(wh: psycopg.Connection, keys: dict) -> list[tuple[str, sql.Literal, sql.Literal]]:
    """(YYYYMM, low, high) of each UTC month the run's valid lines fall in: a partition of the
    fact each. DDL takes no bind parameters: the bounds are literals of dates computed here."""
    months = []
    for (month,) in wh.execute(query("taskflow/events/select_new_months.sql"), keys).fetchall():
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        months.append((f"{month:%Y%m}", sql.Literal(f"{month.isoformat()} 00:00:00+00"),
                       sql.Literal(f"{following.isoformat()} 00:00:00+00")))
    return months


def _create_partitions(wh: psycopg.Connection, keys: dict) -> None:
    for month, low, high in _months(wh, keys):
        wh.execute(query("taskflow/events/create_month_partition.sql",
                         partition=sql.Identifier("core", f"fact_task_events_{month}"), low=low, high=high))


def _judge_lines(wh: psycopg.Connection, keys: dict) -> tuple[int, int]:
    """tmp_event_files, tmp_event_exceptions (every line of the files that does not load) and
    the inferred members the new lines need; returns (inferred tasks, inferred users)."""
    run_sql(wh, "taskflow/events/create_tmp_files.sql", keys)
    if wh.execute(query("taskflow/events/count_processed_files.sql"), keys).fetchone()[0]:
        wh.execute(query("taskflow/events/delete_processed_lines.sql"), keys)
    run_sql(wh, "taskflow/events/create_tmp_ranks.sql", keys)
    wh.execute(query("taskflow/events/create_tmp_known.sql"), keys)
    run_sql(wh, "taskflow/events/create_tmp_exceptions.sql", keys)
    return (wh.execute(query("taskflow/events/insert_inferred_tasks.sql"), keys).rowcount,
            wh.execute(query("taskflow/events/insert_inferred_users.sql"), keys).rowcount)


def _dates(wh: psycopg.Connection, keys: dict) -> None:
    wh.execute(query("taskflow/events/create_tmp_span_dates.sql"), keys)
    wh.execute(query("kit/load/ensure_dates.sql", table="tmp_event_days"))


def load_events(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """The staged lines of files no run has processed -> quarantine, duplicates, or the fact.

    Only the lines that do not load (bad, duplicate, conflicting: tmp_event_exceptions) are
    written aside; the new ones are read from staging as they are (new_lines.sql): their status
    changes once for the minutes in the previous status, then all of them into the registry of
    event ids and into the fact. What they name (tasks, actors, months, dates) was counted while
    staging (staging.taskflow_event_keys). Every line of the files must be accounted for: the
    new ones, exactly as many as the registry and the fact received, and the exceptions.
    An empty fact takes the first load's way (_first_load)."""
    keys = event_keys(ctx) | {"business_tz": settings().business_tz.key}
    if wh.execute(query("taskflow/events/select_fact_is_empty.sql")).fetchone()[0]:
        return _first_load(wh, ctx, keys)
    new_lines = query("taskflow/events/new_lines.sql")
    with wh.transaction():
        run_sql(wh, "kit/load/begin_load.sql", {"lock": f"{EVENTS.qualified_name}.load"})
        inferred = _judge_lines(wh, keys)
        conflicts = wh.execute(query("taskflow/events/count_conflicts.sql")).fetchone()[0]
        wh.execute(query("taskflow/events/quarantine_lines.sql"), keys)
        _create_partitions(wh, keys)
        _dates(wh, keys)
        run_sql(wh, "taskflow/events/create_tmp_minutes.sql", keys, new_lines=new_lines)
        recomputed = run_sql(wh, "taskflow/events/update_minutes_in_status.sql")
        wh.execute(query("taskflow/events/upsert_status_tail.sql"))
        registered = wh.execute(query("taskflow/events/insert_event_ids.sql", new_lines=new_lines), keys).rowcount
        # agg_daily_metrics counts the new facts next (include/taskflow/marts.py)
        insert_facts = query("taskflow/events/insert_facts.sql", fact=sql.Identifier("core", "fact_task_events"),
                             lines=query("taskflow/events/night_fact_lines.sql", new_lines=new_lines))
        inserted, queued = wh.execute(query("taskflow/events/insert_and_queue_facts.sql",
                                            insert_facts=insert_facts), keys).fetchone()
        if queued != inserted:
            raise RuntimeError(f"{inserted} new facts, but {queued} were queued for the marts")
        return _record(wh, ctx, keys, registered, inserted, conflicts, inferred, recomputed)


# A first load builds the fact's rows on this many connections beside its own: on 2 cores the
# window and the joins of 4.2M lines take 8.7 s on two against 13.9 s on one (bench/notes.md).
FACT_BUILDERS = 2


def _first_load(wh: psycopg.Connection, ctx: RunContext, keys: dict) -> dict:
    """An empty fact: its rows are built beside the load, and its partitions taken whole.

    1. One transaction judges the lines (the exceptions, kept in staging) and adds the inferred
       members the new lines need; it commits, so that other connections see them.
    2. FACT_BUILDERS connections each insert the facts of their share of the tasks into
       staging.taskflow_fact_build, partitioned as the fact (a task's minutes need its lines
       alone: the fact and the tails are empty), then index its partitions.
    3. Meanwhile the load's transaction quarantines, counts the duplicates, keeps the tails and
       the registry of event ids, and builds the registry's key; it then puts the built
       partitions in place of the fact's empty ones (their indexes become the fact's) and
       records the files. If it fails, what the builders wrote stays in staging, and the next
       attempt drops it."""
    with wh.transaction():
        run_sql(wh, "kit/load/begin_load.sql", {"lock": f"{EVENTS.qualified_name}.load"})
        inferred = _judge_lines(wh, keys)
        run_sql(wh, "taskflow/events/keep_exceptions.sql", keys)
        run_sql(wh, "taskflow/events/create_fact_build.sql")
        months = _months(wh, keys)
        for month, low, high in months:
            wh.execute(query("taskflow/events/create_fact_build_partition.sql",
                             partition=sql.Identifier("staging", f"fact_task_events_{month}"), low=low, high=high))

    def build(builder: int):
        def job(conn: psycopg.Connection) -> int:
            with conn.transaction():
                lines = query("taskflow/events/first_fact_lines.sql",
                              new_lines=query("taskflow/events/first_new_lines.sql"))
                return run_sql(conn, "taskflow/events/insert_first_facts.sql",
                               keys | {"builders": FACT_BUILDERS, "builder": builder},
                               insert_facts=query("taskflow/events/insert_facts.sql", lines=lines,
                                                  fact=sql.Identifier("staging", "taskflow_fact_build")))
        return job

    def index(share: list[tuple[str, sql.Literal, sql.Literal]]):
        def job(conn: psycopg.Connection) -> None:
            for month, _, _ in share:
                run_sql(conn, "taskflow/events/create_fact_build_indexes.sql",
                        partition=sql.Identifier("staging", f"fact_task_events_{month}"))
        return job

    new_lines = query("taskflow/events/new_lines.sql")
    with kit_load.beside(wh, [build(b) for b in range(FACT_BUILDERS)]) as built, wh.transaction():
        run_sql(wh, "kit/load/begin_load.sql", {"lock": f"{EVENTS.qualified_name}.load"})
        if not wh.execute(query("taskflow/events/select_fact_is_empty.sql")).fetchone()[0]:
            raise RuntimeError("core.fact_task_events took rows while its first load was prepared: run it again")
        run_sql(wh, "taskflow/events/create_tmp_files.sql", keys)
        run_sql(wh, "taskflow/events/restore_exceptions.sql", keys)
        conflicts = wh.execute(query("taskflow/events/count_conflicts.sql")).fetchone()[0]
        wh.execute(query("taskflow/events/quarantine_lines.sql"), keys)
        _dates(wh, keys)
        run_sql(wh, "taskflow/events/drop_fact_indexes.sql")
        run_sql(wh, "taskflow/events/forget_status_tails.sql")
        run_sql(wh, "taskflow/events/insert_first_status_tails.sql", keys, new_lines=new_lines)
        registered = wh.execute(query("taskflow/events/insert_event_ids.sql", new_lines=new_lines), keys).rowcount
        inserted = sum(built())
        with kit_load.beside(wh, [index(months[b::FACT_BUILDERS]) for b in range(FACT_BUILDERS)]) as indexed:
            run_sql(wh, "taskflow/bootstrap/create_fact_indexes.sql")  # the registry's key; the fact's, empty
            indexed()
        for month, low, high in months:
            run_sql(wh, "taskflow/events/attach_fact_build_partition.sql",
                    built=sql.Identifier("staging", f"fact_task_events_{month}"),
                    partition=sql.Identifier("core", f"fact_task_events_{month}"), low=low, high=high)
        run_sql(wh, "taskflow/events/drop_fact_build.sql")
        run_sql(wh, "taskflow/marts/agg_forget_state.sql")
        return _record(wh, ctx, keys, registered, inserted, conflicts, inferred, 0)


def _record(wh: psycopg.Connection, ctx: RunContext, keys: dict, registered: int, inserted: int, conflicts: int,
            inferred: tuple[int, int], recomputed: int) -> dict:
    """The files into the manifest, the check that every line is accounted for, the counts."""
    wh.execute(query("taskflow/events/insert_manifest.sql"), keys)
    files, lines, loaded, duplicates, quarantined = wh.execute(
        query("taskflow/events/select_run_counts.sql"), keys).fetchone()
    new = wh.execute(query("taskflow/events/count_new_lines.sql")).fetchone()[0]
    if not registered == inserted == new:
        raise RuntimeError(f"event lines not accounted for: {new} lines are new, but {registered} were "
                           f"registered and {inserted} became facts")
    counts = {"files": files, "lines": lines, "loaded": loaded, "duplicates": duplicates,
              "quarantined": quarantined, "conflicting": conflicts, "inferred_tasks": inferred[0],
              "inferred_users": inferred[1], "minutes_recomputed": recomputed}
    run_log.record_counts(wh, ctx, EVENTS.name, counts)
    quality.record(wh, ctx, [quality.Check(
        "events.conflicting_duplicates", "warn" if conflicts else "pass", f"{conflicts} lines",
        "0 lines (the first event with an id wins)")])
    log.info("loaded events: %s", counts)
    return counts
