"""The Task analytics page through Airflow's real app (create_app, our plugin, the
SimpleAuthManager): auth on every route, each JSON view on the hand-made marts of
analytics_world (expectations computed by hand from its rows), the CSV exports, hostile
parameters, and the read-only reader that needs marts only."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import uuid
from types import SimpleNamespace

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql

from include.taskflow.analytics_page import filters, queries
from include.warehouse_kit.sql_files import query, sql_text
from tests.taskflow.integration import analytics_world
from tests.taskflow.integration.analytics_world import FORMULA_USER, NIGHTS, TEAM_A, TEAM_B, D

USER, PASSWORD = "exec", "Morning-coffee-7"
PREFIX = "/task-analytics"


@pytest.fixture(scope="module")
def create_db(admin_uri):
    with analytics_world.scratch_databases(admin_uri) as create:
        yield create


@pytest.fixture(scope="module")
def warehouse(create_db):
    conninfo, url = analytics_world.build(create_db)
    return SimpleNamespace(conninfo=conninfo, url=url, sql=lambda s, p=None: analytics_world.wh(conninfo, s, p))


@pytest.fixture(scope="module")
def airflow(warehouse, tmp_path_factory):
    """Airflow's api-server app, in-process, with one viewer; `env` changes its environment."""
    folder = tmp_path_factory.mktemp("task_analytics_api")
    (folder / "passwords.json").write_text(json.dumps({USER: PASSWORD}))
    settings = {"AIRFLOW_CONN_WAREHOUSE": warehouse.url, "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:viewer",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(folder / "passwords.json"),
                "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex * 2}
    with pytest.MonkeyPatch.context() as env:
        for name, value in settings.items():
            env.setenv(name, value)
        env.delenv("AIRFLOW_CONN_WAREHOUSE_READER", raising=False)
        migrated = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        from airflow.api_fastapi.app import create_app

        yield SimpleNamespace(app=create_app(), env=env)


@pytest.fixture(scope="module")
def stranger(airflow):
    return TestClient(airflow.app)


@pytest.fixture(scope="module")
def client(airflow):
    signed_in = TestClient(airflow.app)
    token = signed_in.post("/auth/token", json={"username": USER, "password": PASSWORD})
    assert token.status_code == 201, token.text
    signed_in.headers["Authorization"] = "Bearer " + token.json()["access_token"]
    return signed_in


def ok(client, route: str, **params):
    response = client.get(f"{PREFIX}/{route}", params=params)
    assert response.status_code == 200, response.text
    return response


def body(client, route: str, **params) -> dict:
    return ok(client, f"api/{route}", **params).json()


def csv_rows(response) -> list[list[str]]:
    """Header first. The file is UTF-8 with a BOM, CRLF after every record."""
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8")[1:], newline="")))


ROUTES = ["", "static/page.js", "static/page.css", "static/icon.svg", "static/plotly.min.js", "api/choices",
          "api/kpis", "api/created_vs_completed", "api/completion_by_project", "api/top_users", "api/project_health",
          *(f"export/{v}.csv" for v in filters.VIEWS)]


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_assets_and_downloads_included_needs_a_signed_in_user(stranger, route):
    assert stranger.get(f"{PREFIX}/{route}").status_code == 401
    assert stranger.get(f"{PREFIX}/{route}", headers={"Authorization": "Bearer forged.token.x"}).status_code in (401, 403)
    assert stranger.get(f"{PREFIX}/{route}", cookies={"_token": "forged"}).status_code in (401, 403)


def test_the_airflow_ui_session_cookie_opens_the_page(stranger, client):
    stranger.cookies.set("_token", client.headers["Authorization"].split(" ", 1)[1])
    try:
        assert stranger.get(f"{PREFIX}/api/choices").status_code == 200
    finally:
        stranger.cookies.clear()


def test_the_plugin_adds_a_nav_entry_and_the_page_loads_nothing_from_the_network(client):
    registered = {p["name"]: p for p in client.get("/api/v2/plugins").json()["plugins"]}
    (view,) = registered["task_analytics_page"]["external_views"]
    assert (view["href"], view["url_route"]) == ("/task-analytics/", "task-analytics")
    html = ok(client, "").text
    assert '<base href="/task-analytics/">' in html and "Task analytics" in html
    for text in (html, ok(client, "static/page.js").text, ok(client, "static/page.css").text):
        assert "http://" not in text and "https://" not in text and "//cdn" not in text
    plotly = ok(client, "static/plotly.min.js")
    assert len(plotly.content) > 1_000_000 and plotly.headers["content-type"].startswith("text/javascript")
    assert ok(client, "static/icon.svg").headers["content-type"] == "image/svg+xml"
    assert client.get(f"{PREFIX}/static/../app.py").status_code == 404
    assert client.get(f"{PREFIX}/static/filters.py").status_code == 404


def test_choices_are_the_nights_newest_first_and_the_projects_teams_and_categories(client):
    assert body(client, "choices") == {
        "as_of_dates": ["2026-10-05", "2026-10-04", "2026-10-01"], "teams": [TEAM_A, TEAM_B],
        "categories": ["Marketing", "Ops"], "first_metric_date": "2026-07-07", "sort_columns": list(filters.SORT_COLUMNS),
        "max_page_size": 500, "max_health_days": 31}


def test_kpis_of_the_latest_night(client):
    # 7 days 09-29..10-05: created 3+1 (10-05) + 1 (10-04) + 2 (09-29); completed 2+1+0+1.
    # The 7 before, 09-22..09-28: created 5 + 1, completed 4 + 1. 30 days 09-06..10-05: completed
    # 2+1+0+1+4+1+7+2 = 18, on time 1+1+3+5 = 10 of 2+1+3+7+2 = 15 with a due date.
    # Open and overdue: D's snapshot of projects 100, 101, 102.
    assert body(client, "kpis") == {
        "as_of_date": "2026-10-05", "created_7d": 7, "created_prev_7d": 6, "completed_7d": 4, "completed_prev_7d": 5,
        "completed_30d": 18, "on_time_rate_30d": 0.6667, "live_projects": 3, "open_tasks": 23, "overdue_tasks": 10}


def test_kpis_of_an_earlier_night_use_the_windows_that_end_on_it(client):
    # 09-28..10-04: created 1+2+5, completed 0+1+4; 09-21..09-27: created 1+7, completed 1+7;
    # 30 days 09-05..10-04: completed 0+1+4+1+7+2+9 = 24, on time 1+3+5+9 = 18 of 1+3+7+2+9 = 22.
    assert body(client, "kpis", as_of_date="2026-10-04") == {
        "as_of_date": "2026-10-04", "created_7d": 8, "created_prev_7d": 8, "completed_7d": 5, "completed_prev_7d": 8,
        "completed_30d": 24, "on_time_rate_30d": 0.8182, "live_projects": 4, "open_tasks": 23, "overdue_tasks": 9}


def _days(first: dt.date, last: dt.date) -> list[str]:
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def test_created_vs_completed_has_every_one_of_the_90_days_zero_without_events(client):
    got = body(client, "created_vs_completed")
    assert (got["date_from"], got["date_to"]) == ("2026-07-08", "2026-10-05")
    assert [r["metric_date"] for r in got["rows"]] == _days(dt.date(2026, 7, 8), D)
    busy = {"2026-07-08": (4, 0), "2026-09-05": (0, 9), "2026-09-06": (0, 2), "2026-09-21": (7, 7),
            "2026-09-22": (1, 1), "2026-09-28": (5, 4), "2026-09-29": (2, 1), "2026-10-04": (1, 0),
            "2026-10-05": (4, 3)}  # two projects on 10-05 add up; 09-30 has a reopening only
    assert {r["metric_date"]: (r["tasks_created"], r["tasks_completed"]) for r in got["rows"]} == {
        day: busy.get(day, (0, 0)) for day in _days(dt.date(2026, 7, 8), D)}


def test_created_vs_completed_of_an_earlier_night_ends_on_it(client):
    rows = body(client, "created_vs_completed", as_of_date="2026-10-04")["rows"]
    assert (rows[0], rows[-1]) == ({"metric_date": "2026-07-07", "tasks_created": 100, "tasks_completed": 0},
                                   {"metric_date": "2026-10-04", "tasks_created": 1, "tasks_completed": 0})
    assert len(rows) == 90


COMPLETION = [  # 09-06..10-05, most completions first; project 103 only reopened, so it is not listed
    {"project_id": 100, "name": "=cmd", "category": "Ops", "team": TEAM_A, "tasks_completed": 10,
     "completed_on_time": 7, "completed_late": 3, "completed_without_due_date": 0, "on_time_rate": 0.7},
    {"project_id": 101, "name": "Website 🌐", "category": "Marketing", "team": TEAM_B, "tasks_completed": 5,
     "completed_on_time": 3, "completed_late": 0, "completed_without_due_date": 2, "on_time_rate": 1.0},
    {"project_id": 104, "name": None, "category": None, "team": None, "tasks_completed": 2,  # inferred project
     "completed_on_time": 0, "completed_late": 2, "completed_without_due_date": 0, "on_time_rate": 0.0},
    {"project_id": 102, "name": "Back office", "category": None, "team": None, "tasks_completed": 1,
     "completed_on_time": 0, "completed_late": 0, "completed_without_due_date": 1, "on_time_rate": None},
]


def test_completion_by_project_over_the_30_days_splits_on_time_late_and_no_due_date(client):
    got = body(client, "completion_by_project")
    assert (got["date_from"], got["date_to"], got["rows"]) == ("2026-09-06", "2026-10-05", COMPLETION)


def test_the_top_10_users_rank_by_7_day_completions_then_user_id(client):
    got = body(client, "top_users")
    assert (got["date_from"], got["date_to"]) == ("2026-09-29", "2026-10-05")
    # 9: users 1, 11, 12; then 19 (8) ... 14 (2); the three with 1 (2, 13, 20) miss the cut, 21 (0) never ranks.
    assert [r["user_id"] for r in got["rows"]] == [1, 11, 12, 19, 18, 17, 10, 16, 15, 14]
    assert got["rows"][0] == {"as_of_date": "2026-10-05", "user_id": 1, "full_name": "Zoë Café 😀", "team": TEAM_A,
                              "completed_7d": 9, "completed_30d": 20}


def test_a_night_with_fewer_than_10_active_users_ranks_only_those(client):
    rows = body(client, "top_users", as_of_date="2026-10-04")["rows"]
    assert rows == [{"as_of_date": "2026-10-04", "user_id": 2, "full_name": FORMULA_USER, "team": TEAM_B,
                     "completed_7d": 3, "completed_30d": 3}]


def _health(rows) -> list[tuple]:
    return [(r["as_of_date"], r["project_id"]) for r in rows]


def test_project_health_defaults_to_the_nights_snapshot_worst_overdue_first(client):
    got = body(client, "project_health")
    assert (got["date_from"], got["date_to"], got["total"], got["sort"], got["direction"]) == (
        "2026-10-05", "2026-10-05", 3, "overdue_tasks", "desc")
    assert got["rows"][0] == {"as_of_date": "2026-10-05", "project_id": 102, "name": "Back office", "category": None,
                              "team": None, "open_tasks": 7, "overdue_tasks": 7, "completed_30d": 1,
                              "on_time_rate_30d": None}
    assert _health(got["rows"]) == [("2026-10-05", 102), ("2026-10-05", 100), ("2026-10-05", 101)]


WEEK = {"date_from": "2026-10-01"}  # with the default date_to (the night): three snapshots


@pytest.mark.parametrize(("params", "expected"), [
    ({**WEEK, "team": TEAM_A}, [("2026-10-05", 100), ("2026-10-04", 100), ("2026-10-01", 100)]),  # a comma in it
    ({**WEEK, "team": TEAM_B}, [("2026-10-01", 101), ("2026-10-04", 101), ("2026-10-05", 101), ("2026-10-04", 103)]),
    ({**WEEK, "category": "Ops"}, [("2026-10-05", 100), ("2026-10-04", 100), ("2026-10-01", 100), ("2026-10-04", 103)]),
    ({**WEEK, "team": [TEAM_A, TEAM_B], "category": "Marketing"},
     [("2026-10-01", 101), ("2026-10-04", 101), ("2026-10-05", 101)]),
    ({"date_from": "2026-10-02"}, [("2026-10-05", 102), ("2026-10-04", 102), ("2026-10-05", 100), ("2026-10-04", 100),
                                   ("2026-10-04", 101), ("2026-10-05", 101), ("2026-10-04", 103)]),
    ({"date_to": "2026-10-03"}, []),  # the range is 10-03 alone: no snapshot that night
    ({"as_of_date": "2026-10-01"}, [("2026-10-01", 101), ("2026-10-01", 100)]),  # that night alone
])
def test_project_health_filters_by_team_category_and_snapshot_range(client, params, expected):
    got = body(client, "project_health", **params)
    assert _health(got["rows"]) == expected and got["total"] == len(expected)


HEALTH_ROWS = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in analytics_world.HEALTH]


