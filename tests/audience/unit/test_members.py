"""The member payload and its fingerprint."""

from __future__ import annotations

import json

import pandas as pd

from include.audience.members import payloads


def _rows(**overrides) -> pd.DataFrame:
    row = {"customer_id": pd.array([42], dtype="Int64"), "email": ["zoe@example.com"], "first_name": ["Zoë"],
           "country_code": ["DE"], "segment": ["champion"], "recency_days": pd.array([3], dtype="Int64"),
           "frequency": pd.array([7], dtype="Int64"), "monetary": [1234.5]}
    return pd.DataFrame({**row, **overrides})


def test_a_member_is_the_contract_payload_in_its_field_order():
    [member] = payloads(_rows()).to_dict("records")
    assert member["external_id"] == "42"
    assert member["payload"] == ('{"external_id":"42","email":"zoe@example.com","first_name":"Zoë",'
                                 '"country_code":"DE","segment":"champion","recency_days":3,"frequency":7,'
                                 '"monetary":1234.5}')


def test_missing_values_are_json_null_never_nan():
    rows = _rows(first_name=pd.Series([None], dtype="str"), country_code=pd.Series([None], dtype="str"),
                 recency_days=pd.array([None], dtype="Int64"))
    member = json.loads(payloads(rows)["payload"][0])
    assert (member["first_name"], member["country_code"], member["recency_days"]) == (None, None, None)


def test_monetary_is_rounded_to_cents():
    assert json.loads(payloads(_rows(monetary=[10.005000001]))["payload"][0])["monetary"] == 10.01


def test_the_fingerprint_changes_with_any_field_and_only_then():
    base = payloads(_rows())["fingerprint"][0]
    assert payloads(_rows())["fingerprint"][0] == base
    assert payloads(_rows(segment=["loyal"]))["fingerprint"][0] != base
    assert payloads(_rows(email=["new@example.com"]))["fingerprint"][0] != base


def test_no_rows_give_no_members():
    assert payloads(_rows().iloc[:0]).empty
