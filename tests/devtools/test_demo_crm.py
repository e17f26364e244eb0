"""Unit tests of the pure generation functions of devtools.demo_crm (no database)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from devtools import demo_crm as d

END = dt.date(2026, 11, 20)
START_TS, END_TS = d.window(END, 13)
N = 20_000


def _build(seed: int, n: int = N) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    products = d.generate_products(np.random.default_rng([seed, 0]), START_TS, END_TS)
    customers = d.generate_customers(np.random.default_rng([seed, 1]), n, START_TS, END_TS)
    orders, items = d.generate_orders(seed, customers, products, START_TS, END_TS)
    return products, customers, orders, items


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _build(42)


def _secs(s: pd.Series) -> np.ndarray:
    return s.to_numpy().astype("datetime64[s]").astype(np.int64)


def test_window() -> None:
    start, end = d.window(dt.date(2026, 3, 31), 13)
    assert dt.datetime.fromtimestamp(start, dt.UTC) == dt.datetime(2025, 2, 28, tzinfo=dt.UTC)
    assert dt.datetime.fromtimestamp(end, dt.UTC) == dt.datetime(2026, 3, 31, tzinfo=dt.UTC)


def test_same_seed_same_frames() -> None:
    a, b = _build(7, 1500), _build(7, 1500)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x, y)


def test_different_seed_different_frames() -> None:
    a, b = _build(7, 1500), _build(8, 1500)
    for x, y in zip(a, b, strict=True):
        assert not x.equals(y)


def test_chunking_keeps_ids_contiguous() -> None:
    products, customers, _, _ = _build(3, 800)
    orders, items = d.generate_orders(3, customers, products, START_TS, END_TS, chunk=500)
    assert (orders["order_id"].to_numpy() == np.arange(1, len(orders) + 1)).all()
    assert (items["order_item_id"].to_numpy() == np.arange(1, len(items) + 1)).all()
    assert set(items["order_id"]) == set(orders["order_id"])


def test_volumes(data) -> None:
    products, customers, orders, items = data
    assert len(products) == d.N_PRODUCTS
    assert products["category"].nunique() == 8
    assert N <= len(customers) <= N * 1.03
    per_buyer = orders.groupby("customer_id").size()
    assert 4.0 <= per_buyer.mean() <= 6.0
    prospects = 1 - per_buyer.size / len(customers)
    assert 0.25 <= prospects <= 0.40
    lines = items.groupby("order_id").size()
    assert lines.min() == 1 and lines.max() == 5


def test_timestamps_inside_history(data) -> None:
    products, customers, orders, items = data
    for df in (products, customers, orders, items):
        created, updated = _secs(df["created_at"]), _secs(df["updated_at"])
        assert (updated >= created).all()
        assert (updated < END_TS).all()
    deleted = customers["deleted_at"].dropna()
    assert len(deleted) > 0 and (_secs(deleted) < END_TS).all()
    assert (_secs(orders["order_ts"]) < END_TS).all()
    # orders never precede their customer's creation
    created = customers.set_index("customer_id")["created_at"]
    joined = created.loc[orders["customer_id"]].to_numpy().astype("datetime64[s]").astype(np.int64)
    assert (_secs(orders["created_at"]) >= joined).all()


def test_status_evolves_with_age(data) -> None:
    _, _, orders, _ = data
    age = END_TS - _secs(orders["created_at"])
    old = orders[age > 60 * d.DAY]["status"].value_counts(normalize=True)
    assert old["delivered"] > 0.85
    assert 0.01 < old["cancelled"] < 0.08 and 0.01 < old["refunded"] < 0.06
    assert set(old.index) <= {"delivered", "cancelled", "refunded"}
    recent = orders[age < 1 * d.DAY]["status"]
    assert recent.isin(["placed", "paid", "shipped", "cancelled"]).all()
    assert set(orders["channel"]) == {"web", "mobile", "marketplace"}
    assert orders["currency"].value_counts(normalize=True)["EUR"] > 0.75


def test_discount_below_line_total(data) -> None:
    _, _, orders, items = data
    valid = items[(items["quantity"] > 0) & items["unit_price"].notna()]
    total = (valid["quantity"] * valid["unit_price"]).groupby(valid["order_id"]).sum()
    total = total.reindex(orders["order_id"], fill_value=0).to_numpy()
    disc = orders["discount_amount"].to_numpy()
    assert (disc < np.maximum(total, 0.01)).all()
    assert 0.10 < (disc > 0).mean() < 0.20
    assert set(np.round(orders["shipping_amount"].unique(), 2)) <= {0.0, 3.99, 4.99, 9.99}


def test_email_dirt(data) -> None:
    _, customers, _, _ = data
    email = customers["email"]
    n = len(customers)
    assert 0.01 < email.isna().sum() / n < 0.03
    valid = d._valid_email_mask(email.to_numpy(dtype=object, na_value=None))
    invalid = (~valid & email.notna().to_numpy()).sum() / n
    assert 0.0005 < invalid < 0.006


def test_duplicates(data) -> None:
    _, customers, _, _ = data
    has = customers[customers["email"].notna()].copy()
    has["norm"] = has["email"].str.strip().str.lower()
    groups = has.groupby("norm")
    dup = groups.filter(lambda g: len(g) > 1)
    n_groups = dup["norm"].nunique()
    assert 0.01 < n_groups / N < 0.03
    for _, g in list(dup.groupby("norm"))[:50]:
        assert len(g) == 2
        assert g["email"].nunique() == 2           # differ only by case/spaces
        first, second = g.sort_values("customer_id").itertuples()
        assert second.created_at > first.created_at


def test_country_dirt(data) -> None:
    _, customers, _, _ = data
    country = customers["country"]
    n = len(customers)
    mappable = {c.lower() for c in d.COUNTRIES} | {v[0].lower() for v in d.COUNTRIES.values()}
    norm = country.dropna().str.strip().str.lower()
    junk = (~norm.isin(mappable)).sum() / n
    assert 0.02 < country.isna().sum() / n < 0.045
    assert 0.002 < junk < 0.01
    assert (country == "").any() or junk > 0
    messy = country.dropna()
    assert (messy != messy.str.strip()).mean() > 0.05          # stray spaces
    assert messy.isin(["de", "dE", "De"]).any() or messy.str.strip().isin(["de", "dE", "De"]).any()
    assert customers["city"].isna().mean() > country.isna().mean()


def test_names_non_ascii(data) -> None:
    _, customers, _, _ = data
    names = customers["first_name"] + " " + customers["last_name"]
    non_ascii = names.map(lambda s: not s.isascii())
    assert non_ascii.mean() > 0.2
    assert names.str.contains("😀|🌟|🔥|🎉|🙂", regex=True).any()


def test_order_line_dirt(data) -> None:
    _, _, orders, items = data
    m = len(items)
    assert 0.001 < (items["quantity"] <= 0).sum() / m < 0.006
    assert 0.001 < items["unit_price"].isna().sum() / m < 0.006
    bad_ts = _secs(orders["order_ts"]) < d._epoch(dt.date(2000, 1, 1))
    assert 0.0002 < bad_ts.mean() < 0.003


class _Recorder:
    """A connection that keeps what pg_io.write_frame COPYs into it (session TimeZone UTC)."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.data = bytearray()
        self.info = self

    def parameter_status(self, name: str) -> str:
        return "UTC"

    def cursor(self) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext(self)

    @contextlib.contextmanager
    def copy(self, query) -> Iterator[_Recorder]:
        self.queries.append(query.as_string(None))
        yield self

    def write(self, block) -> None:
        self.data += bytes(block)