@pytest.mark.parametrize("sort", ["as_of_date", "project_id", "open_tasks", "overdue_tasks", "completed_30d",
                                  "on_time_rate_30d"])
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_project_health_pages_follow_the_sort_without_gaps_or_overlaps(client, sort, direction):
    column = ["as_of_date", "project_id", "open_tasks", "overdue_tasks", "completed_30d", "on_time_rate_30d"].index(sort)
    present = sorted((r for r in HEALTH_ROWS if r[column] is not None),
                     key=lambda r: (float(r[column]) if column == 5 else r[column], r[0], r[1]),
                     reverse=direction == "desc")
    absent = sorted((r for r in HEALTH_ROWS if r[column] is None), key=lambda r: (r[0], r[1]),
                    reverse=direction == "desc")
    expected = [(r[0].isoformat(), r[1]) for r in present + absent]  # NULLs last either way
    pages = [body(client, "project_health", date_from="2026-10-01", sort=sort, direction=direction, page=n,
                  page_size=2) for n in (1, 2, 3, 4, 5, 6)]
    assert [p["total"] for p in pages] == [9] * 6
    assert [key for p in pages for key in _health(p["rows"])] == expected


@pytest.mark.parametrize("sort", ["name", "category", "team"])
def test_project_health_sorts_by_the_projects_names_and_teams(client, warehouse, sort):
    expected = warehouse.sql(sql.SQL("SELECT h.as_of_date::text, h.project_id FROM marts.project_health h "
                                     "JOIN marts.task_projects p USING (project_id) "
                                     "ORDER BY {} DESC NULLS LAST, h.as_of_date DESC, h.project_id DESC")
                             .format(sql.Identifier("p", sort)))
    got = body(client, "project_health", date_from="2026-10-01", sort=sort, direction="desc", page_size=500)
    assert _health(got["rows"]) == [tuple(r) for r in expected]
    if sort != "name":  # project 102 has neither a category nor a team: last, as NULLs always are
        assert (got["rows"][-1]["project_id"], got["rows"][-1][sort]) == (102, None)


