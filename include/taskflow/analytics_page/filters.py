"""Query parameters of the Task analytics page, validated before anything reaches SQL.

Every view is anchored on a night D, an `as_of_date` of marts.project_health (default: the
latest). The windows end on D: 7 days (D-6..D) against the 7 before, 30 days (D-29..D) and
90 days (D-89..D). The project health table takes a range of snapshot dates (default: D alone),
teams and categories. Values become bind parameters; the only identifiers (sort column,
direction) come from the allow-lists below. Anything else is a `FilterError` (422). The parsing
that every page shares (dates, snapshots, sorting, paging) is the kit's page_kit/params.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from include.warehouse_kit.page_kit import params as page_params
from include.warehouse_kit.page_kit.params import FilterError

VIEWS = ("kpis", "created_vs_completed", "completion_by_project", "top_users", "project_health")
SORT_COLUMNS = ("as_of_date", "project_id", "name", "category", "team", "open_tasks", "overdue_tasks",
                "completed_30d", "on_time_rate_30d")
DEFAULT_SORT = ("overdue_tasks", "desc")
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 25
TREND_DAYS = 90
COMPLETION_DAYS = 30
TOP_USERS = 10
MAX_HEALTH_DAYS = 31  # the widest snapshot range the health table takes (p95 <= 50 ms at 500 projects)


@dataclass(frozen=True)
class Choices:
    """What the filters may take, read from the warehouse."""

    as_of_dates: tuple[dt.date, ...]  # nights with a project_health snapshot, newest first
    teams: tuple[str, ...]
    categories: tuple[str, ...]
    first_metric_date: dt.date | None  # the earliest day of agg_daily_metrics


Window = page_params.DateRange  # [date_from, date_to] of a view, both included


@dataclass(frozen=True)
class HealthFilter(page_params.DateRange):  # params(): the dates, teams and categories
    teams: tuple[str, ...] | None  # None: all
    categories: tuple[str, ...] | None


HealthPage = page_params.Paging


def night(raw: str | None, choices: Choices) -> dt.date:
    """The requested as_of_date, or the latest night. It must be a night with a snapshot."""
    return page_params.snapshot(raw, choices.as_of_dates, "no project_health snapshot yet: run taskflow_nightly first")


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
    start, end = page_params.date_range(date_from, date_to, day, lambda end: min(day, end))
    if (end - start).days >= MAX_HEALTH_DAYS:
        raise FilterError(f"date_from to date_to spans {(end - start).days + 1} days; at most {MAX_HEALTH_DAYS}")
    return HealthFilter(start, end, _picked("team", teams, choices.teams),
                        _picked("category", categories, choices.categories))


def health_page(sort: str | None, direction: str | None, page: str | int | None,
                page_size: str | int | None) -> HealthPage:
    sort, direction = page_params.sort_order(sort, direction, SORT_COLUMNS, DEFAULT_SORT)
    size = page_params.page_size(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    return HealthPage(sort, direction, page_params.positive("page", page, 1), size)


def view(raw: str) -> str:
    return page_params.export_view(raw, VIEWS)
