"""Query parameters of the Task analytics page, validated before anything reaches SQL.

Every view is anchored on a night D, an `as_of_date` of marts.project_health (default: the
latest). The windows end on D: 7 days (D-6..D) against the 7 before, 30 days (D-29..D) and
90 days (D-89..D). The project health table takes a range of snapshot dates (default: D alone),
teams and categories. Values become bind parameters; the only identifiers (sort column,
direction) come from the allow-lists below. Anything else is a `FilterError` (422).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

VIEWS = ("kpis", "created_vs_completed", "completion_by_project", "top_users", "project_health")
SORT_COLUMNS = ("as_of_date", "project_id", "name", "category", "team", "open_tasks", "overdue_tasks",
                "completed_30d", "on_time_rate_30d")
DIRECTIONS = ("asc", "desc")
DEFAULT_SORT = ("overdue_tasks", "desc")
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25
TREND_DAYS = 90
COMPLETION_DAYS = 30
TOP_USERS = 10
MAX_HEALTH_DAYS = 31  # the widest snapshot range the health table takes (p95 <= 50 ms at 500 projects)


class FilterError(ValueError):
    """A query parameter the page does not accept; the message names it."""


@dataclass(frozen=True)
class Choices:
    """What the filters may take, read from the warehouse."""

    as_of_dates: tuple[dt.date, ...]  # nights with a project_health snapshot, newest first
    teams: tuple[str, ...]
    categories: tuple[str, ...]
    first_metric_date: dt.date | None  # the earliest day of agg_daily_metrics


@dataclass(frozen=True)
class Window:
    """[date_from, date_to] of a view, both included."""

    date_from: dt.date
    date_to: dt.date

    def params(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to}

    @property
    def label(self) -> str:
        return f"{self.date_from}_{self.date_to}"


@dataclass(frozen=True)
class HealthFilter:
    date_from: dt.date
    date_to: dt.date
    teams: tuple[str, ...] | None  # None: all
    categories: tuple[str, ...] | None

    def params(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to,
                "teams": list(self.teams) if self.teams else None,
                "categories": list(self.categories) if self.categories else None}


@dataclass(frozen=True)
class HealthPage:
    """Rows offset + 1 .. offset + page_size of the table, ordered by `sort` `direction`."""

    sort: str
    direction: str
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return self.page_size * (self.page - 1)


def night(raw: str | None, choices: Choices) -> dt.date:
    """The requested as_of_date, or the latest night. It must be a night with a snapshot."""
    if not choices.as_of_dates:
        raise LookupError("no project_health snapshot yet: run taskflow_nightly first")
    if raw in (None, ""):
        return choices.as_of_dates[0]
    day = _date("as_of_date", raw)
    if day not in choices.as_of_dates:
        raise FilterError(f"as_of_date {day} has no snapshot; latest is {choices.as_of_dates[0]}")
    return day


def _date(name: str, raw: str) -> dt.date:
    """`raw` as YYYY-MM-DD; anything else is refused, naming the parameter."""
    try:
        day = dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        day = None
    if day is None:
        raise FilterError(f"{name} must be a date as YYYY-MM-DD, got {raw!r}")
    return day


def trailing(day: dt.date, days: int) -> Window:
    """The `days` days that end on `day`."""
    return Window(day - dt.timedelta(days=days - 1), day)


def trend(day: dt.date, choices: Choices) -> Window:
    """The 90 days up to `day`, from the mart's first day when it is younger: every day of the
    window is drawn (0 without events), none before the data begins."""
    window = trailing(day, TREND_DAYS)
    first = choices.first_metric_date
    if first and window.date_from < first <= day:
        return Window(first, day)
    return window


def _picked(name: str, raws: list[str], allowed: tuple[str, ...]) -> tuple[str, ...] | None:
    """Repeated values (never split at commas: a team name may hold one), each one the warehouse has."""
    picked = []
    for raw in raws:
        if raw in (None, ""):
            continue
        if raw not in allowed:
            raise FilterError(f"{name} {raw!r} is not one of the {name} values of the projects")
        picked.append(raw)
    return tuple(dict.fromkeys(picked)) or None


def health_filter(date_from: str | None, date_to: str | None, teams: list[str], categories: list[str],
                  choices: Choices, day: dt.date) -> HealthFilter:
    """Snapshot dates in [date_from, date_to] (default: the night alone), projects of these
    teams (the owner's current team) and categories (default: all)."""
    end = _date("date_to", date_to) if date_to else day
    start = _date("date_from", date_from) if date_from else min(day, end)
    if start > end:
        raise FilterError(f"date_from {start} is after date_to {end}")
    if (end - start).days >= MAX_HEALTH_DAYS:
        raise FilterError(f"date_from to date_to spans {(end - start).days + 1} days; at most {MAX_HEALTH_DAYS}")
    return HealthFilter(start, end, _picked("team", teams, choices.teams),
                        _picked("category", categories, choices.categories))


def health_page(sort: str | None, direction: str | None, page: str | int | None,
                page_size: str | int | None) -> HealthPage:
    sort = sort or DEFAULT_SORT[0]
    direction = (direction or DEFAULT_SORT[1]).lower()
    if sort not in SORT_COLUMNS:
        raise FilterError(f"sort must be one of {', '.join(SORT_COLUMNS)}; got {sort!r}")
    if direction not in DIRECTIONS:
        raise FilterError(f"direction must be asc or desc; got {direction!r}")
    size = _positive("page_size", page_size, DEFAULT_PAGE_SIZE)
    if size > MAX_PAGE_SIZE:
        raise FilterError(f"page_size must be at most {MAX_PAGE_SIZE}; got {size}")
    return HealthPage(sort, direction, _positive("page", page, 1), size)


def _positive(name: str, raw: str | int | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a whole number; got {raw!r}") from None
    if not 1 <= value <= 10_000_000:
        raise FilterError(f"{name} must be between 1 and 10000000; got {value}")
    return value


def view(raw: str) -> str:
    if raw not in VIEWS:
        raise FilterError(f"no CSV export named {raw!r}; exports: {', '.join(VIEWS)}")
    return raw
