"""embedded_pg.start() on a data folder whose lock file a live server holds: under another port,
a clear error and the lock left alone (deleting it shuts that server down); a lock whose PID is
dead or belongs to another program is stale."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from devtools import embedded_pg


def _lock(pgdata, pid: int, port: int, status: str = "ready") -> None:
    # postmaster.pid: PID, data folder, start time, port, socket dir, listen address, shmem key, status
    (pgdata / "postmaster.pid").write_text(
        f"{pid}\n{pgdata}\n1700000000\n{port}\n{pgdata}\n127.0.0.1\n  5432001         0\n{status:<8}\n")


@pytest.fixture
def a_postgres_process(tmp_path):
    """A live process named `postgres` (a copy of sleep), as a server's PID looks."""
    binary = tmp_path / "postgres"
    shutil.copy(shutil.which("sleep"), binary)
    proc = subprocess.Popen([str(binary), "60"])
    # Popen can return before the kernel renames the child: wait until it is named postgres
    deadline = time.monotonic() + 5
    while not embedded_pg._is_postgres(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    yield proc.pid
    proc.kill()
    proc.wait()


@pytest.fixture
def pgdata(tmp_path, monkeypatch):
    folder = tmp_path / "pg"
    folder.mkdir()
    (folder / "PG_VERSION").write_text("16\n")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    monkeypatch.setenv("ETL_PG_DATA", str(folder))
    monkeypatch.setenv("ETL_PG_PORT", str(free))
    return folder


def test_a_live_server_under_another_port_is_named_and_its_lock_kept(pgdata, a_postgres_process):
    _lock(pgdata, a_postgres_process, 54999)
    with pytest.raises(RuntimeError, match="already serves .* on port 54999: set ETL_PG_PORT=54999"):
        embedded_pg.start()
    assert (pgdata / "postmaster.pid").read_text().startswith(f"{a_postgres_process}\n")


def test_a_live_server_is_told_from_a_stale_lock(pgdata, a_postgres_process):
    _lock(pgdata, a_postgres_process, 54999, "stopping")
    assert embedded_pg._running(pgdata) == (54999, "stopping")
    _lock(pgdata, os.getpid(), 54999)  # alive, but not a postgres: the PID was reused
    assert embedded_pg._running(pgdata) is None
    dead = subprocess.Popen(["true"])
    dead.wait()
    _lock(pgdata, dead.pid, 54999)
    assert embedded_pg._running(pgdata) is None
    (pgdata / "postmaster.pid").write_text("garbage\n")  # never completed: stale
    assert embedded_pg._running(pgdata) is None
    (pgdata / "postmaster.pid").unlink()
    assert embedded_pg._running(pgdata) is None


def test_a_lock_file_being_written_is_read_again(pgdata, a_postgres_process):
    (pgdata / "postmaster.pid").write_text(f"{a_postgres_process}\n")  # created, not yet filled in
    writer = threading.Timer(0.2, _lock, (pgdata, a_postgres_process, 54998))
    writer.start()
    try:
        assert embedded_pg._running(pgdata) == (54998, "ready")
    finally:
        writer.join()
