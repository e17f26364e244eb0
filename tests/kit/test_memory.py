"""Arrow's buffers come from the system allocator in every task (warehouse_kit.memory)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from include.warehouse_kit import pipeline

REPO = Path(__file__).resolve().parents[2]


def backend_after(code: str) -> str:
    """The name of Arrow's default memory pool in a fresh interpreter after `code`."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport pyarrow; print(pyarrow.default_memory_pool().backend_name)"],
                         check=True, capture_output=True, text=True, env={"PYTHONPATH": str(REPO)})
    return out.stdout.strip()


def test_arrow_keeps_its_bundled_allocator_unless_asked():
    assert backend_after("") != "system"


@pytest.mark.parametrize("before", ["", "import pyarrow, pandas"], ids=["before pyarrow loads", "after it loaded"])
def test_a_task_gets_the_system_allocator_whether_or_not_pyarrow_is_loaded(before):
    code = f"{before}\nfrom include.warehouse_kit import memory\nmemory.arrow_from_system_allocator()"
    assert backend_after(code) == "system"


def test_every_airflow_task_asks_for_it_first():
    import inspect

    source = inspect.getsource(pipeline.run_task)
    assert source.index("memory.arrow_from_system_allocator()") < source.index("_call(step")
