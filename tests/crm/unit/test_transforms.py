"""Business rules in include/crm/transforms.py, given -> expect on tiny frames."""

from __future__ import annotations

import pandas as pd
import pytest

from include.crm.transforms import (
    ATTRIBUTES,
    FIRST_VERSION_FROM,
    OPEN_END,
    assign_canonical,
    normalize_customers,
    normalize_email,
    plan_customer_versions,
    to_country_code,
    transform_products,
)

TS = "datetime64[us, UTC]"


def ts(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text, tz="UTC")


def ts_series(values: list[str | None], index=None) -> pd.Series:
    return pd.Series([ts(v) for v in values], dtype=TS, index=index)


def text(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="str")


# ---------------------------------------------------------------------------
# normalize_email
# ---------------------------------------------------------------------------


def test_email_is_trimmed_and_lower_cased():
    assert normalize_email(text(["  Anna@Example.COM ", "bob@x.org"])).tolist() == [
        "anna@example.com", "bob@x.org"]


def test_blank_email_becomes_missing():
    result = normalize_email(text(["", "   ", "\t"]))
    assert result.isna().all()


def test_null_email_stays_missing():
    result = normalize_email(text([None, "a@b.com"]))
    assert pd.isna(result.iloc[0])
    assert result.iloc[1] == "a@b.com"


def test_normalize_email_keeps_the_index():
    source = pd.Series(["A@B.COM", None], index=[10, 11], dtype="str")
    assert normalize_email(source).index.tolist() == [10, 11]


# ---------------------------------------------------------------------------
# to_country_code
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "code"), [
    (" de", "DE"), ("FR ", "FR"), ("gb", "GB"),
])
def test_country_codes_in_any_case_and_padding_are_upper_cased(raw, code):
    assert to_country_code(text([raw])).tolist() == [code]


@pytest.mark.parametrize(("raw", "code"), [
    ("Germany", "DE"), ("united kingdom", "GB"), ("United States", "US"),
])
def test_english_country_names_map_to_iso_alpha2(raw, code):
    assert to_country_code(text([raw])).tolist() == [code]


@pytest.mark.parametrize(("raw", "code"), [
    ("UK", "GB"), ("England", "GB"), ("USA", "US"), ("Holland", "NL"), ("  south   korea ", "KR"),
])
def test_common_aliases_map_to_iso_alpha2(raw, code):
    assert to_country_code(text([raw])).tolist() == [code]


def test_null_country_is_unknown_zz():
    assert to_country_code(text([None])).tolist() == ["ZZ"]


@pytest.mark.parametrize("raw", ["Atlantis", "n/a", "", "   "])
def test_unrecognised_country_is_unknown_zz(raw):
    assert to_country_code(text([raw])).tolist() == ["ZZ"]


def test_country_mapping_drops_no_row_and_keeps_the_index():
    source = pd.Series(["de", None, "Atlantis", "de", "UK"], index=[5, 6, 7, 8, 9], dtype="str")
    result = to_country_code(source)
    assert result.index.tolist() == [5, 6, 7, 8, 9]
    assert result.tolist() == ["DE", "ZZ", "ZZ", "DE", "GB"]


# ---------------------------------------------------------------------------
# normalize_customers
# ---------------------------------------------------------------------------


def customer_batch(**overrides) -> pd.DataFrame:
    """One staged customer row, as read_frame types it."""
    row = {
        "customer_id": pd.array([1], dtype="Int64"),
        "email": text(["  Zoe@Example.com "]),
        "first_name": text(["  Zoë "]),
        "last_name": text(["😀 Sam"]),
        "country": text(["united kingdom"]),
        "city": text([" London "]),
        "marketing_opt_in": pd.array([True], dtype="boolean"),
        "created_at": ts_series(["2026-01-01T00:00Z"]),
        "updated_at": ts_series(["2026-10-05T10:00Z"]),
        "deleted_at": ts_series([None]),
    }
    row.update(overrides)
    return pd.DataFrame(row)


def test_normalized_customer_has_trimmed_names_with_accents_and_emoji_preserved():
    out = normalize_customers(customer_batch())
    assert out.loc[0, "first_name"] == "Zoë"
    assert out.loc[0, "last_name"] == "😀 Sam"


def test_normalized_customer_conforms_email_country_and_city():
    out = normalize_customers(customer_batch())
    assert out.loc[0, "email"] == "zoe@example.com"
    assert out.loc[0, "country_code"] == "GB"
    assert out.loc[0, "city"] == "London"


def test_blank_city_becomes_missing():
    out = normalize_customers(customer_batch(city=text(["   "])))
    assert pd.isna(out.loc[0, "city"])


