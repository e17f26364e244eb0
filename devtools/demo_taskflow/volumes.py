"""Volumes, product behaviour and pools of the TaskFlow demo world (the dirt is in dirt.py).

A tick reads its rates from this module at call time, so a test may patch them here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from include.taskflow.contracts import EVENT_TYPES, PRIORITIES, ROLES, STATUSES
from include.warehouse_kit.settings import settings

DAY = 86_400
HOUR = 3_600


@dataclass(frozen=True)
class Volumes:
    """The size of a world built by build_world: rows and days of history before the first night."""

    users: int
    projects: int
    tasks: int
    history_days: int


DEMO = Volumes(users=2_000, projects=100, tasks=50_000, history_days=120)
BENCH = Volumes(users=10_000, projects=500, tasks=1_000_000, history_days=120)  # ~4.1M events

# --------------------------------------------------------------------------- codes
CREATED, STATUS, ASSIGNED, DUE = range(len(EVENT_TYPES))  # task_created, status_changed, ...
TODO, IN_PROGRESS, BLOCKED, DONE, CANCELLED = range(len(STATUSES))  # in contract order
# occurred_at is written with one of these offsets (the same instant, another wall clock)
OFFSETS = ("Z", "+00:00", "+02:00", "-05:00", "+05:30")
OFFSET_SECONDS = np.array([0, 0, 2 * HOUR, -5 * HOUR, 5 * HOUR + 30 * 60], dtype=np.int64)
OFFSET_P = (0.40, 0.20, 0.15, 0.15, 0.10)

# --------------------------------------------------------------------------- users and projects
USER_PRE_HISTORY_SHARE = 0.70      # users created up to two years before the history
TEAMS = ("Platform", "Mobile", "Web", "Data", "Design", "Growth", "Support", "Security", "Billing", "QA")
TEAM_NULL_RATE = 0.05
ROLE_P = dict(zip(ROLES, (0.82, 0.13, 0.05), strict=True))
EMAIL_NULL_RATE = 0.02
USER_CHANGED_SHARE = 0.25          # history: users whose team or role changed (updated_at > created_at)
USER_INACTIVE_SHARE = 0.04         # history: deactivated users (is_active false)
PROJECT_PRE_HISTORY_SHARE = 0.85
CATEGORIES = ("Engineering", "Marketing", "Sales", "Operations", "Product", "Design", "Research", "Support")
CATEGORY_NULL_RATE = 0.10
OWNER_NULL_RATE = 0.05
PROJECT_ARCHIVED_SHARE = 0.06      # history: archived projects (their later tasks go elsewhere)

# --------------------------------------------------------------------------- tasks
PRIORITY_P = dict(zip(PRIORITIES, (0.30, 0.45, 0.20, 0.05), strict=True))
TASK_GROWTH = 1.15                 # created_at density grows over the history (1 = flat)
# a task's status path after todo, with its weight; the history keeps the steps before its end
STATUS_PATHS: tuple[tuple[tuple[int, ...], float], ...] = (
    ((), 0.08),
    ((IN_PROGRESS,), 0.10),
    ((IN_PROGRESS, DONE), 0.54),
    ((IN_PROGRESS, BLOCKED, IN_PROGRESS, DONE), 0.06),
    ((IN_PROGRESS, DONE, IN_PROGRESS, DONE), 0.06),  # reopened once
    ((CANCELLED,), 0.04),
    ((IN_PROGRESS, CANCELLED), 0.03),
    ((IN_PROGRESS, BLOCKED), 0.03),
    ((IN_PROGRESS, DONE, IN_PROGRESS), 0.02),        # reopened, still open
    ((DONE,), 0.04),
)
FIRST_STEP_MEAN_S = 1.5 * DAY      # exponential gaps between status changes (at least a minute)
NEXT_STEP_MEAN_S = 2.0 * DAY
ASSIGNED_RATE = 0.75               # an `assigned` event soon after creation
REASSIGNED_RATE = 0.08             # ... and a second one later, of the assigned tasks
UNASSIGNED_SHARE = 0.20            # of the second ones: assignee_id null
DUE_SET_RATE = 0.50                # a `due_date_changed` soon after creation: 1..14 days ahead
DUE_MOVED_RATE = 0.12              # ... then moved 1..10 days later, of those
DUE_CLEARED_SHARE = 0.15           # of the moves: due_date null
DELETED_RATE = 0.03                # history: soft-deleted some days after their last event
SYSTEM_ACTOR_RATE = 0.02           # events other than task_created with actor_id null

# --------------------------------------------------------------------------- a tick (per day)
NEW_TASK_WINDOW_DAYS = 28          # new tasks per day = tasks created in this window / its days
# existing open tasks: today's status change, by current status (one at most per day); with
# the new tasks' own first steps a tick makes about as many events as a day at the history's end
STATUS_HAZARDS: dict[int, dict[int, float]] = {
    TODO: {IN_PROGRESS: 0.06, DONE: 0.003, CANCELLED: 0.0015},
    IN_PROGRESS: {DONE: 0.07, BLOCKED: 0.01, CANCELLED: 0.0015},
    BLOCKED: {IN_PROGRESS: 0.08, CANCELLED: 0.006},
    DONE: {IN_PROGRESS: 0.005},    # reopened: done in the last REOPEN_WINDOW_DAYS
}
REOPEN_WINDOW_DAYS = 14
ASSIGN_HAZARD = 0.05               # open and unassigned: assigned today
REASSIGN_HAZARD = 0.005            # open and assigned: assigned to someone else today
UNASSIGN_HAZARD = 0.001            # open and assigned: assignee_id null today
DUE_SET_HAZARD = 0.015             # open without due date
DUE_MOVE_HAZARD = 0.008            # open with a due date: 1..14 days later
DUE_CLEAR_HAZARD = 0.001
SOFT_DELETE_HAZARD = 0.0005        # of the tasks read back (open or recently done)
ASSIGNEE_ACTS_RATE = 0.60          # a status change made by the task's assignee
NEW_USER_RATE = 0.001              # new users per day, share of the active users
TEAM_CHANGE_HAZARD = 0.002
ROLE_CHANGE_HAZARD = 0.001
DEACTIVATE_HAZARD = 0.0005
NEW_PROJECT_RATE = 0.002           # new projects per day, share of the projects
ARCHIVE_HAZARD = 0.002             # per active project
# per active project and day: an edit outside the contract's columns (a description, members)
# that only moves updated_at; it keeps the projects table as fresh as a real tracker's
PROJECT_EDIT_RATE = 0.05

# --------------------------------------------------------------------------- pools
FIRST_NAMES = ("Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas", "Kenji",
               "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma", "Viktor",
               "Wen", "Ximena", "Yusuf", "Zofia", "Aoife", "Björk", "Çelik", "Dóra", "Élodie", "Łucja")
LAST_NAMES = ("Okafor", "Lindqvist", "Moreau", "Nakamura", "Petrov", "Quispe", "Rahman", "Schulz", "Tanaka",
              "Uribe", "Varga", "Weiss", "Xu", "Yilmaz", "Zhou", "Abara", "Brennan", "Costa", "Dubois", "Eriksen",
              "Fischer", "García", "Haddad", "Ivanova", "Jensen", "Kowalczyk", "Løvik", "Müller", "Núñez")
PROJECT_ADJECTIVES = ("Apollo", "Blue", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris",
                      "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orion", "Pine")
PROJECT_NOUNS = ("Launch", "Migration", "Redesign", "Onboarding", "Rollout", "Audit", "Sprint", "Revamp",
                 "Integration", "Cleanup")
TASK_VERBS = ("Fix", "Write", "Review", "Design", "Refactor", "Test", "Document", "Deploy", "Plan", "Update",
              "Investigate", "Draft")
TASK_OBJECTS = ("login flow", "invoice export", "search index", "release notes", "API rate limits",
                "onboarding email", "dashboard", "payment retries", "access review", "mobile layout",
                "data retention policy", "error budget", "café menu sync", "crash report", "backlog")


def day_start(day: dt.date) -> int:
    """Epoch seconds of ``day`` 00:00 in the business time zone (ETL_BUSINESS_TZ, read now)."""
    return int(dt.datetime.combine(day, dt.time(0), settings().business_tz).timestamp())


def day_starts(first: dt.date, days: int) -> np.ndarray:
    """Epoch seconds of ``days + 1`` consecutive business midnights from ``first``."""
    return np.array([day_start(first + dt.timedelta(days=i)) for i in range(days + 1)], dtype=np.int64)


def epoch_day(day: dt.date) -> int:
    """A date as days since 1970-01-01 (how due dates are kept)."""
    return (day - dt.date(1970, 1, 1)).days


def business_days(seconds: np.ndarray) -> np.ndarray:
    """The business-time-zone date of each instant, as days since 1970-01-01."""
    local = pd.DatetimeIndex(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]"), tz="UTC")
    wall = local.tz_convert(settings().business_tz).tz_localize(None)
    return wall.to_numpy().astype("datetime64[D]").astype(np.int64)


def ts(seconds: np.ndarray) -> np.ndarray:
    """Epoch seconds -> datetime64[s] (UTC wall clock); -1 -> NaT."""
    seconds = np.asarray(seconds, dtype=np.int64)
    out = seconds.astype("datetime64[s]")
    out[seconds < 0] = np.datetime64("NaT")
    return out
