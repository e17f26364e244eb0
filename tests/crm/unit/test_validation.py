"""Row rules (`find_rejects`), batch quality gates and the run context, given -> expect."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from include.crm.contracts import CUSTOMERS, ORDER_ITEMS, ORDERS, PRODUCTS
from include.warehouse_kit.run_context import MAX_LOOKBACK_HOURS, RunContext
from include.warehouse_kit.tables import SourceTable
from include.warehouse_kit.validation import Tally, find_rejects, quality_gates, tally

TS = "datetime64[us, UTC]"
INTERVAL_END = dt.datetime(2026, 10, 6, tzinfo=dt.UTC)
INDEX = [10, 11, 12]


def ts(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text, tz="UTC")


def batch(columns: dict[str, tuple[str, list]], index=INDEX) -> pd.DataFrame:
    """columns: name -> (dtype, values). Typed the way pg_io.read_frame types a staged batch."""
    data = {}
    for name, (dtype, values) in columns.items():
        if dtype == TS:
            data[name] = pd.Series([ts(v) for v in values], dtype=TS, index=index)
        else:
            data[name] = pd.Series(values, dtype=dtype, index=index)
    return pd.DataFrame(data, index=index)


def three(value) -> list:
    return [value] * 3


def customers(**overrides: list) -> pd.DataFrame:
    columns = {
        "customer_id": ("Int64", [1, 2, 3]),
        "email": ("str", ["anna@example.com", "bob@example.org", None]),
        "first_name": ("str", ["Anna", "Bob", "Zoë"]),
        "last_name": ("str", ["Berg", "Ray", "😀 Sam"]),
        "country": ("str", ["de", None, "Atlantis"]),
        "city": ("str", ["Berlin", None, "  "]),
        "marketing_opt_in": ("boolean", [True, False, True]),
        "created_at": (TS, three("2026-01-01T00:00Z")),
        "updated_at": (TS, ["2026-10-05T01:00Z", "2026-10-05T02:00Z", "2026-10-05T03:00Z"]),
        "deleted_at": (TS, [None, "2026-10-05T02:00Z", None]),
    }
    return batch({n: (t, overrides.get(n, v)) for n, (t, v) in columns.items()})


def products(**overrides: list) -> pd.DataFrame:
    columns = {
        "product_id": ("Int64", [1, 2, 3]),
        "sku": ("str", ["SKU-1", "SKU-2", "SKU-3"]),
        "name": ("str", ["Mug", "Café Tea", "Pen"]),
        "category": ("str", ["Kitchen", "Food", "Office"]),
        "list_price": ("float64", [9.5, 0.0, 1.25]),
        "is_active": ("boolean", [True, False, True]),
        "created_at": (TS, three("2026-01-01T00:00Z")),
        "updated_at": (TS, three("2026-10-05T01:00Z")),
    }
    return batch({n: (t, overrides.get(n, v)) for n, (t, v) in columns.items()})


def orders(**overrides: list) -> pd.DataFrame:
    columns = {
        "order_id": ("Int64", [1, 2, 3]),
        "customer_id": ("Int64", [1, 2, 3]),
        "order_ts": (TS, ["2026-10-05T08:00Z", "2000-01-01T00:00Z", "2026-10-07T00:00Z"]),
        "status": ("str", ["placed", "delivered", "refunded"]),
        "channel": ("str", ["web", "mobile", "marketplace"]),
        "currency": ("str", three("EUR")),
        "discount_amount": ("float64", [0.0, 5.0, 0.0]),
        "shipping_amount": ("float64", [4.99, 0.0, 0.0]),
        "created_at": (TS, three("2026-10-05T08:00Z")),
        "updated_at": (TS, ["2026-10-05T08:00Z", "2026-10-05T09:00Z", "2026-10-05T10:00Z"]),
    }
    return batch({n: (t, overrides.get(n, v)) for n, (t, v) in columns.items()})


def order_items(**overrides: list) -> pd.DataFrame:
    columns = {
        "order_item_id": ("Int64", [1, 2, 3]),
        "order_id": ("Int64", [1, 1, 2]),
        "product_id": ("Int64", [1, 2, 3]),
        "quantity": ("Int64", [1, 3, 100]),
        "unit_price": ("float64", [9.5, 0.0, 19.99]),
        "created_at": (TS, three("2026-10-05T08:00Z")),
        "updated_at": (TS, ["2026-10-05T08:00Z", "2026-10-05T09:00Z", "2026-10-05T10:00Z"]),
    }
    return batch({n: (t, overrides.get(n, v)) for n, (t, v) in columns.items()})


def reasons_by_row(table: SourceTable, frame: pd.DataFrame) -> dict[int, list[str]]:
    rejects = find_rejects(table, frame, INTERVAL_END)
    return dict(zip(rejects["row"].tolist(), rejects["reasons"].tolist(), strict=True))


# ---------------------------------------------------------------------------
# find_rejects: valid batches
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("table", "make"), [
    (CUSTOMERS, customers), (PRODUCTS, products), (ORDERS, orders), (ORDER_ITEMS, order_items),
], ids=lambda v: getattr(v, "name", None))
def test_valid_rows_are_not_rejected(table, make):
    rejects = find_rejects(table, make(), INTERVAL_END)
    assert rejects.empty
    assert list(rejects.columns) == ["row", "source_id", "source_updated_at", "reasons"]


@pytest.mark.parametrize(("table", "make"), [
    (CUSTOMERS, customers), (PRODUCTS, products), (ORDERS, orders), (ORDER_ITEMS, order_items),
], ids=lambda v: getattr(v, "name", None))
def test_empty_batch_has_no_rejects(table, make):
    rejects = find_rejects(table, make().iloc[0:0], INTERVAL_END)
    assert rejects.empty
    assert list(rejects.columns) == ["row", "source_id", "source_updated_at", "reasons"]


# ---------------------------------------------------------------------------
# find_rejects: one rule at a time
# ---------------------------------------------------------------------------


def test_reject_reports_the_batch_index_label_source_id_and_updated_at():
    rejects = find_rejects(ORDER_ITEMS, order_items(quantity=[1, 0, 2]), INTERVAL_END)
    assert rejects["row"].tolist() == [11]
    assert rejects["source_id"].tolist() == [2]
    assert rejects["source_updated_at"].tolist() == [ts("2026-10-05T09:00Z")]


@pytest.mark.parametrize(("table", "make", "column"), [
    (CUSTOMERS, customers, "first_name"),
    (CUSTOMERS, customers, "last_name"),
    (PRODUCTS, products, "sku"),
    (PRODUCTS, products, "list_price"),
    (PRODUCTS, products, "is_active"),
    (ORDERS, orders, "customer_id"),
    (ORDERS, orders, "currency"),
    (ORDER_ITEMS, order_items, "product_id"),
])
def test_missing_required_field_rejects_the_row(table, make, column):
    values = make()[column].tolist()
    values[1] = None
    assert reasons_by_row(table, make(**{column: values})) == {11: [f"{column}: required value is missing"]}


@pytest.mark.parametrize("quantity", [0, -1])
def test_quantity_must_be_positive(quantity):
    result = reasons_by_row(ORDER_ITEMS, order_items(quantity=[1, quantity, 2]))
    assert list(result) == [11]
    assert len(result[11]) == 1
    assert result[11][0].startswith("quantity: greater_than(0)")


def test_null_unit_price_is_rejected():
    assert reasons_by_row(ORDER_ITEMS, order_items(unit_price=[1.0, None, 2.0])) == {
        11: ["unit_price: required value is missing"]}


def test_negative_unit_price_is_rejected_and_zero_is_allowed():
    result = reasons_by_row(ORDER_ITEMS, order_items(unit_price=[0.0, -0.01, 2.0]))
    assert list(result) == [11]
    assert result[11][0].startswith("unit_price: greater_than_or_equal_to(0")


def test_order_before_2000_is_rejected():
    result = reasons_by_row(ORDERS, orders(order_ts=["2026-10-05T08:00Z", "1999-12-31T23:59:59Z",
                                                     "2000-01-01T00:00Z"]))
    assert list(result) == [11]
    assert len(result[11]) == 1
    assert result[11][0].startswith("order_ts: ")
    assert "2000-01-01" in result[11][0]  # the reason names the bound


def test_order_after_interval_end_plus_one_day_is_rejected():
    result = reasons_by_row(ORDERS, orders(order_ts=["2026-10-05T08:00Z", "2026-10-07T00:00:00.000001Z",
                                                     "2026-10-08T00:00Z"]))
    assert sorted(result) == [11, 12]
    for reasons in result.values():
        assert len(reasons) == 1
        assert reasons[0].startswith("order_ts: ")
        assert "2026-10-07 00:00:00+00:00" in reasons[0]  # interval_end + 1 day, in UTC


def test_order_exactly_interval_end_plus_one_day_is_accepted():
    assert reasons_by_row(ORDERS, orders(order_ts=three("2026-10-07T00:00Z"))) == {}


def test_order_window_follows_a_non_utc_interval_end():
    berlin_end = pd.Timestamp("2026-10-06T00:00", tz="Europe/Berlin")  # 2026-10-05T22:00Z
    frame = orders(order_ts=["2026-10-06T22:00Z", "2026-10-06T22:00:01Z", "2026-10-05T08:00Z"])
    rejects = find_rejects(ORDERS, frame, berlin_end.to_pydatetime())
    assert rejects["row"].tolist() == [11]


@pytest.mark.parametrize("status", ["open", "PAID", " paid", ""])
def test_order_status_outside_the_allowed_set_is_rejected(status):
    result = reasons_by_row(ORDERS, orders(status=["paid", status, "shipped"]))
    assert list(result) == [11]
    assert result[11][0].startswith("status: isin(")


@pytest.mark.parametrize("channel", ["phone", "Web", ""])
def test_order_channel_outside_the_allowed_set_is_rejected(channel):
    result = reasons_by_row(ORDERS, orders(channel=["web", channel, "mobile"]))
    assert list(result) == [11]
    assert result[11][0].startswith("channel: isin(")


@pytest.mark.parametrize("email", ["bob@", "a(at)b.com", "a b@c.com", "@example.com", "a@b", "a@@b.com",
                                   "a@b..com"])
def test_malformed_email_is_rejected(email):
    assert reasons_by_row(CUSTOMERS, customers(email=["anna@example.com", email, None])) == {
        11: ["email: valid_email_syntax"]}


@pytest.mark.parametrize("email", ["  Anna@Example.COM ", "first.last+tag@mail.example.co.uk"])
def test_valid_email_with_padding_or_upper_case_passes(email):
    assert reasons_by_row(CUSTOMERS, customers(email=[email, "bob@example.org", None])) == {}


def test_missing_email_passes():
    assert reasons_by_row(CUSTOMERS, customers(email=[None, None, None])) == {}


def test_blank_email_counts_as_missing_and_passes():
    assert reasons_by_row(CUSTOMERS, customers(email=["", "   ", None])) == {}


def test_a_row_with_several_problems_gets_all_its_reasons_sorted():
    frame = orders(customer_id=[1, None, 3], status=["paid", "lost", "paid"], channel=["web", "fax", "web"],
                   order_ts=["2026-10-05T08:00Z", "1990-01-01T00:00Z", "2026-10-05T08:00Z"])
    result = reasons_by_row(ORDERS, frame)
    assert list(result) == [11]
    reasons = result[11]
    assert reasons == sorted(reasons)
    assert [r.split(":")[0] for r in reasons] == ["channel", "customer_id", "order_ts", "status"]
    assert "customer_id: required value is missing" in reasons
    assert "channel: isin(('web', 'mobile', 'marketplace'))" in reasons
    assert "status: isin(('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'))" in reasons


def test_several_bad_rows_are_each_returned_once_and_good_rows_are_not():
    frame = order_items(quantity=[0, 2, 1], unit_price=[-1.0, 1.0, None])
    result = reasons_by_row(ORDER_ITEMS, frame)
    assert sorted(result) == [10, 12]
    assert len(result[10]) == 2
    assert result[12] == ["unit_price: required value is missing"]


def test_batch_missing_a_contract_column_is_refused_as_a_whole():
    with pytest.raises(ValueError, match="order_items: batch does not match the contract"):
        find_rejects(ORDER_ITEMS, order_items().drop(columns=["unit_price"]), INTERVAL_END)


# ---------------------------------------------------------------------------
# quality_gates
# ---------------------------------------------------------------------------


def keyed_batch(n: int, missing_keys: int) -> pd.DataFrame:
    ids = list(range(1, n + 1))
    updated = ["2026-10-05T01:00Z"] * (n - missing_keys) + [None] * missing_keys
    return batch({"product_id": ("Int64", ids), "updated_at": (TS, updated)}, index=list(range(100, 100 + n)))


def gate(results, name):
    return next(g for g in results if g.check == name)


def test_key_completeness_of_exactly_95_percent_passes():
    result = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, missing_keys=1), 0)), "products.key_completeness")
    assert result.passed
    assert result.observed == pytest.approx(0.95)
    assert result.threshold == 0.95


def test_key_completeness_below_95_percent_fails():
    result = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, missing_keys=2), 0)), "products.key_completeness")
    assert not result.passed
    assert result.observed == pytest.approx(0.90)


def test_quarantine_share_of_exactly_5_percent_passes():
    result = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, 0), rejected_rows=1)), "products.quarantine_share")
    assert result.passed
    assert result.observed == pytest.approx(0.05)
    assert result.threshold == 0.05


def test_quarantine_share_above_5_percent_fails():
    result = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, 0), rejected_rows=2)), "products.quarantine_share")
    assert not result.passed
    assert result.observed == pytest.approx(0.10)


def test_completeness_uses_every_key_field_of_the_table():
    frame = orders(order_ts=["2026-10-05T08:00Z", None, "2026-10-05T08:00Z"])
    result = gate(quality_gates(ORDERS, tally(ORDERS, frame, 0)), "orders.key_completeness")
    assert result.observed == pytest.approx(2 / 3)
    assert not result.passed


def test_empty_batch_has_no_gates():
    assert quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(0, 0), 0)) == []
    assert quality_gates(PRODUCTS, Tally()) == []


def test_gates_of_a_batch_tallied_in_chunks_equal_the_gates_of_the_whole():
    whole = keyed_batch(40, missing_keys=3)
    chunks = [whole.iloc[:7], whole.iloc[7:30], whole.iloc[30:]]
    summed = sum((tally(PRODUCTS, c, rejected_rows=1) for c in chunks), Tally())
    assert summed == tally(PRODUCTS, whole, rejected_rows=3)
    assert quality_gates(PRODUCTS, summed) == quality_gates(PRODUCTS, tally(PRODUCTS, whole, 3))


# ---------------------------------------------------------------------------
# RunContext
# ---------------------------------------------------------------------------


class _Dag:
    dag_id = "crm_nightly"


def airflow_context(**overrides) -> dict:
    context = {
        "run_id": "scheduled__2026-10-05T00:00:00+00:00",
        "dag": _Dag(),
        "data_interval_start": dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
        "data_interval_end": dt.datetime(2026, 10, 6, tzinfo=dt.UTC),
        "params": {"full_refresh": False, "lookback_hours": 2},
    }
    context.update(overrides)
    return context


def test_run_context_reads_interval_and_params_from_airflow():
    ctx = RunContext.from_airflow(airflow_context(params={"full_refresh": True, "lookback_hours": 24}))
    assert ctx.dag_id == "crm_nightly"
    assert ctx.interval_start == dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    assert ctx.interval_end == dt.datetime(2026, 10, 6, tzinfo=dt.UTC)
    assert ctx.full_refresh is True
    assert ctx.lookback == dt.timedelta(hours=24)


@pytest.mark.parametrize("missing", ["data_interval_start", "data_interval_end"])
def test_run_without_a_data_interval_is_refused_with_a_hint(missing):
    with pytest.raises(ValueError, match=r"no data interval.*airflow dags test crm_nightly"):
        RunContext.from_airflow(airflow_context(**{missing: None}))


@pytest.mark.parametrize("hours", [-1, MAX_LOOKBACK_HOURS + 1])
def test_lookback_hours_outside_0_to_720_is_refused(hours):
    with pytest.raises(ValueError, match="lookback_hours must be a whole number within 0..720"):
        RunContext.from_airflow(airflow_context(params={"lookback_hours": hours}))


@pytest.mark.parametrize("hours", [0, 720])
def test_lookback_hours_at_the_bounds_is_accepted(hours):
    assert RunContext.from_airflow(airflow_context(params={"lookback_hours": hours})).lookback_hours == hours


def test_naive_or_empty_interval_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        RunContext("r", "d", dt.datetime(2026, 10, 5), dt.datetime(2026, 10, 6))
    with pytest.raises(ValueError, match="empty data interval"):
        RunContext("r", "d", dt.datetime(2026, 10, 5, tzinfo=dt.UTC), dt.datetime(2026, 10, 5, tzinfo=dt.UTC))


def test_business_date_is_the_interval_start_in_the_business_timezone(monkeypatch):
    # Business day 2026-10-05 in Berlin (CEST) starts at 2026-10-04T22:00Z.
    ctx = RunContext("r", "crm_nightly", dt.datetime(2026, 10, 4, 22, tzinfo=dt.UTC),
                     dt.datetime(2026, 10, 5, 22, tzinfo=dt.UTC))
    monkeypatch.setenv("ETL_BUSINESS_TZ", "Europe/Berlin")
    assert ctx.business_date == dt.date(2026, 10, 5)
    monkeypatch.setenv("ETL_BUSINESS_TZ", "UTC")
    assert ctx.business_date == dt.date(2026, 10, 4)


INJECTIONS = ["2; DROP TABLE core.fact_orders", "1 OR 1=1", "'; --", "true", 2.5, True, None, [1], {"a": 1}]


@pytest.mark.parametrize("value", INJECTIONS)
def test_task_refuses_a_lookback_that_is_not_a_plain_integer(value):
    """The trigger form's JSON schema can be bypassed (CLI conf, REST API): the task checks again."""
    with pytest.raises(ValueError, match="lookback_hours must be a whole number"):
        RunContext.from_airflow(airflow_context(params={"full_refresh": False, "lookback_hours": value}))


