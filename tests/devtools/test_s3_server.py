"""devtools.s3_server: one moto server per process on loopback, a tree uploaded byte for byte,
and the Airflow connection that reaches it."""

from __future__ import annotations

import json
import uuid

from devtools.s3_server import shared_server


def test_the_process_has_one_server_on_loopback():
    assert shared_server() is shared_server()
    assert shared_server().endpoint_url.startswith("http://127.0.0.1:")


def test_upload_tree_puts_every_file_under_the_prefix_byte_for_byte(tmp_path):
    (tmp_path / "dt=2026-10-05").mkdir()
    (tmp_path / "dt=2026-10-05" / "a.jsonl.gz").write_bytes(b"\x1f\x8b raw")
    (tmp_path / "top.jsonl").write_bytes(b"{}\n")
    (tmp_path / "empty").mkdir()
    server, bucket = shared_server(), f"dev-{uuid.uuid4().hex[:12]}"
    server.create_bucket(bucket)

    keys = server.upload_tree(tmp_path, bucket, "/logs/")

    assert keys == ["logs/dt=2026-10-05/a.jsonl.gz", "logs/top.jsonl"]
    got = server.client().get_object(Bucket=bucket, Key="logs/dt=2026-10-05/a.jsonl.gz")
    assert got["Body"].read() == b"\x1f\x8b raw" and "ContentEncoding" not in got


def test_the_connection_names_the_server_as_endpoint():
    server = shared_server()
    name, value = server.connection_env("events_s3")
    assert name == "AIRFLOW_CONN_EVENTS_S3"
    assert json.loads(value) == {"conn_type": "aws", "login": "testing", "password": "testing",
                                 "extra": {"endpoint_url": server.endpoint_url, "region_name": "us-east-1"}}
    assert server.url("events_s3", "bkt", "logs/") == "s3://events_s3@bkt/logs"
    assert server.url("events_s3", "bkt") == "s3://events_s3@bkt"
