"""The kit's JSON Lines reader: every line is either a row (with its line number) or a reason."""

from __future__ import annotations

import gzip

from include.warehouse_kit import jsonl

FIELDS = {"id": "string", "n": "int64"}


def test_a_final_newline_ends_the_last_line_and_does_not_start_another():
    assert jsonl.split_lines(b'{"id": "a"}\n{"id": "b"}\n') == [b'{"id": "a"}', b'{"id": "b"}']
    assert jsonl.split_lines(b'{"id": "a"}\n\n') == [b'{"id": "a"}', b""]
    assert jsonl.split_lines(b"") == []


def test_gzipped_files_are_decompressed_by_their_name():
    data = gzip.compress(b'{"id": "a"}\n')
    assert jsonl.decompress("dt=2026-10-05/x.jsonl.gz", data) == b'{"id": "a"}\n'
    assert jsonl.decompress("dt=2026-10-05/x.jsonl", b"raw") == b"raw"


def test_a_clean_file_parses_in_one_pass_with_line_numbers():
    table, bad = jsonl.parse_lines([b'{"id": "a", "n": 1}', b'{"id": "b", "extra": [1, {"x": 2}]}'], FIELDS)
    assert bad == {}
    assert table.to_pydict() == {"id": ["a", "b"], "n": [1, None], "line_no": [1, 2]}


def test_each_bad_line_gets_its_reason_and_the_good_lines_around_it_still_parse():
    lines = [b'{"id": "a"}', b"{not json", b'{"id": 7}', b"", b'{"n": "x"}', b"[1, 2]",
             b'{"id": "c"}{"id": "d"}', b"\xff\xfe", b'{"n": 99999999999999999999}', b'{"id": "e"}']
    table, bad = jsonl.parse_lines(lines, FIELDS)
    assert table.column("id").to_pylist() == ["a", "e"]
    assert table.column("line_no").to_pylist() == [1, 10]
    assert bad == {2: "not valid JSON: Expecting property name enclosed in double quotes",
                   3: "id: not a string", 4: "empty line", 5: "n: not an integer", 6: "not a JSON object",
                   7: "not valid JSON: Extra data", 8: "not valid UTF-8", 9: "n: integer out of range"}


def test_a_bad_line_deep_in_a_long_file_is_found_without_losing_a_row():
    lines = [b'{"id": "%d"}' % i for i in range(5000)]
    lines[3217] = b'{"id": '
    table, bad = jsonl.parse_lines(lines, FIELDS)
    assert list(bad) == [3218]
    assert table.num_rows == 4999 and 3218 not in table.column("line_no").to_pylist()


def test_raw_text_keeps_what_postgres_can_store():
    assert jsonl.raw_text(b"a\x00b\xff") == "a\ufffdb\ufffd"
