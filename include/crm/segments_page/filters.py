"""Query parameters of the segments page, validated before anything reaches SQL.

Values become bind parameters; the only identifiers (sort column, direction) come from the
allow-lists below. Anything else is a `FilterError`, which the app answers with 422. The parsing
that every page shares (dates, snapshots, sorting, paging) is the kit's page_kit/params.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from include.crm.contracts import SEGMENTS
from include.warehouse_kit.page_kit import params as page_params
from include.warehouse_kit.page_kit.params import FilterError

VIEWS = ("customer_segments", "segment_summary", "segment_movement", "daily_sales", "segment_contacts")
SORT_COLUMNS = ("customer_id", "segment", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score")
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
DEFAULT_TREND_DAYS = 90
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Choices:
    """What the filters may take, read from the warehouse."""

    as_of_dates: tuple[dt.date, ...]  # newest first
    countries: tuple[str, ...]
    channels: tuple[str, ...]
    first_sale_date: dt.date | None
    last_sale_date: dt.date | None


@dataclass(frozen=True)
class SalesFilter(page_params.DateRange):  # params(): the dates, countries and channels
    countries: tuple[str, ...] | None  # None: all
    channels: tuple[str, ...] | None


CustomerPage = page_params.Paging


def snapshot_date(raw: str | None, choices: Choices) -> dt.date:
    """The requested as_of_date, or the latest snapshot. It must be a snapshot that exists."""
    return page_params.snapshot(raw, choices.as_of_dates, "no segment snapshot yet: run crm_nightly first")


def segment(raw: str | None) -> str | None:
    if raw in (None, "", "all"):
        return None
    return page_params.one_of("segment", raw, SEGMENTS)


def sales_filter(date_from: str | None, date_to: str | None, countries: list[str], channels: list[str],
                 choices: Choices, as_of_date: dt.date | None) -> SalesFilter:
    """Date range (default: the 90 days up to the snapshot date), countries and channels."""
    default_to = as_of_date or choices.last_sale_date or dt.date.today()
    start, end = page_params.date_range(date_from, date_to, default_to,
                                        lambda end: end - dt.timedelta(days=DEFAULT_TREND_DAYS - 1))
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
    sort, direction = page_params.sort_order(sort, direction, SORT_COLUMNS, ("monetary", "desc"))
    number = page_params.positive("page", page, 1)
    return CustomerPage(sort, direction, number, page_params.page_size(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE))


def view(raw: str) -> str:
    return page_params.export_view(raw, VIEWS)
