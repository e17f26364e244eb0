"""The embedded default PostgreSQL: a real PostgreSQL 16 from the `pgserver` wheel.

It listens on 127.0.0.1 only (port ``ETL_PG_PORT``, default 54329) with trust auth,
and keeps its data in ``.local/pg`` (git-ignored). ``python -m devtools.embedded_pg
start|stop|uri`` is what the Makefile calls.
"""

from __future__ import annotations

import os
import platform
import pwd
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import psycopg

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = REPO_ROOT / ".local" / "pg"
DEFAULT_PORT = 54329
SYSTEM_USER = "pgserver"  # PostgreSQL refuses to run as root
# A server for millions of rows a night rather than initdb's minimum: the indexes of a fact of a
# few million rows stay in shared buffers, and a first load's WAL does not force checkpoints.
SERVER_SETTINGS = "-c shared_buffers=1GB -c max_wal_size=4GB"


def _bin(name: str) -> str:
    return str(_pgserver_bin_path() / name)


def _pgserver_bin_path() -> Path:
    # Importing pgserver makes platformdirs warn about XDG_RUNTIME_DIR; we do not use that dir.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def port() -> int:
    return int(os.environ.get("ETL_PG_PORT", DEFAULT_PORT))


def data_dir() -> Path:
    return Path(os.environ.get("ETL_PG_DATA", DEFAULT_DATA_DIR)).resolve()


def base_uri(database: str = "postgres") -> str:
    return f"postgresql://postgres@127.0.0.1:{port()}/{database}"


def _as_root() -> bool:
    return platform.system() != "Windows" and os.geteuid() == 0


def _run(args: list[str]) -> None:
    kwargs = {}
    if _as_root():
        kwargs["user"] = SYSTEM_USER
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)


def _prepare_dirs(pgdata: Path) -> None:
    bin_path = _pgserver_bin_path()
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    pgdata.mkdir(parents=True, exist_ok=True)
    if not _as_root():
        return
    ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(pgdata)
    ensure_prefix_permissions(bin_path)
    read = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(bin_path, read | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(bin_path.parent / "lib", read)
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)


def is_ready() -> bool:
    try:
        with psycopg.connect(base_uri(), connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _serving_dir() -> Path:
    with psycopg.connect(base_uri(), connect_timeout=2) as conn:
        return Path(conn.execute("SHOW data_directory").fetchone()[0]).resolve()


def _lock_file(pgdata: Path) -> list[str] | None:
    """The lines of `pgdata`'s postmaster.pid (PID first, port fourth), None when there is
    none or it never gets its PID and port. A server writes the file just after creating it,
    so an incomplete one is read once more."""
    for attempt in range(2):
        try:
            lines = (pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) >= 4 and lines[0].strip().isdigit() and lines[3].strip().isdigit():
            return lines
        if not attempt:
            time.sleep(0.5)
    return None


def _is_postgres(pid: int) -> bool:
    """Whether `pid` is a live PostgreSQL process of ours (not a PID reused by another one)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or another user's process now
        return False
    try:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:  # exited meanwhile, or no /proc on this system
        done = subprocess.run(["ps", "-p", str(pid), "-o", "comm="], capture_output=True, text=True)
        name = Path(done.stdout.strip()).name
    return name == "postgres"


def _running(pgdata: Path) -> tuple[int, str] | None:
    """(port, status) of the live server that holds `pgdata`'s lock file, if any.

    A second server started on the same data folder under another port would take the lock
    file for stale, and the first server shuts down once its lock file is gone.
    """
    lines = _lock_file(pgdata)
    if lines is None or not _is_postgres(int(lines[0])):
        return None
    status = lines[7].strip() if len(lines) > 7 else ""
    return int(lines[3]), status


def start() -> str:
    """Start the server if it is not running; return its base URI. Safe to call repeatedly."""
    if is_ready():
        serving = _serving_dir()
        if serving != data_dir():
            raise RuntimeError(
                f"port {port()} is taken by another PostgreSQL (data in {serving}); stop it "
                f"or set ETL_PG_PORT to another port")
        return base_uri()
    pgdata = data_dir()
    if running := _running(pgdata):
        held_on, status = running
        if held_on != port():
            raise RuntimeError(
                f"an embedded PostgreSQL already serves {pgdata} on port {held_on}: set ETL_PG_PORT={held_on}, "
                f"or stop it first (make pg-stop)")
        if status != "stopping":
            return _wait_ready(pgdata)  # starting up, or in recovery, on our port
        _wait(lambda: _running(pgdata) is None, f"the embedded PostgreSQL holding {pgdata} did not stop")
    _prepare_dirs(pgdata)
    if not (pgdata / "PG_VERSION").exists():
        _run([_bin("initdb"), "-D", str(pgdata), "--auth=trust", "--encoding=UTF8",
              "--locale=C", "-U", "postgres"])
    if (pgdata / "postmaster.pid").exists():
        (pgdata / "postmaster.pid").unlink()  # left behind by a killed server
    _run([_bin("pg_ctl"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "server.log"),
          "-o", f"-h 127.0.0.1 -p {port()} -k {pgdata} -c timezone=UTC -c max_connections=200 {SERVER_SETTINGS}",
          "start"])
    return _wait_ready(pgdata)


def _wait_ready(pgdata: Path) -> str:
    _wait(is_ready, f"embedded PostgreSQL on port {port()} does not answer; see {pgdata / 'server.log'}")
    return base_uri()


def _wait(done, failure: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds  # 60 s: pg_ctl's own start timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.5)


def stop() -> None:
    pgdata = data_dir()
    if (pgdata / "postmaster.pid").exists():
        _run([_bin("pg_ctl"), "-D", str(pgdata), "-w", "-m", "fast", "stop"])


def ensure_database(name: str, *, recreate: bool = False) -> str:
    """Create database `name` on the embedded server (optionally dropping it first)."""
    with psycopg.connect(base_uri(), autocommit=True) as conn:
        if recreate:
            conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    return base_uri(name)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        try:
            print(start())
        except RuntimeError as error:  # a clash the user must resolve: the message says how
            print(f"embedded_pg: {error}", file=sys.stderr)
            return 1
    elif command == "stop":
        stop()
    elif command == "uri":
        print(base_uri(argv[2] if len(argv) > 2 else "postgres"))
    else:
        print("usage: python -m devtools.embedded_pg start|stop|uri [db]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
