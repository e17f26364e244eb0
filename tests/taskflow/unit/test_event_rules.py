"""The rules of one event line (rules.EventLine), on tiny frames: each rule, alone, with the
reason quarantine records."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from include.taskflow.contracts import EVENTS
from include.taskflow.transforms import parse_occurred_at
from include.warehouse_kit import validation

END = dt.datetime(2026, 10, 6, tzinfo=dt.UTC)  # the run's interval end


def _lines(*rows: dict) -> pd.DataFrame:
    base = {"event_id": "e1", "event_type": "task_created", "task_id": 1, "actor_id": 2,
            "occurred_at": "2026-10-05T08:00:00+00:00", "from_status": None, "to_status": None,
            "assignee_id": None, "due_date": None}
    frame = pd.DataFrame([base | r for r in rows])
    for column in ("task_id", "actor_id", "assignee_id"):
        frame[column] = frame[column].astype("Int64")
    for column in ("event_id", "event_type", "occurred_at", "from_status", "to_status", "due_date"):
        frame[column] = frame[column].astype("str").where(frame[column].notna(), None).astype("str")
    frame["occurred_ts"] = parse_occurred_at(frame["occurred_at"])
    return frame


def _reasons(*rows: dict) -> list[list[str]]:
    frame = _lines(*rows)
    found = validation.row_reasons(validation.schema_for(EVENTS, END), frame, "events")
    return [found.get(i, []) for i in frame.index]


def test_a_complete_event_of_each_type_passes():
    assert _reasons({}, {"event_type": "status_changed", "from_status": "todo", "to_status": "done"},
                    {"event_type": "assigned", "assignee_id": None}, {"event_type": "assigned", "assignee_id": 5},
                    {"event_type": "due_date_changed", "due_date": "2026-10-31"},
                    {"event_type": "due_date_changed", "due_date": None}, {"actor_id": None}) == [[]] * 7


@pytest.mark.parametrize("field", ["event_id", "event_type", "task_id", "occurred_at"])
def test_a_missing_required_field_is_named(field):
    assert f"{field}: required value is missing" in _reasons({field: None})[0]


def test_an_unknown_event_type_is_rejected():
    assert _reasons({"event_type": "task_deleted"}) == [["event_type: isin(('task_created', 'status_changed', "
                                                          "'assigned', 'due_date_changed'))"]]


def test_a_status_change_needs_both_statuses_from_the_set():
    rule = "status_changed: from_status and to_status must be statuses"
    assert _reasons({"event_type": "status_changed", "from_status": "todo", "to_status": "shipped"},
                    {"event_type": "status_changed", "from_status": None, "to_status": "done"},
                    {"event_type": "task_created", "to_status": "shipped"}) == [[rule], [rule], []]


@pytest.mark.parametrize("text", ["2026-10-05T08:00:00Z", "2026-10-05T10:00:00+02:00", "2026-10-05T03:00:00-05:00",
                                  "2026-10-05T13:30:00+0530", "2026-10-05T08:00:00.123456+00:00"])
def test_occurred_at_with_any_offset_is_the_same_kind_of_instant(text):
    assert _reasons({"occurred_at": text}) == [[]]


def test_offsets_are_honoured_when_read_as_utc():
    parsed = parse_occurred_at(pd.Series(["2026-10-05T10:00:00+02:00", "2026-10-05T08:00:00Z", "nonsense"]))
    assert parsed.iloc[0] == parsed.iloc[1] == pd.Timestamp("2026-10-05T08:00:00Z")
    assert pd.isna(parsed.iloc[2])


def test_occurred_at_without_an_offset_or_not_iso_is_rejected():
    assert _reasons({"occurred_at": "2026-10-05T08:00:00"}) == [["occurred_at: has_utc_offset"]]
    assert _reasons({"occurred_at": "yesterday+01:00"}) == [["occurred_at: not an ISO-8601 instant"]]


def test_occurred_at_must_be_from_2000_and_before_a_day_after_the_interval_end():
    assert _reasons({"occurred_at": "1999-12-31T23:59:59Z"}, {"occurred_at": "2000-01-01T00:00:00Z"},
                    {"occurred_at": "2026-10-06T23:59:59.999999Z"}, {"occurred_at": "2026-10-07T00:00:00Z"},
                    {"occurred_at": "2099-01-01T00:00:00Z"}) == [
        ["occurred_ts: occurred_at before 2000-01-01"], [], [],
        ["occurred_ts: occurred_at at or after interval end + 1 day"],
        ["occurred_ts: occurred_at at or after interval end + 1 day"]]


def test_a_due_date_change_needs_a_real_date_or_null():
    rule = "due_date_changed: due_date must be YYYY-MM-DD or null"
    assert _reasons({"event_type": "due_date_changed", "due_date": "2026-02-30"},
                    {"event_type": "due_date_changed", "due_date": "31/10/2026"}) == [[rule], [rule]]


def test_nul_bytes_are_rejected_not_truncated():
    assert _reasons({"event_id": "e\x001"}) == [["event_id: no_nul_byte"]]
