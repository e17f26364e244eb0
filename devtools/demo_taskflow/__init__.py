"""Deterministic generator of the TaskFlow demo, test and bench world: the product database
(schema taskflow: users, projects, tasks) and its JSON Lines event logs under
``<events_root>/dt=YYYY-MM-DD/*.jsonl[.gz]``, dirty on purpose (dirt.py holds every rate).

- ``build_world(source_uri, events_root, first_night, volumes=DEMO, seed=7) -> Report``: the
  tables (dropped and created again from include/sql/taskflow/source/) and the event files of
  ``volumes.history_days`` days, all strictly before ``first_night`` 00:00 in the business time
  zone (ETL_BUSINESS_TZ);
- ``tick(source_uri, events_root, day, seed=7) -> Report``: one business day of activity, for
  consecutive days after build_world; it only adds files;
- ``Volumes``, ``DEMO`` (~2k users, 100 projects, 50k tasks, 120 days), ``BENCH`` (10k users,
  500 projects, 1M tasks, ~4.1M events);
- ``Report``: what a call wrote, with exact counts (report.py);
- ``state_dir(events_root)``: where staged files and late rows wait between calls.

The same seed and the same calls give byte-identical files and identical rows. Every event
agrees with the rows: a task starts with task_created at its created_at, its status_changed
events chain from todo to its status (completed_at = the last done, set iff done), its
`assigned` and `due_date_changed` events end at its assignee_id and due_date, and updated_at is
its last change (for a row that arrived late: its arrival). Modules: volumes (sizes, rates,
pools), history (rows and task lives), events (JSON lines), files (layout, staging, state),
dirt, source_db, world (build_world), daily_tick (tick), __main__ (the CLI)::

    python -m devtools.demo_taskflow --source URI --events DIR --first-night YYYY-MM-DD [--ticks N] [--bench]
"""

from devtools.demo_taskflow.daily_tick import TickAlreadyAppliedError, tick
from devtools.demo_taskflow.files import state_dir
from devtools.demo_taskflow.report import Report
from devtools.demo_taskflow.volumes import BENCH, DEMO, Volumes
from devtools.demo_taskflow.world import build_world

__all__ = ["BENCH", "DEMO", "Report", "TickAlreadyAppliedError", "Volumes", "build_world", "state_dir", "tick"]
