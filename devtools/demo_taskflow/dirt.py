"""The dirt of the TaskFlow event logs, and its rates. Every rate applies per call (build_world, or
one tick) to ``n``, the valid events of the regular files that the call makes visible; a kind
with a minimum of one appears in every call.

| kind | rate | what |
|---|---|---|
| exact duplicate | ``DUPLICATE_RATE`` = 1 % of n, at least 1 | a valid line copied byte for byte into another file; ``DUPLICATE_OTHER_PARTITION_SHARE`` = 30 % of them into another partition (in a tick: a line of an earlier call) |
| late file | one per business day | ``LATE_FILE_SHARE`` = 3 % of a day's events are held back and uploaded 1-3 days later into that day's partition as ``late-<upload day>.jsonl[.gz]``; the delay rotates (``late_delay``) so that every tick delivers exactly one late file (when that day had events besides orphans'). build_world stages those of its last days for the first ticks |
| carry-over | ``CARRY_OVER_SHARE`` = 50 % of the events of a day's last ``CARRY_OVER_WINDOW_S`` (30 min) | written after midnight: file ``events-0-…`` of the next day's partition |
| orphan task | ``ORPHAN_TASK_RATE`` = 0.5 % of a day's new tasks, at least 1 | its events are in today's files, its row reaches the database in the next tick (created_at unchanged, updated_at = its arrival); the first one is done within hours, and its task_created actor is an orphan user whose row also arrives in the next tick. build_world makes them on its last day |
| bad line | ``BAD_LINE_RATE`` = 0.05 % of n per kind, at least 1 of each of ``BAD_KINDS`` | ``invalid_json`` (cut in half, or Python-dict quotes), ``missing_field`` (one of event_id, event_type, task_id, occurred_at), ``unknown_event_type``, ``bad_status`` (from_status or to_status outside the set), ``no_offset`` (occurred_at without offset), ``year_2099`` |
| conflicting duplicate | ``CONFLICT_RATE`` = 0.2 % of n, at least 1 | another event (time 1-60 min later, half of them on another task) reusing the event_id of a valid line that comes earlier in (dt, path, line) order: a line of an earlier call (``CONFLICT_EARLIER_NIGHT_SHARE`` = 50 % in a tick) or of an earlier regular file of the same call |
| blank line | none | |

Duplicated and conflicting lines are made from valid originals only, each original used once;
dirt lines are never copied, bad lines have event ids of their own, and carry-over and late
files hold valid events only. So, for every call: lines written = valid_events + duplicates +
conflicting + sum(bad_lines).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from devtools.demo_taskflow.events import Events, format_lines
from include.taskflow.contracts import STATUSES

DUPLICATE_RATE = 0.01
DUPLICATE_OTHER_PARTITION_SHARE = 0.30
CONFLICT_RATE = 0.002
CONFLICT_EARLIER_NIGHT_SHARE = 0.50
BAD_LINE_RATE = 0.0005
BAD_KINDS = ("invalid_json", "missing_field", "unknown_event_type", "bad_status", "no_offset", "year_2099")
LATE_FILE_SHARE = 0.03
CARRY_OVER_WINDOW_S = 1_800
CARRY_OVER_SHARE = 0.50
ORPHAN_TASK_RATE = 0.005
# files
FILES_PER_DAY = (4, 7)             # regular files of a partition, inclusive
GZIP_SHARE = 0.50
GZIP_LEVEL = 1
POOL_SIZE = 50                     # valid lines kept for the next call's duplicates and conflicts

REQUIRED_EVENT_FIELDS = ("event_id", "event_type", "task_id", "occurred_at")  # the contract
UNKNOWN_EVENT_TYPES = ("comment_added", "task_archived", "priority_changed")
OUT_OF_SET_STATUSES = ("archived", "wip", "Done")


def late_delay(day: dt.date, seed: int) -> int:
    """Days after ``day`` that its late file is uploaded (1-3): exactly one day's file per tick."""
    return 1 + (day.toordinal() + seed) % 3


def at_least_one(rng: np.random.Generator, n: int, rate: float) -> int:
    return max(1, int(rng.binomial(n, rate)))


@dataclass
class Dirt:
    """Lines to insert, by file index: (position among the file's valid lines, line)."""

    inserts: dict[int, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))
    duplicates: int = 0
    conflicting: int = 0
    bad_lines: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BAD_KINDS, 0))
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _conflict(rng: np.random.Generator, ev: Events, tasks: np.ndarray) -> Events:
    """Other events under the same ids: 1-60 minutes later, half of them on another task."""
    other = ev.take(np.arange(len(ev)))
    other.t = other.t + rng.integers(60, 3_601, len(ev))
    other.off = rng.integers(0, 5, len(ev)).astype(np.int8)
    moved = rng.random(len(ev)) < 0.5
    swap = rng.choice(tasks if len(tasks) else ev.task, size=len(ev)) if len(ev) else ev.task
    other.task = np.where(moved & (swap != other.task), swap, other.task)
    return other