@pytest.mark.parametrize("value", ["false", "true; DROP TABLE x", 0, 1, None, "yes"])
def test_task_refuses_a_full_refresh_that_is_not_a_boolean(value):
    with pytest.raises(ValueError, match="full_refresh must be true or false"):
        RunContext.from_airflow(airflow_context(params={"full_refresh": value, "lookback_hours": 2}))


def test_task_refuses_unknown_params_so_a_typo_is_not_ignored():
    with pytest.raises(ValueError, match=r"unknown params \['full_refrsh'\]"):
        RunContext.from_airflow(airflow_context(params={"full_refrsh": True}))


def test_a_nul_byte_in_text_is_quarantined_with_its_column():
    from include.crm.contracts import BY_NAME

    batch = pd.DataFrame({
        "customer_id": pd.array([1, 2], dtype="Int64"), "email": ["a@example.com", "b@example.com"],
        "first_name": ["Ann", "Bo\x00b"], "last_name": ["Lee", "Day"], "country": ["DE", "DE"],
        "city": ["Köln", "Köln"], "marketing_opt_in": pd.array([True, False], dtype="boolean"),
        "created_at": pd.to_datetime(["2026-01-01"] * 2, utc=True).as_unit("us"),
        "updated_at": pd.to_datetime(["2026-01-01"] * 2, utc=True).as_unit("us"),
        "deleted_at": pd.to_datetime([None, None], utc=True).as_unit("us"),
    })
    rejects = find_rejects(BY_NAME["customers"], batch, dt.datetime(2026, 10, 6, tzinfo=dt.UTC))
    assert rejects.source_id.tolist() == [2]
    assert rejects.reasons.tolist() == [["first_name: no_nul_byte"]]


