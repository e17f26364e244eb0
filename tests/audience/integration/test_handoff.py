"""The handoff's guarantees, on a real warehouse and the loopback marketing platform
(devtools/marketing_platform.py). Each expected audience is computed again in pandas
(conftest.expected_audience)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
from types import SimpleNamespace

import httpx
import pytest
from airflow.sdk import Asset

from devtools.marketing_platform import Fault
from include.audience.contracts import MEMBER_FIELDS
from include.audience.handoff import HandoffFailed
from include.audience.marketing_api import MAX_TRIES
from include.audience.run import SnapshotError
from include.warehouse_kit.page_kit.csv_export import excel_safe
from tests.audience.integration.conftest import EXPORT, NIGHTS, VIP, WINBACK

D1, D2 = NIGHTS
API_CAMPAIGNS = (VIP, WINBACK)


def _exact(handoff, day, campaigns=API_CAMPAIGNS):
    for campaign in campaigns:
        expected = handoff.expected(campaign, day)
        assert expected, f"{campaign['audience_id']} is empty: the test world proves nothing"
        assert handoff.on_platform(campaign["audience_id"]) == expected, campaign["audience_id"]


def _applied_once(platform):
    keys = [a["key"] for a in platform.applied if a["kind"] != "put"]
    assert len(keys) == len(set(keys)), "an idempotency key was applied twice"
    upserted = [i for a in platform.applied if a["kind"] == "upsert" for i in a["external_ids"]]
    assert len(upserted) == len(set(upserted)), "a member was upserted twice"


def test_after_a_run_each_platform_audience_is_exactly_the_expected_audience(handoff):
    handoff.handoff(D2)
    log = handoff.log()
    _exact(handoff, D2)
    for campaign in API_CAMPAIGNS:
        row = log[campaign["audience_id"]]
        assert (row["status"], row["upserted"], row["removed"], row["unchanged"]) == (
            "success", len(handoff.expected(campaign, D2)), 0, 0)
        assert row["batches"] == -(-row["upserted"] // 10)  # ETL_AUDIENCE_BATCH_SIZE=10 here
        assert all(a["items"] <= 10 for a in handoff.platform.applied)
    assert handoff.platform.audience("vip") == {"name": "VIP", "description": "best customers"}
    assert all(r["key"] for r in handoff.platform.requests if r["method"] == "POST")
    _applied_once(handoff.platform)


def test_the_file_export_is_the_whole_audience_in_excel_safe_csv_with_its_manifest(handoff):
    handoff.handoff(D2)
    folder = handoff.export_dir / "de-export" / str(D2)
    raw = (folder / "members.csv").read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    rows = list(reader)
    assert tuple(reader.fieldnames) == MEMBER_FIELDS
    expected = handoff.expected(EXPORT, D2)
    assert expected and [r["external_id"] for r in rows] == sorted(expected)

    def as_page_csv_cells(member):  # text Excel-safe, numbers as PostgreSQL writes numeric(14, 2)
        cells = {f: "" if v is None else excel_safe(v) if isinstance(v, str) else str(v) for f, v in member.items()}
        return cells | {"monetary": f"{member['monetary']:.2f}"}

    assert rows == [as_page_csv_cells(expected[r["external_id"]]) for r in rows]
    manifest = handoff.manifest("de-export", D2)
    assert manifest["counts"]["members"] == len(expected) == manifest["files"]["members.csv"]["rows"]
    assert manifest["files"]["members.csv"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert manifest["files"]["removed.csv"]["rows"] == 0
    assert handoff.log()["de-export"]["status"] == "success"


def test_a_rerun_of_the_same_day_sends_nothing_and_every_audience_ends_unchanged(handoff):
    handoff.handoff(D2)
    written = (handoff.export_dir / "de-export" / str(D2) / "manifest.json").stat().st_mtime_ns
    before = len(handoff.platform.requests)
    handoff.handoff(D2)
    assert handoff.platform.requests[before:] == []
    log = handoff.log()
    for campaign in (*API_CAMPAIGNS, EXPORT):
        row = log[campaign["audience_id"]]
        assert (row["status"], row["upserted"], row["removed"], row["unchanged"]) == (
            "success", 0, 0, len(handoff.expected(campaign, D2)))
    assert (handoff.export_dir / "de-export" / str(D2) / "manifest.json").stat().st_mtime_ns == written
    _exact(handoff, D2)


def test_a_newer_day_sends_only_what_changed(handoff):
    handoff.handoff(D1)
    handoff.handoff(D2)
    _exact(handoff, D2)
    for campaign in API_CAMPAIGNS:
        before, after = handoff.expected(campaign, D1), handoff.expected(campaign, D2)
        changed = {k for k in after if before.get(k) != after[k]}
        row = handoff.log()[campaign["audience_id"]]
        assert (row["upserted"], row["removed"], row["unchanged"]) == (
            len(changed), len(set(before) - set(after)), len(after) - len(changed))


def test_a_day_older_than_one_delivered_is_superseded_and_sends_nothing(handoff):
    handoff.handoff(D2)
    before = len(handoff.platform.requests)
    handoff.handoff(D1)
    assert handoff.platform.requests[before:] == []
    log = handoff.log()
    assert {a: r["status"] for a, r in log.items()} == {"vip": "superseded", "winback": "superseded",
                                                        "de-export": "superseded"}
    assert str(D2) in log["vip"]["detail"]
    assert not (handoff.export_dir / "de-export" / str(D1)).exists()
    _exact(handoff, D2)


def test_429s_and_5xx_bursts_end_in_the_exact_audience_with_no_duplicate_applied(handoff):
    handoff.platform.inject(Fault("put", status=500, times=2),
                            Fault("upsert", status=429, retry_after=0.05, times=3),
                            Fault("upsert", status=503, times=2, skip=1),
                            Fault("upsert", status=502, after_apply=True, times=1, skip=2))
    handoff.handoff(D2)
    _exact(handoff, D2)
    _applied_once(handoff.platform)
    log = handoff.log()
    assert sum(log[c["audience_id"]]["http_retries"] for c in API_CAMPAIGNS) == 2 + 3 + 2 + 1


def test_a_timeout_after_the_platform_applied_a_batch_is_resent_under_its_key_and_applied_once(handoff):
    handoff.platform.inject(Fault("upsert", audience_id="vip", after_apply=True, delay=3.0, skip=1))
    handoff.handoff(D2)
    _exact(handoff, D2)
    _applied_once(handoff.platform)
    tries = handoff.crm.wh("SELECT b.tries FROM audit.handoff_batches b JOIN audit.handoff_packages k USING "
                           "(package_id) WHERE k.audience_id = 'vip' ORDER BY b.batch_no")
    assert [t for (t,) in tries] == [1, 2] + [1] * (len(tries) - 2)  # the second batch, sent twice
    assert handoff.log()["vip"]["http_retries"] == 1


def test_kill_9_in_the_middle_of_delivery_then_a_retry_ends_exact_with_no_duplicate(handoff):
    handoff.declare(VIP)
    handoff.platform.inject(Fault("upsert", after_apply=True, hold=True, skip=1))
    code = ("from include.audience import pipeline; "
            f"pipeline.run({handoff.crm.warehouse_uri!r}, run_id='asset_triggered__kill', as_of_date='{D2}')")
    proc = subprocess.Popen([sys.executable, "-c", code], env=os.environ.copy())
    try:
        handoff.platform.wait_applied(2, timeout=120)  # a batch, and the held batch
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        handoff.platform.release()
    assert proc.returncode == -signal.SIGKILL
    acked = handoff.crm.wh("SELECT count(*) FILTER (WHERE acked_at IS NOT NULL), count(*) FROM audit.handoff_batches")
    assert acked[0][0] == 1 < acked[0][1]  # killed with the second batch applied but not acknowledged
    handoff.handoff(D2, run_id="asset_triggered__kill")  # Airflow's retry of the same run
    _exact(handoff, D2, (VIP,))
    _applied_once(handoff.platform)
    row = handoff.log("asset_triggered__kill")["vip"]
    assert row["status"] == "success" and row["upserted"] == len(handoff.expected(VIP, D2))


def test_a_400_for_one_audience_fails_it_alone_and_the_run_fails_after_the_others(handoff):
    handoff.platform.inject(Fault("upsert", audience_id="vip", status=400, body='{"error": "bad member"}'))
    with pytest.raises(HandoffFailed, match="vip") as failed:
        handoff.handoff(D2)
    assert failed.value.alert_detail == "audience vip"
    log = handoff.log()
    assert log["vip"]["status"] == "failed" and "bad member" in log["vip"]["error"]
    assert [r for r in handoff.platform.requests if r["audience_id"] == "vip" and r["kind"] == "upsert"
            ][0]["status"] == 400
    assert len([r for r in handoff.platform.requests if r["audience_id"] == "vip" and r["kind"] == "upsert"]) == 1
    assert log["winback"]["status"] == log["de-export"]["status"] == "success"
    _exact(handoff, D2, (WINBACK,))
    [(status, error)] = handoff.crm.wh("SELECT status, error FROM audit.etl_run_log WHERE run_id = %s",
                                       (handoff.runs[-1],))
    assert status == "failed" and "vip" in error


def test_a_bad_campaign_entry_fails_only_its_audience(handoff):
    handoff.declare(VIP, {"audience_id": "typo", "name": "Typo", "segments": ["champions"],
                          "destination": "marketing_api"})
    with pytest.raises(HandoffFailed, match="typo"):
        handoff.handoff(D2)
    log = handoff.log()
    assert log["typo"]["status"] == "failed"
    assert "campaign typo" in log["typo"]["error"] and "segments.0" in log["typo"]["error"]
    assert log["vip"]["status"] == "success"
    _exact(handoff, D2, (VIP,))


def test_a_missing_snapshot_fails_the_run_and_sends_nothing(handoff):
    with pytest.raises(SnapshotError, match="no snapshot of 2026-09-01"):
        handoff.handoff(dt.date(2026, 9, 1))
    assert handoff.platform.requests == []
    assert {r["status"] for r in handoff.log().values()} == {"skipped"}
    assert not handoff.export_dir.exists()


def test_a_snapshot_that_failed_its_mart_checks_is_not_sent(handoff):
    [(run_id,)] = handoff.crm.wh("SELECT run_id FROM audit.etl_run_log WHERE dag_id = 'crm_nightly' "
                                 "AND business_date = %s", (D2,))
    handoff.crm.wh("INSERT INTO audit.data_quality_log (dag_id, run_id, \"check\", status, observed, expected) "
                   "VALUES ('crm_nightly', %s, 'marts.customer_segments.rules', 'fail', '3', '0')", (run_id,))
    try:
        with pytest.raises(SnapshotError, match="failed its mart checks"):
            handoff.handoff(D2)
    finally:
        handoff.crm.wh("DELETE FROM audit.data_quality_log WHERE run_id = %s AND status = 'fail'", (run_id,))
    assert handoff.platform.requests == []


def test_full_resync_diffs_against_the_platforms_members(handoff):
    handoff.handoff(D2)
    expected = handoff.expected(VIP, D2)
    lost = sorted(expected)[0]
    # The platform drifted: a member lost, a stranger added (by someone else's requests).
    headers = {"Authorization": "Bearer t0ken", "Content-Type": "application/json"}
    base = f"{handoff.platform.url}/v1/audiences/vip/members"
    assert httpx.post(f"{base}:remove", json={"external_ids": [lost]},
                      headers=headers | {"Idempotency-Key": "drift-1"}).status_code == 200
    assert httpx.post(f"{base}:upsert", json={"members": [{"external_id": "stranger-1"}]},
                      headers=headers | {"Idempotency-Key": "drift-2"}).status_code == 200
    handoff.handoff(D2)
    assert lost not in handoff.on_platform("vip")  # the local state cannot see the drift
    handoff.handoff(D2, full_resync=True)
    _exact(handoff, D2)
    row = handoff.log()["vip"]
    assert (row["upserted"], row["removed"]) == (1, 1)


def test_an_asset_triggered_run_hands_off_the_newest_event_s_snapshot(handoff):
    runs = dict(handoff.crm.wh("SELECT business_date, run_id FROM audit.etl_run_log WHERE dag_id = 'crm_nightly'"))

    def event(day, minute):
        return SimpleNamespace(extra={"as_of_date": str(day), "run_id": runs[day], "dag_id": "crm_nightly"},
                               timestamp=dt.datetime(2026, 10, 4, 2, minute, tzinfo=dt.UTC),
                               source_dag_id="crm_nightly", source_run_id=runs[day])

    asset = Asset("marts.customer_segments")
    events = {asset: [event(D2, 1), event(D1, 5)]}  # batched: the newest snapshot, not the latest event
    ctx = handoff.handoff(triggering_asset_events=events)
    assert ctx.business_date == D2
    assert handoff.crm.wh("SELECT as_of_date, chosen_by, source_run_id FROM audit.handoff_runs WHERE run_id = %s",
                          (ctx.run_id,)) == [(D2, "asset_event", runs[D2])]
    _exact(handoff, D2)


def test_a_manual_run_without_a_date_hands_off_the_latest_snapshot(handoff):
    ctx = handoff.handoff()
    assert ctx.business_date == D2
    assert handoff.log()["vip"]["as_of_date"] == D2


def test_consent_is_read_at_handoff_time(own_handoff):
    world = own_handoff
    world.handoff(D2)
    delivered = world.expected(VIP, D2)
    exported = world.expected(EXPORT, D2)
    opted_out = sorted(set(delivered) & set(exported))[0]
    later = dt.datetime(2026, 10, 4, 12, tzinfo=dt.UTC)
    world.crm.src("UPDATE crm.customers SET marketing_opt_in = false, updated_at = %s WHERE customer_id = %s",
                  (later, int(opted_out)))
    world.crm.night(dt.date(2026, 10, 4))  # loads the opt-out; the snapshot of D2 still has them
    before = len(world.platform.applied)
    world.handoff(D2)
    assert opted_out not in world.on_platform("vip")
    applied = world.platform.applied[before:]
    assert opted_out not in [i for a in applied if a["kind"] == "upsert" for i in a["external_ids"]]
    assert opted_out in [i for a in applied if a["kind"] == "remove" for i in a["external_ids"]]
    assert world.log()["vip"]["removed"] == 1
    removed = list(csv.DictReader(io.StringIO(
        (world.export_dir / "de-export" / str(D2) / "removed.csv").read_text(encoding="utf-8-sig"))))
    assert [(r["external_id"], r["reason"]) for r in removed] == [(opted_out, "no_consent")]
    assert json.loads((world.export_dir / "de-export" / str(D2) / "manifest.json").read_text())[
        "counts"]["removed"] == 1
    _exact(world, D2)  # the rule, read at handoff time, agrees


def test_a_run_cleared_after_an_opt_out_builds_its_package_again_and_never_sends_the_opted_out(own_handoff):
    world = own_handoff
    world.declare(VIP)
    run_id = "manual__cleared"
    # The first try: one batch of 10 acknowledged, the next one refused with 503s until it gives up.
    world.platform.inject(Fault("upsert", audience_id="vip", status=503, times=MAX_TRIES, skip=1))
    with pytest.raises(HandoffFailed, match="vip"):
        world.handoff(D2, run_id=run_id)
    sent = set(world.on_platform("vip"))
    pending = sorted(set(world.expected(VIP, D2)) - sent)
    assert len(sent) == 10 and pending
    kept, never = sorted(sent)[0], pending[0]  # one already delivered, one only in the frozen package
    later = dt.datetime(2026, 10, 4, 12, tzinfo=dt.UTC)
    world.crm.src("UPDATE crm.customers SET marketing_opt_in = false, updated_at = %s WHERE customer_id = ANY(%s)",
                  (later, [int(kept), int(never)]))
    world.crm.night(dt.date(2026, 10, 4))
    before = len(world.platform.applied)
    world.handoff(D2, run_id=run_id)  # the run cleared from the start: extract reads consent anew
    applied = world.platform.applied[before:]
    assert never not in [i for a in applied if a["kind"] == "upsert" for i in a["external_ids"]]
    assert kept in [i for a in applied if a["kind"] == "remove" for i in a["external_ids"]]
    assert world.on_platform("vip") == world.expected(VIP, D2) and {kept, never}.isdisjoint(world.on_platform("vip"))
    _applied_once(world.platform)
    assert world.crm.wh("SELECT count(*) FILTER (WHERE retired_at IS NULL), count(*) FILTER (WHERE retired_at "
                        "IS NOT NULL) FROM audit.handoff_packages WHERE run_id = %s", (run_id,)) == [(1, 1)]
    row = world.log(run_id)["vip"]
    upserted = sum(a["items"] for a in world.platform.applied if a["kind"] == "upsert")
    assert row["status"] == "success" and (row["upserted"], row["removed"]) == (upserted, 1)
