"""How users, projects and tasks come to be, vectorised with numpy: the rows of the history
and the events of a task's life (``task_lives``, shared by build_world and by a tick's new tasks).

Times are epoch seconds (int64); -1 stands for NULL in id, time and due-date columns.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from devtools.demo_taskflow import volumes as v
from devtools.demo_taskflow.events import Events
from devtools.demo_taskflow.volumes import ASSIGNED, CREATED, DAY, DONE, DUE, HOUR, IN_PROGRESS, STATUS, TODO

# picks a user for each instant: ids of users that exist then
UserPicker = Callable[[np.random.Generator, np.ndarray], np.ndarray]

_PATHS = np.full((len(v.STATUS_PATHS), max(len(p) for p, _ in v.STATUS_PATHS)), -1, dtype=np.int8)
for _i, (_path, _) in enumerate(v.STATUS_PATHS):
    _PATHS[_i, :len(_path)] = _path
_PATH_P = np.array([w for _, w in v.STATUS_PATHS]) / sum(w for _, w in v.STATUS_PATHS)
QUICK_PATH = [p for p, _ in v.STATUS_PATHS].index((IN_PROGRESS, DONE))


def pick(rng: np.random.Generator, values, n: int, p=None) -> np.ndarray:
    values = list(values)
    probs = None if p is None else np.asarray(p, dtype=float) / np.sum(p)
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=probs)]


def some(rng: np.random.Generator, mask: np.ndarray, eligible: np.ndarray | None = None) -> np.ndarray:
    """``mask`` with at least one eligible row set (when two or more are eligible): a small world
    still has each rare case."""
    eligible = np.ones(len(mask), dtype=bool) if eligible is None else eligible
    mask = mask & eligible
    if eligible.sum() >= 2 and not mask.any():
        mask[rng.choice(np.flatnonzero(eligible))] = True
    return mask


def with_nulls(rng: np.random.Generator, values: np.ndarray, rate: float, history: bool = False) -> np.ndarray:
    out = values.astype(object)
    null = rng.random(len(values)) < rate
    out[some(rng, null) if history else null] = None
    return out


def joined(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and literals (through pyarrow)."""
    cols = [p if isinstance(p, str) else pa.array(np.asarray(p, dtype=object), type=pa.string()) for p in parts]
    return np.asarray(pc.binary_join_element_wise(*cols, "").to_numpy(zero_copy_only=False), dtype=object)


def users_existing_at(created: np.ndarray, ids: np.ndarray) -> UserPicker:
    """Uniform among the users created at or before each instant (``created`` sorted)."""
    def picker(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
        known = np.maximum(np.searchsorted(created, t, side="right"), 1)
        return ids[(rng.random(len(t)) * known).astype(np.int64)]
    return picker


def uniform_users(ids: np.ndarray) -> UserPicker:
    return lambda rng, t: rng.choice(ids, size=len(t))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name.replace("Ł", "L").replace("ł", "l").replace("ø", "o"))
    return "".join(c for c in ascii_name.encode("ascii", "ignore").decode().lower() if c.isalpha())


def people(rng: np.random.Generator, ids: np.ndarray, history: bool = False) -> dict[str, np.ndarray]:
    """Names, e-mails (unique by id), teams and roles of new users (``history``: each NULL at least once)."""
    n = len(ids)
    first = np.array(v.FIRST_NAMES, dtype=object)[rng.integers(0, len(v.FIRST_NAMES), n)]
    last = np.array(v.LAST_NAMES, dtype=object)[rng.integers(0, len(v.LAST_NAMES), n)]
    email = np.array([f"{_slug(a)}.{_slug(b)}{i}@taskflow.example" for a, b, i in zip(first, last, ids, strict=True)],
                     dtype=object)
    return {"user_id": ids.astype(np.int64), "email": with_nulls(rng, email, v.EMAIL_NULL_RATE, history),
            "full_name": joined(first, " ", last),
            "team": with_nulls(rng, pick(rng, v.TEAMS, n), v.TEAM_NULL_RATE, history),
            "role": pick(rng, v.ROLE_P, n, list(v.ROLE_P.values()))}