def test_normalized_customer_keeps_ids_flags_and_timestamps():
    batch = customer_batch()
    out = normalize_customers(batch)
    assert list(out.columns) == ["customer_id", "email", "first_name", "last_name", "country_code", "city",
                                 "marketing_opt_in", "created_at", "updated_at", "deleted_at"]
    assert out["customer_id"].dtype == "Int64"
    assert out["marketing_opt_in"].dtype == "boolean"
    assert out.loc[0, "marketing_opt_in"]
    assert out.loc[0, "updated_at"] == ts("2026-10-05T10:00Z")
    assert pd.isna(out.loc[0, "deleted_at"])


# ---------------------------------------------------------------------------
# assign_canonical
# ---------------------------------------------------------------------------


def members(rows: list[tuple[int, str | None, str | None]], index=None) -> pd.DataFrame:
    """rows: (customer_id, normalised email, deleted_at)."""
    out = pd.DataFrame({
        "customer_id": pd.array([r[0] for r in rows], dtype="Int64"),
        "email": pd.Series([r[1] for r in rows], dtype="str"),
        "deleted_at": ts_series([r[2] for r in rows]),
    })
    return out if index is None else out.set_axis(index)


def test_customers_sharing_an_email_get_the_smallest_id():
    given = members([(7, "a@x.com", None), (3, "a@x.com", None)])
    assert assign_canonical(given).tolist() == [3, 3]


def test_soft_deleted_smallest_id_yields_to_the_smallest_live_id():
    given = members([(3, "a@x.com", "2026-10-01T00:00Z"), (9, "a@x.com", None), (5, "a@x.com", None)])
    assert assign_canonical(given).tolist() == [5, 5, 5]


def test_when_all_sharing_an_email_are_deleted_the_smallest_id_wins():
    given = members([(8, "a@x.com", "2026-10-01T00:00Z"), (4, "a@x.com", "2026-10-02T00:00Z")])
    assert assign_canonical(given).tolist() == [4, 4]


def test_customer_without_email_is_its_own_person():
    given = members([(2, None, None), (6, None, None)])
    assert assign_canonical(given).tolist() == [2, 6]


def test_unrelated_customers_keep_their_own_id():
    given = members([(1, "a@x.com", None), (2, "b@x.com", None), (3, "a@x.com", None), (4, None, None)],
                    index=[10, 11, 12, 13])
    result = assign_canonical(given)
    assert result.dtype == "Int64"
    assert result.index.tolist() == [10, 11, 12, 13]
    assert result.tolist() == [1, 2, 1, 4]


# ---------------------------------------------------------------------------
# plan_customer_versions (SCD2)
# ---------------------------------------------------------------------------

GOLDEN_COLUMNS = ["customer_id", *[a for a in ATTRIBUTES if a != "is_deleted"], "updated_at"]
LATEST_COLUMNS = ["customer_key", "customer_id", *ATTRIBUTES, "valid_from", "valid_to", "is_current",
                  "is_inferred", "source_updated_at"]
DTYPES = {
    "customer_key": "Int64", "customer_id": "Int64", "email": "str", "first_name": "str", "last_name": "str",
    "country_code": "str", "city": "str", "marketing_opt_in": "boolean", "created_at": TS, "deleted_at": TS,
    "is_deleted": "boolean", "updated_at": TS, "valid_from": TS, "valid_to": TS, "is_current": "boolean",
    "is_inferred": "boolean", "source_updated_at": TS, "retired_at": TS,
}
ANNA = {
    "customer_id": 1, "email": "anna@example.com", "first_name": "Anna", "last_name": "Berg",
    "country_code": "DE", "city": "Berlin", "marketing_opt_in": True,
    "created_at": "2026-01-01T00:00Z", "deleted_at": None,
}


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    data = {c: pd.Series([r.get(c) for r in rows], dtype="object") for c in columns}
    out = pd.DataFrame(data, columns=columns)
    for column in columns:
        if DTYPES[column] == TS:
            out[column] = pd.Series([ts(v) for v in out[column]], dtype=TS)
        else:
            out[column] = out[column].astype(DTYPES[column])
    return out


def golden(*rows: dict) -> pd.DataFrame:
    return frame(list(rows), GOLDEN_COLUMNS)


def latest(*rows: dict) -> pd.DataFrame:
    return frame(list(rows), LATEST_COLUMNS)


def retired(*rows: dict) -> pd.DataFrame:
    return frame(list(rows), ["customer_id", "retired_at"])


def anna_golden(**changes) -> dict:
    return {**ANNA, "updated_at": "2026-10-05T10:00Z", **changes}


