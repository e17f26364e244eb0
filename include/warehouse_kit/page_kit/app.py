"""The pieces of a page's FastAPI app that do not depend on what the page shows.

- `page_app`: the app, every route behind the auth dependency (assets included), no API docs,
  gzip for larger responses.
- `render_page`: the page's HTML template with its base URL (`{{ root }}`) and other values.
- `add_static_routes`: the page's own assets from one folder (an allow-list of names, nothing
  else of the folder), and plotly.js from the installed plotly package: nothing from a CDN.
- `csv_download`: a streamed CSV attachment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, StreamingResponse

from include.warehouse_kit.page_kit.auth import authenticated_user


def page_app(title: str, auth: Callable | None = None) -> FastAPI:
    """A page's app; `auth` replaces the auth manager's dependency (tests)."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(auth or authenticated_user())])
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    return app


def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@cache
def plotly_version() -> str:
    import plotly

    return plotly.__version__


def render_page(template: Path, request: Request, **values: str) -> HTMLResponse:
    """`template` with `{{ root }}` set to the page's mount point and `{{ name }}` to each value."""
    html = template.read_text(encoding="utf-8").replace(
        "{{ root }}", request.scope.get("root_path", "").rstrip("/") + "/")
    for name, value in values.items():
        html = html.replace("{{ " + name + " }}", value)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def add_static_routes(app: FastAPI, folder: Path, assets: Mapping[str, str]) -> None:
    """/static/plotly.min.js, and /static/<name> for each name in `assets` (name -> media type)."""

    @app.get("/static/plotly.min.js")
    def plotly_asset() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "private, max-age=604800, immutable"})

    @app.get("/static/{name}")
    def asset(name: str) -> FileResponse:
        if name not in assets:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return FileResponse(folder / name, media_type=assets[name], headers={"Cache-Control": "no-cache"})


def csv_download(chunks: Iterator[bytes], filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
