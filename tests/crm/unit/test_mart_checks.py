"""The snapshot rules checked after every marts rebuild."""

from __future__ import annotations

import pandas as pd

from include.crm.mart_checks import snapshot_failures


def snapshot(**overrides) -> pd.DataFrame:
    base = {
        "customer_id": [1, 2, 3],
        "recency_days": [3, 400, None],
        "frequency": [2, 0, 0],
        "monetary": [50.0, 0.0, 0.0],
        "r_score": [1, None, None],
        "f_score": [1, None, None],
        "m_score": [1, None, None],
        "segment": ["hibernating", "lost", "prospect"],
    }
    base.update(overrides)
    frame = pd.DataFrame(base)
    for column in ("customer_id", "recency_days", "frequency", "r_score", "f_score", "m_score"):
        frame[column] = frame[column].astype("Int64")
    frame["segment"] = frame["segment"].astype("str")
    return frame


def test_a_sound_snapshot_has_no_failures():
    assert snapshot_failures(snapshot()) == {}


def test_a_customer_twice_fails():
    failures = snapshot_failures(snapshot(customer_id=[1, 1, 3]))
    assert any(k.startswith("customer_id") for k in failures)


def test_an_unknown_segment_fails():
    assert any(k.startswith("segment") for k in snapshot_failures(snapshot(segment=["vip", "lost", "prospect"])))


def test_a_prospect_with_scores_fails():
    failures = snapshot_failures(snapshot(r_score=[1, None, 2], f_score=[1, None, 2], m_score=[1, None, 2]))
    assert "snapshot: scored_exactly_when_frequency_positive" in failures


def test_a_buyer_in_an_unscored_segment_fails():
    failures = snapshot_failures(snapshot(segment=["lost", "lost", "prospect"]))
    assert "snapshot: lost_and_prospect_only_without_orders_in_window" in failures


def test_a_prospect_with_a_past_order_fails():
    failures = snapshot_failures(snapshot(segment=["hibernating", "prospect", "prospect"]))
    assert "snapshot: prospect_exactly_when_never_ordered" in failures