def make_users(rng: np.random.Generator, n: int, start: int, end: int) -> dict[str, np.ndarray]:
    """Users 1..n in created_at order; the first exists before the history starts."""
    pre = rng.random(n) < v.USER_PRE_HISTORY_SHARE
    pre[0] = True
    created = np.where(pre, start - 1 - (rng.random(n) * 730 * DAY).astype(np.int64),
                       start + (rng.random(n) * (end - start - DAY)).astype(np.int64))
    created.sort()
    users = people(rng, np.arange(1, n + 1), history=True)
    inactive = some(rng, rng.random(n) < v.USER_INACTIVE_SHARE, np.arange(n) > 0)
    changed = inactive | (rng.random(n) < v.USER_CHANGED_SHARE)
    updated = np.where(changed, created + (rng.random(n) * (end - created)).astype(np.int64), created)
    return {**users, "is_active": ~inactive, "created_at": created, "updated_at": updated}


def make_projects(rng: np.random.Generator, n: int, start: int, end: int, user_created: np.ndarray,
                  user_ids: np.ndarray) -> dict[str, np.ndarray]:
    """Projects 1..n in created_at order; project 1 exists before the history and is never archived."""
    pre = rng.random(n) < v.PROJECT_PRE_HISTORY_SHARE
    pre[0] = True
    created = np.where(pre, start - 1 - (rng.random(n) * 365 * DAY).astype(np.int64),
                       start + (rng.random(n) * (end - start - 2 * DAY)).astype(np.int64))
    created.sort()
    owner = users_existing_at(user_created, user_ids)(rng, created)
    owner[rng.random(n) < v.OWNER_NULL_RATE] = -1
    archived = np.full(n, -1, dtype=np.int64)
    arch = some(rng, rng.random(n) < v.PROJECT_ARCHIVED_SHARE, (np.arange(n) > 0) & (created < start))
    lo = start + (end - start) // 3
    archived[arch] = lo + (rng.random(int(arch.sum())) * (end - HOUR - lo)).astype(np.int64)
    names = joined(pick(rng, v.PROJECT_ADJECTIVES, n), " ", pick(rng, v.PROJECT_NOUNS, n))
    return {"project_id": np.arange(1, n + 1, dtype=np.int64), "name": names,
            "category": with_nulls(rng, pick(rng, v.CATEGORIES, n), v.CATEGORY_NULL_RATE, history=True),
            "owner_user_id": owner, "created_at": created, "updated_at": np.maximum(created, archived),
            "archived_at": archived}


def choose_projects(rng: np.random.Generator, created: np.ndarray, projects: dict[str, np.ndarray]) -> np.ndarray:
    """A project for each new task, by skewed popularity; a project not open at the task's creation
    is replaced by one open for all of them (project 1 is such a project in the history)."""
    n_proj = len(projects["project_id"])
    if len(created) == 0:
        return np.zeros(0, dtype=np.int64)
    weight = 1.0 / (rng.permutation(n_proj) + 3.0) ** 0.8
    idx = rng.choice(n_proj, size=len(created), p=weight / weight.sum())
    born, arch = projects["created_at"], projects["archived_at"]
    closed = (arch >= 0) & (arch <= created.max())
    base = np.flatnonzero((born <= created.min()) & ~closed)
    bad = (born[idx] > created) | ((arch[idx] >= 0) & (arch[idx] <= created))
    idx[bad] = rng.choice(base if len(base) else np.flatnonzero(~closed), size=int(bad.sum()))
    return projects["project_id"][idx]


def titles(rng: np.random.Generator, n: int) -> np.ndarray:
    return joined(pick(rng, v.TASK_VERBS, n), " ", pick(rng, v.TASK_OBJECTS, n))


def _exp(rng: np.random.Generator, mean: float, shape) -> np.ndarray:
    """Positive gaps of at least a minute."""
    return 60 + rng.exponential(mean, shape).astype(np.int64)


def _last_kept(times: list[np.ndarray], values: list[np.ndarray], end: int) -> tuple[np.ndarray, np.ndarray]:
    """(value, time) of the latest of successive events that happened before ``end`` (-1: none);
    a time of -1 means the event does not exist."""
    value, at = np.full(len(times[0]), -1, dtype=np.int64), np.full(len(times[0]), -1, dtype=np.int64)
    for t, x in zip(times, values, strict=True):
        ok = (t >= 0) & (t < end)
        value, at = np.where(ok, x, value), np.where(ok, t, at)
    return value, at


