"""DAG integrity: every DAG in dags/ parses, follows the house rules, and does no I/O at import time."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import Param
from airflow.sdk.definitions.param import ParamValidationError

REPO = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO / "dags"
DAG_FILES = sorted(DAGS_FOLDER.glob("*.py"))
UNREACHABLE_PG = "postgresql://nobody:x@127.0.0.1:1/none"


@pytest.fixture(scope="module")
def bag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture(scope="module")
def nightly(bag):
    return bag.dags["crm_nightly"]


def all_dags(bag):
    assert bag.dags, "no DAG was found in dags/"
    return list(bag.dags.values())


# ---------------------------------------------------------------------------
# Every DAG
# ---------------------------------------------------------------------------


def test_dags_folder_parses_without_import_errors(bag):
    assert bag.import_errors == {}


def test_every_dag_has_tags(bag):
    for dag in all_dags(bag):
        assert dag.tags, f"{dag.dag_id} has no tags"


def test_every_dag_has_a_real_owner(bag):
    for dag in all_dags(bag):
        assert dag.default_args.get("owner") not in (None, "", "airflow"), dag.dag_id
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), f"{dag.dag_id}.{task.task_id} owner is {task.owner!r}"


def test_every_dag_has_documentation(bag):
    for dag in all_dags(bag):
        assert dag.doc_md and dag.doc_md.strip(), f"{dag.dag_id} has no doc_md"


def test_every_dag_retries_at_least_twice_by_default(bag):
    for dag in all_dags(bag):
        assert dag.default_args.get("retries", 0) >= 2, dag.dag_id


# Tasks that must not retry, each with its reason.
NO_RETRY_TASKS = {
    ("crm_nightly", "finish_failed"): "marks the run failed; retrying would only repeat the bookkeeping",
    ("taskflow_nightly", "finish_failed"): "marks the run failed; retrying would only repeat the bookkeeping",
    ("audience_handoff", "finish_failed"): "marks the run and its unfinished audiences failed",
}


def test_every_task_retries_at_least_twice_unless_it_explicitly_must_not(bag):
    for dag in all_dags(bag):
        for task in dag.tasks:
            if (dag.dag_id, task.task_id) in NO_RETRY_TASKS:
                assert task.retries == 0, f"{task.task_id} is listed as no-retry but retries={task.retries}"
            else:
                assert task.retries >= 2, f"{dag.dag_id}.{task.task_id} retries={task.retries}"


def test_every_task_has_an_execution_timeout(bag):
    for dag in all_dags(bag):
        for task in dag.tasks:
            assert task.execution_timeout is not None, f"{dag.dag_id}.{task.task_id}"
            assert task.execution_timeout.total_seconds() > 0


def test_every_retrying_task_backs_off_exponentially(bag):
    for dag in all_dags(bag):
        assert dag.default_args.get("retry_exponential_backoff"), dag.dag_id
        for task in dag.tasks:
            if task.retries:
                assert task.retry_exponential_backoff, f"{dag.dag_id}.{task.task_id}"


def decorated_dag_functions(path: Path) -> list[str]:
    """Names of the functions in `path` decorated with @dag / @dag(...)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if getattr(target, "id", getattr(target, "attr", None)) == "dag":
                    names.append(node.name)
    return names


