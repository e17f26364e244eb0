"""The profiling report's probes: the dirt a transform mends rather than a rule rejects."""

from __future__ import annotations

import pandas as pd

from include.crm.profile_probes import duplicate_emails, non_iso_countries


def _customers(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["customer_id", "email", "country"]).astype(
        {"customer_id": "Int64", "email": "str", "country": "str"})


def test_countries_not_written_as_alpha_2_are_found_with_what_they_become():
    found = non_iso_countries(_customers([(1, "a@x.io", "DE"), (2, "b@x.io", "Germany"), (3, "c@x.io", "de"),
                                          (4, "d@x.io", None), (5, "e@x.io", "Narnia")]))
    assert list(zip(found["value"], found["becomes"], strict=True)) == [("Germany", "DE"), ("de", "DE"),
                                                                        ("Narnia", "ZZ")]


def test_emails_shared_after_trimming_and_lower_casing_are_found_every_one():
    found = duplicate_emails(_customers([(1, "Ann@X.io", "DE"), (2, " ann@x.io", "DE"), (3, "bo@x.io", "DE"),
                                         (4, "", "DE"), (5, "", "DE"), (6, None, "DE")]))
    assert list(found["value"]) == ["Ann@X.io", " ann@x.io"]  # blanks are missing, not shared
    assert list(found["becomes"]) == ["customer 1 shares ann@x.io", "customer 2 shares ann@x.io"]
