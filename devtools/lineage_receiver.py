"""An OpenLineage HTTP receiver on loopback (the full-stack test's): it keeps every event the
provider's HTTP transport POSTs (devtools.alert_catchers.json_post_server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from devtools.alert_catchers import json_post_server

ENDPOINT = "api/v1/lineage"


@contextmanager
def lineage_receiver() -> Iterator[tuple[str, list[dict]]]:
    """Yields (the transport's JSON for AIRFLOW__OPENLINEAGE__TRANSPORT, the events received)."""
    with json_post_server() as (url, received):
        yield json.dumps({"type": "http", "url": url, "endpoint": ENDPOINT}), received
