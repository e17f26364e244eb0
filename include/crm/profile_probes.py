"""Dirt in the CRM that no rule rejects, because a transform mends it: what the profiling report
(`make profile`) counts next to the rules' rejects. Each probe takes a whole source table as a
frame and returns the rows it finds, with the value as written and what the pipeline makes of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from include.crm.transforms import UNKNOWN_COUNTRY, normalize_email, to_country_code


@dataclass(frozen=True)
class Probe:
    title: str
    caught_by: str                                   # the rule or transform that handles it
    find: Callable[[pd.DataFrame], pd.DataFrame]     # -> columns: value, becomes


def non_iso_countries(customers: pd.DataFrame) -> pd.DataFrame:
    """Countries not written as an ISO 3166 alpha-2 code: names, lower case, unknown places."""
    written = customers["country"].dropna()
    codes = to_country_code(written)
    found = written != codes
    return pd.DataFrame({"value": written[found], "becomes": codes[found]})


def duplicate_emails(customers: pd.DataFrame) -> pd.DataFrame:
    """Customers whose trimmed, lower-cased email another customer has too."""
    emails = normalize_email(customers["email"])
    shared = emails.notna() & emails.duplicated(keep=False)
    return pd.DataFrame({"value": customers["email"][shared],
                         "becomes": "customer " + customers["customer_id"][shared].astype(str) + " shares " +
                         emails[shared].astype(str)})


PROBES: dict[str, tuple[Probe, ...]] = {
    "customers": (
        Probe("countries not written as ISO 3166 alpha-2",
              f"transforms.to_country_code: codes in any case and English names become alpha-2, "
              f"anything else {UNKNOWN_COUNTRY}", non_iso_countries),
        Probe("emails shared by several customers (trimmed, lower-cased)",
              "core.customer_xref: customers sharing a normalised email merge into one canonical customer "
              "(the smallest non-deleted customer_id)", duplicate_emails),
    ),
}
