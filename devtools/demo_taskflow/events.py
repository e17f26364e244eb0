"""Events as columns, and their JSON Lines, built with pyarrow's string kernels (no json.dumps
per event): ``{"event_id":"ev-…","event_type":…,"task_id":…,"actor_id":…,"occurred_at":…, <typed fields>}``.

An event id is ``ev-`` and 16 hex digits: a bijective mix of a serial that is unique per call
(``serial_base``), so ids never repeat unless dirt reuses one on purpose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from devtools.demo_taskflow.volumes import OFFSET_SECONDS, OFFSETS, STATUS
from include.taskflow.contracts import EVENT_TYPES, STATUSES

_M64 = (1 << 64) - 1


@dataclass
class Events:
    """Columns of events. ``actor`` and ``value`` use -1 for null; ``value`` is the assignee id of
    `assigned` and the due date (days since 1970) of `due_date_changed`."""

    t: np.ndarray       # int64 epoch seconds
    kind: np.ndarray    # int8 index into EVENT_TYPES
    task: np.ndarray    # int64
    actor: np.ndarray   # int64
    frm: np.ndarray     # int8 index into STATUSES, -1 unless status_changed
    to: np.ndarray      # int8
    value: np.ndarray   # int64
    off: np.ndarray     # int8 index into OFFSETS

    def __len__(self) -> int:
        return len(self.t)

    def take(self, idx: np.ndarray) -> Events:
        return Events(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    @classmethod
    def concat(cls, parts: list[Events]) -> Events:
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)})

    @classmethod
    def build(cls, t, kind, task, actor, *, frm=-1, to=-1, value=-1, off=0) -> Events:
        n = len(t)

        def col(x, dtype):
            return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()

        return cls(t=col(t, np.int64), kind=col(kind, np.int8), task=col(task, np.int64),
                   actor=col(actor, np.int64), frm=col(frm, np.int8), to=col(to, np.int8),
                   value=col(value, np.int64), off=col(off, np.int8))

    def records(self) -> list[dict[str, int]]:
        """Plain ints, for the state file."""
        cols = {f.name: getattr(self, f.name).tolist() for f in fields(self)}
        return [dict(zip(cols, row, strict=True)) for row in zip(*cols.values(), strict=True)]

    @classmethod
    def from_records(cls, rows: list[dict[str, int]]) -> Events:
        if not rows:
            return cls.build([], 0, 0, -1)
        return cls.build(*([r[k] for r in rows] for k in ("t", "kind", "task", "actor")),
                         **{k: [r[k] for r in rows] for k in ("frm", "to", "value", "off")})


def serial_base(day: dt.date, *, history: bool) -> int:
    """The first serial of a call: build_world's (history) and tick(day)'s never overlap."""
    return (day.toordinal() << 33) | (int(history) << 32)


def _mix(serial: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64, so distinct serials give distinct ids."""
    with np.errstate(over="ignore"):
        z = np.asarray(serial, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


# two hex digits per byte value
_HEX_PAIRS = np.frombuffer("".join(f"{i:02x}" for i in range(256)).encode(), dtype=np.uint16)


def event_ids(serial: np.ndarray) -> pa.Array:
    """``ev-`` + 16 hex digits of the mixed serial."""
    big_endian = _mix(serial).astype(">u8").view(np.uint8)
    digits = np.ascontiguousarray(_HEX_PAIRS[big_endian])
    raw = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(serial), [None, pa.py_buffer(digits)])
    return pc.binary_join_element_wise("ev-", raw.cast(pa.binary()).cast(pa.string()), "")


def event_id(serial: int) -> str:
    return event_ids(np.array([serial & _M64], dtype=np.uint64))[0].as_py()


def iso_times(t: np.ndarray, off: np.ndarray) -> pa.Array:
    """ISO-8601 wall clocks with their offset (``Z``, ``+00:00``, ``+02:00``, ...)."""
    local = pa.array((t + OFFSET_SECONDS[off]).astype("datetime64[s]")).cast(pa.string())  # "… hh:mm:ss"
    return pc.binary_join_element_wise(pc.replace_substring(local, " ", "T", max_replacements=1),
                                       pa.array(OFFSETS).take(pa.array(off)), "")


def _null_or(values: np.ndarray, text: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(values < 0), "null", text)


_STATUS_PAIRS = pa.array([f',"from_status":"{a}","to_status":"{b}"' for a in STATUSES for b in STATUSES])


def format_lines(ev: Events, serial: np.ndarray) -> pa.Array:
    """One JSON line per event, each ending in a newline (a string array, in ``ev``'s order)."""
    if len(ev) == 0:
        return pa.array([], type=pa.string())
    as_text = pc.cast(pa.array(ev.value), pa.string())
    due = pa.array(np.maximum(ev.value, 0).astype("datetime64[D]")).cast(pa.string())
    pair = np.where(ev.kind == STATUS, ev.frm.astype(np.int64) * len(STATUSES) + ev.to, 0)
    typed = pc.choose(pa.array(ev.kind), pa.scalar(""), _STATUS_PAIRS.take(pa.array(pair)),
                      pc.binary_join_element_wise(',"assignee_id":', _null_or(ev.value, as_text), ""),
                      pc.binary_join_element_wise(',"due_date":', _null_or(
                          ev.value, pc.binary_join_element_wise('"', due, '"', "")), ""))
    return pc.binary_join_element_wise(
        '{"event_id":"', event_ids(serial), '","event_type":"', pa.array(EVENT_TYPES).take(pa.array(ev.kind)),
        '","task_id":', pc.cast(pa.array(ev.task), pa.string()),
        ',"actor_id":', _null_or(ev.actor, pc.cast(pa.array(ev.actor), pa.string())),
        ',"occurred_at":"', iso_times(ev.t, ev.off), '"', typed, "}\n", "")


def line_buffer(lines: pa.Array) -> tuple[memoryview, np.ndarray]:
    """The UTF-8 bytes of a string array and its offsets: line i is ``data[off[i]:off[i + 1]]``."""
    lines = lines.cast(pa.large_string())
    _, offsets, data = lines.buffers()
    off = np.frombuffer(offsets, dtype=np.int64, count=len(lines) + 1, offset=lines.offset * 8)
    return (memoryview(data) if data is not None else memoryview(b"")), off
