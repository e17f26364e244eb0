"""JSON Lines files into arrow tables with pyarrow's JSON reader, line by line accountable.

`split_lines` cuts a file into its lines (a final newline ends the last line; it does not
start another). `parse_lines` reads them with an explicit schema and returns the rows of the
lines that parse, each with its 1-based line number, and a reason for every line that does
not. pyarrow refuses a whole block for one bad line, but names the line: it is set aside and
the rest parsed again (see parse_lines). Only the bad lines are looked at one by one
(json.loads), to say what is wrong with them. A clean file takes one pass.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pyarrow.json as pa_json

_ROW = re.compile(r" in row (\d+)$")
CHUNK_LINES = 1000  # lines parsed as one block: a bad line costs at most a re-read of its chunk

_ARROW = {"string": pa.string(), "int64": pa.int64()}
_KIND = {"string": "a string", "int64": "an integer"}


def decompress(path: str, data: bytes) -> bytes:
    """The file's content: gunzipped when its name ends with .gz."""
    return gzip.decompress(data) if path.endswith(".gz") else data


def split_lines(content: bytes) -> list[bytes]:
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def arrow_schema(fields: Mapping[str, str]) -> pa.Schema:
    return pa.schema([(name, _ARROW[kind]) for name, kind in fields.items()])


class _Refused(Exception):
    """pyarrow refused a run of lines; `row` is the line it names, when it names one."""

    def __init__(self, row: int | None):
        self.row = row


def _parse(lines: list[bytes], schema: pa.Schema) -> pa.Table:
    """The lines as one block (so that an error names its line), or _Refused."""
    blob = b"\n".join(lines)
    try:
        table = pa_json.read_json(
            io.BytesIO(blob), read_options=pa_json.ReadOptions(block_size=len(blob) + 1, use_threads=False),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as error:
        found = _ROW.search(str(error))
        raise _Refused(int(found.group(1)) if found else None) from None
    # A blank line yields no row and `{..}{..}` two: either way the lines are not one object each.
    if table.num_rows != len(lines):
        raise _Refused(None)
    return table


def explain(line: bytes, fields: Mapping[str, str]) -> str:
    """Why a line that pyarrow refused is not one event (looked at alone, off the hot path)."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "not valid UTF-8"
    if not text.strip():
        return "empty line"
    try:
        value = json.loads(text)
    except ValueError as error:
        return f"not valid JSON: {error.args[0].split(':')[0]}" if error.args else "not valid JSON"
    if not isinstance(value, dict):
        return "not a JSON object"
    for name, kind in fields.items():
        v = value.get(name)
        if v is None:
            continue
        if kind == "int64" and (isinstance(v, bool) or not isinstance(v, int)):
            return f"{name}: not {_KIND[kind]}"
        if kind == "int64" and not -(2**63) <= v < 2**63:
            return f"{name}: integer out of range"
        if kind == "string" and not isinstance(v, str):
            return f"{name}: not {_KIND[kind]}"
    return "not one JSON object per line"


def parse_lines(lines: list[bytes], fields: Mapping[str, str]) -> tuple[pa.Table, dict[int, str]]:
    """(rows of the lines that parse, with a `line_no` column; {line_no: reason} of the others).

    The lines are parsed in chunks, in parallel. A chunk pyarrow refuses names the line it
    stopped at, as a rule: that line is checked
    alone, set aside, and the lines before and after it are parsed again. When the error names
    no line (or names one that parses alone, after a blank line shifted the count), the run is
    halved until the bad lines stand alone."""
    schema = arrow_schema(fields)
    chunks = [(start, min(start + CHUNK_LINES, len(lines))) for start in range(0, len(lines), CHUNK_LINES)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # pyarrow parses without the GIL
        results = list(pool.map(lambda chunk: _parse_chunk(lines, *chunk, schema, fields), chunks))
    parts = [part for found, _ in results for part in found]
    bad = {line: reason for _, refused in results for line, reason in refused.items()}
    parts.sort(key=lambda part: part[0])
    tables = [t.append_column("line_no", pa.array(range(s + 1, s + 1 + t.num_rows), pa.int32()))
              for s, t in parts]
    empty = schema.empty_table().append_column("line_no", pa.array([], pa.int32()))
    return (pa.concat_tables(tables) if tables else empty), dict(sorted(bad.items()))


def _parse_chunk(lines: list[bytes], start: int, end: int, schema: pa.Schema,
                 fields: Mapping[str, str]) -> tuple[list[tuple[int, pa.Table]], dict[int, str]]:
    parts: list[tuple[int, pa.Table]] = []
    bad: dict[int, str] = {}
    todo = [(start, end)]
    while todo:
        start, end = todo.pop()
        try:
            parts.append((start, _parse(lines[start:end], schema)))
            continue
        except _Refused as refused:
            hint = None if refused.row is None else start + refused.row
        if end - start == 1:
            bad[start + 1] = explain(lines[start], fields)
        elif hint is not None and start <= hint < end and _refused_alone(lines[hint], schema):
            bad[hint + 1] = explain(lines[hint], fields)
            todo += [r for r in ((start, hint), (hint + 1, end)) if r[0] < r[1]]
        else:
            middle = (start + end) // 2
            todo += [(start, middle), (middle, end)]
    return parts, bad


def _refused_alone(line: bytes, schema: pa.Schema) -> bool:
    try:
        _parse([line], schema)
    except _Refused:
        return True
    return False


def raw_text(line: bytes) -> str:
    """A line as text that PostgreSQL can store (invalid UTF-8 and NUL replaced by U+FFFD)."""
    return line.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
