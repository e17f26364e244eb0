"""The pieces of a page's FastAPI app that do not depend on what the page shows.

- `page_app`: the app, every route behind the auth dependency (assets included), no API docs,
  gzip for larger responses; a refused parameter (`params.FilterError`) answered with 422 and
  nothing to show yet (LookupError) with 404; the page itself at / when it has an index template.
- `render_page`: the page's HTML template with the kit's common head (`{{ head }}`, static/head.html),
  its base URL (`{{ root }}`) and other values.
- `add_static_routes`: the page's own assets from one folder (an allow-list of names, nothing
  else of the folder), the kit's shared ones (static/: count_axis.js, page_fetch.js), and plotly.js from the
  installed plotly package: nothing from a CDN.
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
from include.warehouse_kit.page_kit.params import FilterError

KIT_STATIC = Path(__file__).parent / "static"
HEAD = KIT_STATIC / "head.html"
KIT_ASSETS = {"count_axis.js": "text/javascript", "page_fetch.js": "text/javascript"}


def _answer(status: int) -> Callable[[Request, Exception], JSONResponse]:
    """A handler that answers an exception with `status` and its message as the detail."""
    return lambda request, error: JSONResponse({"detail": str(error)}, status_code=status)


def page_app(title: str, auth: Callable | None = None, index: Path | None = None) -> FastAPI:
    """A page's app; `auth` replaces the auth manager's dependency (tests). With `index`, GET /
    renders that template, its `{{ title }}` set to `title`."""
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None,
                  dependencies=[Depends(auth or authenticated_user())])
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_exception_handler(FilterError, _answer(422))  # a parameter the page refuses
    app.add_exception_handler(LookupError, _answer(404))  # nothing published yet

    if index is not None:
        @app.get("/", response_class=HTMLResponse)
        def page(request: Request) -> HTMLResponse:
            return render_page(index, request, title=title, plotly_version=plotly_version())

    return app


def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@cache
def plotly_version() -> str:
    import plotly

    return plotly.__version__


def render_page(template: Path, request: Request, **values: str) -> HTMLResponse:
    """`template` with `{{ head }}` set to the kit's head, then `{{ root }}` to the page's mount point
    and `{{ name }}` to each value."""
    html = template.read_text(encoding="utf-8").replace("{{ head }}", HEAD.read_text(encoding="utf-8").rstrip("\n"))
    html = html.replace("{{ root }}", request.scope.get("root_path", "").rstrip("/") + "/")
    for name, value in values.items():
        html = html.replace("{{ " + name + " }}", value)
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def add_static_routes(app: FastAPI, folder: Path, assets: Mapping[str, str]) -> None:
    """/static/plotly.min.js, /static/<name> for each of the kit's assets, and for each name in
    `assets` (name -> media type), a file of `folder`."""

    @app.get("/static/plotly.min.js")
    def plotly_asset() -> FileResponse:
        return FileResponse(plotly_js(), media_type="text/javascript",
                            headers={"Cache-Control": "private, max-age=604800, immutable"})

    @app.get("/static/{name}")
    def asset(name: str) -> FileResponse:
        if name in assets:
            return FileResponse(folder / name, media_type=assets[name], headers={"Cache-Control": "no-cache"})
        if name in KIT_ASSETS:
            return FileResponse(KIT_STATIC / name, media_type=KIT_ASSETS[name], headers={"Cache-Control": "no-cache"})
        return JSONResponse({"detail": "not found"}, status_code=404)


def csv_download(chunks: Iterator[bytes], filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
