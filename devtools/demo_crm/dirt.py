"""The dirt of the demo CRM's persons: messy or junk countries, missing cities, NULL and
invalid emails, emoji in names, and duplicate persons whose email differs only in case and
spaces (rates in volumes.py, described in docs/data_generation.md)."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from devtools.demo_crm.volumes import (
    CITY_NULL_RATE,
    COUNTRIES,
    COUNTRY_FORMAT_P,
    COUNTRY_JUNK,
    COUNTRY_JUNK_RATE,
    COUNTRY_NULL_RATE,
    EMAIL_DOMAINS,
    EMAIL_INVALID_RATE,
    EMAIL_NULL_RATE,
    EMOJI_NAME_RATE,
    EMOJIS,
    FIRST_NAMES,
    LAST_NAMES,
    OPT_IN_RATE,
    VALID_EMAIL_RE,
)

_TRANSLIT = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "ı": "i", "Æ": "AE", "æ": "ae"})


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.translate(_TRANSLIT)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


_FIRST = np.array(FIRST_NAMES, dtype=object)
_LAST = np.array(LAST_NAMES, dtype=object)
_FIRST_SLUG = np.array([_slug(n) for n in FIRST_NAMES], dtype=object)
_LAST_SLUG = np.array([_slug(n) for n in LAST_NAMES], dtype=object)
_CC = np.array(list(COUNTRIES), dtype=object)
_CC_NAME = np.array([v[0] for v in COUNTRIES.values()], dtype=object)
_CC_P = np.array([v[2] for v in COUNTRIES.values()], dtype=float)
_CC_P = _CC_P / _CC_P.sum()
_CITY_POOL = np.array([c for v in COUNTRIES.values() for c in v[1]], dtype=object)
_CITY_LEN = np.array([len(v[1]) for v in COUNTRIES.values()])
_CITY_OFF = np.concatenate([[0], np.cumsum(_CITY_LEN)[:-1]])


def _countries(rng: np.random.Generator, n: int, codes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Country free text and an index into COUNTRIES (-1 for NULL/junk)."""
    idx = rng.choice(len(_CC), size=n, p=_CC_P) if codes is None else codes.copy()
    fmt = rng.choice(4, size=n, p=COUNTRY_FORMAT_P)
    r = rng.random(n)
    case_bits = rng.integers(0, 4, size=n)
    pad = rng.integers(0, 4, size=n)        # 0 none, 1 leading, 2 trailing, 3 both
    name_case = rng.integers(0, 3, size=n)  # lower, upper, as-is
    junk = rng.integers(0, len(COUNTRY_JUNK), size=n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        code = _CC[idx[i]]
        f = fmt[i]
        if f == 0:
            s = code
        elif f == 1:
            b = case_bits[i]
            s = (code[0].lower() if b & 1 else code[0]) + (code[1].lower() if b & 2 else code[1])
        elif f == 2:
            s = _CC_NAME[idx[i]]
        else:
            nm = _CC_NAME[idx[i]]
            s = nm.lower() if name_case[i] == 0 else nm.upper() if name_case[i] == 1 else nm
        if f in (1, 3):
            p = pad[i]
            s = (" " if p & 1 else "") + s + (" " if p & 2 else "")
        out[i] = s
    is_null = r < COUNTRY_NULL_RATE
    is_junk = (r >= COUNTRY_NULL_RATE) & (r < COUNTRY_NULL_RATE + COUNTRY_JUNK_RATE)
    out[is_junk] = np.array(COUNTRY_JUNK, dtype=object)[junk[is_junk]]
    out[is_null] = None
    idx = np.where(is_null | is_junk, -1, idx)
    return out, idx


def _cities(rng: np.random.Generator, country_idx: np.ndarray, country: np.ndarray | None = None) -> np.ndarray:
    """A city of the country (random for junk); NULL at CITY_NULL_RATE and wherever ``country`` is NULL."""
    n = len(country_idx)
    pick = rng.random(n)
    eff = np.where(country_idx < 0, rng.integers(0, len(_CC), size=n), country_idx)
    city = _CITY_POOL[_CITY_OFF[eff] + (pick * _CITY_LEN[eff]).astype(np.int64)]
    null = rng.random(n) < CITY_NULL_RATE
    if country is not None:
        null |= np.array([c is None for c in country], dtype=bool)
    city = city.copy()
    city[null] = None
    return city


def _invalid_email(kind: int, local: str, domain: str) -> str:
    if kind == 0:
        return f"{local}(at){domain.rsplit('.', 1)[0]}"
    if kind == 1:
        return f"{local}@"
    if kind == 2:
        return f"{local}.{domain}"
    if kind == 3:
        return f"{local.replace('.', ' ', 1) if '.' in local else local + ' x'}@{domain}"
    return f"{local}@@{domain}"


def _email_variant(rng: np.random.Generator, email: str) -> str:
    """Same address, differing only in case and surrounding spaces."""
    mode = int(rng.integers(0, 4))
    if mode == 0:
        local, domain = email.split("@", 1)
        v = ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    elif mode == 1:
        v = email.upper()
    elif mode == 2:
        flips = rng.random(len(email)) < 0.3
        v = "".join(c.upper() if f else c for c, f in zip(email, flips, strict=True))
    else:
        v = email
    v = " " * int(rng.integers(0, 3)) + v + " " * int(rng.integers(0, 2))
    return v if v != email else v + " "


def _persons(rng: np.random.Generator, numbers: np.ndarray) -> dict[str, np.ndarray]:
    """Attributes of new persons; ``numbers`` (unique) make the emails unique."""
    n = len(numbers)
    fi = rng.integers(0, len(FIRST_NAMES), size=n)
    li = rng.integers(0, len(LAST_NAMES), size=n)
    first = _FIRST[fi].copy()
    emoji = rng.random(n) < EMOJI_NAME_RATE
    emoji_pick = rng.integers(0, len(EMOJIS), size=n)
    for i in np.flatnonzero(emoji):
        first[i] = f"{EMOJIS[emoji_pick[i]]} {first[i]}"
    fmt = rng.integers(0, 4, size=n)
    dom = rng.integers(0, len(EMAIL_DOMAINS), size=n)
    r = rng.random(n)
    bad_kind = rng.integers(0, 5, size=n)
    fs, ls = _FIRST_SLUG[fi], _LAST_SLUG[li]
    email = np.empty(n, dtype=object)
    for i in range(n):
        f, la, num = fs[i], ls[i], int(numbers[i])
        k = fmt[i]
        local = (f"{f}.{la}{num}" if k == 0 else f"{f[0]}{la}{num}" if k == 1
                 else f"{f}_{la[0]}{num}" if k == 2 else f"{la}.{f}{num}")
        domain = EMAIL_DOMAINS[dom[i]]
        if r[i] < EMAIL_NULL_RATE:
            email[i] = None
        elif r[i] < EMAIL_NULL_RATE + EMAIL_INVALID_RATE:
            email[i] = _invalid_email(int(bad_kind[i]), local, domain)
        else:
            email[i] = f"{local}@{domain}"
    country, cidx = _countries(rng, n)
    city = _cities(rng, cidx, country)
    opt_in = rng.random(n) < OPT_IN_RATE
    return {"email": email, "first_name": first, "last_name": _LAST[li].copy(),
            "country": country, "city": city, "marketing_opt_in": opt_in, "_cidx": cidx}


def _duplicates_of(rng: np.random.Generator, src: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Second rows for the persons in ``src``: same names, email modulo case/spaces."""
    n = len(src["email"])
    email = np.array([_email_variant(rng, e) for e in src["email"]], dtype=object)
    country, cidx = _countries(rng, n, codes=np.where(src["_cidx"] < 0, 0, src["_cidx"]))
    country = np.where(src["_cidx"] < 0, src["country"], country)
    city = np.where(rng.random(n) < 0.8, src["city"], _cities(rng, cidx, country))
    return {"email": email, "first_name": np.asarray(src["first_name"], dtype=object).copy(),
            "last_name": np.asarray(src["last_name"], dtype=object).copy(), "country": country,
            "city": city, "marketing_opt_in": rng.random(n) < OPT_IN_RATE, "_cidx": cidx}


def _valid_email_mask(emails: np.ndarray) -> np.ndarray:
    return np.array([e is not None and bool(VALID_EMAIL_RE.match(e)) for e in emails], dtype=bool)
