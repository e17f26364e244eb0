"""List and read partitioned files, and write complete exports, in object storage through
Airflow's ObjectStoragePath (`list_partitioned_files`, `newest_partition`, `write_export`,
`read_manifest`).

A root is an ObjectStoragePath URL: `file:///srv/logs` (no connection) or
`s3://<conn_id>@bucket/prefix` (the amazon provider with s3fs; the connection's extra may carry
`endpoint_url` for an S3-compatible server). Files live under `<root>/<key>=<value>/`.

Where connections are resolved: ObjectStoragePath itself, through the amazon provider's
`S3Hook(aws_conn_id=conn_id)`, which asks the task SDK's secrets chain: a configured secrets
backend first, then the environment variables (`AIRFLOW_CONN_<ID>`), then, inside a task only
(`airflow dags test`, the scheduler's workers), the API server, which reads the metastore. A
plain Python process (the in-process runner of the tests and the bench) has the same chain
without the metastore. Checked on Airflow 3.3.2 and amazon provider 9.39, so the kit attaches no
filesystem of its own.

Two caches to know about:
- s3fs caches directory listings for the life of its filesystem, so a file uploaded after a
  first listing would stay invisible; every listing here asks the store again (`refresh=True`).
- Airflow keeps one filesystem per (protocol, conn_id) for the life of the process: a connection
  changed after its first use (say, an S3 server restarted on another port) is not seen. A task
  is a process of its own; an in-process caller keeps one endpoint per conn_id per process.

A conn_id that no backend defines is an error here (AirflowNotFoundException) rather than the
provider's silent fallback to default AWS credentials.

On S3 a prefix exists only while some object is under it: an empty bucket, or a prefix holding
only a folder marker (`prefix/`), is an empty root; a prefix with nothing under it is missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

DEFAULT_SUFFIXES = (".jsonl", ".jsonl.gz")


@dataclass(frozen=True)
class StoredFile:
    path: str       # relative to the root, posix: "dt=2026-10-05/events-01.jsonl.gz"
    partition: str  # the partition value: "2026-10-05"
    size: int       # bytes as stored


def list_partitioned_files(root_url: str, *, key: str = "dt", suffixes: tuple[str, ...] = DEFAULT_SUFFIXES,
                           first: str | None = None, last: str | None = None) -> list[StoredFile]:
    """The files directly under `<root>/<key>=<value>/` whose names end with one of `suffixes`,
    for `first <= value <= last` (string comparison; None is unbounded), sorted by (partition,
    path). Lists the root once, then only the wanted partitions. A missing root raises, and so
    does a connection that is not defined."""
    _require_connection(root_url)
    root = _root(root_url)
    fs = root.fs
    wanted = []
    for entry in _ls(fs, root.path, root_url):
        value = _partition_value(entry, key)
        if value is not None and (first is None or value >= first) and (last is None or value <= last):
            wanted.append((value, entry["name"]))
    files = [
        StoredFile(path=f"{key}={value}/{name}", partition=value, size=int(entry["size"]))
        for value, directory in wanted
        for entry in _ls(fs, directory, root_url)
        if entry["type"] == "file" and (name := _basename(entry)).endswith(suffixes)
    ]
    return sorted(files, key=lambda f: (f.partition, f.path))


def is_iso_date(value: str) -> bool:
    """A partition value that is a date written as YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def newest_partition(root_url: str, *, key: str = "dt", suffixes: tuple[str, ...] = DEFAULT_SUFFIXES,
                     last: str | None = None, accept=lambda value: True) -> str | None:
    """The greatest partition value <= `last` (string order) that `accept`s and holds at least
    one file ending with one of `suffixes`; None when no partition does. Lists the root, then
    partitions newest first until one holds a file."""
    _require_connection(root_url)
    root = _root(root_url)
    fs = root.fs
    partitions = sorted(((value, entry["name"]) for entry in _ls(fs, root.path, root_url)
                         if (value := _partition_value(entry, key)) is not None
                         and (last is None or value <= last) and accept(value)), reverse=True)
    for value, directory in partitions:
        if any(entry["type"] == "file" and _basename(entry).endswith(suffixes)
               for entry in _ls(fs, directory, root_url)):
            return value
    return None


def read_bytes(root_url: str, path: str) -> bytes:
    """The stored bytes of `<root>/<path>`, as stored (a .gz file comes back compressed)."""
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"{path!r} is not a path inside the root")
    return (_root(root_url) / path).read_bytes()


def _root(root_url: str):
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(root_url)


def _require_connection(root_url: str) -> None:
    # The amazon provider treats an unknown conn_id as "no connection" and falls back to boto3's
    # default credentials (anonymous AWS), and Airflow would cache that filesystem for the
    # process. Ask first, before ObjectStoragePath builds it.
    conn_id = urlsplit(root_url).netloc.rpartition("@")[0]
    if conn_id:
        from airflow.sdk import BaseHook

        BaseHook.get_connection(conn_id)  # AirflowNotFoundException when not defined


def _ls(fs, path: str, root_url: str) -> list[dict]:
    try:
        return fs.ls(path, detail=True, refresh=True)
    except FileNotFoundError as error:
        raise FileNotFoundError(f"{root_url}: {path} does not exist") from error


def _basename(entry: dict) -> str:
    return posixpath.basename(entry["name"].rstrip("/"))


def _partition_value(entry: dict, key: str) -> str | None:
    name_key, equals, value = _basename(entry).partition("=")
    return value if entry["type"] == "directory" and equals and name_key == key and value else None


@dataclass(frozen=True)
class ExportFile:
    name: str                     # the file's name in the export folder
    chunks: Iterable[bytes]       # its content, streamed
    rows: int | None = None       # data rows, for the manifest


def write_export(root_url: str, folder: str, files: Sequence[ExportFile], manifest: Mapping[str, Any],
                 manifest_name: str = "manifest.json") -> dict[str, Any]:
    """Write `files` under `<root>/<folder>/`, then the manifest: `manifest` plus, per file, its
    bytes, rows and sha256. An object store has no atomic rename, so a reader trusts a folder
    only once its manifest is there: an earlier manifest is deleted before any file is
    rewritten, and the new one is written last. Returns the manifest written."""
    _require_connection(root_url)
    target = _root(root_url) / folder
    target.mkdir(parents=True, exist_ok=True)
    old = target / manifest_name
    if old.exists():
        old.unlink()
    written: dict[str, Any] = {}
    for file in files:
        digest, size = hashlib.sha256(), 0
        with (target / file.name).open("wb") as out:
            for chunk in file.chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        written[file.name] = {"bytes": size, "rows": file.rows, "sha256": digest.hexdigest()}
    document = {**manifest, "files": written}
    with (target / manifest_name).open("wb") as out:
        out.write(json.dumps(document, indent=2, sort_keys=True).encode())
    return document


def read_manifest(root_url: str, folder: str, manifest_name: str = "manifest.json") -> dict[str, Any] | None:
    """The manifest of `<root>/<folder>/`, or None while the folder has none."""
    _require_connection(root_url)
    path = _root(root_url) / folder / manifest_name
    if not path.exists():
        return None
    return json.loads(path.read_bytes())
