"""docs/architecture.md stays true: every file it names exists, every kit piece it names imports,
and the walkthrough's Pipeline fields are the Pipeline's."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "architecture.md").read_text()
PLACEHOLDER = "shop"  # the walkthrough's example domain


def _backticked() -> list[str]:
    prose = re.sub(r"```.*?```", "", DOC, flags=re.S)  # fenced blocks out: their backticks pair wrongly
    return re.findall(r"`([^`]+)`", prose)


def test_every_path_the_doc_names_exists():
    paths = [p for p in _backticked() if re.match(r"^(include|dags|plugins|devtools|tests|bench|docs)/[\w./]*$", p)]
    assert len(paths) > 5
    assert [p for p in paths if PLACEHOLDER not in p and not (REPO / p.rstrip("/")).exists()] == []


def test_every_kit_module_the_tables_name_exists():
    modules = re.findall(r"^\| `([a-z_]+\.py)`(?:, `([a-z_]+\.py)`)*", DOC, flags=re.M)
    named = {m for row in modules for m in row if m}
    named |= set(re.findall(r"`([a-z_]+\.py)`", DOC.split("## The kit")[1].split("## Pipelines")[0]))
    kit = REPO / "include" / "warehouse_kit"
    assert [m for m in sorted(named) if not (kit / m).exists()] == []


def test_every_kit_piece_the_walkthrough_names_imports():
    pieces = [p for p in _backticked() if p.startswith("include.warehouse_kit.")]
    assert pieces
    for piece in pieces:
        module, _, attribute = piece.split("(")[0].rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), piece


def test_the_walkthrough_names_the_pipeline_fields():
    from include.warehouse_kit.pipeline import Pipeline

    fields = {f.name for f in dataclasses.fields(Pipeline)}
    shown = re.search(r"PIPELINE = Pipeline\(([^)]*)\)", DOC).group(1)
    assert {name.split("=")[0].strip() for name in shown.split(",") if "=" in name} <= fields