def task_lives(rng: np.random.Generator, ids: np.ndarray, created: np.ndarray, end: int, users: UserPicker,
               quick: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], Events]:
    """The events of new tasks up to ``end`` and each task's row as of then.

    A task starts as todo with no assignee and no due date; it follows one of STATUS_PATHS and
    may get assigned and a due date, each change an event. ``quick`` tasks go todo -> in_progress
    -> done within about two hours. The task_created events come first, in ``ids`` order."""
    n = len(ids)
    quick = np.zeros(n, dtype=bool) if quick is None else quick
    path = rng.choice(len(_PATH_P), size=n, p=_PATH_P)
    path[quick] = QUICK_PATH
    steps = _PATHS[path]
    gaps = _exp(rng, v.NEXT_STEP_MEAN_S, steps.shape)
    gaps[:, 0] = _exp(rng, v.FIRST_STEP_MEAN_S, n)
    gaps[quick] = 60 + rng.integers(0, HOUR, (int(quick.sum()), steps.shape[1]))
    step_t = created[:, None] + np.cumsum(gaps, axis=1)
    kept = (steps >= 0) & (step_t < end)
    before = np.concatenate([np.full((n, 1), TODO, dtype=np.int8), steps[:, :-1]], axis=1)
    n_steps = kept.sum(axis=1)
    last = np.maximum(n_steps - 1, 0)
    status = np.where(n_steps > 0, steps[np.arange(n), last], TODO)
    completed = np.where(status == DONE, step_t[np.arange(n), last], -1)

    a1 = np.where(rng.random(n) < v.ASSIGNED_RATE, created + _exp(rng, 3 * HOUR, n), -1)
    a2 = np.where((a1 >= 0) & (rng.random(n) < v.REASSIGNED_RATE), a1 + _exp(rng, 3 * DAY, n), -1)
    who1 = users(rng, np.maximum(a1, created))
    who2 = np.where(rng.random(n) < v.UNASSIGNED_SHARE, -1, users(rng, np.maximum(a2, created)))
    d1 = np.where(rng.random(n) < v.DUE_SET_RATE, created + _exp(rng, 2 * HOUR, n), -1)
    d2 = np.where((d1 >= 0) & (rng.random(n) < v.DUE_MOVED_RATE), d1 + _exp(rng, 3 * DAY, n), -1)
    due1 = v.business_days(created) + rng.integers(1, 15, n)
    due2 = np.where(rng.random(n) < v.DUE_CLEARED_SHARE, -1, due1 + rng.integers(1, 11, n))
    assignee, assigned_at = _last_kept([a1, a2], [who1, who2], end)
    due, due_at = _last_kept([d1, d2], [due1, due2], end)

    r, k = np.nonzero(kept)
    parts = [Events.build(created, CREATED, ids, users(rng, created)),
             Events.build(step_t[r, k], STATUS, ids[r], -1, frm=before[r, k], to=steps[r, k])]
    for t, kind, value in ((a1, ASSIGNED, who1), (a2, ASSIGNED, who2), (d1, DUE, due1), (d2, DUE, due2)):
        m = (t >= 0) & (t < end)
        parts.append(Events.build(t[m], kind, ids[m], -1, value=value[m]))
    ev = Events.concat(parts)
    later = np.arange(len(ev)) >= n
    ev.actor[later] = np.where(rng.random(int(later.sum())) < v.SYSTEM_ACTOR_RATE, -1, users(rng, ev.t[later]))
    ev.off[:] = rng.choice(len(v.OFFSETS), size=len(ev), p=v.OFFSET_P)
    updated = np.maximum.reduce([created, np.where(kept, step_t, -1).max(axis=1), assigned_at, due_at])
    rows = {"task_id": ids.astype(np.int64), "status": status, "assignee_id": assignee, "due_date": due,
            "created_at": created, "updated_at": updated, "completed_at": completed,
            "deleted_at": np.full(n, -1, dtype=np.int64)}
    return rows, ev
