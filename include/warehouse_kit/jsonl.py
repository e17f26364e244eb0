"""JSON Lines files into arrow tables with pyarrow's JSON reader, line by line accountable.

`split_lines` cuts a file into its lines (a final newline ends the last line; it does not
start another). `parse_lines` reads them with an explicit schema and returns the rows of the
lines that parse, each with its 1-based line number, and a reason for every line that does
not. pyarrow reads a whole block at a time and refuses the block for one bad line, so a block
that fails is split in halves until the bad lines stand alone; only those few lines are then
looked at one by one (json.loads) to say what is wrong with them. Clean files take one pass.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.json as pa_json

FIRST_SPLIT_LINES = 2048  # a failing file is first cut into chunks of this many lines
BLOCK_BYTES = 1 << 22

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


def _try_parse(lines: list[bytes], schema: pa.Schema) -> pa.Table | None:
    blob = b"\n".join(lines)
    try:
        table = pa_json.read_json(
            io.BytesIO(blob),
            read_options=pa_json.ReadOptions(block_size=max(BLOCK_BYTES, len(blob) + 1) if len(lines) == 1
                                             else BLOCK_BYTES),
            parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    # A blank line yields no row and `{..}{..}` two: either way the lines are not one object each.
    return table if table.num_rows == len(lines) else None


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
    """(rows of the lines that parse, with a `line_no` column; {line_no: reason} of the others)."""
    schema = arrow_schema(fields)
    parts: list[tuple[int, pa.Table]] = []
    bad: dict[int, str] = {}

    def parse(start: int, end: int) -> None:
        table = _try_parse(lines[start:end], schema)
        if table is not None:
            parts.append((start, table))
        elif end - start == 1:
            bad[start + 1] = explain(lines[start], fields)
        else:
            middle = (start + end) // 2
            parse(start, middle)
            parse(middle, end)

    whole = _try_parse(lines, schema) if lines else schema.empty_table()
    if whole is not None:
        parts.append((0, whole))
    else:
        for start in range(0, len(lines), FIRST_SPLIT_LINES):
            parse(start, min(start + FIRST_SPLIT_LINES, len(lines)))
    tables = [t.append_column("line_no", pa.array(range(s + 1, s + 1 + t.num_rows), pa.int32()))
              for s, t in parts]
    empty = schema.empty_table().append_column("line_no", pa.array([], pa.int32()))
    return (pa.concat_tables(tables) if tables else empty), bad


def raw_text(line: bytes) -> str:
    """A line as text that PostgreSQL can store (invalid UTF-8 and NUL replaced by U+FFFD)."""
    return line.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