def test_rows_go_through_the_kits_copy_writer() -> None:
    frame = pd.DataFrame({
        "customer_id": np.array([1, 2], dtype=np.int64), "email": np.array(["a@b.de", None], dtype=object),
        "first_name": ["😀 Zoë", "x\ty\\"], "last_name": ["O'Brien", "de Vries"],
        "country": np.array(["", " de "], dtype=object), "city": np.array([None, "Kraków"], dtype=object),
        "marketing_opt_in": [True, False],
        "created_at": np.array(["2026-01-02T03:04:05", "1970-01-01T00:00:00"], dtype="datetime64[s]"),
        "updated_at": np.array(["2026-01-02T03:04:05", "2099-01-01T00:00:00"], dtype="datetime64[s]"),
        "deleted_at": np.array(["NaT", "2026-01-03T00:00:00"], dtype="datetime64[s]"),
    })
    conn = _Recorder()
    assert d.initial_load.write(conn, "customers", frame.iloc[:, ::-1]) == 2
    assert conn.queries == ['COPY "crm"."customers" ("customer_id", "email", "first_name", "last_name", '
                            '"country", "city", "marketing_opt_in", "created_at", "updated_at", "deleted_at") '
                            "FROM STDIN (FORMAT csv)\n"]
    # NULL is an empty field, the empty string a quoted one; tabs and backslashes pass as they are
    assert conn.data.decode().splitlines() == [
        '1,"a@b.de","😀 Zoë","O\'Brien","",,true,2026-01-02 03:04:05,2026-01-02 03:04:05,',
        '2,,"x\ty\\","de Vries"," de ","Kraków",false,1970-01-01 00:00:00,2099-01-01 00:00:00,2026-01-03 00:00:00']


def test_email_variant_differs_only_in_case_and_spaces() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        v = d._email_variant(rng, "anna.smith12@example.com")
        assert v != "anna.smith12@example.com"
        assert v.strip().lower() == "anna.smith12@example.com"
