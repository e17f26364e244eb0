"""The morning summary's line per audience."""

from __future__ import annotations

from include.audience.run import AudienceResult
from include.audience.summary import audience_line


def test_a_delivered_audience_shows_its_diff_and_its_cost():
    line = audience_line(AudienceResult("vip", "marketing_api", "success", upserted=1200, removed=3,
                                        unchanged=40_000, batches=3, http_retries=2, seconds=4.25))
    assert line == ("vip -> marketing_api: 1,200 upserted, 3 removed, 40,000 unchanged "
                    "(3 batches, 2 retries, 4.2 s)")


def test_a_failed_audience_says_so_with_what_it_got_through_and_its_error():
    line = audience_line(AudienceResult("vip", "marketing_api", "failed", upserted=1000, error="HTTP 400: bad email"))
    assert line == "vip -> marketing_api: *FAILED* after 1,000 upserted, 0 removed: HTTP 400: bad email"


def test_a_long_error_is_cut_to_300_characters():
    line = audience_line(AudienceResult("vip", "file", "failed", error="x" * 1000))
    assert line.endswith(": " + "x" * 300)


def test_a_skipped_or_superseded_audience_gives_its_reason():
    assert audience_line(AudienceResult("winback", None, "skipped", detail="campaigns[1].segments: empty")) == (
        "winback -> unknown destination: skipped (campaigns[1].segments: empty)")
    assert audience_line(AudienceResult("vip", "file", "superseded", detail="2026-10-06 already delivered")) == (
        "vip -> file: superseded (2026-10-06 already delivered)")
