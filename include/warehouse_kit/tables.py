"""A source table, declared once by its domain. Extract, validation, quarantine, load, the
DAG's tasks, the in-process runner, the bench and the alerts all derive from the declaration.

The pandera model and the loader are named as "module:attribute" and imported when a step
needs them: the tasks that never build a frame (bootstrap, extract, finish) import neither
pandas nor pandera.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from include.warehouse_kit.settings import GATE_MIN_ROWS, MAX_QUARANTINE_SHARE, MIN_KEY_COMPLETENESS


def resolve(target: str) -> Any:
    """The attribute named by "package.module:attribute"."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class Gates:
    """The share gates of a table's batch. Below `min_rows` a breach is a warning only: two typos
    in a 26-row night are 7.7 % of it, and no reason to stop the night."""

    min_key_completeness: float = MIN_KEY_COMPLETENESS
    max_quarantine_share: float = MAX_QUARANTINE_SHARE
    min_rows: int = GATE_MIN_ROWS


@dataclass(frozen=True)
class Freshness:
    """dbt-style source freshness: the lag, in hours, from a source's newest change before the
    interval end to the interval end, at which a night warns and at which it fails before
    anything loads (include/warehouse_kit/freshness.py)."""

    warn_after_hours: float = 24
    error_after_hours: float = 72


@dataclass(frozen=True)
class Reconcile:
    """How the warehouse holds a source table's rows, for the nightly reconciliation
    (include/warehouse_kit/reconcile.py). `core_rows` is a SQL file selecting one row per natural
    key that core holds: `key`, `updated_at` (the source's updated_at it was loaded from) and
    `amount`. With `source_amount`, a SQL file holding the source expression of one row's amount,
    the valid rows' amounts must also add up to core's."""

    core_rows: str
    source_amount: str = ""


@dataclass(frozen=True)
class SourceTable:
    name: str                      # the source table, and its landing table staging.<name>
    schema: str                    # the source schema it is read from
    types: Mapping[str, str]       # contract column -> PostgreSQL type as staged, in contract order
    primary_key: str
    key_fields: tuple[str, ...]    # the fields the completeness gate counts
    model: str                     # "module:Class": the pandera DataFrameModel of one row
    loader: str                    # "module:function": load(wh, ctx) -> counts, one transaction
    feeds: tuple[str, ...]         # the core tables its load writes
    load_after: tuple[str, ...] = ()  # tables whose loads must commit first
    extract_priority: int = 1      # who gets the source pool's slots first
    gates: Gates = field(default_factory=Gates)
    landing: str = ""              # the staging table, when not staging.<name>
    freshness: Freshness | None = field(default_factory=Freshness)  # None: the table opts out
    reconcile: Reconcile | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.types)

    @property
    def qualified_name(self) -> str:
        """schema.table, as quarantine and the alerts name it."""
        return f"{self.schema}.{self.name}"

    @property
    def staging(self) -> str:
        return self.landing or f"staging.{self.name}"


def by_name(tables: tuple[SourceTable, ...]) -> dict[str, SourceTable]:
    return {t.name: t for t in tables}


@dataclass(frozen=True)
class FileSource:
    """A source of line-oriented files in object storage, partitioned as <root>/<key>=<value>/:
    each file is processed once (audit.file_manifest), each bad line is quarantined under the
    text key "<path>:<line>". The validation driver's gates and models apply as for a table."""

    name: str                      # the source's name in the run log and the gates ("events")
    schema: str                    # the domain it belongs to: quarantine names it schema.name
    model: str                     # "module:Class": the pandera DataFrameModel of one parsed line
    key_fields: tuple[str, ...]    # the fields the completeness gate counts
    feeds: tuple[str, ...]         # the core tables its load writes
    root: str = ""                 # "module:function" -> the root's ObjectStoragePath URL
    partition_key: str = "dt"
    suffixes: tuple[str, ...] = (".jsonl", ".jsonl.gz")
    gates: Gates = field(default_factory=Gates)
    # The lag is judged from the newest partition that holds a file: its values are UTC dates.
    freshness: Freshness | None = field(default_factory=Freshness)
    # The staged line columns profiled each run (column -> contract type; profiling.py).
    types: Mapping[str, str] = field(default_factory=dict)
    # The core table whose rows are the lines loaded, and its column naming the line's file.
    fact_table: str = ""
    fact_path_column: str = "source_path"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"
