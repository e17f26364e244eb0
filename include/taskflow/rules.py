"""Row rules of each TaskFlow source (pandera), named by the declarations in contracts.py: the
three database tables, and one line of the event logs. The kit's validation driver runs them
lazily; rows and lines that fail go to `audit.quarantine` with every reason.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from include.taskflow.contracts import EVENT_TYPES, PRIORITIES, ROLES, STATUSES
from include.warehouse_kit.rules import EARLIEST_TS, Id, Ts, no_nul, plausible_until, utc_field


def required(**checks) -> pa.Field:
    return pa.Field(nullable=False, **checks)


def optional(**checks) -> pa.Field:
    return pa.Field(nullable=True, **checks)


def required_utc() -> pa.Field:
    return utc_field(nullable=False)


def optional_utc() -> pa.Field:
    return utc_field(nullable=True)

# An ISO-8601 instant with an explicit offset (Z, +hh:mm, +hhmm or +hh). A local time without
# one is ambiguous: its line is quarantined, not guessed.
OFFSET_PATTERN = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"


class UserRow(pa.DataFrameModel):
    user_id: Series[Id] = required()
    email: Series[str] = optional()
    full_name: Series[str] = optional()
    team: Series[str] = optional()
    role: Series[str] = required(isin=ROLES)
    is_active: Series[pd.BooleanDtype] = required()
    created_at: Series[Ts] = required_utc()
    updated_at: Series[Ts] = required_utc()

    @pa.check("email", "full_name", "team", name="no_nul_byte")
    def user_text(cls, text: Series[str]) -> Series[bool]:
        return no_nul(text)

    class Config:
        strict = True


class ProjectRow(pa.DataFrameModel):
    project_id: Series[Id] = required()
    name: Series[str] = optional()
    category: Series[str] = optional()
    owner_user_id: Series[Id] = optional()
    created_at: Series[Ts] = required_utc()
    updated_at: Series[Ts] = required_utc()
    archived_at: Series[Ts] = optional_utc()

    @pa.check("name", "category", name="no_nul_byte")
    def project_text(cls, text: Series[str]) -> Series[bool]:
        return no_nul(text)

    class Config:
        strict = True


class TaskRow(pa.DataFrameModel):
    task_id: Series[Id] = required()
    project_id: Series[Id] = required()
    title: Series[str] = optional()
    priority: Series[str] = required(isin=PRIORITIES)
    assignee_id: Series[Id] = optional()
    status: Series[str] = required(isin=STATUSES)
    due_date: Series[pa.typing.Date] = optional()
    created_at: Series[Ts] = required_utc()
    updated_at: Series[Ts] = required_utc()
    completed_at: Series[Ts] = optional_utc()
    deleted_at: Series[Ts] = optional_utc()

    @pa.check("title", name="no_nul_byte")
    def task_text(cls, text: Series[str]) -> Series[bool]:
        return no_nul(text)

    class Config:
        strict = True


class EventLine(pa.DataFrameModel):
    """One line of an event file, as parsed (include/taskflow/events.py): the contract's fields,
    plus `occurred_ts`, occurred_at read as an instant (NaT when it is not ISO-8601)."""

    event_id: Series[str] = required(str_length={"min_value": 1})
    event_type: Series[str] = required(isin=EVENT_TYPES)
    task_id: Series[Id] = required()
    actor_id: Series[Id] = optional()
    occurred_at: Series[str] = required()
    from_status: Series[str] = optional()
    to_status: Series[str] = optional()
    assignee_id: Series[Id] = optional()
    due_date: Series[str] = optional()
    occurred_ts: Series[Ts] = optional_utc()

    @pa.check("event_id", "event_type", "occurred_at", "from_status", "to_status", "due_date",
              name="no_nul_byte")
    def event_text(cls, text: Series[str]) -> Series[bool]:
        return no_nul(text)

    @pa.check("occurred_at", name="has_utc_offset")
    def occurred_at_offset(cls, text: Series[str]) -> Series[bool]:
        return text.str.contains(OFFSET_PATTERN, regex=True, na=True)

    @pa.dataframe_check(name="occurred_at: not an ISO-8601 instant")
    def occurred_at_parses(cls, lines: pd.DataFrame) -> Series[bool]:
        return lines["occurred_at"].isna() | lines["occurred_ts"].notna()

    @pa.dataframe_check(name="status_changed: from_status and to_status must be statuses")
    def status_change(cls, lines: pd.DataFrame) -> Series[bool]:
        changes = lines["event_type"] == "status_changed"
        return ~changes.fillna(False) | (lines["from_status"].isin(STATUSES) & lines["to_status"].isin(STATUSES))

    @pa.dataframe_check(name="due_date_changed: due_date must be YYYY-MM-DD or null")
    def due_date_change(cls, lines: pd.DataFrame) -> Series[bool]:
        due = lines["due_date"][(lines["event_type"] == "due_date_changed").fillna(False) & lines["due_date"].notna()]
        valid = due.str.match(DATE_PATTERN, na=False) & pd.to_datetime(due, format="%Y-%m-%d", errors="coerce").notna()
        return valid.reindex(lines.index, fill_value=True)

    @classmethod
    def for_run(cls, schema: pa.DataFrameSchema, interval_end: dt.datetime) -> pa.DataFrameSchema:
        """The plausibility window of occurred_at, which depends on the run: from 2000-01-01 up
        to (not including) a day after the interval end."""
        return schema.update_column("occurred_ts", checks=[
            pa.Check.ge(EARLIEST_TS, error="occurred_at before 2000-01-01"),
            pa.Check.lt(plausible_until(interval_end), error="occurred_at at or after interval end + 1 day")])

    class Config:
        strict = True
