"""What plugins/segments_page.py mounts at /segments: the page's app, built on first request.

Every Airflow process loads the plugins, each task's process among them, but only the
api-server serves the page. Importing FastAPI and building the routes at plugin load cost
each task about 20 ms; this module imports neither until a request comes.
"""

from __future__ import annotations

from typing import Any


class AppOnFirstRequest:
    """An ASGI app that builds `app.create_app()` on its first call and then hands every call
    to it. The build runs within one event-loop step (no await), so two first requests cannot
    both build."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            from include.crm.segments_page.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)
