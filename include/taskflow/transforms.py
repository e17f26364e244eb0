"""Pure pandas transforms of TaskFlow's sources (unit-tested on tiny frames)."""

from __future__ import annotations

import pandas as pd


def parse_occurred_at(text: pd.Series) -> pd.Series:
    """ISO-8601 instants with any offset -> UTC timestamps (microseconds); NaT where the text is
    not one. A text without an offset parses as UTC here, but rules.EventLine rejects it."""
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    return parsed.astype("datetime64[us, UTC]")
