"""What a plugin mounts for a page: its app, built on the first request.

Every Airflow process loads the plugins, each task's process among them, but only the
api-server serves a page. Importing FastAPI and building the routes at plugin load cost each
task about 20 ms; this module imports neither until a request comes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _factory(target: str | Callable[[], Any]) -> Callable[[], Any]:
    if callable(target):
        return target
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class AppOnFirstRequest:
    """An ASGI app that builds its app on its first call and then hands every call to it.

    `factory` is the app's factory or, to import nothing before the first request, its import
    path ("package.module:create_app"). The build runs within one event-loop step (no await),
    so two first requests cannot both build."""

    def __init__(self, factory: str | Callable[[], Any]) -> None:
        self._factory = factory
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = _factory(self._factory)()
        await self._app(scope, receive, send)
