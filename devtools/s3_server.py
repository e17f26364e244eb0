"""An S3-compatible server on loopback (moto in server mode) for the s3:// tests and demos.

    server = shared_server()                    # 127.0.0.1, a free port, one per process
    server.create_bucket("events-test")
    server.upload_tree(local_root, "events-test", "logs")
    monkeypatch.setenv(*server.connection_env("events_s3"))
    list_partitioned_files(server.url("events_s3", "events-test", "logs"))

Airflow keeps one filesystem per (protocol, conn_id) for the life of a process (see
include/warehouse_kit/object_store.py), so tests that run in one process share one server and
keep apart by bucket. `python -m devtools.s3_server [DIR BUCKET/PREFIX]` serves until Ctrl-C.
"""

from __future__ import annotations

import atexit
import json
import logging
import sys
import threading
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
REGION = "us-east-1"


class S3Server:
    def __init__(self) -> None:
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint_url = ""

    def start(self) -> S3Server:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one log line per request otherwise
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._moto.stop()

    def connection_json(self) -> str:
        """The value of AIRFLOW_CONN_<ID> for an aws connection to this server."""
        return json.dumps({"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                           "extra": {"endpoint_url": self.endpoint_url, "region_name": REGION}})

    def connection_env(self, conn_id: str) -> tuple[str, str]:
        """(name, value) of the environment variable that defines `conn_id`."""
        return f"AIRFLOW_CONN_{conn_id.upper()}", self.connection_json()

    @staticmethod
    def url(conn_id: str, bucket: str, prefix: str = "") -> str:
        return f"s3://{conn_id}@{bucket}/{prefix.strip('/')}".rstrip("/")

    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket)

    def upload_tree(self, local_dir: str | Path, bucket: str, prefix: str = "") -> list[str]:
        """Upload every file under `local_dir` to `<prefix>/<relative path>`, bytes as they are
        (no content encoding). S3 has no empty folders: empty directories are not carried over.
        Returns the keys, sorted."""
        client, base = self.client(), Path(local_dir)
        keys = []
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            key = "/".join(part for part in (prefix.strip("/"), path.relative_to(base).as_posix()) if part)
            client.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
            keys.append(key)
        return keys


_shared: S3Server | None = None
_shared_lock = threading.Lock()


def shared_server() -> S3Server:
    """The process's one server, started on first use and stopped when the process exits."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = S3Server().start()
            atexit.register(_shared.stop)
        return _shared


def main(argv: list[str]) -> None:
    server = S3Server().start()
    if argv:
        local_dir, target = argv
        bucket, _, prefix = target.partition("/")
        server.create_bucket(bucket)
        print(f"uploaded {len(server.upload_tree(local_dir, bucket, prefix))} files to s3://{target}")
    print(f"S3 on {server.endpoint_url}; an aws connection to it:\n{server.connection_json()}\nCtrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
