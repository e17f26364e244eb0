"""The demo CRM's initial load: products, customers (with their duplicates) and months of
orders with their lines, written to schema crm through the kit's COPY writer."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
import psycopg

from devtools.demo_crm.dirt import _duplicates_of, _persons, _valid_email_mask
from devtools.demo_crm.volumes import (
    ADJECTIVES,
    BAD_QUANTITY_RATE,
    CANCEL_SHARE,
    CATEGORIES,
    CHANNEL_P,
    CURRENCY_P,
    CUSTOMER_UPDATED_SHARE,
    DAY,
    DISCOUNT_RATE,
    DUPLICATE_RATE,
    EXPRESS_SHIPPING_RATE,
    FREE_SHIPPING_FROM_CENTS,
    HISTORY_SOFT_DELETE_RATE,
    IMPOSSIBLE_TS_RATE,
    INACTIVE_PRODUCT_RATE,
    LINES_PER_ORDER_P,
    MONTHLY_ORDER_RATE,
    N_PRODUCTS,
    NULL_PRICE_RATE,
    ORDER_CHUNK,
    ORDER_RATE_GAMMA_SHAPE,
    PAY_DELAY_MEAN_S,
    PRE_WINDOW_CUSTOMER_SHARE,
    PROMO_LINE_RATE,
    PROSPECT_RATE,
    QUANTITY_P,
    REFUND_SHARE,
    TABLE_COLUMNS,
    _epoch,
    _secs,
    _ts,
    window,
)
from include.warehouse_kit import pg_io
from include.warehouse_kit.sql_files import run_sql

SCHEMA_DDL = "crm/source/create_crm_schema.sql"  # under include/sql


def _choice_p(rng: np.random.Generator, values: Sequence[str], p: Sequence[float], n: int) -> np.ndarray:
    probs = np.asarray(p, dtype=float)
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=probs / probs.sum())]


def _round_99(cents: np.ndarray) -> np.ndarray:
    """Prices ending in .99 (at least 0.99)."""
    return np.maximum(np.rint(cents / 100.0), 1).astype(np.int64) * 100 - 1


def generate_products(rng: np.random.Generator, start: int, end: int, n: int = N_PRODUCTS) -> pd.DataFrame:
    """Product catalogue, all created before the history window; ids 1..n."""
    cats = list(CATEGORIES)
    cat_idx = np.arange(n) % len(cats)
    rng.shuffle(cat_idx)
    pid = np.arange(1, n + 1, dtype=np.int64)
    median = np.array([CATEGORIES[cats[c]][1] for c in cat_idx])
    price = _round_99(median * 100 * rng.lognormal(0.0, 0.5, size=n))
    adj = rng.integers(0, len(ADJECTIVES), size=n)
    noun = rng.integers(0, 6, size=n)
    created = start - rng.integers(30 * DAY, 900 * DAY, size=n)
    updated = np.where(rng.random(n) < 0.5, created,
                       created + (rng.random(n) * (end - created)).astype(np.int64))
    return pd.DataFrame({
        "product_id": pid,
        "sku": [f"{CATEGORIES[cats[c]][0]}-{p:05d}" for c, p in zip(cat_idx, pid, strict=True)],
        "name": [f"{ADJECTIVES[a]} {CATEGORIES[cats[c]][2][k]}" for a, c, k in zip(adj, cat_idx, noun, strict=True)],
        "category": [cats[c] for c in cat_idx],
        "list_price": price / 100.0,
        "is_active": rng.random(n) >= INACTIVE_PRODUCT_RATE,
        "created_at": _ts(created),
        "updated_at": _ts(updated),
    })


def generate_customers(rng: np.random.Generator, n: int, start: int, end: int) -> pd.DataFrame:
    """``n`` persons plus ~DUPLICATE_RATE duplicate rows; ids 1.. in created_at order."""
    pre = rng.random(n) < PRE_WINDOW_CUSTOMER_SHARE
    created = np.where(
        pre,
        start - 1 - (rng.random(n) * 365 * DAY).astype(np.int64),
        start + (rng.random(n) ** (1 / 1.2) * (end - start)).astype(np.int64),
    )
    created = np.minimum(created, end - 1)
    created.sort()
    persons = _persons(rng, np.arange(1, n + 1))
    # duplicates: persons with a valid email, created at least two days before the end
    eligible = np.flatnonzero(_valid_email_mask(persons["email"]) & (created < end - 2 * DAY))
    n_dup = min(int(rng.binomial(n, DUPLICATE_RATE)), len(eligible))
    src = np.sort(rng.choice(eligible, size=n_dup, replace=False))
    dup = _duplicates_of(rng, {k: v[src] for k, v in persons.items()})
    span = np.minimum(180 * DAY, end - 1 - (created[src] + DAY))
    dup_created = created[src] + DAY + (rng.random(n_dup) * span).astype(np.int64)

    cols = {k: np.concatenate([persons[k], dup[k]]) for k in persons if not k.startswith("_")}
    created_all = np.concatenate([created, dup_created])
    order = np.argsort(created_all, kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    created_all = created_all[order]
    total = len(created_all)
    updated = np.where(rng.random(total) < CUSTOMER_UPDATED_SHARE,
                       created_all + (rng.random(total) * (end - created_all)).astype(np.int64),
                       created_all)
    deleted = np.where(rng.random(total) < HISTORY_SOFT_DELETE_RATE,
                       created_all + (rng.random(total) * (end - created_all)).astype(np.int64), -1)
    updated = np.where(deleted > updated, deleted, updated)
    deleted_ts = _ts(np.maximum(deleted, 0))
    deleted_ts[deleted < 0] = np.datetime64("NaT")
    return pd.DataFrame({
        "customer_id": np.arange(1, total + 1, dtype=np.int64),
        "email": cols["email"], "first_name": cols["first_name"], "last_name": cols["last_name"],
        "country": cols["country"], "city": cols["city"],
        "marketing_opt_in": cols["marketing_opt_in"].astype(bool),
        "created_at": _ts(created_all), "updated_at": _ts(updated), "deleted_at": deleted_ts,
    })


def _order_skeleton(rng: np.random.Generator, customers: pd.DataFrame, start: int, end: int,
                    order_rate: float = MONTHLY_ORDER_RATE) -> tuple[np.ndarray, np.ndarray]:
    """(customer_id, created_at epoch) of every historical order, sorted by time."""
    created = _secs(customers["created_at"])
    deleted = customers["deleted_at"].to_numpy().astype("datetime64[s]")
    stop = np.where(np.isnat(deleted), end, deleted.astype(np.int64))
    lo = np.maximum(created, start)
    span = np.minimum(stop, end) - lo
    n = len(created)
    buyer = (rng.random(n) >= PROSPECT_RATE) & (span > 3600)
    rate = rng.gamma(ORDER_RATE_GAMMA_SHAPE, order_rate / ORDER_RATE_GAMMA_SHAPE, size=n)
    months = np.maximum(span, 0) / (30.44 * DAY)
    counts = np.where(buyer, 1 + rng.poisson(rate * months), 0)
    cust_rep = np.repeat(customers["customer_id"].to_numpy(), counts)
    ts = np.repeat(lo, counts) + (rng.random(cust_rep.size) * np.repeat(np.maximum(span, 1), counts)).astype(np.int64)
    order = np.argsort(ts, kind="stable")
    return cust_rep[order], ts[order]


def _evolve_status(rng: np.random.Generator, created: np.ndarray, as_of: int) -> tuple[np.ndarray, np.ndarray]:
    """Status reached before ``as_of`` and the time of that last change."""
    n = len(created)
    t_paid = created + 1 + rng.exponential(PAY_DELAY_MEAN_S, n).astype(np.int64)
    t_ship = t_paid + rng.integers(DAY // 2, 3 * DAY, n)
    t_deliv = t_ship + rng.integers(DAY, 5 * DAY, n)
    fate = rng.random(n)
    cancelled = fate < CANCEL_SHARE
    refunded = (fate >= CANCEL_SHARE) & (fate < CANCEL_SHARE + REFUND_SHARE)
    t_cancel = created + rng.integers(600, 4 * DAY, n)
    t_refund = t_deliv + rng.integers(2 * DAY, 45 * DAY, n)
    stop = np.where(cancelled, t_cancel, np.iinfo(np.int64).max)
    status = np.full(n, "placed", dtype=object)
    updated = created.copy()
    for name, t in (("paid", t_paid), ("shipped", t_ship), ("delivered", t_deliv)):
        m = (t < as_of) & (t < stop)
        status[m] = name
        updated[m] = t[m]
    for name, t, m in (("cancelled", t_cancel, cancelled), ("refunded", t_refund, refunded)):
        m = m & (t < as_of)
        status[m] = name
        updated[m] = t[m]
    return status, updated


def _order_block(rng: np.random.Generator, *, customer_id: np.ndarray, created: np.ndarray,
                 product_id: np.ndarray, price_cents: np.ndarray, product_p: np.ndarray,
                 first_order_id: int, first_item_id: int, as_of: int, future_ts: bool
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders (already sorted by ``created``) with their lines."""
    n = len(created)
    order_id = np.arange(first_order_id, first_order_id + n, dtype=np.int64)
    status, updated = _evolve_status(rng, created, as_of)
    channel = _choice_p(rng, list(CHANNEL_P), list(CHANNEL_P.values()), n)
    currency = _choice_p(rng, list(CURRENCY_P), list(CURRENCY_P.values()), n)
    order_ts = created.copy()
    bad_ts = rng.random(n) < IMPOSSIBLE_TS_RATE
    when = rng.integers(0, 365 * DAY, n)
    year_2099 = future_ts & (rng.random(n) < 0.5)
    order_ts[bad_ts] = np.where(year_2099, _epoch(dt.date(2099, 1, 1)) + when, when % DAY)[bad_ts]

    # lines
    k = 1 + rng.choice(len(LINES_PER_ORDER_P), size=n, p=LINES_PER_ORDER_P)
    m = int(k.sum())
    line_order = np.repeat(np.arange(n), k)
    pidx = rng.choice(len(product_id), size=m, p=product_p)
    qty = 1 + rng.choice(len(QUANTITY_P), size=m, p=QUANTITY_P)
    promo = rng.random(m) < PROMO_LINE_RATE
    promo_factor = np.where(rng.random(m) < 0.5, 0.9, 0.8)
    unit = np.where(promo, np.rint(price_cents[pidx] * promo_factor), price_cents[pidx]).astype(np.int64)
    bad_q = rng.random(m) < BAD_QUANTITY_RATE
    qty = np.where(bad_q, -rng.integers(0, 3, m), qty)
    null_price = rng.random(m) < NULL_PRICE_RATE
    line_total = np.where((qty > 0) & ~null_price, qty * unit, 0)
    total = np.bincount(line_order, weights=line_total, minlength=n).astype(np.int64)

    disc_kind = rng.integers(0, 4, n)
    disc = np.select([disc_kind == 0, disc_kind == 1, disc_kind == 2],
                     [200, 500, 1000], np.rint(total * 0.10)).astype(np.int64)
    disc = np.where(rng.random(n) < DISCOUNT_RATE, np.minimum(disc, total // 2), 0)
    ship = np.where(total >= FREE_SHIPPING_FROM_CENTS, 0, 499)
    ship = np.where(channel == "marketplace", np.where(rng.random(n) < 0.5, 0, 399), ship)
    ship = np.where(rng.random(n) < EXPRESS_SHIPPING_RATE, 999, ship)

    orders = pd.DataFrame({
        "order_id": order_id, "customer_id": customer_id.astype(np.int64), "order_ts": _ts(order_ts),
        "status": status, "channel": channel, "currency": currency,
        "discount_amount": disc / 100.0, "shipping_amount": ship / 100.0,
        "created_at": _ts(created), "updated_at": _ts(updated),
    })
    items = pd.DataFrame({
        "order_item_id": np.arange(first_item_id, first_item_id + m, dtype=np.int64),
        "order_id": order_id[line_order], "product_id": product_id[pidx].astype(np.int64),
        "quantity": qty.astype(np.int64),
        "unit_price": np.where(null_price, np.nan, unit / 100.0),
        "created_at": _ts(created[line_order]), "updated_at": _ts(created[line_order]),
    })
    return orders, items


def _product_weights(n: int, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 5.0) ** 1.1
    w = w[rng.permutation(n)]
    return w / w.sum()


def iter_orders(seed: int, customers: pd.DataFrame, products: pd.DataFrame, start: int, end: int,
                chunk: int = ORDER_CHUNK, order_rate: float = MONTHLY_ORDER_RATE
                ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Historical orders and lines in chunks of ``chunk`` orders (ids follow order time)."""
    rng = np.random.default_rng([seed, 2])
    cust, created = _order_skeleton(rng, customers, start, end, order_rate)
    pid = products["product_id"].to_numpy()
    cents = np.rint(products["list_price"].to_numpy() * 100).astype(np.int64)
    weights = _product_weights(len(pid), rng)
    next_item = 1
    for i, lo in enumerate(range(0, len(created), chunk)):
        crng = np.random.default_rng([seed, 3, i])
        orders, items = _order_block(
            crng, customer_id=cust[lo:lo + chunk], created=created[lo:lo + chunk], product_id=pid,
            price_cents=cents, product_p=weights, first_order_id=lo + 1, first_item_id=next_item,
            as_of=end, future_ts=False)
        next_item += len(items)
        yield orders, items


def generate_orders(seed: int, customers: pd.DataFrame, products: pd.DataFrame, start: int, end: int,
                    chunk: int = ORDER_CHUNK) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = list(iter_orders(seed, customers, products, start, end, chunk))
    if not parts:
        return (pd.DataFrame(columns=list(TABLE_COLUMNS["orders"])),
                pd.DataFrame(columns=list(TABLE_COLUMNS["order_items"])))
    return (pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True))


class _NoBar:
    """What init uses of a tqdm bar, silent."""

    total = 0

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        return None

    def set_postfix(self, **values: int) -> None:
        return None


def _bar(total: int, progress: bool) -> Any:
    """A tqdm bar on stderr, or a silent one. tqdm is imported only for a bar: `--no-progress`
    (the compose seed) runs on the runtime image, which has no tqdm."""
    if not progress:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="row", desc="crm init", file=sys.stderr)


def write(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> int:
    """COPY ``frame`` into ``crm.<table>`` (the contract's columns) with pg_io.write_frame."""
    return pg_io.write_frame(conn, f"crm.{table}", frame[list(TABLE_COLUMNS[table])])


def init(uri: str, *, customers: int = 20_000, seed: int = 42, end_date: dt.date, months: int = 13,
         progress: bool = True, order_rate: float = MONTHLY_ORDER_RATE) -> dict[str, int]:
    """(Re)create schema crm with ``months`` months of history ending before ``end_date`` 00:00 UTC.

    ``order_rate``: mean orders per month of an ordering customer (fewer orders per customer
    for the same volume means more customers)."""
    start, end = window(end_date, months)
    products = generate_products(np.random.default_rng([seed, 0]), start, end)
    cust = generate_customers(np.random.default_rng([seed, 1]), customers, start, end)
    counts = {"customers": 0, "products": 0, "orders": 0, "order_items": 0}
    with pg_io.connect(uri) as conn, _bar(len(cust) + len(products), progress) as bar:
        with conn.transaction():
            conn.execute("DROP SCHEMA IF EXISTS crm CASCADE")
            run_sql(conn, SCHEMA_DDL)
            counts["products"] = write(conn, "products", products)
            bar.update(len(products))
            counts["customers"] = write(conn, "customers", cust)
            bar.update(len(cust))
            for orders, items in iter_orders(seed, cust, products, start, end, order_rate=order_rate):
                counts["orders"] += write(conn, "orders", orders)
                counts["order_items"] += write(conn, "order_items", items)
                bar.total += len(orders)
                bar.update(len(orders))
                bar.set_postfix(orders=counts["orders"], items=counts["order_items"])
        conn.execute("ANALYZE crm.customers, crm.products, crm.orders, crm.order_items")
    return counts
