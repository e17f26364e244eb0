"""devtools.marketing_platform: the audience API contract on loopback, its idempotency keys,
its pages, its faults, its admin endpoints and its command line."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from devtools.marketing_platform import Fault, MarketingPlatform

REPO = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": "Bearer test-token"}


@pytest.fixture
def platform():
    with MarketingPlatform(page_size=3) as server:
        yield server


@pytest.fixture
def client(platform):
    with httpx.Client(base_url=platform.url, headers=AUTH, timeout=5) as c:
        yield c


@pytest.fixture
def audience(client):
    assert client.put("/v1/audiences/aud-1", json={"name": "VIP", "description": None}).status_code == 200
    return "aud-1"


def upsert(client, members, key, audience_id="aud-1", **kwargs):
    return client.post(f"/v1/audiences/{audience_id}/members:upsert", json={"members": members},
                       headers={"Idempotency-Key": key}, **kwargs)


def remove(client, external_ids, key, audience_id="aud-1"):
    return client.post(f"/v1/audiences/{audience_id}/members:remove", json={"external_ids": external_ids},
                       headers={"Idempotency-Key": key})


def members(n, start=0):
    return [{"external_id": f"c{i:04d}", "email": f"c{i}@example.com"} for i in range(start, start + n)]


# the contract

def test_put_creates_then_updates_an_audience_and_keeps_its_members(platform, client):
    created = client.put("/v1/audiences/aud-1", json={"name": "VIP", "description": None})
    assert created.status_code == 200
    assert created.json() == {"audience_id": "aud-1", "name": "VIP", "description": None, "members": 0}
    upsert(client, members(2), "k1")

    updated = client.put("/v1/audiences/aud-1", json={"name": "VIP", "description": "top spenders"})

    assert updated.json() == {"audience_id": "aud-1", "name": "VIP", "description": "top spenders", "members": 2}
    assert platform.audience("aud-1") == {"name": "VIP", "description": "top spenders"}
    assert platform.audience("never") is None


def test_every_request_needs_the_bearer_token(platform):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}):
        response = httpx.put(f"{platform.url}/v1/audiences/a", json={"name": "x"}, headers=headers)
        assert response.status_code == 401 and "error" in response.json()
    assert httpx.get(f"{platform.url}/v1/audiences/a/members").status_code == 401


def test_a_put_or_post_that_is_not_json_is_415(client, audience):
    assert client.put("/v1/audiences/a", content=b'{"name": "x"}').status_code == 415
    plain = client.post("/v1/audiences/aud-1/members:upsert", content=b'{"members": []}',
                        headers={"Content-Type": "text/plain", "Idempotency-Key": "k"})
    assert plain.status_code == 415 and "error" in plain.json()
    charset = client.put("/v1/audiences/a", content=b'{"name": "x"}',
                         headers={"Content-Type": "application/json; charset=utf-8"})
    assert charset.status_code == 200


def test_a_post_to_an_audience_never_put_is_404(platform, client):
    assert upsert(client, members(1), "k1", audience_id="never").status_code == 404
    assert remove(client, ["c0000"], "k2", audience_id="never").status_code == 404
    assert client.get("/v1/audiences/never/members").status_code == 404
    assert platform.applied == []


def test_any_other_path_is_404(client, audience):
    assert client.get("/v1/audiences/aud-1").status_code == 404
    assert client.post("/v1/audiences/aud-1/members:merge", json={}, headers={"Idempotency-Key": "k"}).status_code == 404
    assert client.delete("/v1/audiences/aud-1").status_code == 404
    assert client.get("/v2/things").status_code == 404


def test_upsert_inserts_or_replaces_each_member_whole_by_external_id(platform, client, audience):
    assert upsert(client, members(2), "k1").json() == {"upserted": 2}

    replaced = upsert(client, [{"external_id": "c0001", "email": "new@example.com", "tier": "gold"}], "k2")

    assert replaced.json() == {"upserted": 1}
    assert platform.members("aud-1") == {
        "c0000": {"external_id": "c0000", "email": "c0@example.com"},
        "c0001": {"external_id": "c0001", "email": "new@example.com", "tier": "gold"}}


def test_remove_deletes_the_members_present_and_counts_those_requested(platform, client, audience):
    upsert(client, members(3), "k1")

    assert remove(client, ["c0000", "c0002", "unknown"], "k2").json() == {"removed": 3}

    assert list(platform.members("aud-1")) == ["c0001"]
    assert [(a["kind"], a["items"], a["external_ids"]) for a in platform.applied] == [
        ("upsert", 3, ["c0000", "c0001", "c0002"]), ("remove", 3, ["c0000", "c0002", "unknown"])]


def test_a_post_without_an_idempotency_key_is_400(platform, client, audience):
    response = client.post("/v1/audiences/aud-1/members:upsert", json={"members": members(1)})
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]
    assert platform.members("aud-1") == {}


def test_a_key_already_applied_is_replayed_not_applied_again(platform, client, audience):
    first = upsert(client, members(2), "k1")
    remove(client, ["c0000"], "k2")

    again = upsert(client, members(2), "k1")

    assert (again.status_code, again.json()) == (first.status_code, first.json()) == (200, {"upserted": 2})
    assert list(platform.members("aud-1")) == ["c0001"]  # not upserted again after the remove
    assert [a["key"] for a in platform.applied] == ["k1", "k2"]


def test_with_a_state_file_the_audiences_and_the_keys_outlive_the_process(tmp_path):
    state = tmp_path / "platform.json"
    with MarketingPlatform(state_file=state) as first, httpx.Client(base_url=first.url, headers=AUTH) as c:
        c.put("/v1/audiences/aud-1", json={"name": "VIP", "description": "best"})
        upsert(c, members(2), "k1")
    with MarketingPlatform(state_file=state) as second, httpx.Client(base_url=second.url, headers=AUTH) as c:
        assert second.members("aud-1") == {m["external_id"]: m for m in members(2)}
        assert second.audience("aud-1") == {"name": "VIP", "description": "best"}
        remove(c, ["c0000"], "k2")
        assert upsert(c, members(2), "k1").json() == {"upserted": 2}  # replayed, not applied again
        assert list(second.members("aud-1")) == ["c0001"] and [a["key"] for a in second.applied] == ["k2"]


def test_the_same_key_with_a_different_body_is_422(platform, client, audience):
    upsert(client, members(2), "k1")
    assert upsert(client, members(3), "k1").status_code == 422
    assert remove(client, ["c0000"], "k1").status_code == 422
    assert len(platform.applied) == 1 and len(platform.members("aud-1")) == 2


def test_more_than_1000_members_is_413(platform, client, audience):
    assert upsert(client, members(1001), "k1").status_code == 413
    assert remove(client, [f"c{i}" for i in range(1001)], "k2").status_code == 413
    assert upsert(client, members(1000), "k3").json() == {"upserted": 1000}
    assert [a["key"] for a in platform.applied] == ["k3"]


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"members": {}}', b'{"members": [{"email": "x"}]}',
                                  b'{"members": [{"external_id": 7}]}', b'{"members": ["c1"]}'])
def test_a_malformed_or_misshapen_upsert_is_400(platform, client, audience, body):
    response = client.post("/v1/audiences/aud-1/members:upsert", content=body,
                           headers={"Content-Type": "application/json", "Idempotency-Key": "k"})
    assert response.status_code == 400 and "error" in response.json()
    assert platform.applied == []


def test_a_misshapen_put_or_remove_is_400(client, audience):
    assert client.put("/v1/audiences/a", json={"description": "no name"}).status_code == 400
    assert client.put("/v1/audiences/a", json={"name": "x", "description": 3}).status_code == 400
    assert remove(client, [1, 2], "k").status_code == 400


def test_members_are_listed_in_pages_with_a_cursor(client, audience):
    upsert(client, list(reversed(members(7))), "k1")
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get("/v1/audiences/aud-1/members", params={"cursor": cursor} if cursor else {}).json()
        seen += [m["external_id"] for m in page["members"]]
        pages, cursor = pages + 1, page["next_cursor"]
        assert len(page["members"]) == (3 if cursor else 1)
        if cursor is None:
            break
    assert pages == 3 and seen == [f"c{i:04d}" for i in range(7)]
    assert page["members"] == [{"external_id": "c0006", "email": "c6@example.com"}]


def test_a_last_full_page_has_no_next_cursor_and_an_empty_audience_one_empty_page(client, audience):
    assert client.get("/v1/audiences/aud-1/members").json() == {"members": [], "next_cursor": None}
    upsert(client, members(3), "k1")
    assert client.get("/v1/audiences/aud-1/members").json()["next_cursor"] is None
    assert client.get("/v1/audiences/aud-1/members", params={"cursor": "%%%"}).status_code == 400


# faults

def test_a_429_fault_answers_with_retry_after_and_applies_nothing(platform, client, audience):
    platform.inject(Fault("upsert", status=429, retry_after=1.5, body='{"error": "slow down"}'))

    limited = upsert(client, members(1), "k1")

    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1.5"
    assert limited.json() == {"error": "slow down"}
    assert platform.applied == []
    assert upsert(client, members(1), "k1").status_code == 200  # the fault is used up
    assert len(platform.applied) == 1


def test_a_fault_skips_then_hits_its_times_only_its_kind_and_audience(platform, client, audience):
    client.put("/v1/audiences/aud-2", json={"name": "other"})
    platform.inject(Fault("upsert", audience_id="aud-1", status=503, times=2, skip=1))

    statuses = [upsert(client, members(1, i), f"k{i}").status_code for i in range(4)]

    assert statuses == [200, 503, 503, 200]
    assert upsert(client, members(1), "other", audience_id="aud-2").status_code == 200
    platform.inject(Fault("members", status=500))
    assert client.get("/v1/audiences/aud-1/members").status_code == 500
    assert client.get("/v1/audiences/aud-1/members").status_code == 200


def test_an_error_after_apply_leaves_the_batch_applied_and_the_retry_replayed(platform, client, audience):
    platform.inject(Fault("remove", status=500, after_apply=True))
    upsert(client, members(2), "k1")

    assert remove(client, ["c0000"], "k2").status_code == 500
    retried = remove(client, ["c0000"], "k2")

    assert (retried.status_code, retried.json()) == (200, {"removed": 1})
    assert [a["key"] for a in platform.applied] == ["k1", "k2"]


def test_a_timeout_after_apply_leaves_the_batch_applied_once(platform, client, audience):
    platform.inject(Fault("upsert", after_apply=True, delay=0.5))

    with pytest.raises(httpx.TimeoutException):
        upsert(client, members(2), "k1", timeout=0.2)
    resent = upsert(client, members(2), "k1")

    assert (resent.status_code, resent.json()) == (200, {"upserted": 2})
    assert [a["key"] for a in platform.applied] == ["k1"]
    assert len(platform.members("aud-1")) == 2


def test_a_delay_before_apply_applies_after_the_delay(platform, client, audience):
    platform.inject(Fault("upsert", delay=0.3))
    with pytest.raises(httpx.TimeoutException):
        upsert(client, members(1), "k1", timeout=0.1)
    platform.wait_applied(1, timeout=2)


def test_a_drop_closes_the_connection_without_a_response(platform, client, audience):
    platform.inject(Fault("upsert", drop=True), Fault("upsert", drop=True, after_apply=True))

    with pytest.raises(httpx.RemoteProtocolError):
        upsert(client, members(1), "k1")
    assert platform.applied == []
    with pytest.raises(httpx.RemoteProtocolError):
        upsert(client, members(1), "k1")
    assert [a["key"] for a in platform.applied] == ["k1"]
    assert upsert(client, members(1), "k1").status_code == 200
    assert [r["status"] for r in platform.requests if r["kind"] == "upsert"] == [None, None, 200]


def test_a_held_request_answers_after_release(platform, client, audience):
    platform.inject(Fault("upsert", hold=True))
    answers = []
    sender = threading.Thread(target=lambda: answers.append(upsert(client, members(2), "k1")))
    sender.start()

    platform.wait_applied(1)
    sender.join(0.2)
    assert sender.is_alive() and answers == [] and len(platform.members("aud-1")) == 2
    assert client.get("/v1/audiences/aud-1/members").status_code == 200  # the lock is free meanwhile

    platform.release()
    sender.join(5)
    assert answers[0].status_code == 200


def test_a_fault_of_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        Fault("delete")


def test_wait_applied_raises_after_its_timeout(platform):
    with pytest.raises(TimeoutError):
        platform.wait_applied(1, timeout=0.05)


# what the server records

def test_every_request_is_recorded_with_its_status_and_items(platform, client, audience):
    upsert(client, members(2), "k1")
    client.get("/v1/audiences/aud-1/members")
    httpx.get(f"{platform.url}/v1/audiences/aud-1/members")

    assert platform.requests == [
        {"method": "PUT", "path": "/v1/audiences/aud-1", "kind": "put", "audience_id": "aud-1",
         "key": None, "status": 200, "items": None},
        {"method": "POST", "path": "/v1/audiences/aud-1/members:upsert", "kind": "upsert", "audience_id": "aud-1",
         "key": "k1", "status": 200, "items": 2},
        {"method": "GET", "path": "/v1/audiences/aud-1/members", "kind": "members", "audience_id": "aud-1",
         "key": None, "status": 200, "items": 2},
        {"method": "GET", "path": "/v1/audiences/aud-1/members", "kind": "members", "audience_id": "aud-1",
         "key": None, "status": 401, "items": None}]
    assert platform.applied == [{"key": "k1", "kind": "upsert", "audience_id": "aud-1", "items": 2,
                                 "external_ids": ["c0000", "c0001"]}]


def test_the_admin_endpoints_show_state_add_faults_and_release_without_auth(platform, client, audience):
    admin = httpx.Client(base_url=platform.url, timeout=5)
    faults = [{"kind": "upsert", "hold": True}, {"kind": "remove", "status": 429, "retry_after": 2}]
    assert admin.post("/_admin/faults", json=faults).json() == {"faults": 2}
    assert admin.post("/_admin/faults", json=[{"kind": "nope"}]).status_code == 400
    assert admin.post("/_admin/faults", json={"kind": "upsert"}).status_code == 400
    answers = []
    sender = threading.Thread(target=lambda: answers.append(upsert(client, members(1), "k1")))
    sender.start()
    platform.wait_applied(1)

    state = admin.get("/_admin/state").json()
    assert admin.post("/_admin/release").status_code == 200
    sender.join(5)

    assert answers[0].status_code == 200
    assert remove(client, ["c0000"], "k2").headers["Retry-After"] == "2"
    assert state["audiences"] == {"aud-1": {"name": "VIP", "description": None, "members": {
        "c0000": {"external_id": "c0000", "email": "c0@example.com"}}}}
    assert [a["key"] for a in state["applied"]] == ["k1"]
    assert [r["kind"] for r in state["requests"]] == ["put"]  # the held one is recorded when it answers
    assert admin.get("/_admin/nothing").status_code == 404
    admin.close()


def test_the_connection_names_the_server_and_carries_the_token(platform):
    assert platform.url == f"http://127.0.0.1:{platform.port}"
    assert platform.connection_uri() == f"http://:test-token@127.0.0.1:{platform.port}"
    uri = urlsplit(platform.connection_uri(timeout=5, batch_size=500))
    assert (uri.scheme, uri.password, uri.hostname, uri.port) == ("http", "test-token", "127.0.0.1", platform.port)
    assert json.loads(parse_qs(uri.query)["__extra__"][0]) == {"timeout": 5, "batch_size": 500}
    assert json.loads(platform.connection_json(timeout=5)) == {
        "conn_type": "http", "host": "127.0.0.1", "port": platform.port, "schema": "http",
        "password": "test-token", "extra": {"timeout": 5}}


def test_the_cli_starts_serves_and_stops_on_sigterm():
    process = subprocess.Popen([sys.executable, "-m", "devtools.marketing_platform", "--port", "0", "--token", "T",
                                "--page-size", "2"], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("marketing platform on http://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer T"}, timeout=5) as c:
            assert c.put("/v1/audiences/a", json={"name": "A", "description": None}).status_code == 200
            upsert(c, members(3), "k1", audience_id="a")
            assert c.get("/v1/audiences/a/members").json()["next_cursor"] is not None
        assert len(httpx.get(f"{url}/_admin/state").json()["applied"]) == 1
    finally:
        process.terminate()
        assert process.wait(5) == 0
