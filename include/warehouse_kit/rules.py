"""Building blocks that every domain's pandera row models share."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

Id = pd.Int64Dtype
Ts = pd.DatetimeTZDtype
EARLIEST_TS = pd.Timestamp("2000-01-01", tz="UTC")  # before this, a timestamp is a data error


def no_nul(text: Series[str]) -> Series[bool]:
    """PostgreSQL text cannot hold NUL (\\x00), so a PostgreSQL source cannot send one; a row that
    brings one anyway (another source, a bug upstream) is quarantined, never truncated."""
    return ~text.str.contains("\x00", regex=False, na=False)


def utc_field(**kwargs) -> pa.Field:
    """A timestamptz column as the kit's batch reader produces it (microseconds, UTC)."""
    return pa.Field(dtype_kwargs={"unit": "us", "tz": "UTC"}, **kwargs)


def plausible_until(interval_end) -> pd.Timestamp:
    """The latest plausible event time of a run: a day after its interval end."""
    return pd.Timestamp(interval_end).tz_convert("UTC") + pd.Timedelta(days=1)
