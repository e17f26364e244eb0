"""What one call (build_world or a tick) wrote: exact counts for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from devtools.demo_taskflow.dirt import BAD_KINDS
from include.taskflow.contracts import EVENT_TYPES

DB_COUNTS = ("users_inserted", "users_updated", "projects_inserted", "projects_updated",
             "tasks_inserted", "tasks_updated")


@dataclass
class Report:
    """The files a call made visible and what their lines are.

    Every line of ``files`` is exactly one of: a valid event (``valid_events``, distinct event ids
    that should load), an exact copy of a valid line (``duplicates``), another event reusing a
    valid line's id that comes after it (``conflicting``), or a bad line (``bad_lines`` by kind).
    So ``lines == valid_events + duplicates + conflicting + sum(bad_lines.values())``
    (``accounted_lines``), call by call, for a world built and ticked.
    Counts of the database: rows inserted and updated per table, all with updated_at inside the
    call's day (build_world: before the first night).
    """

    day: dt.date                                     # build_world: the first night; tick: its day
    files: list[str] = field(default_factory=list)   # made visible, relative to the events root, sorted
    lines: int = 0
    valid_events: int = 0
    events_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    duplicates: int = 0
    conflicting: int = 0
    bad_lines: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BAD_KINDS, 0))
    late_files: list[str] = field(default_factory=list)   # of files: uploaded 1-3 days late
    orphan_tasks: list[int] = field(default_factory=list)  # events written now, row in the next tick
    orphan_users: list[int] = field(default_factory=list)  # actors written now, row in the next tick
    arrived_tasks: list[int] = field(default_factory=list)  # rows of the previous call's orphans
    arrived_users: list[int] = field(default_factory=list)
    staged_files: int = 0                            # written now, made visible by a later tick
    db: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DB_COUNTS, 0))

    @property
    def accounted_lines(self) -> int:
        return self.valid_events + self.duplicates + self.conflicting + sum(self.bad_lines.values())

    def summary(self) -> dict:
        """Plain JSON-able values (the CLI prints them)."""
        out = asdict(self)
        out["day"] = self.day.isoformat()
        out["files"] = len(self.files)
        return out
