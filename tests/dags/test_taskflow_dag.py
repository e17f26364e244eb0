"""taskflow_nightly's shape: the same timetable, Params, retries and alerts as crm_nightly, the
event tasks in their place, and an Asset per mart once the marts are checked."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.param import ParamValidationError

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def bag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture(scope="module")
def taskflow(bag):
    return bag.dags["taskflow_nightly"]


def test_it_runs_on_the_business_day_timetable_at_0200_one_run_at_a_time(bag, taskflow):
    crm = bag.dags["crm_nightly"]
    assert type(taskflow.timetable) is type(crm.timetable)
    assert taskflow.timetable.run_at == dt.time(2, 0)
    assert (taskflow.max_active_runs, taskflow.catchup) == (1, False)
    info = taskflow.timetable.infer_manual_data_interval(run_after=pendulum.datetime(2026, 10, 6, 2, tz="UTC"))
    assert (info.start, info.end) == (pendulum.datetime(2026, 10, 5, tz="UTC"), pendulum.datetime(2026, 10, 6, tz="UTC"))


def test_it_takes_the_crm_params_and_lookback_days_default_7(taskflow):
    assert taskflow.params.validate() == {"full_refresh": False, "lookback_hours": 2, "lookback_days": 7}
    for days in (0, 90):
        params = copy.deepcopy(taskflow.params)
        params["lookback_days"] = days
        assert params.validate()["lookback_days"] == days
    for days in (-1, 91, "7", 1.5):
        params = copy.deepcopy(taskflow.params)
        with pytest.raises(ParamValidationError, match="lookback_days"):
            params["lookback_days"] = days


def test_the_database_extracts_use_the_taskflow_source_pool_and_the_events_do_not(taskflow):
    extracts = {t.task_id: t.pool for t in taskflow.tasks if t.task_id.startswith("extract.")}
    assert extracts == {"extract.extract_users": "taskflow_source", "extract.extract_projects": "taskflow_source",
                        "extract.extract_tasks": "taskflow_source", "extract.extract_events": "default_pool"}


def test_the_event_files_extract_takes_a_task_slot_before_the_database_extracts(taskflow):
    def total(task) -> int:  # the default weight rule: the task's weight and every downstream task's
        assert str(getattr(task.weight_rule, "value", task.weight_rule)).endswith("downstream")
        return task.priority_weight + sum(t.priority_weight for t in task.get_flat_relatives(upstream=False))

    weights = {t.task_id: total(t) for t in taskflow.tasks if t.task_id.startswith("extract.")}
    events = weights.pop("extract.extract_events")
    assert events > max(weights.values())


def test_every_gate_comes_before_every_load_and_the_events_load_after_the_dimensions(taskflow):
    gates = {"validate.validate_users", "validate.validate_projects", "validate.validate_tasks",
             "validate.validate_events"}
    for load in ("load.load_users", "load.load_projects"):
        assert gates <= taskflow.get_task(load).upstream_task_ids, load
    assert taskflow.get_task("load.load_tasks").upstream_task_ids == {"load.load_projects"}
    assert taskflow.get_task("validate.validate_events").upstream_task_ids == {"extract.extract_events"}
    assert taskflow.get_task("load.load_events").upstream_task_ids == {
        "load.load_users", "load.load_projects", "load.load_tasks"}
    assert taskflow.get_task("marts.build_marts").upstream_task_ids == {"load.load_events"}


def test_each_mart_is_emitted_as_an_asset_only_once_the_run_has_succeeded(taskflow):
    assert {a.name for a in taskflow.get_task("finish_success").outlets} == {
        "marts.agg_daily_metrics", "marts.project_health", "marts.user_productivity"}
    assert [t.task_id for t in taskflow.tasks if t.outlets] == ["finish_success"]
    assert {"marts.check_marts", "reconcile"} <= taskflow.get_task("finish_success").upstream_task_ids


def test_finish_failed_follows_every_task_and_only_it_skips_retries(taskflow):
    failed = taskflow.get_task("finish_failed")
    assert failed.upstream_task_ids == {t.task_id for t in taskflow.tasks} - {"finish_failed", "finish_success"}
    assert [t.task_id for t in taskflow.tasks if t.retries < 2] == ["finish_failed"]


def test_the_morning_summary_lists_the_sources_and_the_lateness_check_watches_it(bag, taskflow):
    from include.taskflow.summary import MORNING_SUMMARY
    from include.warehouse_kit.notify import run_success_callback

    assert taskflow.get_task("finish_success").on_success_callback == [run_success_callback(MORNING_SUMMARY)]
    assert MORNING_SUMMARY.tables == ("users", "projects", "tasks", "events")
    assert bag.dags["taskflow_nightly_lateness"].timetable.run_at == dt.time(6, 0)
