"""The segments page's API and CSV exports, through Airflow's real app (create_app with our
plugin and the SimpleAuthManager) on a warehouse built by three real nights."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import uuid
from decimal import Decimal

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from include.crm.contracts import SEGMENTS
from include.crm.segments_page import filters, queries
from tests.crm.integration import segments_world
from tests.crm.integration.segments_world import NIGHTS, TRICKY_NAMES

VIEWS = filters.VIEWS
INJECTIONS = ("'; DROP TABLE marts.daily_sales; --", "1 OR 1=1", "monetary; DELETE FROM marts.customer_segments",
              "../../etc/passwd", "DE' OR '1'='1", "%00", "\x00", "2026-10-05'::date; SELECT pg_sleep(5)--")


@pytest.fixture(scope="module")
def world(module_worlds):
    return segments_world.build(module_worlds)


@pytest.fixture(scope="module")
def airflow_app(world, tmp_path_factory):
    home = tmp_path_factory.mktemp("segments_api")
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({"analyst": "s3cret-pw"}))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AIRFLOW_CONN_WAREHOUSE", world.warehouse_url)
        mp.delenv("AIRFLOW_CONN_WAREHOUSE_READER", raising=False)
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "analyst:viewer")
        mp.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(passwords))
        mp.setenv("AIRFLOW__API_AUTH__JWT_SECRET", uuid.uuid4().hex * 2)
        done = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        from airflow.api_fastapi.app import create_app

        yield create_app(), mp


@pytest.fixture(scope="module")
def anonymous(airflow_app):
    return TestClient(airflow_app[0])


@pytest.fixture(scope="module")
def client(airflow_app):
    c = TestClient(airflow_app[0])
    response = c.post("/auth/token", json={"username": "analyst", "password": "s3cret-pw"})
    assert response.status_code == 201, response.text
    c.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return c


def get(client, path: str, **params):
    response = client.get(f"/segments/{path}", params=params)
    assert response.status_code == 200, response.text
    return response


def read_csv(response) -> tuple[list[str], list[list[str]]]:
    raw = response.content
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first"
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))
    return rows[0], rows[1:]


ROUTES = ["", "static/page.js", "static/page.css", "static/plotly.min.js", "api/choices", "api/kpis",
          "api/segment_summary", "api/segment_movement", "api/daily_sales", "api/customer_segments",
          *(f"export/{view}.csv" for view in VIEWS)]


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_refuses_anonymous_and_forged_requests(anonymous, route):
    assert anonymous.get(f"/segments/{route}").status_code == 401
    forged = anonymous.get(f"/segments/{route}", headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code in (401, 403)
    assert anonymous.get(f"/segments/{route}", cookies={"_token": "forged"}).status_code in (401, 403)


def test_the_ui_session_cookie_is_accepted(anonymous, client):
    token = client.headers["Authorization"].removeprefix("Bearer ")
    anonymous.cookies.set("_token", token)
    try:
        assert anonymous.get("/segments/api/choices").status_code == 200
    finally:
        anonymous.cookies.clear()


def test_plugin_registers_the_nav_view_and_serves_assets_locally(client):
    plugins = client.get("/api/v2/plugins").json()["plugins"]
    ours = next(p for p in plugins if p["name"] == "segments_page")
    assert ours["external_views"][0]["href"] == "/segments/"
    assert ours["external_views"][0]["url_route"] == "segments"
    html = get(client, "").text
    assert "<base href=\"/segments/\">" in html
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    js = get(client, "static/plotly.min.js")
    assert len(js.content) > 1_000_000 and b"plotly" in js.content[:2000].lower()
    for asset in ("page.js", "page.css"):
        text = get(client, f"static/{asset}").text
        assert "http://" not in text and "https://" not in text, f"{asset} loads nothing from the network"
    assert client.get("/segments/static/../app.py").status_code == 404


def test_choices_list_snapshots_newest_first_and_sales_filters(client, world):
    body = get(client, "api/choices").json()
    assert body["as_of_dates"] == [d.isoformat() for d in reversed(NIGHTS)]
    assert body["segments"] == list(SEGMENTS)
    countries = [r[0] for r in world.wh("SELECT DISTINCT country_code::text FROM marts.daily_sales ORDER BY 1")]
    assert body["countries"] == countries and "DE" in countries
    assert body["channels"] == [r[0] for r in world.wh("SELECT DISTINCT channel FROM marts.daily_sales ORDER BY 1")]


@pytest.mark.parametrize("as_of_date", [None, NIGHTS[0], NIGHTS[1]])
def test_kpis_for_a_snapshot(client, world, as_of_date):
    day = as_of_date or NIGHTS[-1]
    body = get(client, "api/kpis", **({"as_of_date": day.isoformat()} if as_of_date else {})).json()
    customers, active, revenue, orders = world.wh(
        "SELECT count(*), count(*) FILTER (WHERE frequency > 0), sum(monetary), sum(frequency) "
        "FROM marts.customer_segments WHERE as_of_date = %s", (day,))[0]
    assert body["as_of_date"] == day.isoformat()
    assert (body["customers"], body["active_customers"]) == (customers, active)
    assert Decimal(str(body["revenue"])) == revenue
    assert Decimal(str(body["avg_order_value"])) == (revenue / orders).quantize(Decimal("0.01"))


def test_segment_summary_is_the_mart(client, world):
    body = get(client, "api/segment_summary", as_of_date=NIGHTS[1].isoformat()).json()
    expected = world.wh("SELECT segment, customers, revenue FROM marts.segment_summary WHERE as_of_date = %s",
                        (NIGHTS[1],))
    assert sorted((r["segment"], r["customers"], Decimal(str(r["revenue"]))) for r in body["rows"]) == sorted(expected)


@pytest.mark.parametrize("night", NIGHTS)
def test_movement_is_the_change_between_two_snapshots(client, world, night):
    body = get(client, "api/segment_movement", as_of_date=night.isoformat()).json()
    expected = world.wh("SELECT p.as_of_date, p.segment, c.segment, count(*)::int FROM marts.customer_segments c "
                        "JOIN marts.customer_segments p ON p.customer_id = c.customer_id AND p.as_of_date = "
                        "(SELECT max(as_of_date) FROM marts.customer_segments WHERE as_of_date < %s) "
                        "WHERE c.as_of_date = %s AND p.segment <> c.segment GROUP BY 1, 2, 3", (night, night))
    got = [(dt.date.fromisoformat(r["previous_as_of_date"]), r["from_segment"], r["to_segment"], r["customers"])
           for r in body["rows"]]
    assert sorted(got) == sorted(expected)
    previous = [d for d in NIGHTS if d < night]
    assert body["previous_as_of_date"] == (previous[-1].isoformat() if previous else None)
    if night != NIGHTS[0]:
        assert got, "tick changes move some customers"


SALES_FILTERS = [
    {},
    {"country": "DE"},
    {"country": ["DE", "FR"]},
    {"country": "de,fr"},
    {"channel": "web"},
    {"channel": ["web", "mobile"], "country": "DE"},
    {"date_from": "2026-09-01", "date_to": "2026-09-30"},
    {"date_from": "2025-10-01", "date_to": "2026-10-05", "channel": "marketplace"},
]


def _expected_sales(world, params: dict, aggregate: bool):
    date_to = dt.date.fromisoformat(params.get("date_to", NIGHTS[-1].isoformat()))
    date_from = dt.date.fromisoformat(params.get("date_from", (date_to - dt.timedelta(days=89)).isoformat()))
    as_list = lambda v: [x.upper() for x in (v if isinstance(v, list) else v.split(","))]  # noqa: E731
    countries = as_list(params["country"]) if "country" in params else None
    channels = [c.lower() for c in as_list(params["channel"])] if "channel" in params else None
    rows = world.wh("SELECT sale_date, country_code::text, channel, orders, items, net_revenue, customers "
                    "FROM marts.daily_sales ORDER BY sale_date, country_code, channel")
    rows = [r for r in rows if date_from <= r[0] <= date_to and (countries is None or r[1] in countries)
            and (channels is None or r[2] in channels)]
    if not aggregate:
        return rows
    days: dict = {}
    for day, _, _, orders, items, revenue, _ in rows:
        o, i, v = days.get(day, (0, 0, Decimal(0)))
        days[day] = (o + orders, i + items, v + revenue)
    # Every day from the first sale (of any filter) through the latest night is a point: 0 without a sale.
    first_sale = world.wh("SELECT min(sale_date) FROM marts.daily_sales")[0][0]
    day, last = max(date_from, first_sale), min(date_to, NIGHTS[-1])
    filled = []
    while day <= last:
        filled.append((day.isoformat(), *days.get(day, (0, 0, Decimal(0)))))
        day += dt.timedelta(days=1)
    return filled


@pytest.mark.parametrize("params", SALES_FILTERS)
def test_daily_sales_trend_applies_every_filter(client, world, params):
    body = get(client, "api/daily_sales", **params).json()
    got = [(r["sale_date"], r["orders"], r["items"], Decimal(str(r["net_revenue"]))) for r in body["rows"]]
    expected = _expected_sales(world, params, aggregate=True)
    assert got == expected and expected


def test_daily_sales_trend_draws_a_day_without_sales_as_zero(client, world):
    """The marketplace channel sells on some days only: each other day of the range is a point at
    0 (the chart must not draw a line across it); no point before the first sale or after the night."""
    params = {"date_from": "2025-10-01", "date_to": "2026-10-31", "channel": "marketplace"}
    rows = get(client, "api/daily_sales", **params).json()["rows"]
    sold = {r[0]: r[1] for r in world.wh("SELECT sale_date::text, sum(orders)::int FROM marts.daily_sales "
                                         "WHERE channel = 'marketplace' GROUP BY 1")}
    first_sale = world.wh("SELECT min(sale_date) FROM marts.daily_sales")[0][0]
    days = [(max(first_sale, dt.date(2025, 10, 1)) + dt.timedelta(days=n)).isoformat()
            for n in range((NIGHTS[-1] - max(first_sale, dt.date(2025, 10, 1))).days + 1)]
    assert [r["sale_date"] for r in rows] == days
    assert [r["orders"] for r in rows] == [sold.get(day, 0) for day in days]
    empty = [r for r in rows if r["sale_date"] not in sold]
    assert empty and all((r["orders"], r["items"], r["net_revenue"]) == (0, 0, 0) for r in empty)
    assert 0 < len(empty) < len(rows)


@pytest.mark.parametrize("params", SALES_FILTERS)
def test_daily_sales_csv_is_the_filtered_rows(client, world, params):
    response = get(client, "export/daily_sales.csv", **params)
    header, rows = read_csv(response)
    assert header == ["sale_date", "country_code", "channel", "orders", "items", "net_revenue", "customers"]
    expected = _expected_sales(world, params, aggregate=False)
    assert rows == [[d.isoformat(), c, ch, str(o), str(i), str(v), str(n)] for d, c, ch, o, i, v, n in expected]


@pytest.mark.parametrize("sort", filters.SORT_COLUMNS)
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_customer_table_sorts_and_pages_without_gaps_or_overlaps(client, world, sort, direction):
    segment = "hibernating"
    rows = world.wh(sql.SQL("SELECT customer_id, {} FROM marts.customer_segments WHERE as_of_date = %s "
                            "AND segment = %s").format(sql.Identifier(sort)), (NIGHTS[-1], segment))
    present = sorted((r for r in rows if r[1] is not None), key=lambda r: (r[1], r[0]), reverse=direction == "desc")
    expected = [r[0] for r in present] + sorted((r[0] for r in rows if r[1] is None), reverse=direction == "desc")
    got, page = [], 1
    while True:
        body = get(client, "api/customer_segments", segment=segment, sort=sort, direction=direction,
                   page=page, page_size=7).json()
        assert body["total"] == len(expected)
        if not body["rows"]:
            break
        assert all(r["segment"] == segment for r in body["rows"])
        got += [r["customer_id"] for r in body["rows"]]
        page += 1
    assert got == expected and len(expected) > 7


def test_customer_table_for_all_segments_and_an_older_snapshot(client, world):
    body = get(client, "api/customer_segments", as_of_date=NIGHTS[0].isoformat(), page_size=500).json()
    total = world.wh("SELECT count(*) FROM marts.customer_segments WHERE as_of_date = %s", (NIGHTS[0],))[0][0]
    assert body["total"] == total and len(body["rows"]) == min(500, total)
    assert {r["as_of_date"] for r in body["rows"]} == {NIGHTS[0].isoformat()}


@pytest.mark.parametrize("view", VIEWS)
def test_every_csv_is_excel_ready_and_counts_what_sql_counts(client, world, view):
    params = {"as_of_date": NIGHTS[-1].isoformat()} if view != "daily_sales" else {}
    response = get(client, f"export/{view}.csv", **params)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    label = "2026-07-08_2026-10-05" if view == "daily_sales" else "2026-10-05"
    assert response.headers["content-disposition"] == f'attachment; filename="{view}_{label}.csv"'
    header, rows = read_csv(response)
    assert response.content.count(b"\r\n") == len(rows) + 1, "every record ends in CRLF"
    source = {"customer_segments": "marts.customer_segments WHERE as_of_date = '2026-10-05'",
              "segment_summary": "marts.segment_summary WHERE as_of_date = '2026-10-05'",
              "segment_movement": "marts.segment_movement WHERE as_of_date = '2026-10-05'",
              "daily_sales": "marts.daily_sales WHERE sale_date BETWEEN '2026-07-08' AND '2026-10-05'",
              "segment_contacts": "marts.segment_contacts"}[view]
    assert len(rows) == world.wh(f"SELECT count(*) FROM {source}")[0][0] > 0
    columns = [r[0] for r in world.wh("SELECT column_name FROM information_schema.columns WHERE table_schema = "
                                      "'marts' AND table_name = %s ORDER BY ordinal_position", (view,))]
    assert header == columns


def test_segment_filter_narrows_the_customer_and_contact_exports(client, world):
    for view in ("customer_segments", "segment_contacts"):
        header, rows = read_csv(get(client, f"export/{view}.csv", segment="hibernating"))
        assert rows and {r[header.index("segment")] for r in rows} == {"hibernating"}
        source = "marts.segment_contacts" if view == "segment_contacts" else "marts.customer_segments"
        assert len(rows) == world.wh(f"SELECT count(*) FROM {source} WHERE segment = 'hibernating' "
                                     "AND as_of_date = '2026-10-05'")[0][0]


def test_customer_export_follows_the_table_sort(client):
    _, rows = read_csv(get(client, "export/customer_segments.csv", sort="recency_days", direction="asc"))
    recencies = [int(r[2]) for r in rows if r[2] != ""]
    assert recencies == sorted(recencies) and rows[-1][2] == ""  # NULLs (prospects) last


def test_contacts_are_opted_in_customers_with_names_intact(client, world):
    response = get(client, "export/segment_contacts.csv")
    header, rows = read_csv(response)
    opted_in = {r[0] for r in world.wh(
        "SELECT s.customer_id FROM marts.customer_segments s JOIN core.dim_customer d "
        "ON d.customer_id = s.customer_id AND d.is_current WHERE s.as_of_date = '2026-10-05' AND d.marketing_opt_in")}
    ids = [int(r[1]) for r in rows]
    assert set(ids) == opted_in and len(ids) == len(opted_in)
    opted_out = world.wh("SELECT count(*) FROM core.dim_customer WHERE is_current AND NOT marketing_opt_in")[0][0]
    assert opted_out > 0
    names = {int(r[1]): (r[header.index("first_name")], r[header.index("last_name")]) for r in rows}
    assert names[9_000_001] == ("Zoë", "Café")
    assert names[9_000_002] == ("Anne, Marie", 'O"Neil')
    assert names[9_000_003] == ("Line\nbreak", "Ünïcødé 😀")
    # Formula-looking text is neutralised for Excel; SQL-looking text is just text.
    assert names[9_000_004] == ("'" + TRICKY_NAMES[3][1], "'" + TRICKY_NAMES[3][2])
    assert names[9_000_005] == TRICKY_NAMES[4][1:]
    raw = response.content
    assert b'"Anne, Marie","O""Neil"' in raw and b'"Line\nbreak"' in raw and "Zoë".encode() in raw


def test_contacts_exist_only_for_the_latest_snapshot(client):
    response = client.get("/segments/export/segment_contacts.csv", params={"as_of_date": NIGHTS[0].isoformat()})
    assert response.status_code == 422 and "latest snapshot" in response.json()["detail"]


BAD_PARAMS = [
    ("api/kpis", "as_of_date"), ("api/customer_segments", "segment"), ("api/customer_segments", "sort"),
    ("api/customer_segments", "direction"), ("api/customer_segments", "page"), ("api/customer_segments", "page_size"),
    ("api/daily_sales", "country"), ("api/daily_sales", "channel"), ("api/daily_sales", "date_from"),
    ("export/customer_segments.csv", "sort"), ("export/daily_sales.csv", "country"),
    ("export/segment_contacts.csv", "segment"),
]


@pytest.mark.parametrize(("route", "param"), BAD_PARAMS)
def test_hostile_filter_values_are_refused_before_sql(client, world, route, param):
    before = world.wh("SELECT (SELECT count(*) FROM marts.daily_sales), (SELECT count(*) FROM marts.customer_segments)")
    for value in INJECTIONS:
        response = client.get(f"/segments/{route}", params={param: value})
        assert response.status_code == 422, (param, value, response.text)
        assert param.split("_")[0] in response.json()["detail"]
    assert world.wh("SELECT (SELECT count(*) FROM marts.daily_sales), "
                    "(SELECT count(*) FROM marts.customer_segments)") == before


@pytest.mark.parametrize(("params", "message"), [
    ({"as_of_date": "2026-10-02"}, "has no snapshot"),
    ({"date_from": "2026-10-05", "date_to": "2026-10-01"}, "after date_to"),
    ({"page_size": "501"}, "at most 500"),
    ({"page": "0"}, "between 1"),
])
def test_out_of_range_filters_say_what_is_wrong(client, params, message):
    route = "api/daily_sales" if "date_from" in params else "api/customer_segments"
    response = client.get(f"/segments/{route}", params=params)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_unknown_export_is_refused(client):
    assert client.get("/segments/export/core.dim_customer.csv").status_code == 422
    assert client.get("/segments/export/segment_summary.json").status_code == 422


def test_reads_use_warehouse_reader_when_it_is_set(client, world, airflow_app, admin_uri):
    """A marts-only role behind warehouse_reader serves the page, contacts included (through the
    view), while `warehouse` points nowhere."""
    role = f"t_reader_{uuid.uuid4().hex[:8]}"
    dbname = psycopg.conninfo.conninfo_to_dict(world.warehouse_uri)["dbname"]
    with psycopg.connect(world.warehouse_uri, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(dbname), sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA marts TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA marts TO {}").format(sql.Identifier(role)))
    mp = airflow_app[1]
    try:
        reader_url = world.warehouse_url.replace("//postgres@", f"//{role}@", 1)
        assert reader_url != world.warehouse_url
        mp.setenv("AIRFLOW_CONN_WAREHOUSE_READER", reader_url)
        mp.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://nobody@127.0.0.1:1/none")
        assert get(client, "api/kpis").json()["customers"] > 0
        _, rows = read_csv(get(client, "export/segment_contacts.csv"))
        assert rows
        with queries.connect() as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == role
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT count(*) FROM core.dim_customer")
    finally:
        mp.setenv("AIRFLOW_CONN_WAREHOUSE", world.warehouse_url)
        mp.delenv("AIRFLOW_CONN_WAREHOUSE_READER")
        with psycopg.connect(world.warehouse_uri, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_fallback_connection_is_read_only_with_a_timeout(client, world):
    with queries.connect() as conn:
        assert conn.execute("SELECT current_setting('statement_timeout')").fetchone()[0] == "30s"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM marts.daily_sales")
    assert world.wh("SELECT count(*) FROM marts.daily_sales")[0][0] > 0