def test_a_line_whose_amount_would_overflow_the_warehouse_is_quarantined():
    from include.crm.contracts import BY_NAME

    ts = pd.to_datetime(["2026-10-05"] * 3, utc=True).as_unit("us")
    batch = pd.DataFrame({
        "order_item_id": pd.array([1, 2, 3], dtype="Int64"), "order_id": pd.array([1, 1, 1], dtype="Int64"),
        "product_id": pd.array([1, 1, 1], dtype="Int64"),
        "quantity": pd.array([2_000_000_000, 1, 1000], dtype="Int64"),
        "unit_price": [9_999_999_999.99, 9_999_999.99, 1_000_000.0], "created_at": ts, "updated_at": ts,
    })
    rejects = find_rejects(BY_NAME["order_items"], batch, dt.datetime(2026, 10, 6, tzinfo=dt.UTC))
    assert rejects.source_id.tolist() == [1]
    assert rejects.reasons.tolist() == [["line_amount_at_most_1e9"]]


def test_a_breach_below_min_rows_warns_with_its_counts():
    result = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, 0), rejected_rows=2)), "products.quarantine_share")
    assert (result.status, result.observed_text, result.expected) == ("warn", "0.1000 (2 of 20 rows)",
                                                                      "<= 0.05 (enforced from 200 rows)")


def test_a_breach_from_min_rows_fails_and_a_held_gate_passes():
    failed = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(200, 0), rejected_rows=11)),
                  "products.quarantine_share")
    held = gate(quality_gates(PRODUCTS, tally(PRODUCTS, keyed_batch(20, 0), rejected_rows=1)), "products.quarantine_share")
    assert (failed.status, failed.observed_text, failed.expected) == ("fail", "0.0550", "<= 0.05")
    assert (held.status, held.observed_text, held.expected) == ("pass", "0.0500", "<= 0.05")
