"""The "Task analytics" entry of the Airflow UI's navigation: an external view of the FastAPI
app mounted at /task-analytics (include/taskflow/analytics_page/). Every Airflow process loads
this plugin, each task's too, but only the api-server serves the page: the kit's
AppOnFirstRequest imports and builds the app on the first request, never at plugin load.
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from include.warehouse_kit.page_kit.mount import AppOnFirstRequest

APP_FACTORY = "include.taskflow.analytics_page.app:create_app"
URL_PREFIX = "/task-analytics"


class TaskAnalyticsPagePlugin(AirflowPlugin):
    name = "task_analytics_page"
    fastapi_apps = [{"app": AppOnFirstRequest(APP_FACTORY), "url_prefix": URL_PREFIX, "name": "Task analytics"}]
    external_views = [{"name": "Task analytics", "href": f"{URL_PREFIX}/", "destination": "nav",
                       "nav_top_level": True, "url_route": "task-analytics",
                       "icon": f"{URL_PREFIX}/static/icon.svg"}]
