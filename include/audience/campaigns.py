"""The campaign file: which audiences to build and where to send them.

`config/campaigns.yaml` (or the file named by ETL_CAMPAIGNS_FILE) holds `campaigns:`, a list of
entries. Each entry is checked against `Campaign` on its own: a bad entry fails only its
audience, with an error naming the campaign and the field; the others still go. A file that is
missing, is not YAML, or has no `campaigns:` list fails the whole run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import pycountry
import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from include.audience.contracts import DESTINATIONS
from include.crm.contracts import SEGMENTS
from include.warehouse_kit.errors import FinalError

SLUG = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"


class CampaignFileError(FinalError):
    """The campaign file as a whole cannot be read: no audience can go."""


def _country(code: str) -> str:
    code = code.upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _unique(values: tuple) -> tuple:
    if not values:
        raise ValueError("must list at least one value")
    return tuple(dict.fromkeys(values))


Segment = Literal[SEGMENTS]  # type: ignore[valid-type]


class Campaign(BaseModel):
    """One campaign entry of the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    audience_id: Annotated[str, Field(pattern=SLUG, max_length=64)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str | None = None
    segments: Annotated[tuple[Segment, ...], AfterValidator(_unique)]
    countries: Annotated[tuple[Annotated[str, AfterValidator(_country)], ...], AfterValidator(_unique)] | None = None
    min_monetary: Annotated[float, Field(strict=True, allow_inf_nan=False)] | None = None
    destination: Literal[DESTINATIONS]  # type: ignore[valid-type]

    def as_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


@dataclass(frozen=True)
class InvalidCampaign:
    """An entry that failed its schema: `audience_id` is its id as written, or campaigns[<index>]."""

    audience_id: str
    error: str
    destination: str | None = None


@dataclass(frozen=True)
class CampaignSet:
    valid: tuple[Campaign, ...]
    invalid: tuple[InvalidCampaign, ...]


def _label(entry: Any, index: int) -> str:
    raw = entry.get("audience_id") if isinstance(entry, dict) else None
    return raw.strip() if isinstance(raw, str) and raw.strip() else f"campaigns[{index}]"


def _describe(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(entry)"
        parts.append(f"{field}: {e['msg']}" + (f" (got {e['input']!r})" if e["type"] != "missing" else ""))
    return "; ".join(parts)


@dataclass(frozen=True)
class _Checked:
    index: int
    label: str
    campaign: Campaign | None
    problem: str | None  # what is wrong with the entry itself, without the campaign's name
    destination: str | None


def _check(index: int, entry: Any) -> _Checked:
    label = _label(entry, index)
    if not isinstance(entry, dict):
        return _Checked(index, label, None, f"an entry must be a mapping of fields, got {type(entry).__name__}", None)
    destination = entry.get("destination") if entry.get("destination") in DESTINATIONS else None
    try:
        return _Checked(index, label, Campaign.model_validate(entry), None, destination)
    except ValidationError as error:
        return _Checked(index, label, None, _describe(error), destination)


def parse(entries: list[Any]) -> CampaignSet:
    """Check each entry on its own. An audience_id declared twice fails every entry that has it,
    in one error that names each place and what else is wrong with each."""
    by_label: dict[str, list[_Checked]] = {}
    for index, entry in enumerate(entries):
        checked = _check(index, entry)
        by_label.setdefault(checked.label, []).append(checked)
    valid, invalid = [], []
    for label, same in by_label.items():
        if len(same) == 1 and same[0].campaign is not None:
            valid.append(same[0].campaign)
            continue
        destination = next((c.destination for c in same if c.destination), None)
        if len(same) == 1:
            invalid.append(InvalidCampaign(label, f"campaign {label}: {same[0].problem}", destination))
            continue
        places = ", ".join(f"campaigns[{c.index}]" for c in same)
        problems = "".join(f"; campaigns[{c.index}]: {c.problem}" for c in same if c.problem)
        invalid.append(InvalidCampaign(label, f"campaign {label}: audience_id: declared more than once ({places}); "
                                              f"an audience_id must be unique{problems}", destination))
    return CampaignSet(tuple(valid), tuple(invalid))


class _Loader(yaml.SafeLoader):
    """YAML's safe loader with YAML 1.2's booleans: only true and false. YAML 1.1 also reads
    yes, no, on and off as booleans, which would turn Norway (`countries: [NO]`) into false."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))


def load(path: Path) -> CampaignSet:
    """The campaigns of the file at `path`."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # _Loader is a SafeLoader
    except FileNotFoundError:
        raise CampaignFileError(f"campaign file {path} does not exist (set ETL_CAMPAIGNS_FILE)") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CampaignFileError(f"campaign file {path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("campaigns"), list):
        raise CampaignFileError(f"campaign file {path}: the top level must be `campaigns:`, a list of entries")
    unknown = sorted(set(document) - {"campaigns"})
    if unknown:
        raise CampaignFileError(f"campaign file {path}: unknown top-level keys {unknown}; only `campaigns:`")
    return parse(document["campaigns"])
