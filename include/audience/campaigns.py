"""The campaign file: which audiences to build and where to send them.

`config/campaigns.yaml` (or the file named by ETL_CAMPAIGNS_FILE) holds `campaigns:`, a list of
entries. Each entry is checked against `Campaign` on its own: a bad entry fails only its
audience, with an error naming the campaign and the field; the others still go. A file that is
missing, is not YAML, or has no `campaigns:` list fails the whole run.
"""

from __future__ import annotations

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
    return raw if isinstance(raw, str) and raw.strip() else f"campaigns[{index}]"


def _describe(error: ValidationError) -> str:
    parts = []
    for e in error.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(entry)"
        parts.append(f"{field}: {e['msg']}" + (f" (got {e['input']!r})" if e["type"] != "missing" else ""))
    return "; ".join(parts)


def parse(entries: list[Any]) -> CampaignSet:
    """Check each entry on its own. An audience_id declared twice fails every entry that has it."""
    valid, invalid = [], []
    for index, entry in enumerate(entries):
        label = _label(entry, index)
        destination = entry.get("destination") if isinstance(entry, dict) else None
        destination = destination if destination in DESTINATIONS else None
        if not isinstance(entry, dict):
            invalid.append(InvalidCampaign(label, f"campaign {label}: an entry must be a mapping of fields, "
                                                  f"got {type(entry).__name__}"))
            continue
        try:
            valid.append((index, Campaign.model_validate(entry)))
        except ValidationError as error:
            invalid.append(InvalidCampaign(label, f"campaign {label}: {_describe(error)}", destination))
    seen: dict[str, list[int]] = {}
    for index, campaign in valid:
        seen.setdefault(campaign.audience_id, []).append(index)
    for label in [i.audience_id for i in invalid if i.audience_id in seen]:
        seen[label].append(-1)
    twice = {a for a, where in seen.items() if len(where) > 1}
    for audience_id in sorted(twice):
        where = ", ".join(f"campaigns[{i}]" for i in seen[audience_id] if i >= 0)
        invalid.append(InvalidCampaign(audience_id, f"campaign {audience_id}: audience_id: declared more than "
                                                    f"once ({where}); an audience_id must be unique"))
    invalid = [i for i in invalid if i.audience_id not in twice or "declared more than once" in i.error]
    return CampaignSet(tuple(c for _, c in valid if c.audience_id not in twice), tuple(invalid))


def load(path: Path) -> CampaignSet:
    """The campaigns of the file at `path`."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
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
