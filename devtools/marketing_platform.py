"""A marketing platform's audience API on loopback (stdlib only), for the tests and the demo.

It follows the audience API contract: PUT an audience; upsert and remove members in batches of
at most 1,000 under an Idempotency-Key (a key already applied is replayed, never applied again);
list members in pages with a cursor. Faults are injected per request kind (`Fault`): an error
status with Retry-After, a delay, a dropped connection, a response held until release(), before
or after the request is applied. `python -m devtools.marketing_platform --port 0 --token T`
serves until SIGTERM or Ctrl-C; then GET /_admin/state, POST /_admin/faults and POST
/_admin/release (no auth, not in the contract) stand in for the Python API.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import contextlib
import dataclasses
import hashlib
import json
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

MAX_ITEMS = 1000
KINDS = ("put", "upsert", "remove", "members")
_ROUTE = re.compile(r"/v1/audiences/([^/]+)(/members(?::upsert|:remove)?)?")
_KIND = {("PUT", None): "put", ("POST", "/members:upsert"): "upsert",
         ("POST", "/members:remove"): "remove", ("GET", "/members"): "members"}
_FIELD = {"upsert": "members", "remove": "external_ids"}
_MALFORMED = object()


@dataclass
class Fault:
    kind: str                         # "put", "upsert", "remove" or "members" (the GET)
    audience_id: str | None = None    # None: any audience
    times: int = 1                    # matching requests it hits, then it is used up
    status: int | None = None         # answer with this status ...
    retry_after: float | str | None = None  # ... and a Retry-After header (seconds, or the header's text)
    body: str = ""                    # the body for `status`
    after_apply: bool = False         # apply (and store under the key) first, then fault
    delay: float = 0.0                # sleep before answering (after applying if after_apply)
    drop: bool = False                # close the connection without a response
    hold: bool = False                # after applying, answer only after release()
    skip: int = 0                     # let this many matching requests through first

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r} is not one of {KINDS}")


def _loads(body: bytes):
    try:
        return json.loads(body)
    except ValueError:
        return _MALFORMED


class MarketingPlatform:
    def __init__(self, token: str = "test-token", page_size: int = 500, port: int = 0,  # 0: a free port
                 state_file: Path | None = None) -> None:
        """`state_file`: the audiences and the idempotency keys seen are loaded from it on start
        and saved to it on stop, so that a platform outlives its process (as a real one does)."""
        self.token, self.page_size, self.port, self.state_file = token, page_size, port, state_file
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._audiences: dict[str, dict] = {}
        self._keys: dict[str, tuple] = {}  # key -> (kind, audience_id, sha256 of body, status, payload)
        self._faults: list[Fault] = []
        self._held: list[threading.Event] = []
        self._applied: list[dict] = []
        self._requests: list[dict] = []
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MarketingPlatform:
        if self.state_file is not None and self.state_file.exists():
            saved = json.loads(self.state_file.read_text())
            self._audiences = saved["audiences"]
            self._keys = {key: (*entry[:4], entry[4]) for key, entry in saved["keys"].items()}
        handler = type("Handler", (_Handler,), {"platform": self})
        self._server = _Server(("127.0.0.1", self.port), handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"marketing-platform-{self.port}", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self.release()
            self._server.shutdown()  # returns once serve_forever has
            self._server.server_close()
            self._server = None
            if self.state_file is not None:
                with self._lock:
                    saved = {"audiences": self._audiences, "keys": self._keys}
                    self.state_file.parent.mkdir(parents=True, exist_ok=True)
                    self.state_file.write_text(json.dumps(saved))

    def __enter__(self) -> MarketingPlatform:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def connection_uri(self, **extra) -> str:
        """An Airflow connection URI (conn type http, the token as password)."""
        uri = f"http://:{quote(self.token, safe='')}@127.0.0.1:{self.port}"
        return f"{uri}?{urlencode({'__extra__': json.dumps(extra)})}" if extra else uri

    def connection_json(self, **extra) -> str:
        return json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": self.port, "schema": "http",
                           "password": self.token, "extra": extra})

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._faults += [dataclasses.replace(f) for f in faults if f.times > 0]

    def release(self) -> None:
        """Let every held request answer (those applied but not yet waiting too)."""
        with self._lock:
            held, self._held = self._held, []
        for event in held:
            event.set()

    def _take_fault(self, kind: str, audience_id: str) -> tuple[Fault | None, threading.Event | None]:
        """The first fault that matches, if any, and for a hold its ticket (registered before applying)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.audience_id in (None, audience_id):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None, None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    if fault.hold:
                        self._held.append(held := threading.Event())
                    return fault, held if fault.hold else None
        return None, None

    def members(self, audience_id: str) -> dict[str, dict]:
        with self._lock:
            audience = self._audiences.get(audience_id)
            return json.loads(json.dumps(audience["members"])) if audience else {}

    def audience(self, audience_id: str) -> dict | None:
        with self._lock:
            audience = self._audiences.get(audience_id)
            return {"name": audience["name"], "description": audience["description"]} if audience else None

    @property
    def applied(self) -> list[dict]:
        """One entry per batch actually applied (upsert or remove; a replay is not one)."""
        with self._lock:
            return json.loads(json.dumps(self._applied))

    @property
    def requests(self) -> list[dict]:
        with self._lock:
            return [dict(r) for r in self._requests]

    def wait_applied(self, n: int, timeout: float = 10) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._applied) >= n, timeout):
                raise TimeoutError(f"{len(self._applied)} batches applied after {timeout}s, expected {n}")

    def state(self) -> dict:
        with self._lock:
            return json.loads(json.dumps({"audiences": self._audiences, "applied": self._applied,
                                          "requests": self._requests}))

    def _put(self, audience_id: str, body: bytes) -> tuple[int, dict]:
        doc = _loads(body)
        if not (isinstance(doc, dict) and isinstance(doc.get("name"), str)
                and isinstance(doc.get("description"), str | None)):
            return 400, {"error": "malformed JSON" if doc is _MALFORMED else
                         'expected {"name": str, "description": str | null}'}
        with self._lock:
            audience = self._audiences.setdefault(audience_id, {"members": {}})
            audience.update(name=doc["name"], description=doc.get("description"))
            return 200, {"audience_id": audience_id, "name": audience["name"],
                         "description": audience["description"], "members": len(audience["members"])}

    def _batch(self, kind: str, audience_id: str, key: str, body: bytes) -> tuple[int, dict]:
        field, digest = _FIELD[kind], hashlib.sha256(body).hexdigest()
        with self._lock:
            if key in self._keys:
                *request, status, payload = self._keys[key]
                if request != [kind, audience_id, digest]:
                    return 422, {"error": f"Idempotency-Key {key!r} was used for a different request"}
                return status, payload
            doc = _loads(body)
            items = doc.get(field) if isinstance(doc, dict) else None
            if doc is _MALFORMED or not isinstance(items, list):
                return 400, {"error": "malformed JSON" if doc is _MALFORMED else f'expected {{"{field}": [...]}}'}
            if len(items) > MAX_ITEMS:
                return 413, {"error": f"{len(items)} {field}, at most {MAX_ITEMS} per request"}
            ids = [m.get("external_id") if isinstance(m, dict) else None for m in items] if kind == "upsert" else items
            if not all(isinstance(i, str) for i in ids):
                return 400, {"error": f"every item of {field} must be " + (
                    "an object with a string external_id" if kind == "upsert" else "a string")}
            audience = self._audiences.get(audience_id)
            if audience is None:
                return 404, {"error": f"no audience {audience_id!r}"}
            members = audience["members"]
            if kind == "upsert":
                members.update((m["external_id"], m) for m in items)
            else:
                for external_id in ids:
                    members.pop(external_id, None)
            payload = {"upserted" if kind == "upsert" else "removed": len(items)}
            self._keys[key] = (kind, audience_id, digest, 200, payload)
            self._applied.append({"key": key, "kind": kind, "audience_id": audience_id,
                                  "items": len(items), "external_ids": list(ids)})
            self._changed.notify_all()
            return 200, payload

    def _list(self, audience_id: str, query: str) -> tuple[int, dict]:
        cursor = parse_qs(query).get("cursor", [""])[0]
        try:
            after = base64.b64decode(cursor, altchars=b"-_", validate=True).decode()
        except ValueError:
            return 400, {"error": f"bad cursor {cursor!r}"}
        with self._lock:
            audience = self._audiences.get(audience_id)
            if audience is None:
                return 404, {"error": f"no audience {audience_id!r}"}
            ids = sorted(audience["members"])
            start = bisect.bisect_right(ids, after) if cursor else 0
            page = ids[start:start + self.page_size]
            more = start + len(page) < len(ids)
            cursor = base64.urlsafe_b64encode(page[-1].encode()).decode() if more else None
            return 200, {"members": [audience["members"][i] for i in page], "next_cursor": cursor}

    def _admin(self, method: str, path: str, body: bytes) -> tuple[int, dict]:
        if (method, path) == ("GET", "/_admin/state"):
            return 200, self.state()
        if (method, path) == ("POST", "/_admin/faults"):
            try:
                faults = [Fault(**f) for f in json.loads(body)]
            except (ValueError, TypeError) as e:
                return 400, {"error": f"expected a JSON list of faults: {e}"}
            self.inject(*faults)
            return 200, {"faults": len(faults)}
        if (method, path) == ("POST", "/_admin/release"):
            self.release()
            return 200, {"released": True}
        return 404, {"error": f"no admin route {method} {path}"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exception(), ConnectionError):  # a client that gave up is no error
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body otherwise wait on a delayed ACK
    platform: MarketingPlatform

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))  # always, for keep-alive
        url, platform = urlsplit(self.path), self.platform
        if url.path.startswith("/_admin/"):
            return self._send(*platform._admin(self.command, url.path, body))
        match = _ROUTE.fullmatch(url.path)
        kind = _KIND.get((self.command, match[2])) if match else None
        audience_id = unquote(match[1]) if match else None
        key = self.headers.get("Idempotency-Key")
        doc = _loads(body) if kind in _FIELD else None
        items = doc.get(_FIELD[kind]) if isinstance(doc, dict) else None
        entry = {"method": self.command, "path": self.path, "kind": kind, "audience_id": audience_id,
                 "key": key, "status": None, "items": len(items) if isinstance(items, list) else None}
        refused = self._refusal(kind, key)
        if refused:
            return self._answer(entry, *refused)
        fault, held = platform._take_fault(kind, audience_id)
        late = fault is not None and (fault.after_apply or fault.hold)
        if fault and not late and self._fault(entry, fault):
            return
        status, payload = (platform._put(audience_id, body) if kind == "put" else
                           platform._list(audience_id, url.query) if kind == "members" else
                           platform._batch(kind, audience_id, key, body))
        if kind == "members" and status == 200:
            entry["items"] = len(payload["members"])
        if held:
            held.wait()  # without the lock
        if late and self._fault(entry, fault):
            return
        self._answer(entry, status, payload)

    do_PUT = do_POST = do_PATCH = do_DELETE = do_GET

    def _refusal(self, kind: str | None, key: str | None) -> tuple[int, dict] | None:
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or token != self.platform.token:
            return 401, {"error": "missing or wrong bearer token"}
        if kind is None:
            return 404, {"error": f"no route {self.command} {urlsplit(self.path).path}"}
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if self.command in ("PUT", "POST") and content_type != "application/json":
            return 415, {"error": "Content-Type must be application/json"}
        if kind in _FIELD and not key:
            return 400, {"error": "an Idempotency-Key header is required"}
        return None

    def _fault(self, entry: dict, fault: Fault) -> bool:
        """Sleep the fault's delay, then drop or answer its status: True if it did either."""
        time.sleep(fault.delay)
        if fault.drop or fault.status is not None:
            after = fault.retry_after
            headers = [("Retry-After", after if isinstance(after, str) else f"{after:g}")] if after is not None else []
            body = fault.body.encode() or {"error": f"injected {fault.status}"}
            self._answer(entry, None if fault.drop else fault.status, body, headers)
        return fault.drop or fault.status is not None

    def _answer(self, entry: dict, status: int | None, payload: dict | bytes, headers=()) -> None:
        entry["status"] = status
        with self.platform._lock:
            self.platform._requests.append(entry)
        if status is None:
            self.close_connection = True  # nothing written: the client sees the connection close
        else:
            self._send(status, payload, headers)

    def _send(self, status: int, payload: dict | bytes, headers=()) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        for name, value in [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers]:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.marketing_platform",
                                     description="The marketing platform's audience API on loopback.")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--token", default="test-token")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--state-file", type=Path, help="load the audiences from it on start, save them on stop")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C
    with contextlib.suppress(KeyboardInterrupt), MarketingPlatform(args.token, args.page_size, args.port,
                                                                      args.state_file) as platform:
        print(f"marketing platform on {platform.url}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
