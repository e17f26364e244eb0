"""The shape of the house, checked: runtime modules stay small, never import devtools or bench,
keep their SQL in .sql files, the kit names no domain, and every SQL file the code names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNTIME = sorted(p for folder in ("dags", "plugins", "include") for p in (REPO / folder).rglob("*.py"))
KIT = sorted((REPO / "include" / "warehouse_kit").rglob("*.py")) + sorted((REPO / "include" / "sql" / "kit").rglob("*.sql"))
DOMAINS = [p.name for p in (REPO / "include").iterdir()
           if p.is_dir() and p.name not in ("warehouse_kit", "sql", "__pycache__")]
SQL_STATEMENT = re.compile(r"(?<![\"'])[\"'](\s*)(SELECT\s|INSERT\s+INTO|UPDATE\s+[a-z_.]+\s+SET|DELETE\s+FROM|"
                           r"CREATE\s+(TEMP|TABLE|INDEX)|ALTER\s+(TABLE|ROLE)|TRUNCATE\s|ANALYZE\s|COPY\s|LOCK\s)")
SQL_NAME = re.compile(r"[\"']((?:kit|" + "|".join(DOMAINS) + r")/[a-z_/]+\.sql)[\"']")


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def test_the_runtime_has_modules_and_domains():
    assert len(RUNTIME) > 20 and "crm" in DOMAINS


@pytest.mark.parametrize("path", RUNTIME, ids=_rel)
def test_no_runtime_module_has_more_than_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400


@pytest.mark.parametrize("path", RUNTIME, ids=_rel)
def test_no_runtime_module_imports_devtools_or_bench(path):
    tree = ast.parse(path.read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in imported if m.split(".")[0] in ("devtools", "bench")]


@pytest.mark.parametrize("path", RUNTIME, ids=_rel)
def test_runtime_sql_lives_in_sql_files(path):
    assert not [line for line in path.read_text().splitlines() if SQL_STATEMENT.search(line)]


@pytest.mark.parametrize("path", KIT, ids=_rel)
def test_the_kit_names_no_domain(path):
    text = path.read_text().lower()
    assert not [d for d in DOMAINS if re.search(rf"\b{d}\b", text)], "the kit must not name a domain"


def test_every_sql_file_the_runtime_names_exists():
    named = {m for p in RUNTIME for m in SQL_NAME.findall(p.read_text())}
    assert len(named) > 50
    assert sorted(n for n in named if not (REPO / "include" / "sql" / n).is_file()) == []
