"""The campaign file's schema: each entry on its own, errors that name the campaign and the field."""

from __future__ import annotations

import pytest

from include.audience import campaigns
from include.audience.campaigns import CampaignFileError

GOOD = {"audience_id": "vip-de", "name": "VIP DE", "segments": ["champion", "loyal"], "destination": "marketing_api"}


def _errors(*entries) -> dict[str, str]:
    return {bad.audience_id: bad.error for bad in campaigns.parse(list(entries)).invalid}


def test_a_full_entry_is_valid_with_countries_upper_cased_and_duplicates_dropped():
    [campaign] = campaigns.parse([{**GOOD, "description": "d", "countries": ["de", "AT", "DE"],
                                   "min_monetary": 100, "segments": ["champion", "champion", "lost"]}]).valid
    assert campaign.as_json() == {"audience_id": "vip-de", "name": "VIP DE", "description": "d",
                                  "segments": ["champion", "lost"], "countries": ["DE", "AT"],
                                  "min_monetary": 100.0, "destination": "marketing_api"}


def test_optional_fields_may_be_left_out():
    [campaign] = campaigns.parse([GOOD]).valid
    assert (campaign.description, campaign.countries, campaign.min_monetary) == (None, None, None)


@pytest.mark.parametrize(("change", "field"), [
    ({"segments": []}, "segments"),
    ({"segments": ["champions"]}, "segments.0"),
    ({"countries": ["XX"]}, "countries.0"),
    ({"countries": []}, "countries"),
    ({"min_monetary": "100"}, "min_monetary"),
    ({"min_monetary": True}, "min_monetary"),
    ({"min_monetary": float("inf")}, "min_monetary"),
    ({"destination": "ftp"}, "destination"),
    ({"audience_id": "VIP DE"}, "audience_id"),
    ({"name": ""}, "name"),
    ({"segment": ["loyal"]}, "segment"),  # a typo of a field is not ignored
])
def test_a_bad_field_fails_its_entry_with_an_error_naming_the_campaign_and_the_field(change, field):
    bad = {**GOOD, **change}
    label = bad["audience_id"]
    errors = _errors(bad, {**GOOD, "audience_id": "other"})
    assert list(errors) == [label]
    assert errors[label].startswith(f"campaign {label}: {field}:")


def test_a_missing_required_field_is_named():
    errors = _errors({k: v for k, v in GOOD.items() if k != "destination"})
    assert errors == {"vip-de": "campaign vip-de: destination: Field required"}


def test_an_entry_without_a_usable_id_is_named_by_its_position():
    errors = _errors(GOOD, {"name": "no id", "segments": ["lost"], "destination": "file"}, "just text")
    assert set(errors) == {"campaigns[1]", "campaigns[2]"}
    assert "audience_id: Field required" in errors["campaigns[1]"]


def test_an_audience_id_declared_twice_fails_both_entries_and_no_other():
    parsed = campaigns.parse([GOOD, {**GOOD, "name": "again"}, {**GOOD, "audience_id": "other"}])
    assert [c.audience_id for c in parsed.valid] == ["other"]
    assert [(b.audience_id, "declared more than once (campaigns[0], campaigns[1])" in b.error)
            for b in parsed.invalid] == [("vip-de", True)]


def test_two_bad_entries_with_one_id_give_one_error_naming_both_places_and_what_is_wrong_with_each():
    errors = _errors({**GOOD, "segments": ["vips"]}, {**GOOD, "destination": "fax"})
    assert list(errors) == ["vip-de"]
    error = errors["vip-de"]
    assert error.startswith("campaign vip-de: audience_id: declared more than once (campaigns[0], campaigns[1])")
    assert "campaigns[0]: segments.0" in error and "campaigns[1]: destination" in error


def test_norway_yes_and_on_stay_strings_in_the_file_and_true_false_stay_booleans(tmp_path):
    path = tmp_path / "campaigns.yaml"
    path.write_text("campaigns:\n  - {audience_id: nordics, name: yes, segments: [loyal], countries: [NO, se],\n"
                    "     destination: file, description: on}\n")
    [campaign] = campaigns.load(path).valid
    assert (campaign.countries, campaign.name, campaign.description) == (("NO", "SE"), "yes", "on")
    path.write_text("campaigns:\n  - {audience_id: x, name: true, segments: [loyal], destination: file}\n")
    assert "name: Input should be a valid string" in campaigns.load(path).invalid[0].error


def test_the_file_must_hold_a_campaigns_list(tmp_path):
    path = tmp_path / "campaigns.yaml"
    for text, message in (("campaigns: {a: 1}", "a list of entries"), ("[1, 2]", "a list of entries"),
                          ("campaigns: [\n  - {", "not valid YAML"), ("campaigns: []\nextra: 1", "unknown top-level")):
        path.write_text(text)
        with pytest.raises(CampaignFileError, match=message):
            campaigns.load(path)
    with pytest.raises(CampaignFileError, match="does not exist"):
        campaigns.load(tmp_path / "missing.yaml")


def test_the_repo_s_campaign_file_declares_two_valid_demo_campaigns():
    from include.audience.contracts import DEFAULT_CAMPAIGNS_FILE

    parsed = campaigns.load(DEFAULT_CAMPAIGNS_FILE)
    assert parsed.invalid == () and len(parsed.valid) == 2
    assert {c.destination for c in parsed.valid} == {"marketing_api", "file"}