def bad_line(rng: np.random.Generator, kind: str, valid: str) -> str:
    """A valid line (without newline) made bad in exactly one way."""
    event = json.loads(valid)
    if kind == "invalid_json":
        return valid[: len(valid) // 2] if rng.random() < 0.5 else valid.replace('"', "'")
    if kind == "missing_field":
        del event[REQUIRED_EVENT_FIELDS[int(rng.integers(len(REQUIRED_EVENT_FIELDS)))]]
    elif kind == "unknown_event_type":
        event["event_type"] = str(rng.choice(UNKNOWN_EVENT_TYPES))
    elif kind == "bad_status":
        for key in ("assignee_id", "due_date"):
            event.pop(key, None)
        good, wrong = str(rng.choice(STATUSES)), str(rng.choice(OUT_OF_SET_STATUSES))
        pair = (good, wrong) if rng.random() < 0.5 else (wrong, good)
        event.update(event_type="status_changed", from_status=pair[0], to_status=pair[1])
    elif kind == "no_offset":
        event["occurred_at"] = event["occurred_at"][:19]
    elif kind == "year_2099":
        event["occurred_at"] = "2099" + event["occurred_at"][4:].replace("-02-29", "-02-28")
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


def plan(rng: np.random.Generator, ev: Events, serial: np.ndarray, files: list, pool: list[dict],
         next_serial: int, tasks: np.ndarray) -> Dirt:
    """Choose and build the dirt lines of a call.

    ``files``: the call's files in (dt, path) order (``regular``, ``visible``, ``start``/``stop``
    rows of ``ev``, ``dt``); ``pool``: valid lines of an earlier call; ``next_serial``: the first
    serial no event of the call uses; ``tasks``: task ids a conflicting event may move to."""
    dirt = Dirt()
    vis = [i for i, f in enumerate(files) if f.regular and f.visible]
    if not vis:
        return dirt
    sizes = np.array([files[i].stop - files[i].start for i in vis])
    rows = np.concatenate([np.arange(files[i].start, files[i].stop) for i in vis]).astype(np.int64)
    where = np.repeat(np.arange(len(vis)), sizes)          # position in vis of each row
    partition = np.array([files[i].dt.toordinal() for i in vis])
    n = len(rows)

    def put(pos: int, line: str) -> None:
        dirt.inserts[vis[pos]].append((int(rng.integers(0, sizes[pos] + 1)), line + "\n"))

    def lines_of(events: Events, serials: np.ndarray) -> list[str]:
        return [x[:-1] for x in format_lines(events, serials).to_pylist()]

    order = rng.permutation(len(pool))
    # conflicting duplicates: an original of an earlier call, or of an earlier file of this call
    n_conf = at_least_one(rng, n, CONFLICT_RATE) if n or pool else 0
    from_pool = min(int(rng.binomial(n_conf, CONFLICT_EARLIER_NIGHT_SHARE)), len(pool))
    early = rows[where < len(vis) - 1]
    same = min(n_conf - from_pool, len(early))
    from_pool = min(n_conf - same, len(pool))
    conf_rows = np.sort(rng.choice(early, size=same, replace=False))
    moved = _conflict(rng, ev.take(conf_rows), tasks)
    for row, line in zip(conf_rows, lines_of(moved, serial[conf_rows]), strict=True):
        put(int(rng.integers(where[np.searchsorted(rows, row)] + 1, len(vis))), line)
    if from_pool:
        chosen = [pool[i] for i in order[:from_pool]]
        moved = _conflict(rng, Events.from_records([c["event"] for c in chosen]), tasks)
        for line in lines_of(moved, np.array([c["serial"] for c in chosen], dtype=np.uint64)):
            put(int(rng.integers(0, len(vis))), line)
    dirt.conflicting = same + from_pool

    # exact duplicates: of this call's lines, and (in a tick) of an earlier call's
    n_dup = at_least_one(rng, n, DUPLICATE_RATE) if n else 0
    dup_pool = min(int(rng.binomial(n_dup, DUPLICATE_OTHER_PARTITION_SHARE)), len(pool) - from_pool)
    spare = np.setdiff1d(rows, conf_rows)
    dup_rows = np.sort(rng.choice(spare, size=min(n_dup - dup_pool, len(spare)), replace=False))
    for row, line in zip(dup_rows, lines_of(ev.take(dup_rows), serial[dup_rows]), strict=True):
        own = where[np.searchsorted(rows, row)]
        others = np.flatnonzero(partition != partition[own])
        if not (len(others) and rng.random() < DUPLICATE_OTHER_PARTITION_SHARE):
            others = np.flatnonzero((partition == partition[own]) & (np.arange(len(vis)) != own))
        put(int(rng.choice(others)) if len(others) else own, line)
    for i in order[from_pool:from_pool + dup_pool]:
        put(int(rng.integers(0, len(vis))), pool[i]["line"])
    dirt.duplicates = len(dup_rows) + dup_pool
    dirt.used = np.concatenate([conf_rows, dup_rows])

    # bad lines: each from a valid-looking event under a fresh id
    counts = {kind: at_least_one(rng, n, BAD_LINE_RATE) for kind in BAD_KINDS}
    kinds = [kind for kind, c in counts.items() for _ in range(c)]
    base = rng.choice(rows, size=len(kinds)) if n else np.zeros(len(kinds), dtype=np.int64)
    src = ev.take(base) if n else Events.from_records([pool[0]["event"]] * len(kinds))
    fresh = np.arange(next_serial, next_serial + len(kinds), dtype=np.uint64)
    for kind, line in zip(kinds, lines_of(src, fresh), strict=True):
        put(int(rng.integers(0, len(vis))), bad_line(rng, kind, line))
    dirt.bad_lines = counts
    return dirt
