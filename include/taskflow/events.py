"""The event logs: JSON Lines files in object storage -> core.fact_task_events.

extract_events  judges the logs' freshness (the newest partition holding a file), lists the
                partitions dt=D-lookback_days .. the UTC date of the interval end
                (every partition on a first run), reads each file the manifest does not hold,
                parses it with pyarrow (include/warehouse_kit/jsonl.py), applies the line rules
                (rules.EventLine) and stages every line, with its reasons when it broke one.
validate_events the quality gates on the staged lines, before anything loads.
load_events     (include/taskflow/event_load.py) the staged lines into quarantine, the
                duplicates count or the fact, and the files into audit.file_manifest.

Every line of a processed file ends in exactly one place: the fact (by event_id), the
manifest's duplicates count, or open in quarantine.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import logging
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psycopg

from include.taskflow.contracts import DEFAULT_LOOKBACK_DAYS, EVENT_FIELDS, EVENTS, events_url
from include.taskflow.event_groups import RepeatedIds, RunKeys
from include.warehouse_kit import freshness, memory, object_store, pg_io, run_log
from include.warehouse_kit import load as kit_load
from include.warehouse_kit import staging as kit_staging
from include.warehouse_kit.errors import FinalError
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.settings import settings
from include.warehouse_kit.sql_files import query, run_sql

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
STAGE_ROWS = 100_000  # parsed lines validated and staged together: memory stays flat
# Pending files of at least this many stored bytes are parsed and checked in a worker process
# while this one stages the groups before (parsed_groups); below it, the worker's start (its
# imports, about 2 s) would cost more than it saves.
WORKER_MIN_BYTES = 32 << 20
GROUPS_AHEAD = 2  # groups handed to the worker before the first is taken back: memory stays flat
# One worker: the task's processes then peak at about 0.9 GB together on a first night of 4.3M
# lines. A second worker would take the stage from 30 to 26 s but them to 1.2 GB (bench/notes.md).
WORKERS = 1
LINE_COLUMNS = ("path", "line_no", "dt", "event_id", "event_type", "task_id", "actor_id", "occurred_at",
                "from_status", "to_status", "assignee_id", "due_date", "reasons", "raw", "line_key", "date_key")


class EventFileError(FinalError):
    """An event file cannot be read at all (a broken gzip stream, say): its lines are unknown."""


def event_keys(ctx: RunContext) -> dict:
    return ctx.keys() | {"source": EVENTS.qualified_name}


def partition_window(wh: psycopg.Connection, ctx: RunContext) -> tuple[str | None, str]:
    """(first, last) partition values to list: D - lookback_days .. the UTC date of the
    interval end; no lower bound while the manifest holds no file of this pipeline."""
    last = ctx.interval_end.astimezone(dt.UTC).date()
    if not wh.execute(query("taskflow/events/select_has_manifest.sql"), event_keys(ctx)).fetchone()[0]:
        return None, last.isoformat()
    days = ctx.params.get("lookback_days", DEFAULT_LOOKBACK_DAYS)
    return (ctx.business_date - dt.timedelta(days=days)).isoformat(), last.isoformat()


def pending_files(wh: psycopg.Connection, ctx: RunContext, root: str) -> list[object_store.StoredFile]:
    """The files of the window's partitions that the manifest does not hold, in (dt, path) order."""
    first, last = partition_window(wh, ctx)
    listed = [f for f in object_store.list_partitioned_files(
        root, key=EVENTS.partition_key, suffixes=EVENTS.suffixes, first=first, last=last) if _is_date(f.partition)]
    done = {r[0] for r in wh.execute(query("taskflow/events/select_processed_paths.sql"),
                                     event_keys(ctx) | {"paths": [f.path for f in listed]})}
    return [f for f in listed if f.path not in done]


def _is_date(value: str) -> bool:
    if object_store.is_iso_date(value):
        return True
    log.warning("ignoring partition %s=%s: not a YYYY-MM-DD date", EVENTS.partition_key, value)
    return False


@dataclass
class Group:
    """At most STAGE_ROWS lines read together, in (file, line) order, with the file (its path and
    dt) and the line number of each. A large file's lines go on into the next groups; its staging
    row (the manifest's path, size, checksum, lines) is in the group that starts it."""

    files: list[dict] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    sources: list[tuple[str, dt.date]] = field(default_factory=list)  # (path, dt) of the files lines come from
    source_of_line: list[int] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)

    def add_file(self, stored: object_store.StoredFile, data: bytes, lines: int) -> None:
        self.files.append({"path": stored.path, "dt": dt.date.fromisoformat(stored.partition), "size": len(data),
                           "checksum": hashlib.sha256(data).hexdigest(), "lines": lines})

    def add_lines(self, stored: object_store.StoredFile, lines: list[bytes], first_line: int) -> None:
        self.source_of_line += [len(self.sources)] * len(lines)
        self.sources.append((stored.path, dt.date.fromisoformat(stored.partition)))
        self.line_numbers += range(first_line, first_line + len(lines))
        self.lines += lines


