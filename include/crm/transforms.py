"""Business rules as pure functions over DataFrames. Each has a unit test in tests/unit/.

- How is an email normalised?        `normalize_email`
- How is a country mapped?           `to_country_code` (ISO 3166 alpha-2; unknown -> "ZZ")
- Who is the same person?            `assign_canonical`
- When does a customer get a new dimension version?  `plan_customer_versions`
- How is a line valued, what is an order's date?  in SQL, include/sql/crm/load/*/valid_values.sql
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pycountry

UNKNOWN_COUNTRY = "ZZ"
# Names people write that pycountry does not know.
COUNTRY_ALIASES = {
    "uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "great britain": "GB",
    "usa": "US", "u.s.a.": "US", "u.s.": "US", "america": "US", "united states of america": "US",
    "holland": "NL", "russia": "RU", "south korea": "KR", "north korea": "KP",
    "czech republic": "CZ", "vietnam": "VN", "iran": "IR", "syria": "SY", "bolivia": "BO",
    "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "laos": "LA", "turkey": "TR",
    "ivory coast": "CI", "macedonia": "MK",
}
SCD2_COLUMNS = ("email", "country_code", "city", "marketing_opt_in", "is_deleted")
TYPE1_COLUMNS = ("first_name", "last_name", "created_at", "deleted_at")
# A version with no earlier history covers everything before it: orders placed before the
# customer row was created (late arrivals) still find a version.
FIRST_VERSION_FROM = pd.Timestamp("1900-01-01", tz="UTC")
OPEN_END = pd.Timestamp("9999-12-31", tz="UTC")


def normalize_email(email: pd.Series) -> pd.Series:
    """Trim and lower-case; blank becomes missing."""
    cleaned = email.astype("str").str.strip().str.lower()
    return cleaned.mask(cleaned == "")


@lru_cache(maxsize=4096)
def _country_code(raw: str) -> str:
    text = " ".join(raw.split()).lower()
    if not text:
        return UNKNOWN_COUNTRY
    if text in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text]
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return UNKNOWN_COUNTRY


def to_country_code(country: pd.Series) -> pd.Series:
    """Free-text country (codes in any case, English names, NULL) -> ISO alpha-2, unknown -> ZZ."""
    codes = {value: _country_code(value) for value in country.dropna().unique()}
    return country.map(codes).fillna(UNKNOWN_COUNTRY).astype("str")


def _trim(values: pd.Series) -> pd.Series:
    trimmed = values.astype("str").str.strip()
    return trimmed.mask(trimmed == "")


def normalize_customers(batch: pd.DataFrame) -> pd.DataFrame:
    """Staged customers -> the conformed record kept in core.customer_xref (minus the canonical id)."""
    return pd.DataFrame({
        "customer_id": batch["customer_id"].astype("Int64"),
        "email": normalize_email(batch["email"]),
        "first_name": batch["first_name"].astype("str").str.strip(),
        "last_name": batch["last_name"].astype("str").str.strip(),
        "country_code": to_country_code(batch["country"]),
        "city": _trim(batch["city"]),
        "marketing_opt_in": batch["marketing_opt_in"].astype("boolean"),
        "created_at": batch["created_at"],
        "updated_at": batch["updated_at"],
        "deleted_at": batch["deleted_at"],
    })


def assign_canonical(customers: pd.DataFrame) -> pd.Series:
    """Canonical customer per row: customers sharing a normalised email are one person, and
    the canonical one is the smallest customer_id among the non-deleted ones (the smallest
    overall when all are deleted). Customers without an email are their own person.

    Expects columns customer_id, email (normalised), deleted_at. Returns an Int64 Series
    aligned with `customers`.
    """
    ids = customers["customer_id"].astype("Int64")
    has_email = customers["email"].notna()
    live_id = ids.where(customers["deleted_at"].isna())
    grouped = pd.DataFrame({"email": customers["email"], "id": ids, "live_id": live_id})[has_email]
    per_email = grouped.groupby("email").agg(min_live=("live_id", "min"), min_any=("id", "min"))
    canonical_by_email = per_email["min_live"].fillna(per_email["min_any"]).astype("Int64")
    canonical = customers["email"].map(canonical_by_email)
    return canonical.where(has_email, ids).astype("Int64")


@dataclass(frozen=True)
class VersionPlan:
    """What to do to core.dim_customer. Applied in this order: close, update, insert."""

    close: pd.DataFrame   # customer_key, valid_to
    update: pd.DataFrame  # customer_key, attributes, source_updated_at (in place: type 1 or fill-in)
    insert: pd.DataFrame  # customer_id, attributes, valid_from, source_updated_at


ATTRIBUTES = ("email", "first_name", "last_name", "country_code", "city", "marketing_opt_in",
              "created_at", "deleted_at", "is_deleted")


def _differs(a: pd.DataFrame, b: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    out = pd.Series(False, index=a.index)
    for column in columns:
        left, right = a[column], b[column]
        both_missing = left.isna() & right.isna()
        out |= ~both_missing & (left.isna() | right.isna() | (left != right).fillna(True))
    return out


def plan_customer_versions(golden: pd.DataFrame, latest: pd.DataFrame,
                           retired: pd.DataFrame) -> VersionPlan:
    """SCD2 for canonical customers.

    golden:  one row per canonical customer to reconcile: customer_id, the ATTRIBUTES except
             is_deleted, updated_at (of its source row).
    latest:  the newest dim_customer version of each of those customers and of the retired
             ones: customer_key, customer_id, ATTRIBUTES, valid_from, valid_to, is_current,
             is_inferred, source_updated_at.
    retired: customers that stopped being canonical: customer_id, retired_at.

    Rules: a change in email, country_code, city, marketing_opt_in or deletion closes the
    current version at the source updated_at and opens a new one; other attributes are
    overwritten in place; an inferred member is filled in place; a golden row not newer than
    the version it would change is ignored, so a backfill never writes history out of order
    and never reopens a closed version. Every canonical customer ends with one current version.
    """
    golden = golden.assign(is_deleted=golden["deleted_at"].notna())
    merged = golden.merge(latest, on="customer_id", how="left", suffixes=("", "_dim"),
                          indicator=True)
    attrs = list(ATTRIBUTES)
    dim_attrs = merged[[f"{c}_dim" for c in attrs]].set_axis(attrs, axis=1)

    new_customer = merged["_merge"] == "left_only"
    current = merged["is_current"].fillna(False).astype(bool) & ~new_customer
    reopened = ~new_customer & ~current  # its last version was closed: start a fresh one
    inferred = current & merged["is_inferred"].fillna(False).astype(bool)
    newer = merged["updated_at"] > merged["source_updated_at"].fillna(FIRST_VERSION_FROM)
    tracked_change = _differs(merged, dim_attrs, SCD2_COLUMNS)
    any_change = _differs(merged, dim_attrs, ATTRIBUTES)

    fill = inferred
    live = current & ~inferred & newer
    new_version = live & tracked_change
    in_place = (live & ~new_version & any_change) | fill
    # A version never starts before the one it follows: history stays in order.
    change_at = merged[["updated_at", "valid_from"]].assign(
        valid_from=merged["valid_from"] + pd.Timedelta(microseconds=1)).max(axis=1)

    close = pd.DataFrame({"customer_key": merged.loc[new_version, "customer_key"].astype("Int64"),
                          "valid_to": change_at[new_version]})
    update = merged.loc[in_place, ["customer_key", *attrs, "updated_at"]].rename(
        columns={"updated_at": "source_updated_at"})
    update["customer_key"] = update["customer_key"].astype("Int64")

    # A canonical customer whose last version was closed (it had handed the person over and
    # is canonical again) always gets a new current version, after the closed one.
    restart = reopened
    starts = pd.Series(pd.NaT, index=merged.index, dtype="datetime64[us, UTC]")
    starts[new_customer] = FIRST_VERSION_FROM
    starts[new_version] = change_at[new_version]
    starts[restart] = merged.loc[restart, ["updated_at", "valid_to"]].max(axis=1)
    opens = new_customer | new_version | restart
    insert = merged.loc[opens, ["customer_id", *attrs, "updated_at"]].rename(
        columns={"updated_at": "source_updated_at"})
    insert.insert(len(insert.columns), "valid_from", starts[opens])

    gone = latest.merge(retired, on="customer_id")
    gone = gone[gone["is_current"].astype(bool) & ~gone["is_inferred"].astype(bool)]
    retire_at = gone[["retired_at", "valid_from"]].max(axis=1)
    retire_at = retire_at.where(retire_at > gone["valid_from"], gone["valid_from"] + pd.Timedelta(microseconds=1))
    close = pd.concat([close, pd.DataFrame({"customer_key": gone["customer_key"].astype("Int64"),
                                            "valid_to": retire_at})], ignore_index=True)
    return VersionPlan(close=close.reset_index(drop=True), update=update.reset_index(drop=True),
                       insert=insert.reset_index(drop=True))


def transform_products(batch: pd.DataFrame) -> pd.DataFrame:
    out = batch.copy()
    for column in ("sku", "name", "category"):
        out[column] = out[column].astype("str").str.strip()
    return out