EXPORTS = {  # view -> (query parameters, file name, header)
    "kpis": ({}, "kpis_2026-10-05.csv",
             ["as_of_date", "created_7d", "created_prev_7d", "completed_7d", "completed_prev_7d", "completed_30d",
              "on_time_rate_30d", "live_projects", "open_tasks", "overdue_tasks"]),
    "created_vs_completed": ({}, "created_vs_completed_2026-07-08_2026-10-05.csv",
                             ["metric_date", "tasks_created", "tasks_completed"]),
    "completion_by_project": ({}, "completion_by_project_2026-09-06_2026-10-05.csv",
                              ["project_id", "name", "category", "team", "tasks_completed", "completed_on_time",
                               "completed_late", "completed_without_due_date", "on_time_rate"]),
    "top_users": ({"as_of_date": "2026-10-04"}, "top_users_2026-10-04.csv",
                  ["as_of_date", "user_id", "full_name", "team", "completed_7d", "completed_30d"]),
    "project_health": ({"date_from": "2026-10-01", "team": TEAM_A, "sort": "as_of_date", "direction": "asc"},
                       "project_health_2026-10-01_2026-10-05.csv",
                       ["as_of_date", "project_id", "name", "category", "team", "open_tasks", "overdue_tasks",
                        "completed_30d", "on_time_rate_30d"]),
}


