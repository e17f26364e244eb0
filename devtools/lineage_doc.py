"""Writes docs/lineage.md from the pipelines' step declarations and the pages' reads
(include/warehouse_kit/lineage.py draws it). `tests/kit/test_lineage.py` fails when the file is
stale: run `python -m devtools.lineage_doc` after changing a step's reads or writes.
"""

from __future__ import annotations

from pathlib import Path

from include.audience.pipeline import PIPELINE as AUDIENCE
from include.crm.pipeline import PIPELINE as CRM
from include.crm.segments_page.queries import READS as SEGMENTS_PAGE
from include.taskflow.analytics_page.queries import READS as ANALYTICS_PAGE
from include.taskflow.pipeline import PIPELINE as TASKFLOW
from include.warehouse_kit import lineage
from include.warehouse_kit.quality_page.queries import READS as QUALITY_PAGE

DOC = Path(__file__).resolve().parents[1] / "docs" / "lineage.md"
PIPELINES = (CRM, TASKFLOW, AUDIENCE)
READERS = (("Customer segments page", SEGMENTS_PAGE), ("Task analytics page", ANALYTICS_PAGE),
           ("Data quality page", QUALITY_PAGE),
           ("the marketing platform and audience files (audience_handoff's execute)", ("staging.audience_payloads",)))


def text() -> str:
    return lineage.markdown(PIPELINES, READERS)


def main() -> int:
    DOC.write_text(text(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
