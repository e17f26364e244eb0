"""The "Data quality" entry of the Airflow UI's navigation: an external view of the FastAPI app
mounted at /data-quality (include/warehouse_kit/quality_page/), built on its first request."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from include.warehouse_kit.page_kit.mount import AppOnFirstRequest

APP_FACTORY = "include.warehouse_kit.quality_page.app:create_app"
URL_PREFIX = "/data-quality"


class DataQualityPagePlugin(AirflowPlugin):
    name = "data_quality_page"
    fastapi_apps = [{"app": AppOnFirstRequest(APP_FACTORY), "url_prefix": URL_PREFIX, "name": "Data quality"}]
    external_views = [{"name": "Data quality", "href": f"{URL_PREFIX}/", "destination": "nav",
                       "nav_top_level": True, "url_route": "data-quality",
                       "icon": f"{URL_PREFIX}/static/icon.svg"}]
