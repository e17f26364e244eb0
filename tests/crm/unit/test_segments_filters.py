"""The segments page's parameter rules and CSV encoding, on tiny inputs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from include.crm.segments_page import filters
from include.warehouse_kit.page_kit import csv_export

CHOICES = filters.Choices(as_of_dates=(dt.date(2026, 10, 5), dt.date(2026, 10, 4)), countries=("DE", "FR"),
                          channels=("mobile", "web"), first_sale_date=dt.date(2025, 1, 1),
                          last_sale_date=dt.date(2026, 10, 5))


def test_snapshot_defaults_to_the_latest_and_must_exist():
    assert filters.snapshot_date(None, CHOICES) == dt.date(2026, 10, 5)
    assert filters.snapshot_date("2026-10-04", CHOICES) == dt.date(2026, 10, 4)
    with pytest.raises(filters.FilterError, match="has no snapshot"):
        filters.snapshot_date("2026-10-03", CHOICES)
    with pytest.raises(filters.FilterError, match="YYYY-MM-DD"):
        filters.snapshot_date("2026-10-05'; --", CHOICES)
    with pytest.raises(LookupError, match="run crm_nightly"):
        filters.snapshot_date(None, filters.Choices((), (), (), None, None))


def test_segment_is_one_of_the_contract_segments_or_all():
    assert filters.segment("loyal") == "loyal"
    assert filters.segment("") is None and filters.segment("all") is None
    with pytest.raises(filters.FilterError, match="segment must be one of"):
        filters.segment("loyal' OR '1'='1")


def test_sales_filter_defaults_to_90_days_up_to_the_snapshot():
    f = filters.sales_filter(None, None, [], [], CHOICES, dt.date(2026, 10, 4))
    assert (f.date_from, f.date_to, f.countries, f.channels) == (dt.date(2026, 7, 7), dt.date(2026, 10, 4), None, None)
    assert f.params() == {"date_from": dt.date(2026, 7, 7), "date_to": dt.date(2026, 10, 4),
                          "countries": None, "channels": None}


def test_sales_filter_takes_repeated_or_comma_separated_values_once():
    f = filters.sales_filter("2026-01-01", "2026-01-31", ["de", "FR,DE"], ["web"], CHOICES, None)
    assert f.countries == ("DE", "FR") and f.channels == ("web",)


@pytest.mark.parametrize(("countries", "channels", "message"), [
    (["XX"], [], "country 'XX'"), (["D E"], [], "country"), (["DE' --"], [], "country"),
    ([], ["web; DROP TABLE x"], "channel"), ([], ["WEB"], "channel"),
])
def test_sales_filter_refuses_values_the_warehouse_does_not_hold(countries, channels, message):
    with pytest.raises(filters.FilterError, match=message):
        filters.sales_filter(None, None, countries, channels, CHOICES, None)


def test_sales_filter_refuses_a_reversed_range():
    with pytest.raises(filters.FilterError, match="after date_to"):
        filters.sales_filter("2026-02-01", "2026-01-01", [], [], CHOICES, None)


def test_the_trend_draws_every_day_from_the_first_sale_through_the_latest_night():
    in_range = filters.sales_filter("2026-09-01", "2026-09-30", [], [], CHOICES, None)
    assert filters.trend_days(in_range, CHOICES) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    wide = filters.sales_filter("2024-06-01", "2026-12-31", [], [], CHOICES, None)
    assert filters.trend_days(wide, CHOICES) == (dt.date(2025, 1, 1), dt.date(2026, 10, 5))
    quiet_night = filters.Choices(CHOICES.as_of_dates, (), (), dt.date(2025, 1, 1), dt.date(2026, 10, 2))
    assert filters.trend_days(wide, quiet_night) == (dt.date(2025, 1, 1), dt.date(2026, 10, 5))  # no sale on 10-03..05
    before = filters.sales_filter("2024-01-01", "2024-01-31", [], [], CHOICES, None)
    first, last = filters.trend_days(before, CHOICES)
    assert first > last  # a range before the first sale draws nothing


def test_customer_page_allows_listed_sort_columns_and_directions_only():
    page = filters.customer_page("recency_days", "ASC", "3", "20")
    assert (page.sort, page.direction, page.page, page.page_size, page.offset) == ("recency_days", "asc", 3, 20, 40)
    assert filters.customer_page(None, None, None, None) == filters.CustomerPage("monetary", "desc", 1, 50)
    for bad in ({"sort": "monetary; DROP TABLE x"}, {"sort": "email"}, {"direction": "sideways"},
                {"page": "0"}, {"page": "1.5"}, {"page_size": "501"}, {"page_size": "-1"}):
        args = {"sort": None, "direction": None, "page": None, "page_size": None, **bad}
        with pytest.raises(filters.FilterError):
            filters.customer_page(**args)


def test_only_the_five_views_export():
    assert filters.view("daily_sales") == "daily_sales"
    with pytest.raises(filters.FilterError, match="no CSV export"):
        filters.view("dim_customer")


def _decode(chunks) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(chunks)
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_a_header_crlf_records_and_rfc4180_quoting():
    rows = [(1, "Anne, Marie", 'O"Neil', "two\nlines", None, Decimal("12.50"), dt.date(2026, 10, 5), True)]
    raw, parsed = _decode(csv_export.encode(["id", "a", "b", "c", "d", "e", "f", "g"], [rows]))
    assert raw.startswith(b"\xef\xbb\xbfid,a,b,c,d,e,f,g\r\n")
    assert raw.endswith(b'1,"Anne, Marie","O""Neil","two\nlines",,12.50,2026-10-05,true\r\n')
    assert parsed[1] == ["1", "Anne, Marie", 'O"Neil', "two\nlines", "", "12.50", "2026-10-05", "true"]


def test_csv_keeps_unicode_and_neutralises_formulas_but_not_numbers():
    rows = [("Zoë", "Café 😀", "שלום", "=1+1", "+49 30", "-x", "@SUM(A1)", -5, Decimal("-1.25"), "a=b")]
    _, parsed = _decode(csv_export.encode([f"c{i}" for i in range(10)], [rows]))
    assert parsed[1] == ["Zoë", "Café 😀", "שלום", "'=1+1", "'+49 30", "'-x", "'@SUM(A1)", "-5", "-1.25", "a=b"]


def test_csv_streams_in_bounded_chunks():
    batches = ([(n, "x" * 100)] * 1000 for n in range(50))
    chunks = list(csv_export.encode(["n", "text"], batches, chunk_bytes=64 * 1024))
    assert len(chunks) > 50
    assert max(map(len, chunks)) < 64 * 1024 + 1000 * 110
    assert sum(c.count(b"\r\n") for c in chunks) == 50_001


def test_empty_export_is_just_the_header():
    raw, parsed = _decode(csv_export.encode(["a", "b"], []))
    assert raw == b"\xef\xbb\xbfa,b\r\n" and parsed == [["a", "b"]]
