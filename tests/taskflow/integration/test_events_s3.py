"""The event logs read from s3://<conn_id>@bucket/prefix (moto on loopback, through the amazon
provider) load exactly as the same files from file://."""

from __future__ import annotations

import datetime as dt
import uuid

from devtools.s3_server import shared_server
from include.taskflow.contracts import EVENTS_URL_ENV
from tests.taskflow.integration.conftest import event, utc

D1, D2 = dt.date(2026, 10, 5), dt.date(2026, 10, 6)


def test_event_files_in_s3_load_once_with_the_same_keys_as_on_file_storage(taskflow_world, monkeypatch):
    w = taskflow_world
    w.add_user(1, utc(D1, 1))
    w.add_project(10, utc(D1, 1))
    w.add_task(100, 10, utc(D1, 8), status="done", completed=utc(D1, 10), updated=utc(D1, 10))
    w.write_file(D1, "a", [event("e1", "task_created", 100, utc(D1, 8)),
                           event("e2", "status_changed", 100, utc(D1, 10), from_status="todo", to_status="done")])
    w.write_file(D1, "b", [event("e2", "status_changed", 100, utc(D1, 10), from_status="todo", to_status="done"),
                           "not json"], gz=True)
    server, bucket = shared_server(), f"events-{uuid.uuid4().hex[:8]}"
    server.create_bucket(bucket)
    server.upload_tree(w.events_root, bucket, "taskflow/logs")
    monkeypatch.setenv(*server.connection_env("events_s3"))
    monkeypatch.setenv(EVENTS_URL_ENV, server.url("events_s3", bucket, "taskflow/logs"))

    w.night(D1)
    w.night(D1)  # a rerun reads nothing again
    assert w.wh("SELECT event_id FROM core.fact_task_events ORDER BY 1") == [("e1",), ("e2",)]
    assert w.wh("SELECT path, lines, loaded, duplicates, quarantined FROM audit.file_manifest ORDER BY 1") == [
        ("dt=2026-10-05/a.jsonl", 2, 2, 0, 0), ("dt=2026-10-05/b.jsonl.gz", 2, 0, 1, 1)]
    assert w.wh("SELECT source_key FROM audit.quarantine WHERE released_at IS NULL") == [
        ("dt=2026-10-05/b.jsonl.gz:2",)]

    # a file uploaded later into the same partition is picked up the next night
    late = w.write_file(D1, "c", [event("e3", "task_created", 101, utc(D1, 11))])
    server.upload_tree(w.events_root, bucket, "taskflow/logs")
    w.night(D2)
    assert late in {p for (p,) in w.wh("SELECT path FROM audit.file_manifest")}
    assert w.one("SELECT count(*) FROM core.fact_task_events") == 3