@pytest.mark.parametrize("view", filters.VIEWS)
def test_every_view_downloads_as_an_excel_ready_csv_named_after_its_window(client, view):
    params, name, header = EXPORTS[view]
    response = ok(client, f"export/{view}.csv", **params)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    rows = csv_rows(response)
    assert rows[0] == header
    assert response.content.count(b"\r\n") == len(rows)


def test_the_csvs_hold_the_rows_the_views_show(client):
    assert csv_rows(ok(client, "export/kpis.csv"))[1:] == [["2026-10-05", "7", "6", "4", "5", "18", "0.6667", "3", "23",
                                                            "10"]]
    trend = csv_rows(ok(client, "export/created_vs_completed.csv"))[1:]
    assert len(trend) == 90 and trend[0] == ["2026-07-08", "4", "0"] and trend[1] == ["2026-07-09", "0", "0"]
    assert csv_rows(ok(client, "export/completion_by_project.csv"))[1:] == [
        ["100", "'=cmd", "Ops", TEAM_A, "10", "7", "3", "0", "0.7000"],
        ["101", "Website 🌐", "Marketing", TEAM_B, "5", "3", "0", "2", "1.0000"],
        ["104", "", "", "", "2", "0", "2", "0", "0.0000"],
        ["102", "Back office", "", "", "1", "0", "0", "1", ""]]
    assert [r[1] for r in csv_rows(ok(client, "export/top_users.csv"))[1:]] == ["1", "11", "12", "19", "18", "17", "10",
                                                                                "16", "15", "14"]


