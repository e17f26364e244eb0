"""Where the events of a call go, and the files that hold them.

A call's events are laid out per partition ``dt=YYYY-MM-DD``: ``events-0-HHMM`` (the previous
day's carry-over), ``events-<i>-HHMM`` for i = 1.. (the regular files, HHMM = the UTC time of
their last event) and ``late-YYYYMMDD`` (a late upload, named by its upload day). About half are
gzipped. A partition is the business day of its regular files' events (with ETL_BUSINESS_TZ
at its default, UTC, that is the UTC date they were written). A file is
written whole beside the events root and renamed into place, so it is complete once visible.

Files a later tick delivers (carry-over, late files) wait in the state directory with what the
world needs between calls (``state.json``: the staged files, the rows that arrive late, a pool
of valid lines). It is ``<events_root's parent>/.<events_root's name>.demo_state``: the events
root itself holds only ``dt=`` partitions.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devtools.demo_taskflow import dirt as d
from devtools.demo_taskflow.events import Events, format_lines, line_buffer
from include.taskflow.contracts import EVENT_TYPES

STATE_VERSION = 1
EVENT_PARTITION_PREFIX = "dt="
REGULAR, CARRY, LATE = 1, 0, 2     # rank of a file's class inside its partition (sorts like the names)


@dataclass
class FileSpec:
    """A file of a call: rows [start, stop) of the call's events, and dirt lines."""

    dt: dt.date
    name: str
    start: int
    stop: int
    kind: int
    gz: bool
    release: dt.date | None        # None: visible now; else staged until tick(release)

    @property
    def path(self) -> str:
        return f"{EVENT_PARTITION_PREFIX}{self.dt.isoformat()}/{self.name}{'.jsonl.gz' if self.gz else '.jsonl'}"

    @property
    def regular(self) -> bool:
        return self.kind == REGULAR

    @property
    def visible(self) -> bool:
        return self.release is None


def state_dir(events_root: Path) -> Path:
    """Where the world keeps what it needs between calls (never inside the events root)."""
    root = Path(events_root).resolve()
    return root.parent / f".{root.name}.demo_state"


def load_state(events_root: Path) -> dict:
    path = state_dir(events_root) / "state.json"
    if not path.is_file():
        raise FileNotFoundError(f"no TaskFlow demo world at {events_root}: run build_world first")
    return json.loads(path.read_text())


def save_state(events_root: Path, state: dict) -> None:
    path = state_dir(events_root) / "state.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": STATE_VERSION, **state}, indent=1, sort_keys=True))
    os.replace(tmp, path)


def reset(events_root: Path) -> None:
    """Empty the events root (only dt= partitions are allowed there) and the state directory."""
    root = Path(events_root)
    root.mkdir(parents=True, exist_ok=True)
    strangers = [p.name for p in root.iterdir() if not p.name.startswith(EVENT_PARTITION_PREFIX)]
    if strangers:
        raise ValueError(f"{root} holds more than event partitions ({', '.join(sorted(strangers)[:3])}); "
                         "refusing to empty it")
    for part in root.iterdir():
        shutil.rmtree(part) if part.is_dir() else part.unlink()
    shutil.rmtree(state_dir(root), ignore_errors=True)
    (state_dir(root) / "pending").mkdir(parents=True)


def layout(rng: np.random.Generator, ev: Events, day: np.ndarray, first: dt.date, days: int, *,
           late: np.ndarray, carry: np.ndarray, release) -> tuple[Events, list[FileSpec]]:
    """Sort a call's events into files. ``day``: each event's business day (0 = ``first``; days
    0..``days``-1 get regular files, even empty ones); ``late``/``carry``: events that go to their
    day's late file or to the next day's file 0; ``release(partition, kind, day)`` says when a
    file becomes visible (None: now)."""
    part = day + carry.astype(np.int64)
    kind = np.where(carry, CARRY, np.where(late, LATE, REGULAR))
    order = np.lexsort((ev.kind, ev.task, ev.t, kind, part))
    ev, part, kind, src_day = ev.take(order), part[order], kind[order], day[order]
    files: list[FileSpec] = []
    for p in np.union1d(part, np.arange(days)).tolist():
        on = dt.date.fromordinal(first.toordinal() + p)
        lo, hi = np.searchsorted(part, p), np.searchsorted(part, p, side="right")
        k_lo = [lo + np.searchsorted(kind[lo:hi], k) for k in (CARRY, REGULAR, LATE, LATE + 1)]
        if k_lo[1] > k_lo[0]:
            files.append(_file(rng, ev, on, "events-0", k_lo[0], k_lo[1], CARRY, release(on, CARRY, on)))
        regular = k_lo[2] - k_lo[1]
        if regular or p < days:
            count = max(1, min(int(rng.integers(d.FILES_PER_DAY[0], d.FILES_PER_DAY[1] + 1)), regular))
            cuts = np.sort(rng.choice(np.arange(1, regular), size=count - 1, replace=False)) if count > 1 else []
            bounds = [k_lo[1], *(k_lo[1] + np.asarray(cuts, dtype=np.int64)).tolist(), k_lo[2]]
            for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True), start=1):
                files.append(_file(rng, ev, on, f"events-{i}", a, b, REGULAR, release(on, REGULAR, on)))
        if k_lo[3] > k_lo[2]:
            when = release(on, LATE, dt.date.fromordinal(first.toordinal() + int(src_day[k_lo[2]])))
            files.append(_file(rng, ev, on, f"late-{when:%Y%m%d}", k_lo[2], k_lo[3], LATE, when))
    return ev, files


