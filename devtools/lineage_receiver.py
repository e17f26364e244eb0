"""An OpenLineage HTTP receiver on loopback (the full-stack test's): it keeps every event the
provider's HTTP transport POSTs, gzip or not, and answers 200."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENDPOINT = "api/v1/lineage"


@contextmanager
def lineage_receiver() -> Iterator[tuple[str, list[dict]]]:
    """Yields (the transport's JSON for AIRFLOW__OPENLINEAGE__TRANSPORT, the events received)."""
    received: list[dict] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            with lock:
                received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        yield json.dumps({"type": "http", "url": url, "endpoint": ENDPOINT}), received
    finally:
        server.shutdown()
        server.server_close()
