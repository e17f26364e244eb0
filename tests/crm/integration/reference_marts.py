"""An independent pandas computation of the mart rules (issue: RFM segments and sales marts),
written from the rule text, not from the SQL. The integration tests compare the marts with it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd

QUALIFYING = ("paid", "shipped", "delivered")
# (r_score, f_score) -> segment, cell by cell as in the rule table.
SEGMENT_MAP = {}
for r in (1, 2):
    SEGMENT_MAP.update({(r, 1): "hibernating", (r, 2): "hibernating", (r, 3): "at_risk", (r, 4): "at_risk",
                        (r, 5): "cant_lose"})
SEGMENT_MAP.update({(3, 1): "about_to_sleep", (3, 2): "about_to_sleep", (3, 3): "need_attention",
                    (3, 4): "loyal", (3, 5): "loyal"})
SEGMENT_MAP.update({(4, 1): "promising", (4, 2): "potential_loyalist", (4, 3): "potential_loyalist",
                    (4, 4): "loyal", (4, 5): "loyal"})
SEGMENT_MAP.update({(5, 1): "new_customer", (5, 2): "potential_loyalist", (5, 3): "potential_loyalist",
                    (5, 4): "champion", (5, 5): "champion"})


def score(rank: int, n: int) -> int:
    return 1 if n == 1 else min(5, 1 + (5 * (rank - 1)) // (n - 1))


def frame(world, query: str) -> pd.DataFrame:
    import psycopg

    with psycopg.connect(world.warehouse_uri) as conn:
        cur = conn.execute(query)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description], dtype=object)


def local_midnight(day: dt.date, tz: ZoneInfo) -> pd.Timestamp:
    return pd.Timestamp(dt.datetime.combine(day, dt.time(0), tz)).tz_convert("UTC")


def expected_segments(world, as_of: dt.date, tz: str = "UTC") -> pd.DataFrame:
    zone = ZoneInfo(tz)
    cutoff = local_midnight(as_of + dt.timedelta(days=1), zone)
    window_start = local_midnight(as_of + dt.timedelta(days=1 - 365), zone)
    xref = frame(world, "SELECT customer_id, canonical_customer_id, created_at, deleted_at FROM core.customer_xref")
    orders = frame(world, "SELECT customer_id, order_ts, status, net_amount FROM core.fact_orders")

    canonical = xref[xref.customer_id == xref.canonical_customer_id]
    alive = canonical[[c < cutoff and (d is None or d >= cutoff)
                       for c, d in zip(canonical.created_at, canonical.deleted_at, strict=True)]]
    owner = dict(zip(xref.customer_id, xref.canonical_customer_id, strict=True))
    rows = []
    for customer_id in alive.customer_id:
        rows.append({"customer_id": customer_id, "last": None, "frequency": 0, "monetary": Decimal("0.00")})
    people = {r["customer_id"]: r for r in rows}
    for customer_id, order_ts, status, net in zip(orders.customer_id, orders.order_ts, orders.status,
                                                  orders.net_amount, strict=True):
        person = people.get(owner.get(customer_id))
        if person is None or status not in QUALIFYING or not order_ts < cutoff:
            continue
        day = order_ts.astimezone(zone).date()
        person["last"] = day if person["last"] is None else max(person["last"], day)
        if order_ts >= window_start:
            person["frequency"] += 1
            person["monetary"] += net
    out = pd.DataFrame(rows, columns=["customer_id", "last", "frequency", "monetary"])
    out["recency_days"] = [None if d is None else (as_of - d).days for d in out["last"]]
    scored = out[out.frequency >= 1]
    n = len(scored)
    r_rank = scored.recency_days.astype(int).rank(method="min", ascending=False).astype(int)
    f_rank = scored.frequency.rank(method="min").astype(int)
    m_rank = scored.monetary.astype(float).rank(method="min").astype(int)
    for column, ranks in (("r_score", r_rank), ("f_score", f_rank), ("m_score", m_rank)):
        out[column] = None
        out.loc[scored.index, column] = [score(r, n) for r in ranks]
    segments = []
    for frequency, recency, r, f in zip(out.frequency, out.recency_days, out.r_score, out.f_score, strict=True):
        if frequency >= 1:
            segments.append(SEGMENT_MAP[(r, f)])
        else:
            segments.append("lost" if pd.notna(recency) else "prospect")
    out["segment"] = segments
    return out.drop(columns="last").sort_values("customer_id").reset_index(drop=True)


def expected_daily_sales(world, as_of: dt.date, tz: str = "UTC") -> pd.DataFrame:
    zone = ZoneInfo(tz)
    cutoff = local_midnight(as_of + dt.timedelta(days=1), zone)
    orders = frame(world, "SELECT f.order_id, f.customer_id, f.order_ts, f.status, f.channel, f.net_amount, "
                          "d.country_code FROM core.fact_orders f JOIN core.dim_customer d USING (customer_key)")
    units = frame(world, "SELECT order_id, quantity FROM core.fact_order_lines")
    owner = dict(frame(world, "SELECT customer_id, canonical_customer_id FROM core.customer_xref").itertuples(
        index=False, name=None))
    per_order = units.groupby("order_id")["quantity"].sum().to_dict()
    sales: dict = {}
    for o in orders.itertuples(index=False):
        if o.status not in QUALIFYING or not o.order_ts < cutoff:
            continue
        key = (o.order_ts.astimezone(zone).date(), o.country_code or "ZZ", o.channel)
        cell = sales.setdefault(key, {"orders": 0, "items": 0, "net_revenue": Decimal("0.00"), "who": set()})
        cell["orders"] += 1
        cell["items"] += int(per_order.get(o.order_id, 0))
        cell["net_revenue"] += o.net_amount
        cell["who"].add(owner.get(o.customer_id, o.customer_id))
    rows = [{"sale_date": k[0], "country_code": k[1], "channel": k[2], "orders": v["orders"], "items": v["items"],
             "net_revenue": v["net_revenue"], "customers": len(v["who"])} for k, v in sales.items()]
    return pd.DataFrame(rows).sort_values(["sale_date", "country_code", "channel"]).reset_index(drop=True)


def expected_movement(world, as_of: dt.date) -> pd.DataFrame:
    """From -> to counts of customers in both `as_of` and the latest snapshot before it."""
    dates = frame(world, f"SELECT max(as_of_date) AS d FROM marts.customer_segments WHERE as_of_date < '{as_of}'")
    previous = dates.d[0]
    columns = ["previous_as_of_date", "from_segment", "to_segment", "customers"]
    if previous is None or pd.isna(previous):
        return pd.DataFrame(columns=columns)
    snap = frame(world, "SELECT as_of_date, customer_id, segment FROM marts.customer_segments "
                        f"WHERE as_of_date IN ('{as_of}', '{previous}')")
    cur = snap[snap.as_of_date == as_of].set_index("customer_id").segment
    prev = snap[snap.as_of_date == previous].set_index("customer_id").segment
    both = pd.DataFrame({"from_segment": prev, "to_segment": cur}).dropna()
    moved = both[both.from_segment != both.to_segment]
    out = moved.groupby(["from_segment", "to_segment"]).size().rename("customers").reset_index()
    out.insert(0, "previous_as_of_date", previous)
    return out