def _file(rng, ev: Events, on: dt.date, stem: str, a: int, b: int, kind: int, release) -> FileSpec:
    last = int(ev.t[b - 1]) if b > a else int(dt.datetime.combine(on, dt.time(0), dt.UTC).timestamp())
    hhmm = "" if kind == LATE else f"-{dt.datetime.fromtimestamp(last, dt.UTC):%H%M}"
    return FileSpec(dt=on, name=stem + hhmm, start=int(a), stop=int(b), kind=kind, gz=bool(rng.random() < d.GZIP_SHARE),
                    release=release)


def write(events_root: Path, ev: Events, serial: np.ndarray, files: list[FileSpec], dirt: d.Dirt) -> dict:
    """Write every file of a call: visible ones into the events root, the others into the state
    directory. Returns the staged files' manifest entries and the visible files' line counts."""
    root, stage = Path(events_root), state_dir(events_root)
    staged, visible_lines = [], 0
    by_partition: dict[dt.date, list[int]] = {}
    for i, f in enumerate(files):
        by_partition.setdefault(f.dt, []).append(i)
    for idxs in by_partition.values():
        lo, hi = files[idxs[0]].start, max(files[i].stop for i in idxs)
        data, off = line_buffer(format_lines(ev.take(np.arange(lo, hi)), serial[lo:hi]))
        for i in idxs:
            f = files[i]
            body, n_lines = _body(data, off, f.start - lo, f.stop - lo, dirt.inserts.get(i, []))
            target = (root if f.visible else stage / "pending") / f.path
            _put(target, gzip.compress(body, d.GZIP_LEVEL, mtime=0) if f.gz else body, stage)
            if f.visible:
                visible_lines += n_lines
            else:
                types = np.bincount(ev.kind[f.start:f.stop], minlength=len(EVENT_TYPES))
                staged.append({"release": f.release.isoformat(), "path": f.path, "late": f.kind == LATE,
                               "lines": int(n_lines), "by_type": dict(zip(EVENT_TYPES, types.tolist(), strict=True))})
    return {"staged": staged, "visible_lines": visible_lines}


def _body(data: memoryview, off: np.ndarray, a: int, b: int, inserts: list[tuple[int, str]]) -> tuple[bytes, int]:
    pieces, at = [], a
    for pos, line in sorted(inserts, key=lambda x: x[0]):
        pieces += [data[off[at]:off[a + pos]], line.encode()]
        at = a + pos
    pieces.append(data[off[at]:off[b]])
    return b"".join(pieces), int(b - a) + len(inserts)


def _put(target: Path, body: bytes, stage: Path) -> None:
    """Write whole, then rename into place: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = stage / "writing.tmp"
    tmp.write_bytes(body)
    os.replace(tmp, target)


def deliver(events_root: Path, staged: list[dict], day: dt.date) -> tuple[list[dict], list[dict]]:
    """Move the staged files due by ``day`` into the events root: (delivered, still staged)."""
    due = [s for s in staged if dt.date.fromisoformat(s["release"]) <= day]
    for s in due:
        target = Path(events_root) / s["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(state_dir(events_root) / "pending" / s["path"], target)
    return due, [s for s in staged if s not in due]


def pool_of(ev: Events, serial: np.ndarray, files: list[FileSpec], used: np.ndarray, rng) -> list[dict]:
    """Up to POOL_SIZE valid lines of the call's last partition's visible regular files."""
    last = max((f.dt for f in files if f.regular and f.visible), default=None)
    rows = np.concatenate([np.arange(f.start, f.stop) for f in files if f.regular and f.visible and f.dt == last]
                          or [np.zeros(0, dtype=np.int64)])
    rows = np.setdiff1d(rows, used)
    rows = np.sort(rng.choice(rows, size=min(d.POOL_SIZE, len(rows)), replace=False))
    picked = ev.take(rows)
    lines = format_lines(picked, serial[rows]).to_pylist()
    return [{"serial": int(s), "event": e, "line": line[:-1]}
            for s, e, line in zip(serial[rows].tolist(), picked.records(), lines, strict=True)]
