"""Puts "Customer segments" in the Airflow UI navigation: a FastAPI app at /segments, shown by
an external view. The app, its queries and its assets live in include/crm/segments_page/;
the app is built on its first request (include/warehouse_kit/page_kit/mount.py), so the
processes that load plugins but never serve the page (every task's among them) skip it.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from include.warehouse_kit.page_kit.mount import AppOnFirstRequest

APP_FACTORY = "include.crm.segments_page.app:create_app"


class SegmentsPagePlugin(AirflowPlugin):
    name = "segments_page"
    fastapi_apps = [{"app": AppOnFirstRequest(APP_FACTORY), "url_prefix": "/segments", "name": "Customer segments"}]
    external_views = [{"name": "Customer segments", "href": "/segments/", "destination": "nav",
                       "nav_top_level": True, "url_route": "segments", "icon": "/segments/static/icon.svg"}]
