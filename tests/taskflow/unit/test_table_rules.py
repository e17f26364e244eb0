"""The rules of TaskFlow's database tables (rules.UserRow, ProjectRow, TaskRow) on tiny frames:
each rule alone, with the reason quarantine records."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from include.taskflow.contracts import PROJECTS, TASKS, USERS
from include.warehouse_kit import validation

END = dt.datetime(2026, 10, 6, tzinfo=dt.UTC)
T = pd.Timestamp("2026-10-05T08:00:00Z")


def _frame(table, rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(table.columns))
    for column, kind in table.types.items():
        if kind == "bigint":
            frame[column] = frame[column].astype("Int64")
        elif kind == "boolean":
            frame[column] = frame[column].astype("boolean")
        elif kind == "timestamptz":
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        elif kind == "text":
            frame[column] = frame[column].astype("str")
        elif kind == "date":
            frame[column] = frame[column].astype("object")
    return frame


def _rejects(table, rows: list[dict]) -> dict[int, list[str]]:
    found = validation.find_rejects(table, _frame(table, rows), END)
    return dict(zip(found["source_id"].tolist(), found["reasons"].tolist(), strict=True))


def _user(**changes) -> dict:
    return {"user_id": 1, "email": "a@example.com", "full_name": "Ada", "team": "core", "role": "member",
            "is_active": True, "created_at": T, "updated_at": T} | changes


def _project(**changes) -> dict:
    return {"project_id": 1, "name": "Apollo", "category": None, "owner_user_id": None, "created_at": T,
            "updated_at": T, "archived_at": None} | changes


def _task(**changes) -> dict:
    return {"task_id": 1, "project_id": 10, "title": "Ship it", "priority": "high", "assignee_id": None,
            "status": "todo", "due_date": dt.date(2026, 10, 31), "created_at": T, "updated_at": T,
            "completed_at": None, "deleted_at": None} | changes


def test_clean_rows_pass_with_their_nullable_fields_empty():
    assert _rejects(USERS, [_user(email=None, team=None)]) == {}
    assert _rejects(PROJECTS, [_project()]) == {}
    assert _rejects(TASKS, [_task(due_date=None, title=None)]) == {}


@pytest.mark.parametrize("role", ["owner", "Member", ""])
def test_a_role_outside_member_lead_admin_is_rejected(role):
    assert _rejects(USERS, [_user(role=role)]) == {1: ["role: isin(('member', 'lead', 'admin'))"]}


def test_is_active_and_updated_at_are_required():
    assert _rejects(USERS, [_user(user_id=1, is_active=None), _user(user_id=2, updated_at=None)]) == {
        1: ["is_active: required value is missing"], 2: ["updated_at: required value is missing"]}


def test_a_task_needs_its_project_and_a_status_and_priority_from_their_sets():
    assert _rejects(TASKS, [_task(task_id=1, project_id=None), _task(task_id=2, status="closed"),
                            _task(task_id=3, priority="critical")]) == {
        1: ["project_id: required value is missing"],
        2: ["status: isin(('todo', 'in_progress', 'blocked', 'done', 'cancelled'))"],
        3: ["priority: isin(('low', 'medium', 'high', 'urgent'))"]}


def test_text_with_a_nul_byte_is_rejected_not_truncated():
    assert _rejects(PROJECTS, [_project(name="Apo\x00llo")]) == {1: ["name: no_nul_byte"]}
    assert _rejects(USERS, [_user(full_name="A\x00da")]) == {1: ["full_name: no_nul_byte"]}


def test_every_reason_of_a_row_is_kept():
    assert _rejects(TASKS, [_task(status="closed", priority="critical", created_at=None)]) == {1: [
        "created_at: required value is missing", "priority: isin(('low', 'medium', 'high', 'urgent'))",
        "status: isin(('todo', 'in_progress', 'blocked', 'done', 'cancelled'))"]}