def anna_version(**changes) -> dict:
    """Anna's open, non-inferred dimension version, last written from a 2026-09-01 source row."""
    return {**ANNA, "customer_key": 100, "is_deleted": False, "valid_from": "1900-01-01T00:00Z",
            "valid_to": "9999-12-31T00:00Z", "is_current": True, "is_inferred": False,
            "source_updated_at": "2026-09-01T00:00Z", **changes}


def test_new_customer_gets_one_version_valid_from_1900():
    plan = plan_customer_versions(golden(anna_golden()), latest(), retired())
    assert plan.close.empty
    assert plan.update.empty
    assert len(plan.insert) == 1
    row = plan.insert.iloc[0]
    assert row["customer_id"] == 1
    assert row["valid_from"] == FIRST_VERSION_FROM == ts("1900-01-01T00:00Z")
    assert row["source_updated_at"] == ts("2026-10-05T10:00Z")
    assert row["country_code"] == "DE"
    assert not row["is_deleted"]


def test_tracked_change_closes_current_version_at_updated_at_and_opens_a_new_one():
    plan = plan_customer_versions(golden(anna_golden(country_code="FR")), latest(anna_version()), retired())
    assert plan.close.to_dict("records") == [{"customer_key": 100, "valid_to": ts("2026-10-05T10:00Z")}]
    assert plan.update.empty
    assert len(plan.insert) == 1
    row = plan.insert.iloc[0]
    assert row["customer_id"] == 1
    assert row["country_code"] == "FR"
    assert row["valid_from"] == ts("2026-10-05T10:00Z")
    assert row["source_updated_at"] == ts("2026-10-05T10:00Z")


@pytest.mark.parametrize(("column", "value"), [
    ("email", "anna@new.example.com"), ("city", "Hamburg"), ("marketing_opt_in", False), ("city", None),
])
def test_every_scd2_column_opens_a_new_version(column, value):
    plan = plan_customer_versions(golden(anna_golden(**{column: value})), latest(anna_version()), retired())
    assert plan.close["customer_key"].tolist() == [100]
    assert len(plan.insert) == 1
    assert plan.update.empty


def test_first_name_change_is_overwritten_in_place_without_a_new_version():
    plan = plan_customer_versions(golden(anna_golden(first_name="Annika")), latest(anna_version()), retired())
    assert plan.close.empty
    assert plan.insert.empty
    assert len(plan.update) == 1
    row = plan.update.iloc[0]
    assert row["customer_key"] == 100
    assert row["first_name"] == "Annika"
    assert row["source_updated_at"] == ts("2026-10-05T10:00Z")


def test_unchanged_golden_row_plans_nothing():
    plan = plan_customer_versions(golden(anna_golden()), latest(anna_version()), retired())
    assert plan.close.empty and plan.update.empty and plan.insert.empty


@pytest.mark.parametrize("updated_at", ["2026-09-01T00:00Z", "2026-08-15T00:00Z"])
def test_golden_row_not_newer_than_the_version_is_ignored_on_backfill(updated_at):
    given = golden(anna_golden(country_code="FR", first_name="Annika", updated_at=updated_at))
    plan = plan_customer_versions(given, latest(anna_version()), retired())
    assert plan.close.empty and plan.update.empty and plan.insert.empty


def test_inferred_member_is_filled_in_place_without_a_new_version():
    inferred = anna_version(email=None, first_name="unknown", last_name="unknown", country_code="ZZ", city=None,
                            marketing_opt_in=False, created_at=None, is_inferred=True, source_updated_at=None)
    plan = plan_customer_versions(golden(anna_golden()), latest(inferred), retired())
    assert plan.close.empty
    assert plan.insert.empty
    assert len(plan.update) == 1
    row = plan.update.iloc[0]
    assert row["customer_key"] == 100
    assert row["email"] == "anna@example.com"
    assert row["country_code"] == "DE"
    assert row["first_name"] == "Anna"
    assert row["source_updated_at"] == ts("2026-10-05T10:00Z")


def test_retired_customer_with_current_version_is_closed_at_retired_at():
    version = anna_version(customer_id=2, customer_key=200, valid_from="2026-03-01T00:00Z")
    plan = plan_customer_versions(golden(), latest(version),
                                  retired({"customer_id": 2, "retired_at": "2026-10-05T10:00Z"}))
    assert plan.close.to_dict("records") == [{"customer_key": 200, "valid_to": ts("2026-10-05T10:00Z")}]
    assert plan.update.empty and plan.insert.empty


def test_retired_customer_is_closed_after_its_valid_from_even_when_retired_earlier():
    version = anna_version(customer_id=2, customer_key=200, valid_from="2026-10-05T12:00Z")
    plan = plan_customer_versions(golden(), latest(version),
                                  retired({"customer_id": 2, "retired_at": "2026-10-05T10:00Z"}))
    assert plan.close["valid_to"].tolist() == [ts("2026-10-05T12:00:00.000001Z")]


