"""audience_handoff's shape: started by crm_nightly's segments Asset, the six handoff steps in
order, record and finish_failed as the two leaves, and the morning summary either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from include.audience.summary import MORNING_SUMMARY
from include.warehouse_kit.notify import on_task_failure, run_success_callback

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
STEPS = ["bootstrap", "validate", "extract", "transform", "package", "execute", "record"]


@pytest.fixture(scope="module")
def handoff():
    return DagBag(dag_folder=str(DAGS_FOLDER)).dags["audience_handoff"]


def test_it_is_scheduled_on_the_segments_asset_that_crm_nightly_emits_once_checked(handoff):
    crm = DagBag(dag_folder=str(DAGS_FOLDER)).dags["crm_nightly"]
    assert [a.name for a in handoff.timetable.asset_condition.objects] == ["marts.customer_segments"]
    assert "marts.customer_segments" in {a.name for a in crm.get_task("finish_success").outlets}
    assert handoff.catchup is False


def test_its_params_are_an_optional_as_of_date_and_full_resync(handoff):
    assert handoff.params.validate() == {"as_of_date": None, "full_resync": False}


def test_the_steps_run_in_the_handoff_order(handoff):
    for before, after in zip(STEPS, STEPS[1:], strict=False):
        assert handoff.get_task(after).upstream_task_ids == {before}, after


def test_finish_failed_follows_every_step_before_record_so_both_are_leaves(handoff):
    failed = handoff.get_task("finish_failed")
    assert failed.upstream_task_ids == set(STEPS) - {"record"}
    assert (failed.trigger_rule, failed.retries) == ("one_failed", 0)
    assert {t.task_id for t in handoff.leaves} == {"record", "finish_failed"}


def test_the_summary_is_sent_when_record_succeeds_or_fails_and_when_finish_failed_closes_the_run(handoff):
    summary = run_success_callback(MORNING_SUMMARY)
    record, failed = handoff.get_task("record"), handoff.get_task("finish_failed")
    assert record.on_success_callback == [summary] and record.on_failure_callback == [on_task_failure, summary]
    assert failed.on_success_callback == [summary]
