"""Transform: a campaign's audience rows become the members the destination receives.

Each member is the payload of MEMBER_FIELDS, as canonical JSON (the contract's field order, no
spaces, UTF-8), and its fingerprint is the sha256 of that text: a member whose fingerprint is
unchanged since it was delivered is not sent again.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd

from include.audience.contracts import MEMBER_FIELDS

# The staged audience rows as read back (pg_io.read_frame types).
MEMBER_TYPES = {"customer_id": "bigint", "email": "text", "first_name": "text", "country_code": "text",
                "segment": "text", "recency_days": "integer", "frequency": "integer", "monetary": "numeric"}


def _values(column: pd.Series, convert) -> list:
    """The column as Python values, None where missing (pandas 3 gives NaN for a missing str)."""
    return [None if pd.isna(v) else convert(v) for v in column.tolist()]


def canonical(member: dict) -> str:
    return json.dumps(member, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def fingerprint(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def payloads(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per member: external_id, payload (canonical JSON) and fingerprint."""
    columns = {
        "external_id": _values(rows["customer_id"], lambda v: str(int(v))),
        "email": _values(rows["email"], str),
        "first_name": _values(rows["first_name"], str),
        "country_code": _values(rows["country_code"], lambda v: str(v).strip()),
        "segment": _values(rows["segment"], str),
        "recency_days": _values(rows["recency_days"], int),
        "frequency": _values(rows["frequency"], int),
        "monetary": _values(rows["monetary"], lambda v: round(float(v), 2)),
    }
    texts = [canonical(dict(zip(MEMBER_FIELDS, values, strict=True)))
             for values in zip(*(columns[f] for f in MEMBER_FIELDS), strict=True)]
    return pd.DataFrame({"external_id": pd.Series(columns["external_id"], dtype="str"),
                         "payload": pd.Series(texts, dtype="str"),
                         "fingerprint": pd.Series([fingerprint(t) for t in texts], dtype="str")})
