"""Routes of the Data quality page. Mounted at /data-quality by plugins/data_quality_page.py;
every route needs a signed-in Airflow user (the page kit's auth dependency).

    GET /                               the page
    GET /static/{page.js,page.css,icon.svg,plotly.min.js,count_axis.js}
    GET /api/pipelines                  each pipeline's latest run
    GET /api/pipeline?dag_id            its checks, freshness, reconciliation, column profiles
                                        (each with its last 30 null rates) and open quarantine
    GET /export/quarantine.csv?dag_id[&source_table]   the open quarantine rows
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from include.warehouse_kit.page_kit.app import add_static_routes, csv_download, page_app
from include.warehouse_kit.quality_page import queries

STATIC = Path(__file__).parent / "static"
ASSETS = {"page.js": "text/javascript", "page.css": "text/css", "icon.svg": "image/svg+xml"}


def create_app(auth: Callable | None = None) -> FastAPI:
    """`auth` replaces the auth manager's dependency (tests)."""
    app = page_app("Data quality", auth, index=STATIC / "index.html")
    add_static_routes(app, STATIC, ASSETS)

    @app.get("/api/pipelines")
    def pipelines() -> list[dict[str, Any]]:
        with queries.connect() as conn:
            return queries.pipelines(conn)

    @app.get("/api/pipeline")
    def pipeline(dag_id: str | None = None) -> dict[str, Any]:
        with queries.connect() as conn:
            return queries.pipeline(conn, dag_id)

    @app.get("/export/quarantine.csv")
    def quarantine(dag_id: str | None = None, source_table: str | None = None) -> StreamingResponse:
        with queries.connect() as conn:
            run = queries.run_of(conn, dag_id)
        name = f"quarantine_{run['dag_id']}{'_' + source_table if source_table else ''}.csv"
        return csv_download(queries.quarantine_chunks(run["dag_id"], source_table), name)

    return app