def read_groups(root: str, files: list[object_store.StoredFile]) -> Iterator[Group]:
    """The files' lines in groups of STAGE_ROWS (the last one smaller): a group's memory does not
    follow its files' sizes."""
    from include.warehouse_kit import jsonl

    group = Group()
    for stored in files:
        data = object_store.read_bytes(root, stored.path)
        try:
            lines = jsonl.split_lines(jsonl.decompress(stored.path, data))
        except (OSError, EOFError) as error:
            raise EventFileError(f"{stored.path} cannot be read: {error}") from error
        group.add_file(stored, data, len(lines))
        del data
        start = 0
        while start < len(lines):
            taken = lines[start:start + STAGE_ROWS - len(group.lines)]
            group.add_lines(stored, taken, first_line=start + 1)
            start += len(taken)
            if len(group.lines) >= STAGE_ROWS:
                yield group
                group = Group()
    if group.files or group.lines:
        yield group


def staged_lines(group: Group, ctx: RunContext, first_key: int = 1):
    """Every line of the group as a staging row: the parsed fields of a line that passes the
    rules; the reasons and the text of one that does not (pyarrow refused it, or a rule did).
    line_key numbers the group's lines from `first_key` in (file, line) order; a valid line
    carries its business-timezone date_key."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from include.taskflow.transforms import parse_occurred_at
    from include.warehouse_kit import jsonl, validation

    table, unreadable = jsonl.parse_lines(group.lines, EVENT_FIELDS)
    parsed = table.drop_columns(["line_no"]).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    parsed["occurred_ts"] = parse_occurred_at(parsed["occurred_at"])
    reasons = validation.row_reasons(validation.schema_for(EVENTS, ctx.interval_end), parsed, EVENTS.name)
    broken = parsed.index.isin(reasons.index)
    valid = ~broken
    parsed_lines = parsed[["event_id", "event_type", "task_id", "actor_id", "from_status", "to_status",
                           "assignee_id"]].assign(
        place=table.column("line_no").to_numpy() - 1,  # the line's place in the group
        occurred_at=parsed["occurred_ts"].where(valid),
        due_date=pd.to_datetime(parsed["due_date"].where(valid), format="%Y-%m-%d", errors="coerce").dt.date,
        reasons=pd.Series([validation.pg_array(r) for r in reasons], index=reasons.index, dtype="str"))
    refused_lines = pd.DataFrame({"place": np.array(list(unreadable), dtype="int64") - 1,
                                  "reasons": [validation.pg_array([r]) for r in unreadable.values()]})
    lines = pd.concat([parsed_lines, refused_lines], ignore_index=True)
    place = lines["place"].to_numpy()
    source_of_line = np.asarray(group.source_of_line)[place]
    lines["path"] = np.array([path for path, _ in group.sources], dtype=object)[source_of_line]
    lines["dt"] = np.array([day for _, day in group.sources], dtype=object)[source_of_line]
    lines["line_no"] = np.asarray(group.line_numbers)[place]
    bad = lines["reasons"].notna()
    lines["raw"] = pd.Series(None, index=lines.index, dtype="str")
    lines.loc[bad, "raw"] = [jsonl.raw_text(group.lines[i]) for i in place[bad.to_numpy()]]
    lines["line_key"] = place + first_key
    lines["date_key"] = date_keys(lines["occurred_at"])
    return lines.reindex(columns=list(LINE_COLUMNS))


def checked_group(group: Group, ctx: RunContext, first_key: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A group's staging rows (staged_lines) and what its valid lines name (line_keys)."""
    lines = staged_lines(group, ctx, first_key)
    return lines, line_keys(lines)


def parsed_groups(root: str, files: list[object_store.StoredFile],
                  ctx: RunContext) -> Iterator[tuple[Group, pd.DataFrame, pd.DataFrame]]:
    """Every group of the files with its staging rows and keys (checked_group), in (file, line)
    order. Parsing and checking is Python's work, bound by the GIL: for a large run it goes to
    a worker process (spawned: this one holds threads and a connection), GROUPS_AHEAD groups
    ahead of this one, which reads the files and stages what comes back. A small run does it
    here. Either way the rows are the same."""
    groups = read_groups(root, files)
    first_key = 1
    if sum(f.size for f in files) < WORKER_MIN_BYTES:
        for group in groups:
            yield group, *checked_group(group, ctx, first_key)
            first_key += len(group.lines)
        return
    ahead: collections.deque = collections.deque()
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=multiprocessing.get_context("spawn")) as worker:
        for group in groups:
            ahead.append((group, worker.submit(checked_group, group, ctx, first_key)))
            first_key += len(group.lines)
            if len(ahead) > GROUPS_AHEAD:
                done, checked = ahead.popleft()
                yield done, *checked.result()
        while ahead:
            done, checked = ahead.popleft()
            yield done, *checked.result()


def date_keys(instants: pd.Series) -> pd.Series:
    """YYYYMMDD of each instant's date in the business timezone (NA stays NA)."""
    local = instants.dt.tz_convert(settings().business_tz)
    return (local.dt.year * 10000 + local.dt.month * 100 + local.dt.day).astype("Int32")


