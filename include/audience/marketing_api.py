"""The marketing platform's HTTP API (connection `marketing_api`), with its retry contract.

- The connection's scheme, host and port give the base URL; its password is the bearer token.
  Its extra may set `timeout` (seconds per request, default 30), `backoff_seconds` (the first
  wait after a 5xx or timeout, default 1, doubling up to `max_backoff_seconds`, default 60) and
  `max_retry_after_seconds` (the longest 429 wait honoured, default 600).
- 2xx is done. 429 waits Retry-After, then retries (at most MAX_RATE_LIMITED times). 5xx,
  connection errors and timeouts retry with exponential backoff, at most MAX_TRIES tries per
  request. Any other 4xx fails at once (`RejectedError`, with the response body).
- Every POST carries the Idempotency-Key its caller derived from the batch content, so a
  resend after a timeout or a crash is applied once by the platform.

httpx does the HTTP, tenacity the retrying.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import tenacity

from include.audience.contracts import MARKETING_CONN_ID

log = logging.getLogger(__name__)
MAX_TRIES = 5            # per request, for 5xx, connection errors and timeouts
MAX_RATE_LIMITED = 20    # 429 answers honoured per request before giving up


class DeliveryError(RuntimeError):
    """A request did not get through; `retryable`: a later try of the task may (5xx, timeouts)."""

    retryable = True


class RejectedError(DeliveryError):
    """The platform refused the request (a 4xx other than 429): the audience fails, no retry."""

    retryable = False

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class _RateLimited(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"429, retry after {wait:.1f} s")
        self.wait = wait


class _Transient(Exception):
    pass


def idempotency_key(audience_id: str, as_of_date: str, kind: str, body: bytes) -> str:
    """Deterministic for (audience, snapshot, kind, batch content): a resend reuses it."""
    content = hashlib.sha256(body).hexdigest()
    return hashlib.sha256(f"{audience_id}\n{as_of_date}\n{kind}\n{content}".encode()).hexdigest()


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)  # an HTTP date
    except (TypeError, ValueError):
        return default  # neither seconds nor a date: wait as for a 429 without the header
    return max(0.0, when.timestamp() - time.time())


@dataclass(frozen=True)
class ApiSettings:
    base_url: str
    token: str
    timeout: float = 30.0
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 60.0
    max_retry_after_seconds: float = 600.0

    @classmethod
    def from_connection(cls, conn: Any) -> ApiSettings:
        host = (conn.host or "").strip()
        if not host:
            raise DeliveryError(f"connection {conn.conn_id} has no host")
        if "://" in host:  # the scheme in the host (Airflow's `http://https://...` URI form)
            url = urlsplit(host)
            netloc = f"{url.netloc}:{conn.port}" if conn.port and url.port is None else url.netloc
            base = urlunsplit((url.scheme, netloc, url.path, "", "")).rstrip("/")
        else:
            scheme = next((s for s in (conn.schema, conn.conn_type) if s in ("http", "https")), "http")
            base = f"{scheme}://{host}" + (f":{conn.port}" if conn.port else "")
        extra = conn.extra_dejson or {}
        return cls(base_url=base, token=conn.password or "",
                   **{k: float(extra[k]) for k in ("timeout", "backoff_seconds", "max_backoff_seconds",
                                                   "max_retry_after_seconds") if k in extra})


def settings_from_airflow(conn_id: str = MARKETING_CONN_ID) -> ApiSettings:
    from airflow.sdk import BaseHook

    return ApiSettings.from_connection(BaseHook.get_connection(conn_id))


class MarketingApi:
    """One client per delivery; `retries` counts the requests it sent again."""

    def __init__(self, settings: ApiSettings) -> None:
        self.settings = settings
        self.retries = 0
        self._client = httpx.Client(
            base_url=settings.base_url, timeout=settings.timeout,
            headers={"Authorization": f"Bearer {settings.token}", "Content-Type": "application/json"})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> MarketingApi:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @staticmethod
    def audience_path(audience_id: str) -> str:
        return f"/v1/audiences/{quote(audience_id, safe='')}"

    def put_audience(self, audience_id: str, name: str, description: str | None) -> None:
        body = json.dumps({"name": name, "description": description}).encode()
        self._send("PUT", self.audience_path(audience_id), body, {})

    def post(self, audience_id: str, action: str, body: bytes, key: str,
             on_try: Callable[[], None] | None = None) -> dict:
        """POST `body` to members:<action> with its idempotency key; `on_try` runs before each try."""
        path = f"{self.audience_path(audience_id)}/members:{action}"
        return self._send("POST", path, body, {"Idempotency-Key": key}, on_try)

    def member_ids(self, audience_id: str) -> Iterator[str]:
        """Every external_id the platform holds for the audience, page by page."""
        cursor = None
        while True:
            params = {"cursor": cursor} if cursor else None
            page = self._send("GET", f"{self.audience_path(audience_id)}/members", None, {}, params=params)
            for member in page.get("members") or []:
                yield str(member["external_id"])
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def _send(self, method: str, path: str, body: bytes | None, headers: dict,
              on_try: Callable[[], None] | None = None, params: dict | None = None) -> dict:
        counts = {"transient": 0, "rate_limited": 0}

        def attempt() -> dict:
            if on_try is not None:
                on_try()
            started = time.monotonic()
            try:
                response = self._client.request(method, path, content=body, headers=headers, params=params)
            except (httpx.TimeoutException, httpx.TransportError) as error:
                counts["transient"] += 1
                log.warning("%s %s: %s after %.1f s", method, path, type(error).__name__, time.monotonic() - started)
                raise _Transient(f"{type(error).__name__}: {error}") from error
            log.info("%s %s -> %s in %.2f s", method, path, response.status_code, time.monotonic() - started)
            if response.is_success:
                try:
                    return response.json() if response.content else {}
                except ValueError:
                    return {}
            if response.status_code == 429:
                counts["rate_limited"] += 1
                wait = min(_retry_after(response, self.settings.backoff_seconds),
                           self.settings.max_retry_after_seconds)
                raise _RateLimited(wait)
            if response.status_code >= 500:
                counts["transient"] += 1
                raise _Transient(f"HTTP {response.status_code}: {response.text[:500]}")
            raise RejectedError(f"{method} {path}: HTTP {response.status_code}: {response.text[:2000]}",
                                response.status_code)

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception()
            if isinstance(error, _RateLimited):
                return error.wait
            return min(self.settings.backoff_seconds * 2 ** (counts["transient"] - 1), self.settings.max_backoff_seconds)

        def stop(state: tenacity.RetryCallState) -> bool:
            return counts["transient"] >= MAX_TRIES or counts["rate_limited"] > MAX_RATE_LIMITED

        def count_retry(state: tenacity.RetryCallState) -> None:
            self.retries += 1

        retrying = tenacity.Retrying(retry=tenacity.retry_if_exception_type((_RateLimited, _Transient)),
                                     wait=wait, stop=stop, before_sleep=count_retry, reraise=True)
        try:
            return retrying(attempt)
        except _Transient as error:
            raise DeliveryError(f"{method} {path}: gave up after {counts['transient']} tries: {error}") from error
        except _RateLimited as error:
            raise DeliveryError(f"{method} {path}: still rate limited after {counts['rate_limited']} "
                                f"answers of 429") from error