def test_formulas_are_neutralised_while_commas_unicode_and_numbers_stay_as_they_are(client):
    users = ok(client, "export/top_users.csv", as_of_date="2026-10-04")
    assert csv_rows(users)[1] == ["2026-10-04", "2", "'" + FORMULA_USER, TEAM_B, "3", "3"]
    health = ok(client, "export/project_health.csv", date_from="2026-10-01", team=TEAM_A, sort="as_of_date",
                direction="asc")
    assert health.content.endswith(b"2026-10-05,100,'=cmd,Ops,\"Core, Platform\",12,3,10,0.7000\r\n")
    top = ok(client, "export/top_users.csv").content.decode("utf-8")
    assert "Zoë Café 😀" in top and '"Core, Platform"' in top


def test_the_project_health_csv_follows_the_tables_filters_and_sort(client):
    rows = csv_rows(ok(client, "export/project_health.csv", date_from="2026-10-01", category="Ops",
                       sort="open_tasks", direction="asc"))[1:]
    assert [(r[0], r[1], r[5]) for r in rows] == [("2026-10-04", "103", "0"), ("2026-10-01", "100", "1"),
                                                  ("2026-10-04", "100", "11"), ("2026-10-05", "100", "12")]


HOSTILE = ("'; DROP TABLE marts.project_health; --", "1 OR 1=1", "../../etc/passwd", "Mobile' OR '1'='1", "\x00",
           "2026-10-05'::date; SELECT pg_sleep(5)--", "overdue_tasks; DELETE FROM marts.project_health")
PARAMS = [("api/kpis", "as_of_date"), ("api/top_users", "as_of_date"), ("api/project_health", "team"),
          ("api/project_health", "category"), ("api/project_health", "sort"), ("api/project_health", "direction"),
          ("api/project_health", "page"), ("api/project_health", "page_size"), ("api/project_health", "date_from"),
          ("api/project_health", "date_to"), ("export/project_health.csv", "sort"),
          ("export/project_health.csv", "team"), ("export/created_vs_completed.csv", "as_of_date")]


@pytest.mark.parametrize(("route", "param"), PARAMS)
def test_hostile_parameters_are_refused_before_any_sql(client, warehouse, route, param):
    counts = "SELECT (SELECT count(*) FROM marts.project_health), (SELECT count(*) FROM marts.agg_daily_metrics)"
    before = warehouse.sql(counts)
    for value in HOSTILE:
        response = client.get(f"{PREFIX}/{route}", params={param: value})
        assert response.status_code == 422, (param, value, response.text)
        assert param.split("_")[0] in response.json()["detail"]
    assert warehouse.sql(counts) == before


@pytest.mark.parametrize(("route", "params", "message"), [
    ("api/kpis", {"as_of_date": "2026-10-02"}, "2026-10-02 has no snapshot"),
    ("api/project_health", {"date_from": "2026-09-01"}, "spans 35 days; at most 31"),
    ("api/project_health", {"date_from": "2026-10-05", "date_to": "2026-10-01"}, "after date_to"),
    ("api/project_health", {"page_size": "501"}, "at most 500"),
    ("export/users.csv", {}, "no CSV export named 'users'"),
    ("export/top_users.json", {}, "exports end in .csv"),
])
def test_out_of_range_requests_say_what_is_wrong(client, route, params, message):
    response = client.get(f"{PREFIX}/{route}", params=params)
    assert response.status_code == 422 and message in response.json()["detail"]


