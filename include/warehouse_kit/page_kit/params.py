"""Parsing a page's query parameters before anything reaches SQL.

Each parser takes the raw value and the parameter's name; what it refuses is a `FilterError`,
whose message names the parameter (the page app answers it with 422). Values become bind
parameters; identifiers (a sort column, a direction) only ever come from an allow-list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

DIRECTIONS = ("asc", "desc")
MAX_NUMBER = 10_000_000


class FilterError(ValueError):
    """A query parameter the page does not accept; the message names it."""


@dataclass(frozen=True)
class DateRange:
    """[date_from, date_to], both included. A subclass may add picked sets (a tuple of values,
    None: all), which `params` passes as lists."""

    date_from: dt.date
    date_to: dt.date

    def params(self) -> dict:
        """The bind parameters: the dates, and each picked set as a list (None: no filter)."""
        picked = {f.name: listed(getattr(self, f.name)) for f in fields(self)[2:]}
        return {"date_from": self.date_from, "date_to": self.date_to, **picked}

    @property
    def label(self) -> str:
        return f"{self.date_from}_{self.date_to}"


@dataclass(frozen=True)
class Paging:
    """Rows offset + 1 .. offset + page_size of a table, ordered by `sort` `direction`."""

    sort: str
    direction: str
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def listed(values: Sequence[str] | None) -> list[str] | None:
    """A picked set as a bind parameter: None (no filter) when nothing is picked."""
    return list(values) if values else None


def parse_date(name: str, raw: str) -> dt.date:
    """`raw` as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a date as YYYY-MM-DD, got {raw!r}") from None


def snapshot(raw: str | None, as_of_dates: Sequence[dt.date], none_yet: str) -> dt.date:
    """The requested as_of_date, else the latest of `as_of_dates` (newest first); it must be one of
    them. No snapshot at all is a LookupError with the message `none_yet` (the app answers 404)."""
    if not as_of_dates:
        raise LookupError(none_yet)
    if raw in (None, ""):
        return as_of_dates[0]
    day = parse_date("as_of_date", raw)
    if day not in as_of_dates:
        raise FilterError(f"as_of_date {day} has no snapshot; latest is {as_of_dates[0]}")
    return day


def date_range(date_from: str | None, date_to: str | None, default_to: dt.date,
               default_from: Callable[[dt.date], dt.date]) -> tuple[dt.date, dt.date]:
    """(start, end): each the parsed parameter when given, else `default_to` and `default_from(end)`."""
    end = parse_date("date_to", date_to) if date_to else default_to
    start = parse_date("date_from", date_from) if date_from else default_from(end)
    if start > end:
        raise FilterError(f"date_from {start} is after date_to {end}")
    return start, end


def one_of(name: str, raw: str, allowed: Sequence[str]) -> str:
    if raw not in allowed:
        raise FilterError(f"{name} must be one of {', '.join(allowed)}; got {raw!r}")
    return raw


def positive(name: str, raw: str | int | None, default: int) -> int:
    """A whole number from 1 to 10,000,000; `default` when the parameter is absent or empty."""
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a whole number; got {raw!r}") from None
    if not 1 <= value <= MAX_NUMBER:
        raise FilterError(f"{name} must be between 1 and {MAX_NUMBER}; got {value}")
    return value


def sort_order(sort: str | None, direction: str | None, columns: Sequence[str],
               default: tuple[str, str]) -> tuple[str, str]:
    """(column, asc|desc): a column of `columns` and a direction, each `default`'s when absent."""
    sort = one_of("sort", sort or default[0], columns)
    direction = (direction or default[1]).lower()
    if direction not in DIRECTIONS:
        raise FilterError(f"direction must be asc or desc; got {direction!r}")
    return sort, direction


def page_size(raw: str | int | None, default: int, most: int) -> int:
    size = positive("page_size", raw, default)
    if size > most:
        raise FilterError(f"page_size must be at most {most}; got {size}")
    return size


def export_view(raw: str, views: Sequence[str]) -> str:
    if raw not in views:
        raise FilterError(f"no CSV export named {raw!r}; exports: {', '.join(views)}")
    return raw


def csv_view(name: str, views: Sequence[str]) -> str:
    """The view a download names, "<view>.csv", one of `views`."""
    if not name.endswith(".csv"):
        raise FilterError(f"exports end in .csv; got {name!r}")
    return export_view(name.removesuffix(".csv"), views)
