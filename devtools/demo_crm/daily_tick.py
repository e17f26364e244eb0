"""One business day of the demo CRM: late and new customers (some duplicates), new orders
(a few for customers that arrive a day late), status changes, late cancellations and refunds,
profile changes, soft deletes, price changes and fixes of earlier dirt, all stamped inside
[day, day + 1) UTC. Inserts and updates go through the kit's COPY writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql

from devtools.demo_crm import volumes as v
from devtools.demo_crm.dirt import _CC, _CC_P, _cities, _countries, _duplicates_of, _persons, _slug, _valid_email_mask
from devtools.demo_crm.initial_load import _choice_p, _order_block, _product_weights, _round_99, write
from devtools.demo_crm.volumes import DAY, VALID_EMAIL_RE, _epoch, _ts
from include.warehouse_kit import pg_io

# same test as VALID_EMAIL_RE in SQL (to find invalid emails for quarantine fixes); the pattern
# is bound as a parameter: pass (VALID_EMAIL_RE.pattern, ...) to a query that uses it
_SQL_INVALID_EMAIL = sql.SQL("email IS NOT NULL AND email !~ %s")


class TickAlreadyAppliedError(ValueError):
    """The database already holds changes at or after the requested day."""


def _fetch_frame(cur: psycopg.Cursor, query: str | sql.Composable, params: Sequence | None = None) -> pd.DataFrame:
    cur.execute(query, params)
    cols = [d.name for d in cur.description]
    return pd.DataFrame(cur.fetchall(), columns=cols, dtype=object)


def _epoch_of(column: str, alias: str | None = None) -> sql.Composed:
    """``extract(epoch FROM <column>)::bigint [AS <alias>]``."""
    expr = sql.SQL("extract(epoch FROM {})::bigint").format(sql.Identifier(column))
    return expr if alias is None else sql.SQL("{} AS {}").format(expr, sql.Identifier(alias))


# customer columns fetched for profile changes / soft deletes / email fixes, deleted_at as epoch
_CHANGED_CUSTOMER_COLS = sql.SQL(", ").join(
    [*(sql.Identifier(c) for c in ("customer_id", "email", "country", "city", "marketing_opt_in")),
     _epoch_of("deleted_at", "deleted_at")])


def _nullable_ts(values: pd.Series) -> np.ndarray:
    """Epoch seconds (None for NULL) -> datetime64[s] with NaT."""
    raw = values.tolist()
    out = _ts(np.array([0 if x is None else int(x) for x in raw], dtype=np.int64))
    out[np.array([x is None for x in raw], dtype=bool)] = np.datetime64("NaT")
    return out


def _assigned(values: np.ndarray) -> np.ndarray:
    return np.array([x is not None for x in values], dtype=bool)


def _in_day(rng: np.random.Generator, d0: int, n: int) -> np.ndarray:
    return d0 + rng.integers(0, DAY, n)


def update(conn: psycopg.Connection, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """Set ``columns[1:]`` of the ``crm.<table>`` rows whose key is ``columns[0]``: the rows go
    to a temp table through pg_io.write_frame, then one ``UPDATE ... FROM`` it."""
    if frame.empty:
        return 0
    key, *cols = columns
    tmp = sql.Identifier("_upd_" + table)
    target = sql.Identifier("crm", table)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(tmp))
    conn.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
        tmp, sql.SQL(", ").join(map(sql.Identifier, columns)), target))
    pg_io.write_frame(conn, "_upd_" + table, frame[list(columns)])
    sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Identifier("u", c)) for c in cols)
    conn.execute(sql.SQL("UPDATE {} t SET {} FROM {} u WHERE {} = {}").format(
        target, sets, tmp, sql.Identifier("t", key), sql.Identifier("u", key)))
    return len(frame)


def tick(uri: str, *, day: dt.date, seed: int = 42, order_rate: float = v.MONTHLY_ORDER_RATE) -> dict[str, int]:
    """Write one business day of inserts/updates, all stamped inside [day, day+1) UTC
    (``order_rate`` as for init)."""
    rng = np.random.default_rng([seed, day.toordinal()])
    d0 = _epoch(day)
    d1 = d0 + DAY
    res = dict.fromkeys(("new_customers", "duplicate_customers", "late_customers", "new_orders",
                         "orphan_orders", "new_order_items", "status_changes", "late_cancellations",
                         "refunds", "profile_changes", "soft_deletes", "price_changes",
                         "quarantine_fixes"), 0)
    with pg_io.connect(uri) as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "SELECT extract(epoch FROM greatest((SELECT max(updated_at) FROM crm.customers),"
            " (SELECT max(updated_at) FROM crm.products),"
            " (SELECT max(updated_at) FROM crm.orders),"
            " (SELECT max(updated_at) FROM crm.order_items)))::bigint")
        latest = cur.fetchone()[0]
        if latest is not None and latest >= d0:
            raise TickAlreadyAppliedError(
                f"crm already has changes at {dt.datetime.fromtimestamp(latest, dt.UTC)}; "
                f"tick({day}) must run for a later day")
        cur.execute("SELECT coalesce(max(customer_id), 0) FROM crm.customers")
        max_cust_row = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(order_id), 0), coalesce(max(customer_id), 0) FROM crm.orders")
        max_order, max_order_cust = cur.fetchone()
        cur.execute("SELECT coalesce(max(order_item_id), 0) FROM crm.order_items")
        max_item = cur.fetchone()[0]
        active = _fetch_frame(cur, sql.SQL("SELECT customer_id, {} FROM crm.customers "
                                           "WHERE deleted_at IS NULL ORDER BY customer_id").format(
                                               _epoch_of("created_at", "created")))
        active_ids = active["customer_id"].to_numpy(dtype=np.int64)
        n_active = len(active_ids)
        products = _fetch_frame(cur, "SELECT product_id, list_price, is_active FROM crm.products "
                                "ORDER BY product_id")
        products["list_price"] = products["list_price"].astype(float)

        # ---- 1. late customers: orders of earlier ticks whose customer row is still missing
        pending = _fetch_frame(cur, "SELECT o.customer_id FROM crm.orders o WHERE NOT EXISTS "
                               "(SELECT 1 FROM crm.customers c WHERE c.customer_id = o.customer_id) "
                               "GROUP BY o.customer_id ORDER BY o.customer_id")
        late_ids = pending["customer_id"].to_numpy(dtype=np.int64)
        late = _persons(rng, late_ids)
        late_created = np.sort(_in_day(rng, d0, len(late_ids)))

        # ---- 2. new customers (a few are duplicates of existing persons)
        next_cust = max(max_cust_row, max_order_cust) + 1
        n_new = int(rng.poisson(v.NEW_CUSTOMER_RATE * n_active))
        new_created = np.sort(_in_day(rng, d0, n_new))
        new_ids = np.arange(next_cust, next_cust + n_new, dtype=np.int64)
        new = _persons(rng, new_ids)
        is_dup = rng.random(n_new) < v.DUPLICATE_RATE
        dup_src = rng.choice(active_ids, size=int(is_dup.sum())) if n_active else np.array([], np.int64)
        if is_dup.any():
            src = _fetch_frame(cur, "SELECT customer_id, email, first_name, last_name, country, city "
                               "FROM crm.customers WHERE customer_id = ANY(%s) ORDER BY customer_id",
                               (dup_src.tolist(),)).set_index("customer_id")
            src = src.loc[dup_src]
            ok = _valid_email_mask(src["email"].to_numpy())
            pos = np.flatnonzero(is_dup)[ok]
            src = src[ok]
            dups = _duplicates_of(rng, {"email": src["email"].to_numpy(), "first_name": src["first_name"].to_numpy(),
                                        "last_name": src["last_name"].to_numpy(), "country": src["country"].to_numpy(),
                                        "city": src["city"].to_numpy(), "_cidx": np.full(len(src), -1)})
            for key in ("email", "first_name", "last_name", "country", "city"):
                new[key][pos] = dups[key]
            res["duplicate_customers"] = len(pos)
        next_cust += n_new

        # ---- 3. new orders: existing customers, some of today's new ones, ~1 % late customers
        expected_orders = v.DAILY_ORDER_RATE * order_rate / v.MONTHLY_ORDER_RATE * n_active
        n_orders = int(rng.poisson(expected_orders))
        n_orphan = int(rng.binomial(n_orders, v.LATE_CUSTOMER_RATE))
        same_day = np.flatnonzero(rng.random(n_new) < v.NEW_CUSTOMER_SAME_DAY_ORDER_RATE)
        n_existing = max(n_orders - n_orphan - len(same_day), 0)
        orphan_ids = np.arange(next_cust, next_cust + n_orphan, dtype=np.int64)
        existing = rng.choice(active_ids, size=n_existing) if n_active else np.array([], np.int64)
        o_cust = np.concatenate([existing, new_ids[same_day], orphan_ids]).astype(np.int64)
        o_lo = np.concatenate([np.full(len(existing), d0), new_created[same_day], np.full(n_orphan, d0)])
        o_created = o_lo + (rng.random(len(o_cust)) * (d1 - o_lo)).astype(np.int64)
        srt = np.argsort(o_created, kind="stable")
        act = products[products["is_active"].astype(bool)]
        weights = _product_weights(len(products), np.random.default_rng([seed, 2]))  # same as init
        act_w = weights[products["is_active"].astype(bool).to_numpy()]
        orders, items = _order_block(
            rng, customer_id=o_cust[srt], created=o_created[srt],
            product_id=act["product_id"].to_numpy(dtype=np.int64),
            price_cents=np.rint(act["list_price"].to_numpy(dtype=float) * 100).astype(np.int64),
            product_p=act_w / act_w.sum(), first_order_id=max_order + 1, first_item_id=max_item + 1,
            as_of=d1, future_ts=True)

        # ---- 4. late cancellations, refunds, status progression of open orders
        cand = _fetch_frame(cur, sql.SQL("SELECT order_id, status, {}, {} FROM crm.orders "
                                         "WHERE (status IN ('placed', 'paid', 'shipped') OR "
                                         "(status = 'delivered' AND created_at >= %s)) AND updated_at < %s "
                                         "ORDER BY order_id").format(_epoch_of("order_ts", "order_ts"),
                                                                     _epoch_of("created_at", "created")),
                            (dt.datetime.fromtimestamp(d0 - 60 * DAY, dt.UTC), dt.datetime.fromtimestamp(d0, dt.UTC)))
        cand_ids = cand["order_id"].to_numpy(dtype=np.int64)
        cand_status = cand["status"].to_numpy()
        cand_created = cand["created"].to_numpy(dtype=np.int64)
        new_status = np.full(len(cand), None, dtype=object)
        lc_pool = np.flatnonzero((cand_created >= d0 - 30 * DAY) & (cand_created < d0 - 2 * DAY))
        n_lc = min(int(rng.poisson(v.LATE_CANCELLATION_RATE * expected_orders)), len(lc_pool))
        lc = rng.choice(lc_pool, size=n_lc, replace=False)
        new_status[lc] = "cancelled"
        rf_pool = np.flatnonzero((cand_status == "delivered") & (cand_created < d0 - 3 * DAY)
                                 & ~_assigned(new_status))
        n_rf = min(int(rng.poisson(v.REFUND_RATE * expected_orders)), len(rf_pool))
        rf = rng.choice(rf_pool, size=n_rf, replace=False)
        new_status[rf] = "refunded"
        u = rng.random(len(cand))
        free = ~_assigned(new_status)
        progress = [
            (cand_status == "placed") & (u < v.PAID_HAZARD), "paid",
            (cand_status == "placed") & (u >= v.PAID_HAZARD) & (u < v.PAID_HAZARD + v.PLACED_CANCEL_HAZARD), "cancelled",
            (cand_status == "paid") & (u < v.SHIPPED_HAZARD), "shipped",
            (cand_status == "shipped") & (u < v.DELIVERED_HAZARD), "delivered",
        ]
        n_progress = 0
        for mask, st in zip(progress[::2], progress[1::2], strict=True):
            m = mask & free
            new_status[m] = st
            n_progress += int(m.sum())
        res["late_cancellations"], res["refunds"], res["status_changes"] = n_lc, n_rf, n_progress

        # ---- 5. profile changes and soft deletes of existing active customers
        n_pc = int(rng.binomial(n_active, v.PROFILE_CHANGE_RATE))
        n_sd = int(rng.binomial(n_active, v.SOFT_DELETE_RATE))
        picked = rng.choice(n_active, size=min(n_pc + n_sd, n_active), replace=False)
        pc_ids, sd_ids = active_ids[picked[:n_pc]], active_ids[picked[n_pc:]]
        by_ids = sql.SQL("SELECT {} FROM crm.customers WHERE customer_id = ANY(%s) "
                         "ORDER BY customer_id").format(_CHANGED_CUSTOMER_COLS)
        changed = _fetch_frame(cur, by_ids, (np.concatenate([pc_ids, sd_ids]).tolist(),))
        changed = changed.set_index("customer_id").loc[np.concatenate([pc_ids, sd_ids])].reset_index()
        kinds = _choice_p(rng, list(v.PROFILE_CHANGE_P), list(v.PROFILE_CHANGE_P.values()), len(pc_ids))
        move_country, move_cidx = _countries(rng, len(pc_ids))
        move_city = _cities(rng, move_cidx, move_country)
        other_city = _cities(rng, rng.choice(len(_CC), size=len(pc_ids), p=_CC_P))
        stamp = _in_day(rng, d0, len(changed))
        for i in range(len(pc_ids)):
            if kinds[i] == "country_move":
                changed.at[i, "country"], changed.at[i, "city"] = move_country[i], move_city[i]
            elif kinds[i] == "city_change":
                changed.at[i, "city"] = other_city[i]
            else:
                changed.at[i, "marketing_opt_in"] = not changed.at[i, "marketing_opt_in"]
        changed["updated_at"] = _ts(stamp)
        del_ts = np.full(len(changed), np.datetime64("NaT"), dtype="datetime64[s]")
        del_ts[len(pc_ids):] = _ts(stamp[len(pc_ids):])
        changed["deleted_at"] = del_ts
        res["profile_changes"], res["soft_deletes"] = len(pc_ids), len(sd_ids)

        # ---- 6. product price changes
        act_pos = np.flatnonzero(products["is_active"].astype(bool).to_numpy())
        n_price = min(int(rng.poisson(v.PRICE_CHANGES_PER_DAY)), len(act_pos))
        pp = np.sort(rng.choice(act_pos, size=n_price, replace=False))
        factor = 1 + rng.choice([-1, 1], size=n_price) * rng.uniform(0.05, 0.15, size=n_price)
        price_upd = pd.DataFrame({
            "product_id": products["product_id"].to_numpy(dtype=np.int64)[pp],
            "list_price": _round_99(products["list_price"].to_numpy(dtype=float)[pp] * 100 * factor) / 100.0,
            "updated_at": _ts(_in_day(rng, d0, n_price))})
        res["price_changes"] = n_price

        # ---- 7. quarantine fixes: previously invalid rows corrected
        bad_items = _fetch_frame(cur, "SELECT i.order_item_id, i.quantity, i.unit_price, p.list_price "
                                 "FROM crm.order_items i LEFT JOIN crm.products p USING (product_id) "
                                 "WHERE i.quantity <= 0 OR i.unit_price IS NULL ORDER BY i.order_item_id")
        fix_i = rng.random(len(bad_items)) < v.QUARANTINE_FIX_RATE
        bad_items = bad_items[fix_i].reset_index(drop=True)
        q = bad_items["quantity"].to_numpy(dtype=np.int64)
        price = bad_items["unit_price"].to_numpy(dtype=object)
        item_fix = pd.DataFrame({
            "order_item_id": bad_items["order_item_id"].to_numpy(dtype=np.int64),
            "quantity": np.where(q <= 0, np.maximum(-q, 1), q),
            "unit_price": np.array([float(p if p is not None else lp)
                                    for p, lp in zip(price, bad_items["list_price"], strict=True)], dtype=float),
            "updated_at": _ts(_in_day(rng, d0, len(bad_items)))})
        bad_mail = _fetch_frame(cur, sql.SQL("SELECT customer_id, first_name, last_name FROM crm.customers "
                                             "WHERE {} AND updated_at < %s ORDER BY customer_id").format(
                                                 _SQL_INVALID_EMAIL),
                                (VALID_EMAIL_RE.pattern, dt.datetime.fromtimestamp(d0, dt.UTC)))
        fix_m = (rng.random(len(bad_mail)) < v.QUARANTINE_FIX_RATE) & ~bad_mail["customer_id"].isin(
            changed["customer_id"]).to_numpy()
        bad_mail = bad_mail[fix_m]
        mail_fix = _fetch_frame(cur, by_ids, (bad_mail["customer_id"].tolist(),))
        mail_fix["email"] = [f"{_slug(f or '') or 'x'}.{_slug(la or '') or 'x'}{cid}@example.com"
                             for f, la, cid in zip(bad_mail["first_name"], bad_mail["last_name"],
                                                   bad_mail["customer_id"], strict=True)]
        mail_fix["updated_at"] = _ts(_in_day(rng, d0, len(mail_fix)))
        mail_fix["deleted_at"] = _nullable_ts(mail_fix["deleted_at"])
        cur.execute(sql.SQL("SELECT order_id, status, {} FROM crm.orders "
                            "WHERE (order_ts < '2000-01-01' OR order_ts > created_at + interval '1 day') "
                            "AND updated_at < %s ORDER BY order_id").format(_epoch_of("created_at")),
                    (dt.datetime.fromtimestamp(d0, dt.UTC),))
        ts_rows = cur.fetchall()
        fix_o = rng.random(len(ts_rows)) < v.QUARANTINE_FIX_RATE
        ts_fix = {r[0]: (r[1], r[2]) for r, f in zip(ts_rows, fix_o, strict=True) if f}
        res["quarantine_fixes"] = len(item_fix) + len(mail_fix) + len(ts_fix)

        # ---- order updates (status changes and order_ts fixes merged, one row per order)
        upd = {}
        stamp_o = _in_day(rng, d0, len(cand))
        for i in np.flatnonzero(_assigned(new_status)):
            upd[int(cand_ids[i])] = [new_status[i], int(cand["order_ts"].iat[i]), int(stamp_o[i])]
        fix_stamp = _in_day(rng, d0, len(ts_fix))
        for j, (oid, (status, created)) in enumerate(sorted(ts_fix.items())):
            if oid in upd:
                upd[oid][1] = created
            else:
                upd[oid] = [status, created, int(fix_stamp[j])]
        keys = sorted(upd)
        order_upd = pd.DataFrame({
            "order_id": np.array(keys, dtype=np.int64),
            "status": np.array([upd[k][0] for k in keys], dtype=object),
            "order_ts": _ts(np.array([upd[k][1] for k in keys], dtype=np.int64)),
            "updated_at": _ts(np.array([upd[k][2] for k in keys], dtype=np.int64))})

        # ---- write
        new_rows = []
        for ids, attrs, created in ((late_ids, late, late_created), (new_ids, new, new_created)):
            frame = pd.DataFrame({k: x for k, x in attrs.items() if not k.startswith("_")})
            frame.insert(0, "customer_id", ids)
            frame["created_at"] = _ts(created)
            frame["updated_at"] = _ts(created)
            frame["deleted_at"] = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[s]")
            new_rows.append(frame)
        write(conn, "customers", pd.concat(new_rows, ignore_index=True))
        write(conn, "orders", orders)
        write(conn, "order_items", items)
        update(conn, "customers", pd.concat([changed, mail_fix], ignore_index=True),
               ("customer_id", "email", "country", "city", "marketing_opt_in", "deleted_at", "updated_at"))
        update(conn, "orders", order_upd, ("order_id", "status", "order_ts", "updated_at"))
        update(conn, "order_items", item_fix, ("order_item_id", "quantity", "unit_price", "updated_at"))
        update(conn, "products", price_upd, ("product_id", "list_price", "updated_at"))

    res["late_customers"] = len(late_ids)
    res["new_customers"] = n_new
    res["new_orders"] = len(orders)
    res["orphan_orders"] = n_orphan
    res["new_order_items"] = len(items)
    return res