def test_retired_inferred_or_closed_versions_are_left_alone():
    inferred = anna_version(customer_id=2, customer_key=200, is_inferred=True)
    closed = anna_version(customer_id=3, customer_key=300, is_current=False, valid_to="2026-10-01T00:00Z")
    plan = plan_customer_versions(golden(), latest(inferred, closed), retired(
        {"customer_id": 2, "retired_at": "2026-10-05T10:00Z"},
        {"customer_id": 3, "retired_at": "2026-10-05T10:00Z"}))
    assert plan.close.empty and plan.update.empty and plan.insert.empty


def test_customer_whose_last_version_is_closed_reopens_at_its_valid_to_when_later_than_updated_at():
    closed = anna_version(is_current=False, valid_to="2026-10-05T12:00Z", source_updated_at="2026-09-01T00:00Z")
    plan = plan_customer_versions(golden(anna_golden(updated_at="2026-10-05T10:00Z")), latest(closed), retired())
    assert plan.close.empty and plan.update.empty
    assert len(plan.insert) == 1
    assert plan.insert.iloc[0]["valid_from"] == ts("2026-10-05T12:00Z")


def test_customer_whose_last_version_is_closed_reopens_at_updated_at_when_later_than_valid_to():
    closed = anna_version(is_current=False, valid_to="2026-10-01T00:00Z", source_updated_at="2026-09-01T00:00Z")
    plan = plan_customer_versions(golden(anna_golden(updated_at="2026-10-05T10:00Z")), latest(closed), retired())
    assert plan.insert["valid_from"].tolist() == [ts("2026-10-05T10:00Z")]


def test_canonical_again_with_an_unchanged_row_gets_a_new_version_after_the_closed_one():
    # Anna handed her person over (version closed 10-01) and is canonical again; her own row
    # did not change. The closed version stays closed; a new current one follows it.
    closed = anna_version(is_current=False, valid_to="2026-10-01T00:00Z", source_updated_at="2026-09-01T00:00Z")
    plan = plan_customer_versions(golden(anna_golden(updated_at="2026-08-01T00:00Z")), latest(closed), retired())
    assert plan.close.empty and plan.update.empty
    assert plan.insert["valid_from"].tolist() == [ts("2026-10-01T00:00Z")]


def test_tracked_change_never_starts_before_the_current_version():
    current = anna_version(valid_from="2026-10-05T12:00Z", source_updated_at="2026-10-01T00:00Z")
    plan = plan_customer_versions(golden(anna_golden(updated_at="2026-10-05T10:00Z", country_code="FR")),
                                  latest(current), retired())
    start = ts("2026-10-05T12:00Z") + pd.Timedelta(microseconds=1)
    assert plan.close["valid_to"].tolist() == [start]
    assert plan.insert["valid_from"].tolist() == [start]
    assert plan.update.empty


def test_soft_delete_opens_a_new_version_marked_deleted():
    given = golden(anna_golden(deleted_at="2026-10-05T09:00Z"))
    plan = plan_customer_versions(given, latest(anna_version()), retired())
    assert plan.close.to_dict("records") == [{"customer_key": 100, "valid_to": ts("2026-10-05T10:00Z")}]
    assert len(plan.insert) == 1
    row = plan.insert.iloc[0]
    assert row["is_deleted"]
    assert row["deleted_at"] == ts("2026-10-05T09:00Z")
    assert row["valid_from"] == ts("2026-10-05T10:00Z")


def test_plan_covers_several_customers_independently():
    given = golden(anna_golden(), anna_golden(customer_id=2, country_code="FR"), anna_golden(customer_id=3))
    dims = latest(anna_version(), anna_version(customer_id=2, customer_key=200))
    plan = plan_customer_versions(given, dims, retired())
    assert plan.close["customer_key"].tolist() == [200]
    assert plan.update.empty
    assert sorted(zip(plan.insert["customer_id"], plan.insert["valid_from"], strict=True)) == [
        (2, ts("2026-10-05T10:00Z")), (3, FIRST_VERSION_FROM)]


def test_open_end_is_9999_12_31_utc():
    assert OPEN_END == ts("9999-12-31T00:00Z")


# ---------------------------------------------------------------------------
# transform_products
# ---------------------------------------------------------------------------


def test_transform_products_trims_sku_name_and_category():
    products = pd.DataFrame({"sku": text([" SKU-1 "]), "name": text(["  Café Mug "]),
                             "category": text(["Kitchen  "]), "list_price": [9.5]})
    out = transform_products(products)
    assert out.loc[0, ["sku", "name", "category"]].tolist() == ["SKU-1", "Café Mug", "Kitchen"]
    assert out.loc[0, "list_price"] == 9.5