def test_dag_id_is_the_decorated_function_name(bag):
    functions = [name for path in DAG_FILES for name in decorated_dag_functions(path)]
    assert "crm_nightly" in functions
    assert sorted(bag.dags) == sorted(functions)


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_does_not_read_variables_at_module_level(path):
    tree = ast.parse(path.read_text())
    module_level = [node for node in tree.body if not isinstance(node, ast.FunctionDef | ast.ClassDef)]
    calls = [ast.unparse(node) for stmt in module_level for node in ast.walk(stmt)
             if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Variable.get")]
    assert calls == []
    assert "Variable.get" not in path.read_text()


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_imports_without_touching_a_database_or_the_network(path, tmp_path):
    guard = textwrap.dedent(f"""
        import socket, sys

        def refuse(*args, **kwargs):
            raise RuntimeError("I/O at DAG import time: " + repr(args[:2]))

        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = refuse
        import psycopg
        psycopg.connect = refuse
        psycopg.Connection.connect = classmethod(refuse)
        try:
            import psycopg2
            psycopg2.connect = refuse
        except ImportError:
            pass
        from airflow.sdk import Variable
        Variable.get = staticmethod(refuse)
        from airflow.sdk import BaseHook
        BaseHook.get_connection = classmethod(refuse)

        import runpy
        runpy.run_path({str(path)!r}, run_name="dag_under_test")
        print("IMPORTED-OK")
    """)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "plugins")]),
        "AIRFLOW_CONN_CRM_SOURCE": UNREACHABLE_PG,
        "AIRFLOW_CONN_WAREHOUSE": UNREACHABLE_PG,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    result = subprocess.run([sys.executable, "-c", guard], cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "IMPORTED-OK" in result.stdout


# ---------------------------------------------------------------------------
# crm_nightly
# ---------------------------------------------------------------------------


def test_crm_nightly_runs_one_at_a_time_without_catchup(nightly):
    assert nightly.max_active_runs == 1
    assert nightly.catchup is False


def test_crm_nightly_is_scheduled_by_business_day(nightly):
    from business_day_timetable import BusinessDayTimetable

    assert isinstance(nightly.timetable, BusinessDayTimetable)


def test_crm_nightly_manual_run_at_0200_processes_the_previous_business_day(nightly):
    interval = nightly.timetable.infer_manual_data_interval(run_after=pendulum.datetime(2026, 10, 6, 2, tz="UTC"))
    assert interval.start == pendulum.datetime(2026, 10, 5, tz="UTC")
    assert interval.end == pendulum.datetime(2026, 10, 6, tz="UTC")


def test_crm_nightly_extract_tasks_use_the_crm_source_pool(nightly):
    extracts = [t for t in nightly.tasks if t.task_id.startswith("extract.")]
    assert sorted(t.task_id for t in extracts) == [
        "extract.extract_customers", "extract.extract_order_items", "extract.extract_orders",
        "extract.extract_products"]
    for task in extracts:
        assert task.pool == "crm_source", task.task_id
    # The pool's slots go to the biggest tables first (their extract -> validate chain is longest):
    # each extract has as many downstream tasks as the others, so their own weights decide.
    assert len({len(t.get_flat_relatives(upstream=False)) for t in extracts}) == 1
    by_priority = sorted(extracts, key=lambda t: t.priority_weight, reverse=True)
    assert [t.task_id for t in by_priority] == [
        "extract.extract_order_items", "extract.extract_orders", "extract.extract_customers",
        "extract.extract_products"]


def test_crm_nightly_has_extract_validate_and_load_task_groups(nightly):
    groups = nightly.task_group.children
    for name in ("extract", "validate", "load"):
        assert name in groups, name
        assert len(groups[name].children) == 4, name


def test_crm_nightly_rebuilds_and_checks_the_marts_after_the_last_load(nightly):
    build, check = nightly.get_task("marts.build_marts"), nightly.get_task("marts.check_marts")
    assert "load.load_order_items" in build.upstream_task_ids
    assert check.upstream_task_ids == {"marts.build_marts"}
    assert "marts.check_marts" in nightly.get_task("finish_success").upstream_task_ids
    assert {"marts.build_marts", "marts.check_marts"} <= nightly.get_task("finish_failed").upstream_task_ids


def test_crm_nightly_publishes_one_asset_per_mart_only_once_the_run_has_succeeded(nightly):
    # Emitted by finish_success, which runs after check_marts: a consumer never starts on a
    # snapshot that is unchecked, or whose run has not been logged a success yet.
    outlets = {a.name for a in nightly.get_task("finish_success").outlets}
    assert outlets == {"marts.customer_segments", "marts.segment_summary", "marts.segment_movement",
                       "marts.daily_sales"}
    assert [t.task_id for t in nightly.tasks if t.outlets] == ["finish_success"]


def _returned_values(function: ast.FunctionDef) -> list[int]:
    """Lines where `function` itself (not a function nested in it) returns a value."""
    found, todo = [], list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            found.append(node.lineno)
        elif not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            todo.extend(ast.iter_child_nodes(node))
    return found


def test_crm_nightly_tasks_return_nothing_for_xcom(nightly):
    # A returned value is an XCom, and a dict annotation turns on multiple_outputs: one XCom per
    # key. Each is a round trip to the api-server. The counts are in audit.etl_run_log instead.
    for task in nightly.tasks:
        assert not task.multiple_outputs, task.task_id
        assert task.python_callable.__annotations__.get("return") in ("None", None), task.task_id
    tree = ast.parse((REPO / "dags" / "crm_nightly.py").read_text())
    tasks = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             and any("task" in ast.unparse(d) for d in f.decorator_list)]
    assert len(tasks) == 9  # bootstrap, extract, validate, load, build, check, reconcile, finish x2
    assert {f.name: _returned_values(f) for f in tasks} == {f.name: [] for f in tasks}