def test_an_empty_warehouse_answers_choices_and_asks_for_a_run(client, airflow, warehouse, create_db):
    conninfo, url = create_db("t_tf_empty")
    analytics_world.apply_ddl(conninfo)
    airflow.env.setenv("AIRFLOW_CONN_WAREHOUSE", url)
    try:
        assert body(client, "choices")["as_of_dates"] == []
        for route in ("api/kpis", "api/project_health", "export/kpis.csv"):
            response = client.get(f"{PREFIX}/{route}")
            assert response.status_code == 404 and "run taskflow_nightly first" in response.json()["detail"]
    finally:
        airflow.env.setenv("AIRFLOW_CONN_WAREHOUSE", warehouse.url)


def test_a_marts_only_role_behind_warehouse_reader_serves_every_view(client, airflow, warehouse):
    role = f"t_tf_reader_{uuid.uuid4().hex[:8]}"
    dbname = psycopg.conninfo.conninfo_to_dict(warehouse.conninfo)["dbname"]
    for statement in ("CREATE ROLE {role} LOGIN", "GRANT CONNECT ON DATABASE {db} TO {role}",
                      "GRANT USAGE ON SCHEMA marts TO {role}", "GRANT SELECT ON ALL TABLES IN SCHEMA marts TO {role}"):
        warehouse.sql(sql.SQL(statement).format(role=sql.Identifier(role), db=sql.Identifier(dbname)))
    try:
        airflow.env.setenv("AIRFLOW_CONN_WAREHOUSE_READER", warehouse.url.replace("//postgres@", f"//{role}@", 1))
        airflow.env.setenv("AIRFLOW_CONN_WAREHOUSE", "postgresql://nobody@127.0.0.1:1/none")
        assert body(client, "completion_by_project")["rows"] == COMPLETION
        assert body(client, "top_users")["rows"][0]["full_name"] == "Zoë Café 😀"
        assert csv_rows(ok(client, "export/project_health.csv"))[1][2] == "Back office"
        with queries.connect() as conn:
            assert conn.execute("SELECT current_user").fetchone()[0] == role
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("SELECT email FROM core.dim_user")
    finally:
        airflow.env.setenv("AIRFLOW_CONN_WAREHOUSE", warehouse.url)
        airflow.env.delenv("AIRFLOW_CONN_WAREHOUSE_READER")
        warehouse.sql(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        warehouse.sql(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_the_fallback_session_is_read_only_and_times_out(client, warehouse):
    with queries.connect() as conn:
        assert conn.execute("SELECT current_setting('statement_timeout')").fetchone()[0] == "30s"
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("DELETE FROM marts.project_health")
    assert warehouse.sql("SELECT count(*) FROM marts.project_health") == [(len(analytics_world.HEALTH),)]


def test_dash_reader_reads_the_page_views_after_roles_sql_and_after_a_rebootstrap(create_db):
    """roles.sql's grant on all tables in marts covers the views; their owner (etl_writer) reads
    core for them, and re-applying the DDL as etl_writer keeps the grant."""
    conninfo, _ = create_db("t_tf_roles")
    analytics_world.apply_ddl(conninfo)
    analytics_world.fill(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as admin:
        admin.execute(sql_text("crm/security/roles.sql"))
        owners = admin.execute("SELECT DISTINCT viewowner FROM pg_views WHERE schemaname = 'marts'").fetchall()
        assert owners == [("etl_writer",)]
        admin.execute("SET ROLE etl_writer")
        admin.execute(query("taskflow/bootstrap/create_page_views.sql"))
    with queries.connect(conninfo) as conn:
        conn.execute("SET ROLE dash_reader")
        assert queries.completion_by_project(conn, filters.trailing(D, 30)) == COMPLETION
        assert [r["user_id"] for r in queries.top_users(conn, NIGHTS[1])] == [2]
        c = queries.choices(conn)
        health = queries.project_health(conn, filters.health_filter(None, None, [TEAM_A], [], c, D),
                                        filters.health_page(None, None, 1, 25))
        assert [(r["name"], r["team"]) for r in health["rows"]] == [("=cmd", TEAM_A)]
        for table in ("core.dim_user", "core.dim_project", "core.fact_task_events"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(*table.split("."))))
            conn.rollback()
            conn.execute("SET ROLE dash_reader")
