"""plugins/segments_page.py mounts the page's app built on its first request, so loading the
plugin (which every task's process does) builds and imports nothing of the page."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
from segments_page import APP_FACTORY

from devtools.local_env import REPO_ROOT, airflow_env
from include.crm.segments_page import app as page_app
from include.warehouse_kit.page_kit.mount import AppOnFirstRequest

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import segments_page
print(json.dumps({m: m in sys.modules for m in ("fastapi", "include.crm.segments_page.app")}))
"""


def test_loading_the_plugin_imports_neither_fastapi_nor_the_page():
    env = airflow_env(REPO_ROOT / ".local" / "test-mount")
    done = subprocess.run([sys.executable, "-c", PROBE, str(REPO_ROOT / "plugins")], env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout.splitlines()[-1]) == {"fastapi": False, "include.crm.segments_page.app": False}


def test_the_first_requests_build_the_app_once_and_every_route_still_needs_a_user(monkeypatch):
    built, original = [], page_app.create_app

    def counting_create_app():
        built.append(original())
        return built[-1]

    monkeypatch.setattr(page_app, "create_app", counting_create_app)
    mounted = AppOnFirstRequest(APP_FACTORY)  # what the plugin mounts

    async def requests() -> list[int]:
        transport = httpx.ASGITransport(app=mounted)
        async with httpx.AsyncClient(transport=transport, base_url="http://page") as client:
            first = await asyncio.gather(*(client.get(path) for path in ("/", "/api/kpis", "/static/page.js")))
            later = await client.get("/export/daily_sales.csv")
            return [r.status_code for r in (*first, later)]

    assert asyncio.run(requests()) == [401, 401, 401, 401]  # built with its auth dependency in force
    assert len(built) == 1