def test_crm_nightly_only_finish_failed_skips_retries(nightly):
    assert nightly.get_task("finish_failed").retries == 0
    assert nightly.get_task("finish_failed").trigger_rule == "one_failed"
    assert [t.task_id for t in nightly.tasks if t.retries < 2] == ["finish_failed"]


def test_crm_nightly_declares_full_refresh_and_lookback_hours_params(nightly):
    full_refresh = nightly.params.get_param("full_refresh")
    lookback = nightly.params.get_param("lookback_hours")
    assert isinstance(full_refresh, Param) and isinstance(lookback, Param)
    assert full_refresh.value is False
    assert full_refresh.schema["type"] == "boolean"
    assert lookback.schema["type"] == "integer"
    assert lookback.schema["minimum"] == 0
    assert lookback.schema["maximum"] == 720
    assert nightly.params.validate() == {"full_refresh": False, "lookback_hours": 2}


@pytest.mark.parametrize("hours", [0, 720])
def test_crm_nightly_accepts_lookback_hours_at_the_bounds(nightly, hours):
    params = copy.deepcopy(nightly.params)
    params["lookback_hours"] = hours
    assert params.validate()["lookback_hours"] == hours


@pytest.mark.parametrize("hours", [-1, 721, "2", "2; DROP TABLE core.fact_orders", 1.5, None])
def test_crm_nightly_rejects_lookback_hours_out_of_range_or_not_an_integer(nightly, hours):
    params = copy.deepcopy(nightly.params)
    with pytest.raises(ParamValidationError, match="lookback_hours"):
        params["lookback_hours"] = hours
    lookback = copy.deepcopy(nightly.params.get_param("lookback_hours"))
    with pytest.raises(ParamValidationError):
        lookback.resolve(value=hours)


def test_crm_nightly_rejects_a_non_boolean_full_refresh(nightly):
    params = copy.deepcopy(nightly.params)
    with pytest.raises(ParamValidationError, match="full_refresh"):
        params["full_refresh"] = "yes"


def test_every_task_of_every_dag_has_the_failure_notifier(bag):
    from include.warehouse_kit.notify import on_task_failure

    assert bag.dags
    for dag_id, dag_obj in bag.dags.items():
        for task in dag_obj.tasks:
            callbacks = task.on_failure_callback or []
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            assert on_task_failure in callbacks, f"{dag_id}.{task.task_id}"


def test_the_morning_summary_is_sent_when_the_night_succeeds(nightly):
    from include.crm.summary import MORNING_SUMMARY
    from include.warehouse_kit.notify import run_success_callback

    assert nightly.get_task("finish_success").on_success_callback == [run_success_callback(MORNING_SUMMARY)]


def test_lateness_check_runs_at_six_business_time(bag):
    lateness = bag.dags["crm_nightly_lateness"]
    info = lateness.timetable.infer_manual_data_interval(run_after=pendulum.datetime(2026, 10, 6, 7, tz="UTC"))
    assert (info.start, info.end) == (pendulum.datetime(2026, 10, 5, tz="UTC"), pendulum.datetime(2026, 10, 6, tz="UTC"))
    assert lateness.timetable.run_at == dt.time(6, 0)
