"""Column profiles of every staged CRM batch in audit.column_profile, and drift: a null rate that
jumps from 2 % to 40 % against the median of the last 14 profiles is a warning in the morning."""

from __future__ import annotations

import datetime as dt

from include.crm.contracts import DAG_ID, TABLES
from include.crm.summary import MORNING_SUMMARY
from include.warehouse_kit import alerts
from include.warehouse_kit.sql_files import sql_text

from .test_anomalies import world_connection

DAY = dt.date(2026, 10, 6)
END = DAY + dt.timedelta(days=1)


def _interval_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), dt.UTC)


def test_every_column_of_every_staged_batch_is_profiled(world_factory):
    world = world_factory(customers=1500, end_date=END)
    ctx = world.night(DAY)  # the first night: every source row before the interval end
    profiles = {(t, c): rest for t, c, *rest in world.wh(
        "SELECT table_name, column_name, kind, rows, nulls, null_rate, distinct_count, distinct_exact, min_value, "
        "max_value, mean, top_values FROM audit.column_profile WHERE dag_id = %s AND run_id = %s", (DAG_ID, ctx.run_id))}
    assert set(profiles) == {(t.name, c) for t in TABLES for c in t.columns}

    end = _interval_end(DAY)
    [(rows, nulls, distinct, low, high, mean)] = world.src(
        "SELECT count(*), count(*) - count(quantity), count(DISTINCT quantity), min(quantity), max(quantity), "
        "avg(quantity)::float FROM crm.order_items WHERE updated_at < %s", (end,))
    kind, *measures, minimum, maximum, average, top = profiles[("order_items", "quantity")]
    assert (kind, *measures, minimum, maximum, top) == (
        "numeric", rows, nulls, nulls / rows, distinct, True, str(low), str(high), None)
    assert abs(average - mean) < 1e-9

    [(customers, no_email)] = world.src(
        "SELECT count(*), count(*) - count(email) FROM crm.customers WHERE updated_at < %s", (end,))
    _, rows, nulls, _, distinct, exact, *_, top = profiles[("customers", "email")]
    assert (rows, nulls, exact, top) == (customers, no_email, True, None)  # nearly unique: no top values
    statuses = world.src("SELECT status, count(*) FROM crm.orders WHERE updated_at < %s AND status IS NOT NULL "
                         "GROUP BY 1 ORDER BY 2 DESC, 1", (end,))
    _, _, _, _, distinct, _, _, _, _, top = profiles[("orders", "status")]
    assert distinct == len(statuses) and [(e["value"], e["count"]) for e in top] == statuses[:5]
    assert world.wh("SELECT status FROM audit.data_quality_log WHERE run_id = %s AND \"check\" = 'customers.drift'",
                    (ctx.run_id,)) == [("pass",)]  # no earlier profile to compare with


def test_a_null_rate_jump_from_2_to_40_percent_warns_as_drift(world_factory):
    world = world_factory(customers=1500, end_date=END)
    with world_connection(world) as wh:
        wh.execute(sql_text("kit/bootstrap/create_audit.sql"))  # the audit tables, before the night
    for n in range(14):  # the column's last 14 profiles: 2 % of emails missing
        world.wh("INSERT INTO audit.column_profile (dag_id, run_id, table_name, column_name, position, kind, rows, "
                 "nulls, null_rate, distinct_count, distinct_exact, distinct_share, profiled_at) VALUES "
                 "(%s, %s, 'customers', 'email', 2, 'text', 1000, 20, 0.02, 980, true, 1.0, now() - %s * interval '1 day')",
                 (DAG_ID, f"earlier_{n}", n + 1))
    world.src("UPDATE crm.customers SET email = NULL WHERE customer_id % 5 < 2")
    ctx = world.night(DAY)

    [(rows, nulls)] = world.wh("SELECT rows, nulls FROM audit.column_profile WHERE run_id = %s "
                               "AND table_name = 'customers' AND column_name = 'email'", (ctx.run_id,))
    assert 0.38 < nulls / rows < 0.42
    checks = dict(world.wh('SELECT "check", status || \' \' || observed || \' / \' || expected '
                           "FROM audit.data_quality_log WHERE run_id = %s AND \"check\" LIKE 'customers.%%drift'",
                           (ctx.run_id,)))
    assert checks == {
        "customers.email.drift": f"warn null_rate {nulls / rows:.1%} / 2.0% ± 10% (median of 14 profiles)",
        "customers.drift": "warn 1 of 1 columns drifted / null rate ± 10%, distinct share ± 25% of the median "
                           "of the last 14 profiles"}
    with world_connection(world) as wh:
        report = alerts.run_report(wh, DAG_ID, ctx.run_id, MORNING_SUMMARY)
    assert any(w.startswith("customers.email.drift: observed null_rate") for w in report.warnings), report.warnings
