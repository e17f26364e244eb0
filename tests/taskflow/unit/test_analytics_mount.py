"""plugins/task_analytics_page.py: the nav entry points at the mounted app, loading the plugin
imports nothing of the page, and the app it builds on the first request guards every route."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import task_analytics_page as plugin

from devtools.local_env import REPO_ROOT, airflow_env
from include.taskflow.analytics_page import app as page_app

LOAD_PLUGIN = """
import json, sys
sys.path.insert(0, sys.argv[1])
import task_analytics_page
watched = ("fastapi", "include.taskflow.analytics_page.app", "include.taskflow.analytics_page.queries")
print(json.dumps(sorted(m for m in watched if m in sys.modules)))
"""


def test_the_nav_entry_opens_the_mounted_app_and_its_icon():
    (mounted,) = plugin.TaskAnalyticsPagePlugin.fastapi_apps
    (entry,) = plugin.TaskAnalyticsPagePlugin.external_views
    assert mounted["url_prefix"] == "/task-analytics"
    assert (entry["href"], entry["url_route"], entry["destination"]) == ("/task-analytics/", "task-analytics", "nav")
    assert entry["icon"] == "/task-analytics/static/icon.svg"


def test_a_process_that_loads_the_plugin_imports_no_part_of_the_page():
    done = subprocess.run([sys.executable, "-c", LOAD_PLUGIN, str(REPO_ROOT / "plugins")],
                          env=airflow_env(REPO_ROOT / ".local" / "test-mount"), capture_output=True, text=True,
                          check=True, timeout=120)
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_concurrent_first_requests_build_one_app_and_each_needs_a_user(monkeypatch):
    builds = []
    real = page_app.create_app
    monkeypatch.setattr(page_app, "create_app", lambda: builds.append(1) or real())
    asgi = plugin.AppOnFirstRequest(plugin.APP_FACTORY)
    routes = ("/", "/static/page.js", "/static/plotly.min.js", "/api/kpis", "/api/project_health",
              "/export/top_users.csv")

    async def all_at_once() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://page") as client:
            return [r.status_code for r in await asyncio.gather(*(client.get(route) for route in routes))]

    assert asyncio.run(all_at_once()) == [401] * len(routes)
    assert builds == [1]
