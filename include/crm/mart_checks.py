"""Checks on a rebuilt customer_segments snapshot (pandera), run after every rebuild."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from include.crm.contracts import SEGMENTS, UNSCORED


class SegmentSnapshot(pa.DataFrameModel):
    """One night of marts.customer_segments."""

    customer_id: Series[pd.Int64Dtype] = pa.Field(nullable=False, unique=True)
    recency_days: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    frequency: Series[pd.Int64Dtype] = pa.Field(nullable=False, ge=0)
    monetary: Series[float] = pa.Field(nullable=False)
    r_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=5)
    f_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=5)
    m_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=1, le=5)
    segment: Series[str] = pa.Field(nullable=False, isin=SEGMENTS)

    @pa.dataframe_check(name="scored_exactly_when_frequency_positive")
    def scored_iff_buying(cls, df: pd.DataFrame) -> Series[bool]:
        scored = df[["r_score", "f_score", "m_score"]].notna().all(axis=1)
        unscored = df[["r_score", "f_score", "m_score"]].isna().all(axis=1)
        return (df["frequency"] > 0) & scored | (df["frequency"] == 0) & unscored

    @pa.dataframe_check(name="lost_and_prospect_only_without_orders_in_window")
    def unscored_segments(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["frequency"] == 0) == df["segment"].isin(UNSCORED)

    @pa.dataframe_check(name="prospect_exactly_when_never_ordered")
    def prospects(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["segment"] == "prospect") == df["recency_days"].isna()

    class Config:
        strict = True


def snapshot_failures(snapshot: pd.DataFrame) -> dict[str, int]:
    """Failing rows per check of SegmentSnapshot (empty when the snapshot is sound)."""
    try:
        SegmentSnapshot.validate(snapshot, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        on_column = cases["schema_context"] == "Column"
        labels = (cases["column"].astype(str) + ": ").where(on_column, "snapshot: ") + cases["check"].astype(str)
        rows = cases.assign(label=labels).drop_duplicates(["label", "index"])
        return rows["label"].value_counts().to_dict()
    return {}
