"""The handoff's contracts: its DAG, its connection and settings, the member payload, the
statuses it logs, and the destinations' limits."""

from __future__ import annotations

import os
from pathlib import Path

DAG_ID = "audience_handoff"
DOMAIN = "audience"
SEGMENTS_ASSET = "marts.customer_segments"  # emitted by crm_nightly once its marts passed their checks
SOURCE_DAG_ID = "crm_nightly"              # the pipeline that builds the snapshots

MARKETING_CONN_ID = "marketing_api"
CAMPAIGNS_FILE_ENV = "ETL_CAMPAIGNS_FILE"
EXPORT_URL_ENV = "ETL_AUDIENCE_EXPORT_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CAMPAIGNS_FILE = REPO_ROOT / "config" / "campaigns.yaml"
DEFAULT_EXPORT_DIR = REPO_ROOT / ".local" / "audiences"

DESTINATIONS = ("marketing_api", "file")
STATUSES = ("success", "failed", "skipped", "superseded")
BATCH_SIZE = 1_000  # members (or ids) per request: the platform's limit
BATCH_SIZE_ENV = "ETL_AUDIENCE_BATCH_SIZE"  # a smaller batch, for a platform (or a test) that wants one

# The member as the destination receives it, in this order (also the columns of members.csv).
MEMBER_FIELDS = ("external_id", "email", "first_name", "country_code", "segment", "recency_days", "frequency",
                 "monetary")
REMOVED_FIELDS = ("external_id", "email", "reason")
# Why a delivered member is removed (the first that holds).
REMOVE_REASONS = ("deleted", "no_consent", "left_audience")


def campaigns_file() -> Path:
    return Path(os.environ.get(CAMPAIGNS_FILE_ENV) or DEFAULT_CAMPAIGNS_FILE)


def export_url() -> str:
    return os.environ.get(EXPORT_URL_ENV) or DEFAULT_EXPORT_DIR.as_uri()


def batch_size() -> int:
    size = int(os.environ.get(BATCH_SIZE_ENV) or BATCH_SIZE)
    if not 1 <= size <= BATCH_SIZE:
        raise ValueError(f"{BATCH_SIZE_ENV} must be within 1..{BATCH_SIZE}, got {size}")
    return size
