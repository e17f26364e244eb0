"""RunContext and ParamSpec: a run keyed on a business day, and the optional date Param."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from include.warehouse_kit.errors import FinalError
from include.warehouse_kit.pipeline import _describe_outlet_events, outlet_extra
from include.warehouse_kit.run_context import ParamSpec, RunContext, check_params

AS_OF = ParamSpec("as_of_date", None, "The snapshot to hand off.", is_date=True)


@pytest.mark.parametrize("value, expected", [
    ("2026-10-05", dt.date(2026, 10, 5)),
    (dt.date(2026, 10, 5), dt.date(2026, 10, 5)),
    (None, None),
    ("", None),
])
def test_a_date_param_takes_an_iso_date_a_date_or_nothing(value, expected):
    assert AS_OF.check(value) == expected
    assert AS_OF.kind is dt.date


@pytest.mark.parametrize("value", ["2026-13-01", "05.10.2026", "2026-10-05T00:00:00", "20261005", 20261005,
                                   dt.datetime(2026, 10, 5), True])
def test_a_date_param_refuses_anything_else_and_names_itself(value):
    with pytest.raises(ValueError, match="param as_of_date must be a date YYYY-MM-DD or empty"):
        AS_OF.check(value)


def test_a_date_param_is_a_nullable_date_string_in_the_trigger_form():
    param = AS_OF.airflow_param()
    assert param.value is None
    assert param.schema["type"] == ["null", "string"] and param.schema["format"] == "date"


def test_a_business_day_run_covers_the_day_in_the_business_time_zone(monkeypatch):
    monkeypatch.setenv("ETL_BUSINESS_TZ", "Europe/Berlin")
    ctx = RunContext.for_business_day(dag_id="pipe_a", run_id="manual__1", day=dt.date(2026, 10, 25),
                                      params={"full_resync": True})
    # 25 October 2026 is the day Berlin leaves summer time: 25 hours long.
    assert ctx.interval_start == dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)
    assert ctx.interval_end == dt.datetime(2026, 10, 25, 23, 0, tzinfo=dt.UTC)
    assert ctx.business_date == dt.date(2026, 10, 25)
    assert ctx.keys() == {"dag_id": "pipe_a", "run_id": "manual__1"}
    assert ctx.params == {"full_resync": True}


def test_every_outlet_event_carries_the_runs_day_and_run():
    ctx = RunContext.for_business_day(dag_id="pipe_a", run_id="scheduled__2026-10-06", day=dt.date(2026, 10, 5))
    assert outlet_extra(ctx) == {"as_of_date": "2026-10-05", "dag_id": "pipe_a", "run_id": "scheduled__2026-10-06"}
    events = {"a": SimpleNamespace(extra={}), "b": SimpleNamespace(extra={})}
    _describe_outlet_events({"task": SimpleNamespace(outlets=["a", "b"]), "outlet_events": events}, ctx)
    assert events["a"].extra == events["b"].extra == outlet_extra(ctx)


def test_a_step_without_outlets_touches_no_outlet_event():
    ctx = RunContext.for_business_day(dag_id="pipe_a", run_id="r", day=dt.date(2026, 10, 5))
    _describe_outlet_events({"task": SimpleNamespace(outlets=[])}, ctx)  # no outlet_events key: not read


def test_a_bad_param_fails_the_run_at_once_rather_than_through_its_retries():
    specs = (AS_OF, ParamSpec("full_resync", False, "Diff against the platform."))
    for params in ({"as_of_date": "tomorrow"}, {"full_resync": "true"}, {"as_of": "2026-10-05"}):
        with pytest.raises(FinalError):
            check_params(params, specs, "pipe_a")
    with pytest.raises(ValueError, match=r"unknown params \['as_of'\]; pipe_a takes as_of_date, full_resync"):
        check_params({"as_of": "2026-10-05"}, specs, "pipe_a")
    assert check_params({"as_of_date": "2026-10-05"}, specs) == {"as_of_date": dt.date(2026, 10, 5),
                                                                 "full_resync": False}
