"""Query parameters of the segments page, validated before anything reaches SQL.

Values become bind parameters; the only identifiers (sort column, direction) come from the
allow-lists below. Anything else is a `FilterError`, which the app answers with 422.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from include.crm.contracts import SEGMENTS

VIEWS = ("customer_segments", "segment_summary", "segment_movement", "daily_sales", "segment_contacts")
SORT_COLUMNS = ("customer_id", "segment", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score")
DIRECTIONS = ("asc", "desc")
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
DEFAULT_TREND_DAYS = 90
_COUNTRY = re.compile(r"[A-Z]{2}")


class FilterError(ValueError):
    """A query parameter the page does not accept; the message names it."""


@dataclass(frozen=True)
class Choices:
    """What the filters may take, read from the warehouse."""

    as_of_dates: tuple[dt.date, ...]  # newest first
    countries: tuple[str, ...]
    channels: tuple[str, ...]
    first_sale_date: dt.date | None
    last_sale_date: dt.date | None


@dataclass(frozen=True)
class SalesFilter:
    date_from: dt.date
    date_to: dt.date
    countries: tuple[str, ...] | None  # None: all
    channels: tuple[str, ...] | None

    def params(self) -> dict:
        return {"date_from": self.date_from, "date_to": self.date_to,
                "countries": list(self.countries) if self.countries else None,
                "channels": list(self.channels) if self.channels else None}


@dataclass(frozen=True)
class CustomerPage:
    sort: str
    direction: str
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _date(name: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a date as YYYY-MM-DD, got {raw!r}") from None


def snapshot_date(raw: str | None, choices: Choices) -> dt.date:
    """The requested as_of_date, or the latest snapshot. It must be a snapshot that exists."""
    if not choices.as_of_dates:
        raise LookupError("no segment snapshot yet: run crm_nightly first")
    if raw in (None, ""):
        return choices.as_of_dates[0]
    day = _date("as_of_date", raw)
    if day not in choices.as_of_dates:
        raise FilterError(f"as_of_date {day} has no snapshot; latest is {choices.as_of_dates[0]}")
    return day


def segment(raw: str | None) -> str | None:
    if raw in (None, "", "all"):
        return None
    if raw not in SEGMENTS:
        raise FilterError(f"segment must be one of {', '.join(SEGMENTS)}; got {raw!r}")
    return raw


def sales_filter(date_from: str | None, date_to: str | None, countries: list[str], channels: list[str],
                 choices: Choices, as_of_date: dt.date | None) -> SalesFilter:
    """Date range (default: the 90 days up to the snapshot date), countries and channels."""
    end = _date("date_to", date_to) if date_to else (as_of_date or choices.last_sale_date or dt.date.today())
    start = _date("date_from", date_from) if date_from else end - dt.timedelta(days=DEFAULT_TREND_DAYS - 1)
    if start > end:
        raise FilterError(f"date_from {start} is after date_to {end}")
    picked_countries = []
    for raw in countries:
        for code in filter(None, raw.split(",")):
            code = code.strip().upper()
            if not _COUNTRY.fullmatch(code) or code not in choices.countries:
                raise FilterError(f"country {code!r} is not one of the countries in daily_sales")
            picked_countries.append(code)
    picked_channels = []
    for raw in channels:
        for name in filter(None, raw.split(",")):
            if name not in choices.channels:
                raise FilterError(f"channel {name!r} is not one of {', '.join(choices.channels)}")
            picked_channels.append(name)
    return SalesFilter(start, end, tuple(dict.fromkeys(picked_countries)) or None,
                       tuple(dict.fromkeys(picked_channels)) or None)


def trend_days(sales: SalesFilter, choices: Choices) -> tuple[dt.date, dt.date]:
    """The days the trend chart draws, each one a point (0 on a day without sales): the filter's
    range within the span daily_sales covers, from the first sale through the latest night
    (every day up to it is restated). An empty span when the range misses it."""
    first = max(sales.date_from, choices.first_sale_date or sales.date_from)
    covered = max(filter(None, (choices.last_sale_date, *choices.as_of_dates[:1])), default=sales.date_to)
    return first, min(sales.date_to, covered)


def customer_page(sort: str | None, direction: str | None, page: str | int | None,
                  page_size: str | int | None) -> CustomerPage:
    sort = sort or "monetary"
    direction = (direction or "desc").lower()
    if sort not in SORT_COLUMNS:
        raise FilterError(f"sort must be one of {', '.join(SORT_COLUMNS)}; got {sort!r}")
    if direction not in DIRECTIONS:
        raise FilterError(f"direction must be asc or desc; got {direction!r}")
    number = _positive("page", page, 1)
    size = _positive("page_size", page_size, DEFAULT_PAGE_SIZE)
    if size > MAX_PAGE_SIZE:
        raise FilterError(f"page_size must be at most {MAX_PAGE_SIZE}; got {size}")
    return CustomerPage(sort, direction, number, size)


def _positive(name: str, raw: str | int | None, default: int) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise FilterError(f"{name} must be a whole number; got {raw!r}") from None
    if value < 1 or value > 10_000_000:
        raise FilterError(f"{name} must be between 1 and 10000000; got {value}")
    return value


def view(raw: str) -> str:
    if raw not in VIEWS:
        raise FilterError(f"no CSV export named {raw!r}; exports: {', '.join(VIEWS)}")
    return raw
