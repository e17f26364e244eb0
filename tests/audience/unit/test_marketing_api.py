"""The client's retry contract, against the loopback platform (a real HTTP server)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from devtools.marketing_platform import Fault, MarketingPlatform
from include.audience.marketing_api import (
    MAX_TRIES,
    ApiSettings,
    DeliveryError,
    MarketingApi,
    RejectedError,
    idempotency_key,
)

BODY = b'{"members":[{"external_id":"1","email":"a@example.com"}]}'


@pytest.fixture
def platform():
    with MarketingPlatform(token="secret") as server:
        yield server


def _api(platform, **settings) -> MarketingApi:
    return MarketingApi(ApiSettings(base_url=platform.url, token="secret", timeout=settings.pop("timeout", 2),
                                    backoff_seconds=0.01, max_backoff_seconds=0.05, **settings))


def _upsert(api, key="k1"):
    api.put_audience("a1", "A", None)
    return api.post("a1", "upsert", BODY, key)


def test_requests_carry_the_bearer_token_and_json(platform):
    with _api(platform) as api:
        _upsert(api)
    assert platform.members("a1") == {"1": {"external_id": "1", "email": "a@example.com"}}
    with MarketingApi(ApiSettings(base_url=platform.url, token="wrong")) as api:
        with pytest.raises(RejectedError, match="401") as refused:
            api.put_audience("a1", "A", None)
    assert refused.value.status == 401


def test_a_429_waits_retry_after_then_succeeds(platform):
    platform.inject(Fault("upsert", status=429, retry_after=0.3, times=2))
    with _api(platform) as api:
        started = time.monotonic()
        _upsert(api)
        assert time.monotonic() - started >= 0.6 and api.retries == 2


def test_5xx_and_dropped_connections_retry_up_to_five_tries(platform):
    platform.inject(Fault("upsert", status=503, times=2), Fault("upsert", drop=True, times=2))
    with _api(platform) as api:
        _upsert(api)
        assert api.retries == 4
    platform.inject(Fault("upsert", status=500, times=MAX_TRIES))
    with _api(platform) as api:
        with pytest.raises(DeliveryError, match="gave up after 5 tries") as gave_up:
            _upsert(api, key="k2")
    assert gave_up.value.retryable
    assert len([r for r in platform.requests if r["key"] == "k2"]) == MAX_TRIES


def test_another_4xx_fails_at_once_with_the_response_body(platform):
    platform.inject(Fault("upsert", status=400, body='{"error": "email is invalid"}'))
    with _api(platform) as api:
        with pytest.raises(RejectedError, match="email is invalid") as rejected:
            _upsert(api)
    assert not rejected.value.retryable and rejected.value.status == 400
    assert len([r for r in platform.requests if r["kind"] == "upsert"]) == 1


def test_a_timeout_is_retried_under_the_same_key_and_applied_once(platform):
    platform.inject(Fault("upsert", after_apply=True, delay=1.0))
    with _api(platform, timeout=0.3) as api:
        _upsert(api)
        assert api.retries == 1
    assert len(platform.applied) == 1


def test_member_ids_follow_the_cursor_through_every_page():
    with MarketingPlatform(token="secret", page_size=2) as platform, _api(platform) as api:
        api.put_audience("a1", "A", None)
        body = ('{"members":[' + ",".join(f'{{"external_id":"{i}"}}' for i in range(5)) + "]}").encode()
        api.post("a1", "upsert", body, "k")
        assert sorted(api.member_ids("a1")) == ["0", "1", "2", "3", "4"]


def test_the_idempotency_key_depends_on_audience_day_kind_and_content_only():
    key = idempotency_key("a1", "2026-10-05", "upsert", BODY)
    assert key == idempotency_key("a1", "2026-10-05", "upsert", BODY)
    others = {idempotency_key("a2", "2026-10-05", "upsert", BODY), idempotency_key("a1", "2026-10-06", "upsert", BODY),
              idempotency_key("a1", "2026-10-05", "remove", BODY), idempotency_key("a1", "2026-10-05", "upsert", b"{}")}
    assert key not in others and len(others) == 4


@pytest.mark.parametrize(("conn", "base"), [
    ({"conn_type": "http", "host": "127.0.0.1", "port": 8080, "schema": None}, "http://127.0.0.1:8080"),
    ({"conn_type": "http", "host": "api.example.com", "port": None, "schema": "https"}, "https://api.example.com"),
    ({"conn_type": "https", "host": "api.example.com", "port": 8443, "schema": ""}, "https://api.example.com:8443"),
    ({"conn_type": "http", "host": "https://api.example.com/", "port": None, "schema": None},
     "https://api.example.com"),
    ({"conn_type": "http", "host": "https://127.0.0.1", "port": 8443, "schema": None}, "https://127.0.0.1:8443"),
    ({"conn_type": "http", "host": "https://api.example.com:9000/v0", "port": 9000, "schema": None},
     "https://api.example.com:9000/v0"),
])
def test_the_connection_s_scheme_host_and_port_give_the_base_url_and_its_password_the_token(conn, base):
    settings = ApiSettings.from_connection(SimpleNamespace(conn_id="marketing_api", password="tok",
                                                           extra_dejson={"timeout": "5"}, **conn))
    assert (settings.base_url, settings.token, settings.timeout) == (base, "tok", 5.0)


@pytest.mark.parametrize(("uri", "base"), [
    ("http://:tok@127.0.0.1:8080", "http://127.0.0.1:8080"),
    ("https://:tok@api.example.com", "https://api.example.com"),
    ("http://https://:tok@127.0.0.1:8443", "https://127.0.0.1:8443"),  # Airflow's scheme-in-host form
])
def test_airflow_s_own_parse_of_a_connection_uri_gives_the_base_url(uri, base):
    from airflow.models.connection import Connection

    settings = ApiSettings.from_connection(Connection(conn_id="marketing_api", uri=uri))
    assert (settings.base_url, settings.token) == (base, "tok")


@pytest.mark.parametrize("value", ["soon", "Wed, 99 Foo 2026 xx:yy:zz GMT"])
def test_a_429_whose_retry_after_is_neither_seconds_nor_a_date_waits_the_default_and_retries(platform, value):
    platform.inject(Fault("upsert", status=429, retry_after=value, times=2))
    with _api(platform) as api:
        _upsert(api)
        assert api.retries == 2
    assert platform.members("a1") == {"1": {"external_id": "1", "email": "a@example.com"}}
