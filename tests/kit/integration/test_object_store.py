"""object_store: partitioned files listed and read through ObjectStoragePath, the same from
file:// and from s3://<conn_id>@bucket/prefix (moto on loopback, connection from AIRFLOW_CONN_*)."""

from __future__ import annotations

import gzip
import hashlib
import re
import uuid

import pytest
from airflow.sdk.exceptions import AirflowNotFoundException

from devtools.s3_server import shared_server
from include.warehouse_kit.object_store import (
    ExportFile,
    StoredFile,
    list_partitioned_files,
    read_bytes,
    read_manifest,
    write_export,
)

CONN_ID = "kit_object_store_s3"
LINE = b'{"n": 1}\n'  # 9 bytes
GZ = gzip.compress(LINE * 3, mtime=0)
# relative path -> bytes; only the first five are partition files with a wanted suffix
TREE = {
    "dt=2026-10-04/events-01.jsonl": LINE,
    "dt=2026-10-05/events-02.jsonl": LINE * 2,
    "dt=2026-10-05/events-01.jsonl.gz": GZ,
    "dt=2026-10-06/a.jsonl": b"",
    "dt=2026-10-06/b.jsonl": LINE,
    "dt=2026-10-05/notes.txt": b"other suffix\n",
    "dt=2026-10-05/events-03.jsonl.tmp": LINE,
    "dt=2026-10-05/nested/events-09.jsonl": LINE,   # not directly under the partition
    "hour=03/events-01.jsonl": LINE,                 # another key
    "backup/dt=2026-10-05/events-01.jsonl": LINE,    # not a partition directory
    "dt=/events-01.jsonl": LINE,                     # no value
    "events-00.jsonl": LINE,                         # at the root
}
EVERY_FILE = [
    StoredFile("dt=2026-10-04/events-01.jsonl", "2026-10-04", 9),
    StoredFile("dt=2026-10-05/events-01.jsonl.gz", "2026-10-05", len(GZ)),
    StoredFile("dt=2026-10-05/events-02.jsonl", "2026-10-05", 18),
    StoredFile("dt=2026-10-06/a.jsonl", "2026-10-06", 0),
    StoredFile("dt=2026-10-06/b.jsonl", "2026-10-06", 9),
]


def _write_tree(root, tree):
    for relative, body in tree.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(body)


@pytest.fixture(scope="module")
def s3():
    return shared_server()


@pytest.fixture
def bucket(s3, monkeypatch):
    """A fresh bucket on the loopback server, reached through the connection CONN_ID."""
    monkeypatch.setenv(*s3.connection_env(CONN_ID))
    name = f"kit-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(name)
    return name


@pytest.fixture
def local_root(tmp_path):
    _write_tree(tmp_path / "logs", TREE)
    return tmp_path / "logs"


@pytest.fixture
def file_url(local_root):
    return local_root.as_uri()


@pytest.fixture
def s3_url(s3, bucket, local_root):
    s3.upload_tree(local_root, bucket, "logs/events")
    return s3.url(CONN_ID, bucket, "logs/events")


@pytest.fixture(params=["file", "s3"])
def root_url(request):
    return request.getfixturevalue(f"{request.param}_url")


def test_lists_the_files_directly_under_each_partition_whose_names_end_with_a_suffix(root_url):
    assert list_partitioned_files(root_url) == EVERY_FILE


def test_file_and_s3_give_the_same_listing_and_the_same_bytes(file_url, s3_url):
    from_file, from_s3 = list_partitioned_files(file_url), list_partitioned_files(s3_url)
    assert from_s3 == from_file
    assert [read_bytes(s3_url, f.path) for f in from_s3] == [read_bytes(file_url, f.path) for f in from_file]
    assert [read_bytes(s3_url, f.path) for f in from_s3] == [LINE, GZ, LINE * 2, b"", LINE]


@pytest.mark.parametrize(("first", "last", "partitions"), [
    ("2026-10-05", "2026-10-05", ["2026-10-05", "2026-10-05"]),
    ("2026-10-05", None, ["2026-10-05", "2026-10-05", "2026-10-06", "2026-10-06"]),
    (None, "2026-10-05", ["2026-10-04", "2026-10-05", "2026-10-05"]),
    ("2026-10-04x", "2026-10-06", ["2026-10-05", "2026-10-05", "2026-10-06", "2026-10-06"]),  # string order
    ("2026-10-07", None, []),
])
def test_first_and_last_bound_the_partition_values_inclusively(root_url, first, last, partitions):
    assert [f.partition for f in list_partitioned_files(root_url, first=first, last=last)] == partitions


def test_the_key_and_the_suffixes_are_parameters(root_url):
    assert [f.path for f in list_partitioned_files(root_url, key="hour")] == ["hour=03/events-01.jsonl"]
    assert [f.path for f in list_partitioned_files(root_url, suffixes=(".txt",))] == ["dt=2026-10-05/notes.txt"]