def line_keys(lines: pd.DataFrame) -> pd.DataFrame:
    """What the valid lines of a group name, as (kind, id, lines): the tasks, the actors, the
    UTC months (YYYYMM) and the business-timezone dates (YYYYMMDD) of occurred_at."""
    import numpy as np
    import pandas as pd

    valid = lines[lines["reasons"].isna()]
    at = valid["occurred_at"]
    ids = {"task": valid["task_id"], "actor": valid["actor_id"].dropna(),
           "month": at.dt.year * 100 + at.dt.month, "day": valid["date_key"]}
    parts = []
    for kind, values in ids.items():
        found, counts = np.unique(values.to_numpy(dtype=np.int64), return_counts=True)
        parts.append(pd.DataFrame({"kind": pd.Series(kind, index=range(len(found)), dtype="str"),
                                   "id": found, "lines": counts.astype(np.int64)}))
    return pd.concat(parts, ignore_index=True)


def extract_events(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """Stage every line of the files not yet processed (idempotent: a retry stages them again)."""
    import pandas as pd
    import pyarrow as pa

    from include.warehouse_kit import profiling
    from include.warehouse_kit.profiling import text_hashes

    root = events_url()
    freshness.check_files(wh, ctx, EVENTS, root)
    files = pending_files(wh, ctx, root)
    counts = {"files": 0, "lines": 0, "rejected": 0}

    def write(group: Group, lines: pd.DataFrame) -> None:
        pg_io.write_frame(wh, "staging.taskflow_event_files", pd.DataFrame(group.files).assign(run_id=ctx.run_id))
        pg_io.write_frame(wh, partition, lines.assign(run_id=ctx.run_id))

    with wh.transaction(), ThreadPoolExecutor(max_workers=1) as writer:
        run_sql(wh, "taskflow/events/delete_staged.sql", ctx.keys())
        partition = kit_staging.empty_run_partition(wh, "staging.taskflow_event_lines", ctx.run_id)
        keys_partition = kit_staging.empty_run_partition(wh, "staging.taskflow_event_keys", ctx.run_id)
        # The server ingests one group while the next is parsed and checked: only the writer
        # thread touches the connection until the last group is in.
        pending, repeats, keys = None, RepeatedIds(), RunKeys()
        profiler = profiling.Profiler(EVENTS.types)
        for group, lines, named in parsed_groups(root, files, ctx):
            # the event ids hashed once, for their profile and for the repeats among the valid lines
            present = lines["event_id"].notna().to_numpy()
            hashes = text_hashes(pa.array(lines["event_id"][present], type=pa.large_string()))
            profiler.add(lines, hashed={"event_id": hashes})
            if pending is not None:
                pending.result()
            pending = writer.submit(write, group, lines)
            counts["files"] += len(group.files)
            counts["lines"] += len(lines)
            valid = lines["reasons"].isna().to_numpy()
            counts["rejected"] += int((~valid).sum())
            repeats.add(lines["event_id"][valid], hashes[valid[present]])  # a valid line has its event_id
            keys.add(named)
            memory.release_freed()  # what the group before this one left
        if pending is not None:
            pending.result()
        group = lines = named = pending = None
        memory.release_freed()
        pg_io.write_frame(wh, "staging.taskflow_event_repeats",
                          pd.DataFrame({"event_id": repeats.ids()}).assign(run_id=ctx.run_id))
        for part in keys.frames():
            pg_io.write_frame(wh, keys_partition, part.assign(run_id=ctx.run_id))
        counts["profile_ms"] = profiling.finish(wh, ctx, EVENTS.name, profiler, EVENTS.gates.min_rows)
        # the load plans its joins on the run's lines, on what they name and on their repeats
        # (without statistics the ranking sorted every line to merge with a few thousand repeats)
        kit_load.analyze(wh, partition)
        kit_load.analyze(wh, keys_partition)
        kit_load.analyze(wh, "staging.taskflow_event_repeats")
        run_log.record_counts(wh, ctx, EVENTS.name, {"files_listed": counts["files"], "extracted": counts["lines"],
                                                     "rejected": counts["rejected"], "profile_ms": counts["profile_ms"]})
    log.info("staged %s lines of %s event files from %s", counts["lines"], counts["files"], root)
    return counts


def validate_events(wh: psycopg.Connection, ctx: RunContext) -> dict:
    """The quality gates on the staged lines (completeness of the key fields, quarantined share)."""
    from include.warehouse_kit import validation

    rows, complete, rejected = wh.execute(query("taskflow/events/count_staged_lines.sql"), event_keys(ctx)).fetchone()
    counts = validation.Tally(rows, complete, rejected)
    with wh.transaction():
        gates = validation.record_gates(wh, ctx, EVENTS, counts)
        run_log.record_counts(wh, ctx, EVENTS.name, {"validated": rows})
    validation.enforce_gates(EVENTS, counts, gates)
    return {"validated": rows, "rejected": rejected}