def test_with_a_range_only_the_root_and_the_wanted_partitions_are_listed(s3_url, monkeypatch):
    from airflow.sdk import ObjectStoragePath

    fs, listed = ObjectStoragePath(s3_url).fs, []
    real_ls = fs.ls

    def recording_ls(path, **kwargs):
        listed.append(path.removeprefix(ObjectStoragePath(s3_url).path))
        return real_ls(path, **kwargs)

    monkeypatch.setattr(fs, "ls", recording_ls)
    list_partitioned_files(s3_url, first="2026-10-05", last="2026-10-05")
    assert listed == ["", "/dt=2026-10-05"]


def test_gz_files_are_read_as_stored_not_decompressed(root_url):
    assert read_bytes(root_url, "dt=2026-10-05/events-01.jsonl.gz") == GZ
    assert gzip.decompress(GZ) == LINE * 3


def test_a_file_uploaded_after_a_listing_is_in_the_next_listing(s3, bucket, s3_url):
    list_partitioned_files(s3_url)
    s3.client().put_object(Bucket=bucket, Key="logs/events/dt=2026-10-06/c.jsonl", Body=LINE)
    s3.client().put_object(Bucket=bucket, Key="logs/events/dt=2026-10-07/a.jsonl", Body=LINE)
    assert [f.path for f in list_partitioned_files(s3_url, first="2026-10-06")] == [
        "dt=2026-10-06/a.jsonl", "dt=2026-10-06/b.jsonl", "dt=2026-10-06/c.jsonl", "dt=2026-10-07/a.jsonl"]


def test_a_missing_local_root_raises_naming_the_url(tmp_path):
    url = (tmp_path / "nowhere").as_uri()
    with pytest.raises(FileNotFoundError, match=re.escape(url)):
        list_partitioned_files(url)


@pytest.mark.parametrize("where", ["an empty prefix", "a missing bucket"])
def test_a_missing_s3_root_raises_naming_the_url(s3, bucket, where):
    url = s3.url(CONN_ID, bucket, "nothing/here") if where == "an empty prefix" else s3.url(CONN_ID, "no-such-bucket")
    with pytest.raises(FileNotFoundError, match=re.escape(url)):
        list_partitioned_files(url)


def test_a_connection_that_is_not_defined_raises_rather_than_falling_back_to_default_aws(s3, bucket):
    with pytest.raises(AirflowNotFoundException, match="kit_undefined_conn"):
        list_partitioned_files(s3.url("kit_undefined_conn", bucket))


def test_an_empty_local_root_gives_no_files(tmp_path):
    (tmp_path / "logs").mkdir()
    assert list_partitioned_files((tmp_path / "logs").as_uri()) == []


def test_an_empty_bucket_or_a_prefix_with_only_a_folder_marker_gives_no_files(s3, bucket):
    assert list_partitioned_files(s3.url(CONN_ID, bucket)) == []
    s3.client().put_object(Bucket=bucket, Key="logs/", Body=b"")
    assert list_partitioned_files(s3.url(CONN_ID, bucket, "logs")) == []


@pytest.mark.parametrize("path", ["/etc/passwd", "../logs/dt=2026-10-04/events-01.jsonl"])
def test_read_bytes_refuses_a_path_outside_the_root(file_url, path):
    with pytest.raises(ValueError, match="not a path inside the root"):
        read_bytes(file_url, path)


@pytest.fixture(params=["file", "s3"])
def export_url(request, tmp_path, s3, bucket):
    return (tmp_path / "exports").as_uri() if request.param == "file" else s3.url(CONN_ID, bucket, "exports")


def test_an_export_writes_its_files_then_a_manifest_with_each_files_size_rows_and_sha256(export_url):
    rows = [b"id,name\r\n", b"1,a\r\n", b"2,b\r\n"]
    written = write_export(export_url, "vip/2026-10-05", [ExportFile("members.csv", iter(rows), rows=2),
                                                          ExportFile("removed.csv", iter([b"id\r\n"]), rows=0)],
                           {"as_of_date": "2026-10-05"})
    assert written == read_manifest(export_url, "vip/2026-10-05") == {
        "as_of_date": "2026-10-05",
        "files": {"members.csv": {"bytes": 19, "rows": 2, "sha256": hashlib.sha256(b"".join(rows)).hexdigest()},
                  "removed.csv": {"bytes": 4, "rows": 0, "sha256": hashlib.sha256(b"id\r\n").hexdigest()}}}
    assert read_bytes(export_url, "vip/2026-10-05/members.csv") == b"".join(rows)


def test_a_folder_without_a_manifest_reads_as_no_export(export_url):
    assert read_manifest(export_url, "vip/2026-10-05") is None


def test_a_rewrite_that_breaks_midway_leaves_no_manifest_so_no_reader_trusts_the_half_written_folder(export_url):
    write_export(export_url, "vip/2026-10-05", [ExportFile("members.csv", iter([b"old\r\n"]), rows=1)], {})

    def breaking():
        yield b"new,"
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_export(export_url, "vip/2026-10-05", [ExportFile("members.csv", breaking(), rows=1)], {})
    assert read_manifest(export_url, "vip/2026-10-05") is None
    write_export(export_url, "vip/2026-10-05", [ExportFile("members.csv", iter([b"new\r\n"]), rows=1)], {"n": 2})
    assert read_manifest(export_url, "vip/2026-10-05")["n"] == 2
    assert read_bytes(export_url, "vip/2026-10-05/members.csv") == b"new\r\n"
