"""Deterministic generator of a dirty demo CRM (schema ``crm``) in PostgreSQL.

``init`` builds ``months`` months of history ending just before ``end_date`` 00:00 UTC;
``tick`` appends one business day of inserts and updates. Everything is derived from
``seed`` (and, for a tick, from the day and the current content of the database), so the
same seed and the same calls always give byte-identical tables.

CLI::

    python -m devtools.demo_crm init --uri URI --customers 20000 --seed 42 --end-date 2026-11-20
    python -m devtools.demo_crm tick --uri URI --day 2026-11-20 --seed 42

See docs/data_generation.md for the volumes and every kind of dirt with its rate.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import re
import sys
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from tqdm import tqdm

DDL_PATH = Path(__file__).resolve().parents[1] / "include" / "sql" / "crm" / "source" / "create_crm_schema.sql"
DAY = 86_400

# --------------------------------------------------------------------------- volumes
N_PRODUCTS = 150
PRE_WINDOW_CUSTOMER_SHARE = 0.10   # customers created up to a year before the window
PROSPECT_RATE = 0.30               # customer rows that never order
MONTHLY_ORDER_RATE = 0.60          # mean orders per month of an ordering customer (gamma mixed)
ORDER_RATE_GAMMA_SHAPE = 2.0
LINES_PER_ORDER_P = (0.45, 0.25, 0.15, 0.10, 0.05)  # 1..5 lines
QUANTITY_P = (0.72, 0.18, 0.06, 0.025, 0.015)      # quantity 1..5
PROMO_LINE_RATE = 0.10             # line sold 10 % or 20 % below list price
DISCOUNT_RATE = 0.15               # orders with a discount_amount > 0
FREE_SHIPPING_FROM_CENTS = 50_00
EXPRESS_SHIPPING_RATE = 0.05
CHANNEL_P = {"web": 0.55, "mobile": 0.35, "marketplace": 0.10}
CURRENCY_P = {"EUR": 0.85, "USD": 0.08, "GBP": 0.07}
OPT_IN_RATE = 0.35
CUSTOMER_UPDATED_SHARE = 0.30      # init: customers whose updated_at > created_at
HISTORY_SOFT_DELETE_RATE = 0.01    # init: customers already soft-deleted
INACTIVE_PRODUCT_RATE = 0.08

# order life cycle (init and new orders of a tick)
PAY_DELAY_MEAN_S = 20 * 60
CANCEL_SHARE = 0.04                # cancelled 10 min .. 4 days after placement
REFUND_SHARE = 0.03                # refunded 2 .. 45 days after delivery

# --------------------------------------------------------------------------- dirt
COUNTRY_NULL_RATE = 0.03
COUNTRY_JUNK_RATE = 0.005
CITY_NULL_RATE = 0.02              # in addition: city is NULL whenever country is NULL
DUPLICATE_RATE = 0.02              # persons with a second row, same email modulo case/spaces
EMAIL_NULL_RATE = 0.02
EMAIL_INVALID_RATE = 0.003
EMOJI_NAME_RATE = 0.005
BAD_QUANTITY_RATE = 0.003          # order_items.quantity in (0, -1, -2)
NULL_PRICE_RATE = 0.003            # order_items.unit_price NULL
IMPOSSIBLE_TS_RATE = 0.001         # orders.order_ts in 1970 (init/ticks) or 2099 (ticks only)

# --------------------------------------------------------------------------- daily changes (tick)
NEW_CUSTOMER_RATE = 0.0015         # new customer rows per day, share of the active customers
NEW_CUSTOMER_SAME_DAY_ORDER_RATE = 0.30
DAILY_ORDER_RATE = (1 - PROSPECT_RATE) * MONTHLY_ORDER_RATE / 30.44  # orders/day per active customer
LATE_CUSTOMER_RATE = 0.01          # new orders whose (new) customer row arrives with the next tick
PAID_HAZARD = 0.85                 # per day: placed -> paid
PLACED_CANCEL_HAZARD = 0.05        # per day: placed -> cancelled
SHIPPED_HAZARD = 0.60              # per day: paid -> shipped
DELIVERED_HAZARD = 0.45            # per day: shipped -> delivered
LATE_CANCELLATION_RATE = 0.01      # per day, x expected daily orders; orders 2..30 days old
REFUND_RATE = 0.015                # per day, x expected daily orders; delivered orders 3..60 days old
PROFILE_CHANGE_RATE = 0.002        # per day, share of active customers
PROFILE_CHANGE_P = {"country_move": 0.4, "city_change": 0.3, "opt_in_flip": 0.3}
SOFT_DELETE_RATE = 0.0005          # per day, share of active customers
PRICE_CHANGES_PER_DAY = 2.0        # Poisson mean
QUARANTINE_FIX_RATE = 0.03         # per day, share of the currently invalid rows that get fixed

# --------------------------------------------------------------------------- pools
FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Hannah", "Jonas", "Laura", "Lukas",
    "Maria", "Max", "Julia", "Paul", "Sophie", "Tom", "Oliver", "Charlotte", "James", "Emily",
    "Jack", "Olivia", "Lucas", "Marco", "Giulia", "Luca", "Sofia", "Pablo", "Hugo", "Manon",
    "Louis", "Sam", "Noah", "Mia", "Ella", "Leon", "Finn", "Piotr", "Agnieszka", "Ingrid",
    "Léa", "Zoë", "José", "Łukasz", "Chloé", "Björn", "Søren", "François", "Jürgen", "Núria",
    "Małgorzata", "Renée", "Noémie", "Ömer", "Çağla", "Jiří", "Zoltán", "Siobhán", "Inès",
    "Raphaël", "Joël", "Günther", "Íñigo", "Åsa", "Håkon", "Lucía", "Álvaro", "André",
)
LAST_NAMES = (
    "Smith", "Jones", "Brown", "Taylor", "Wilson", "Martin", "Schmidt", "Schneider", "Fischer",
    "Weber", "Wagner", "Becker", "Rossi", "Bianchi", "Romano", "Janssen", "de Vries", "Peeters",
    "Kowalski", "Novak", "Nagy", "Johansson", "Andersson", "Murphy", "Kelly", "Walsh", "Silva",
    "Santos", "Ferreira", "Girard", "Moreau", "O'Brien", "Dubois", "Müller", "García", "Nowak",
    "Fernández", "López", "Wiśniewski", "Lewandowski", "Dvořák", "Horváth", "Öztürk", "Yılmaz",
    "Ødegaard", "Søndergaard", "Nieminen", "Gonçalves", "Lefèvre", "Café", "Sánchez", "Pérez",
    "Martínez", "Évora",
)
EMOJIS = ("😀", "🌟", "🔥", "🎉", "🙂")
EMAIL_DOMAINS = (
    "gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "web.de", "gmx.de", "orange.fr",
    "free.fr", "libero.it", "example.com", "icloud.com", "mail.com",
)
# ISO code -> (English name, cities, weight). Every mappable country value is one of these
# codes or names, modulo case and surrounding spaces.
COUNTRIES: dict[str, tuple[str, tuple[str, ...], float]] = {
    "DE": ("Germany", ("Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Düsseldorf"), 0.22),
    "FR": ("France", ("Paris", "Lyon", "Marseille", "Besançon", "Orléans", "Nice"), 0.15),
    "GB": ("United Kingdom", ("London", "Manchester", "Birmingham", "Edinburgh", "Bristol"), 0.12),
    "ES": ("Spain", ("Madrid", "Barcelona", "Málaga", "València", "Sevilla", "A Coruña"), 0.09),
    "IT": ("Italy", ("Roma", "Milano", "Napoli", "Torino", "Forlì"), 0.08),
    "NL": ("Netherlands", ("Amsterdam", "Rotterdam", "Utrecht", "'s-Hertogenbosch"), 0.07),
    "PL": ("Poland", ("Warszawa", "Kraków", "Łódź", "Wrocław", "Gdańsk"), 0.06),
    "BE": ("Belgium", ("Bruxelles", "Antwerpen", "Liège", "Gent"), 0.04),
    "AT": ("Austria", ("Wien", "Graz", "Linz", "Salzburg"), 0.04),
    "CH": ("Switzerland", ("Zürich", "Genève", "Basel", "Bern"), 0.03),
    "SE": ("Sweden", ("Stockholm", "Göteborg", "Malmö"), 0.03),
    "IE": ("Ireland", ("Dublin", "Cork", "Galway"), 0.02),
    "PT": ("Portugal", ("Lisboa", "Porto", "Braga"), 0.02),
    "US": ("United States", ("New York", "San Francisco", "Chicago", "Austin"), 0.03),
}
COUNTRY_JUNK = ("Atlantis", "n/a", "N/A", "-", "unknown", "Narnia", "??", "xx", "")
# representation of a mappable country: clean ISO code, messy ISO code (random case, stray
# spaces), English name, messy English name (lower/upper case, stray spaces)
COUNTRY_FORMAT_P = (0.55, 0.15, 0.20, 0.10)
CATEGORIES: dict[str, tuple[str, float, tuple[str, ...]]] = {
    # name: (sku prefix, median list price in EUR, nouns)
    "Electronics": ("ELE", 79.0, ("Headphones", "Speaker", "Charger", "Keyboard", "Webcam", "Monitor")),
    "Home & Kitchen": ("HOM", 35.0, ("Kettle", "Pan", "Knife Set", "Lamp", "Blender", "Mug Set")),
    "Books": ("BOO", 16.0, ("Novel", "Cookbook", "Guide", "Atlas", "Biography", "Comic")),
    "Clothing": ("CLO", 39.0, ("T-Shirt", "Jacket", "Sneakers", "Scarf", "Jeans", "Hoodie")),
    "Sports": ("SPO", 45.0, ("Yoga Mat", "Dumbbells", "Bottle", "Racket", "Ball", "Backpack")),
    "Beauty": ("BEA", 19.0, ("Shampoo", "Perfume", "Cream", "Lipstick", "Soap", "Serum")),
    "Toys": ("TOY", 25.0, ("Puzzle", "Robot", "Doll", "Board Game", "Blocks", "Kite")),
    "Garden": ("GAR", 29.0, ("Hose", "Planter", "Shears", "Seeds", "Lantern", "Gloves")),
}
ADJECTIVES = ("Classic", "Premium", "Eco", "Smart", "Compact", "Deluxe", "Basic", "Pro", "Café", "Nordic")

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "refunded")
VALID_EMAIL_RE = re.compile(r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$")
# same test in SQL (used to find invalid emails for quarantine fixes); the pattern is bound as a
# parameter: pass (VALID_EMAIL_RE.pattern, ...) to a query that uses it
_SQL_INVALID_EMAIL = sql.SQL("email IS NOT NULL AND email !~ %s")

TABLE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (
        ("customer_id", "int"), ("email", "text"), ("first_name", "text"), ("last_name", "text"),
        ("country", "text"), ("city", "text"), ("marketing_opt_in", "bool"),
        ("created_at", "ts"), ("updated_at", "ts"), ("deleted_at", "ts"),
    ),
    "products": (
        ("product_id", "int"), ("sku", "text"), ("name", "text"), ("category", "text"),
        ("list_price", "money"), ("is_active", "bool"), ("created_at", "ts"), ("updated_at", "ts"),
    ),
    "orders": (
        ("order_id", "int"), ("customer_id", "int"), ("order_ts", "ts"), ("status", "text"),
        ("channel", "text"), ("currency", "text"), ("discount_amount", "money"),
        ("shipping_amount", "money"), ("created_at", "ts"), ("updated_at", "ts"),
    ),
    "order_items": (
        ("order_item_id", "int"), ("order_id", "int"), ("product_id", "int"), ("quantity", "int"),
        ("unit_price", "money"), ("created_at", "ts"), ("updated_at", "ts"),
    ),
}
PRIMARY_KEYS = {"customers": "customer_id", "products": "product_id", "orders": "order_id",
                "order_items": "order_item_id"}
ORDER_CHUNK = 100_000   # orders generated / loaded per chunk during init
COPY_CHUNK = 100_000    # rows per COPY buffer


# =========================================================================== helpers
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
_FRAC = np.array([f"{i:02d}" for i in range(100)], dtype=object)


def _epoch(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def window(end_date: dt.date, months: int = 13) -> tuple[int, int]:
    """(start, end) epoch seconds of the history: ``months`` calendar months before ``end_date``."""
    total = end_date.year * 12 + (end_date.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    day = min(end_date.day, calendar.monthrange(year, month)[1])
    return _epoch(dt.date(year, month, day)), _epoch(end_date)


def _ts(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def _secs(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("datetime64[s]").astype(np.int64)


def _choice_p(rng: np.random.Generator, values: Sequence[str], p: Sequence[float], n: int) -> np.ndarray:
    probs = np.asarray(p, dtype=float)
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=probs / probs.sum())]


def _round_99(cents: np.ndarray) -> np.ndarray:
    """Prices ending in .99 (at least 0.99)."""
    return np.maximum(np.rint(cents / 100.0), 1).astype(np.int64) * 100 - 1


# =========================================================================== persons
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


# =========================================================================== init generation
def generate_products(rng: np.random.Generator, start: int, end: int, n: int = N_PRODUCTS) -> pd.DataFrame:
    """Product catalogue, all created before the history window; ids 1..n."""
    cats = list(CATEGORIES)
    cat_idx = np.arange(n) % len(cats)
    rng.shuffle(cat_idx)
    pid = np.arange(1, n + 1, dtype=np.int64)
    median = np.array([CATEGORIES[cats[c]][1] for c in cat_idx])
    price = _round_99(median * 100 * rng.lognormal(0.0, 0.5, size=n))
    adj = rng.integers(0, len(ADJECTIVES), size=n)
    noun = rng.integers(0, 6, size=n)
    created = start - rng.integers(30 * DAY, 900 * DAY, size=n)
    updated = np.where(rng.random(n) < 0.5, created,
                       created + (rng.random(n) * (end - created)).astype(np.int64))
    return pd.DataFrame({
        "product_id": pid,
        "sku": [f"{CATEGORIES[cats[c]][0]}-{p:05d}" for c, p in zip(cat_idx, pid, strict=True)],
        "name": [f"{ADJECTIVES[a]} {CATEGORIES[cats[c]][2][k]}" for a, c, k in zip(adj, cat_idx, noun, strict=True)],
        "category": [cats[c] for c in cat_idx],
        "list_price": price / 100.0,
        "is_active": rng.random(n) >= INACTIVE_PRODUCT_RATE,
        "created_at": _ts(created),
        "updated_at": _ts(updated),
    })


def generate_customers(rng: np.random.Generator, n: int, start: int, end: int) -> pd.DataFrame:
    """``n`` persons plus ~DUPLICATE_RATE duplicate rows; ids 1.. in created_at order."""
    pre = rng.random(n) < PRE_WINDOW_CUSTOMER_SHARE
    created = np.where(
        pre,
        start - 1 - (rng.random(n) * 365 * DAY).astype(np.int64),
        start + (rng.random(n) ** (1 / 1.2) * (end - start)).astype(np.int64),
    )
    created = np.minimum(created, end - 1)
    created.sort()
    persons = _persons(rng, np.arange(1, n + 1))
    # duplicates: persons with a valid email, created at least two days before the end
    eligible = np.flatnonzero(_valid_email_mask(persons["email"]) & (created < end - 2 * DAY))
    n_dup = min(int(rng.binomial(n, DUPLICATE_RATE)), len(eligible))
    src = np.sort(rng.choice(eligible, size=n_dup, replace=False))
    dup = _duplicates_of(rng, {k: v[src] for k, v in persons.items()})
    span = np.minimum(180 * DAY, end - 1 - (created[src] + DAY))
    dup_created = created[src] + DAY + (rng.random(n_dup) * span).astype(np.int64)

    cols = {k: np.concatenate([persons[k], dup[k]]) for k in persons if not k.startswith("_")}
    created_all = np.concatenate([created, dup_created])
    order = np.argsort(created_all, kind="stable")
    cols = {k: v[order] for k, v in cols.items()}
    created_all = created_all[order]
    total = len(created_all)
    updated = np.where(rng.random(total) < CUSTOMER_UPDATED_SHARE,
                       created_all + (rng.random(total) * (end - created_all)).astype(np.int64),
                       created_all)
    deleted = np.where(rng.random(total) < HISTORY_SOFT_DELETE_RATE,
                       created_all + (rng.random(total) * (end - created_all)).astype(np.int64), -1)
    updated = np.where(deleted > updated, deleted, updated)
    deleted_ts = _ts(np.maximum(deleted, 0))
    deleted_ts[deleted < 0] = np.datetime64("NaT")
    return pd.DataFrame({
        "customer_id": np.arange(1, total + 1, dtype=np.int64),
        "email": cols["email"], "first_name": cols["first_name"], "last_name": cols["last_name"],
        "country": cols["country"], "city": cols["city"],
        "marketing_opt_in": cols["marketing_opt_in"].astype(bool),
        "created_at": _ts(created_all), "updated_at": _ts(updated), "deleted_at": deleted_ts,
    })


def _order_skeleton(rng: np.random.Generator, customers: pd.DataFrame, start: int, end: int,
                    order_rate: float = MONTHLY_ORDER_RATE) -> tuple[np.ndarray, np.ndarray]:
    """(customer_id, created_at epoch) of every historical order, sorted by time."""
    created = _secs(customers["created_at"])
    deleted = customers["deleted_at"].to_numpy().astype("datetime64[s]")
    stop = np.where(np.isnat(deleted), end, deleted.astype(np.int64))
    lo = np.maximum(created, start)
    span = np.minimum(stop, end) - lo
    n = len(created)
    buyer = (rng.random(n) >= PROSPECT_RATE) & (span > 3600)
    rate = rng.gamma(ORDER_RATE_GAMMA_SHAPE, order_rate / ORDER_RATE_GAMMA_SHAPE, size=n)
    months = np.maximum(span, 0) / (30.44 * DAY)
    counts = np.where(buyer, 1 + rng.poisson(rate * months), 0)
    cust_rep = np.repeat(customers["customer_id"].to_numpy(), counts)
    ts = np.repeat(lo, counts) + (rng.random(cust_rep.size) * np.repeat(np.maximum(span, 1), counts)).astype(np.int64)
    order = np.argsort(ts, kind="stable")
    return cust_rep[order], ts[order]


def _evolve_status(rng: np.random.Generator, created: np.ndarray, as_of: int) -> tuple[np.ndarray, np.ndarray]:
    """Status reached before ``as_of`` and the time of that last change."""
    n = len(created)
    t_paid = created + 1 + rng.exponential(PAY_DELAY_MEAN_S, n).astype(np.int64)
    t_ship = t_paid + rng.integers(DAY // 2, 3 * DAY, n)
    t_deliv = t_ship + rng.integers(DAY, 5 * DAY, n)
    fate = rng.random(n)
    cancelled = fate < CANCEL_SHARE
    refunded = (fate >= CANCEL_SHARE) & (fate < CANCEL_SHARE + REFUND_SHARE)
    t_cancel = created + rng.integers(600, 4 * DAY, n)
    t_refund = t_deliv + rng.integers(2 * DAY, 45 * DAY, n)
    stop = np.where(cancelled, t_cancel, np.iinfo(np.int64).max)
    status = np.full(n, "placed", dtype=object)
    updated = created.copy()
    for name, t in (("paid", t_paid), ("shipped", t_ship), ("delivered", t_deliv)):
        m = (t < as_of) & (t < stop)
        status[m] = name
        updated[m] = t[m]
    for name, t, m in (("cancelled", t_cancel, cancelled), ("refunded", t_refund, refunded)):
        m = m & (t < as_of)
        status[m] = name
        updated[m] = t[m]
    return status, updated


def _order_block(rng: np.random.Generator, *, customer_id: np.ndarray, created: np.ndarray,
                 product_id: np.ndarray, price_cents: np.ndarray, product_p: np.ndarray,
                 first_order_id: int, first_item_id: int, as_of: int, future_ts: bool
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders (already sorted by ``created``) with their lines."""
    n = len(created)
    order_id = np.arange(first_order_id, first_order_id + n, dtype=np.int64)
    status, updated = _evolve_status(rng, created, as_of)
    channel = _choice_p(rng, list(CHANNEL_P), list(CHANNEL_P.values()), n)
    currency = _choice_p(rng, list(CURRENCY_P), list(CURRENCY_P.values()), n)
    order_ts = created.copy()
    bad_ts = rng.random(n) < IMPOSSIBLE_TS_RATE
    when = rng.integers(0, 365 * DAY, n)
    year_2099 = future_ts & (rng.random(n) < 0.5)
    order_ts[bad_ts] = np.where(year_2099, _epoch(dt.date(2099, 1, 1)) + when, when % DAY)[bad_ts]

    # lines
    k = 1 + rng.choice(len(LINES_PER_ORDER_P), size=n, p=LINES_PER_ORDER_P)
    m = int(k.sum())
    line_order = np.repeat(np.arange(n), k)
    pidx = rng.choice(len(product_id), size=m, p=product_p)
    qty = 1 + rng.choice(len(QUANTITY_P), size=m, p=QUANTITY_P)
    promo = rng.random(m) < PROMO_LINE_RATE
    promo_factor = np.where(rng.random(m) < 0.5, 0.9, 0.8)
    unit = np.where(promo, np.rint(price_cents[pidx] * promo_factor), price_cents[pidx]).astype(np.int64)
    bad_q = rng.random(m) < BAD_QUANTITY_RATE
    qty = np.where(bad_q, -rng.integers(0, 3, m), qty)
    null_price = rng.random(m) < NULL_PRICE_RATE
    line_total = np.where((qty > 0) & ~null_price, qty * unit, 0)
    total = np.bincount(line_order, weights=line_total, minlength=n).astype(np.int64)

    disc_kind = rng.integers(0, 4, n)
    disc = np.select([disc_kind == 0, disc_kind == 1, disc_kind == 2],
                     [200, 500, 1000], np.rint(total * 0.10)).astype(np.int64)
    disc = np.where(rng.random(n) < DISCOUNT_RATE, np.minimum(disc, total // 2), 0)
    ship = np.where(total >= FREE_SHIPPING_FROM_CENTS, 0, 499)
    ship = np.where(channel == "marketplace", np.where(rng.random(n) < 0.5, 0, 399), ship)
    ship = np.where(rng.random(n) < EXPRESS_SHIPPING_RATE, 999, ship)

    orders = pd.DataFrame({
        "order_id": order_id, "customer_id": customer_id.astype(np.int64), "order_ts": _ts(order_ts),
        "status": status, "channel": channel, "currency": currency,
        "discount_amount": disc / 100.0, "shipping_amount": ship / 100.0,
        "created_at": _ts(created), "updated_at": _ts(updated),
    })
    items = pd.DataFrame({
        "order_item_id": np.arange(first_item_id, first_item_id + m, dtype=np.int64),
        "order_id": order_id[line_order], "product_id": product_id[pidx].astype(np.int64),
        "quantity": qty.astype(np.int64),
        "unit_price": np.where(null_price, np.nan, unit / 100.0),
        "created_at": _ts(created[line_order]), "updated_at": _ts(created[line_order]),
    })
    return orders, items


def _product_weights(n: int, rng: np.random.Generator) -> np.ndarray:
    w = 1.0 / (np.arange(n) + 5.0) ** 1.1
    w = w[rng.permutation(n)]
    return w / w.sum()


def iter_orders(seed: int, customers: pd.DataFrame, products: pd.DataFrame, start: int, end: int,
                chunk: int = ORDER_CHUNK, order_rate: float = MONTHLY_ORDER_RATE
                ) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Historical orders and lines in chunks of ``chunk`` orders (ids follow order time)."""
    rng = np.random.default_rng([seed, 2])
    cust, created = _order_skeleton(rng, customers, start, end, order_rate)
    pid = products["product_id"].to_numpy()
    cents = np.rint(products["list_price"].to_numpy() * 100).astype(np.int64)
    weights = _product_weights(len(pid), rng)
    next_item = 1
    for i, lo in enumerate(range(0, len(created), chunk)):
        crng = np.random.default_rng([seed, 3, i])
        orders, items = _order_block(
            crng, customer_id=cust[lo:lo + chunk], created=created[lo:lo + chunk], product_id=pid,
            price_cents=cents, product_p=weights, first_order_id=lo + 1, first_item_id=next_item,
            as_of=end, future_ts=False)
        next_item += len(items)
        yield orders, items


def generate_orders(seed: int, customers: pd.DataFrame, products: pd.DataFrame, start: int, end: int,
                    chunk: int = ORDER_CHUNK) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = list(iter_orders(seed, customers, products, start, end, chunk))
    if not parts:
        return (pd.DataFrame(columns=[c for c, _ in TABLE_COLUMNS["orders"]]),
                pd.DataFrame(columns=[c for c, _ in TABLE_COLUMNS["order_items"]]))
    return (pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True))


# =========================================================================== COPY
def _fmt_column(values: pd.Series | np.ndarray, kind: str) -> list[str]:
    if kind == "ts":
        arr = np.asarray(values).astype("datetime64[s]")
        out = np.char.add(np.datetime_as_string(arr, unit="s").astype(object), "Z")
        out[np.isnat(arr)] = "\\N"
        return out.tolist()
    if kind == "int":
        return np.asarray(values, dtype=np.int64).astype(str).tolist()
    if kind == "bool":
        return np.where(np.asarray(values, dtype=bool), "t", "f").tolist()
    if kind == "money":
        arr = np.asarray(values, dtype=float)
        null = np.isnan(arr)
        cents = np.rint(np.where(null, 0, arr) * 100).astype(np.int64)
        whole = (np.abs(cents) // 100).astype(str).astype(object)
        sign = np.where(cents < 0, "-", "").astype(object)
        out = sign + whole + "." + _FRAC[np.abs(cents) % 100]
        out[null] = "\\N"
        return out.tolist()
    # text: escape for COPY text format, NULL as \N; '' stays ''
    series = pd.Series(values, dtype=object)
    out = []
    for v in series.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append("\\N")
        else:
            s = str(v)
            if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
                s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            out.append(s)
    return out


def _table_ident(table: str) -> sql.Identifier:
    """``"schema.table"`` or ``"table"`` as a (qualified) SQL identifier."""
    return sql.Identifier(*table.split("."))


def _copy_frame(cur: psycopg.Cursor, table: str, df: pd.DataFrame,
                spec: Sequence[tuple[str, str]] | None = None) -> int:
    """COPY ``df`` into ``table`` (text format, NULL as \\N), ``COPY_CHUNK`` rows per buffer."""
    spec = spec or TABLE_COLUMNS[table.rsplit(".", 1)[-1]]
    query = sql.SQL("COPY {} ({}) FROM STDIN").format(
        _table_ident(table), sql.SQL(", ").join(sql.Identifier(c) for c, _ in spec))
    with cur.copy(query) as copy:
        for lo in range(0, len(df), COPY_CHUNK):
            part = df.iloc[lo:lo + COPY_CHUNK]
            columns = [_fmt_column(part[c].to_numpy(), kind) for c, kind in spec]
            copy.write("".join("\t".join(row) + "\n" for row in zip(*columns, strict=True)))
    return len(df)


def _copy_update(cur: psycopg.Cursor, table: str, df: pd.DataFrame, spec: Sequence[tuple[str, str]],
                 pg_types: dict[str, sql.SQL]) -> int:
    """COPY changed rows into a temp table and ``UPDATE crm.<table> ... FROM`` it (key = first column)."""
    if df.empty:
        return 0
    tmp = "_upd_" + table  # a name, not SQL: it is only ever used through sql.Identifier
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(tmp)))
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(
        sql.Identifier(tmp),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), pg_types[k]) for c, k in spec)))
    _copy_frame(cur, tmp, df, spec)
    key = spec[0][0]
    sets = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Identifier("u", c))
                              for c, _ in spec[1:])
    cur.execute(sql.SQL("UPDATE {} t SET {} FROM {} u WHERE {} = {}").format(
        sql.Identifier("crm", table), sets, sql.Identifier(tmp),
        sql.Identifier("t", key), sql.Identifier("u", key)))
    return len(df)


# column kind -> PostgreSQL type of the temp tables of _copy_update (fixed SQL fragments)
_PG_TYPES = {"int": sql.SQL("bigint"), "text": sql.SQL("text"), "bool": sql.SQL("boolean"),
             "ts": sql.SQL("timestamptz"), "money": sql.SQL("numeric(12,2)")}


# =========================================================================== init
def init(uri: str, *, customers: int = 20_000, seed: int = 42, end_date: dt.date, months: int = 13,
         progress: bool = True, order_rate: float = MONTHLY_ORDER_RATE) -> dict[str, int]:
    """(Re)create schema crm with ``months`` months of history ending before ``end_date`` 00:00 UTC.

    ``order_rate``: mean orders per month of an ordering customer (fewer orders per customer
    for the same volume means more customers)."""
    start, end = window(end_date, months)
    products = generate_products(np.random.default_rng([seed, 0]), start, end)
    cust = generate_customers(np.random.default_rng([seed, 1]), customers, start, end)
    counts = {"customers": 0, "products": 0, "orders": 0, "order_items": 0}
    with psycopg.connect(uri) as conn, conn.cursor() as cur, tqdm(
            total=len(cust) + len(products), unit="row", desc="crm init", file=sys.stderr,
            disable=not progress) as bar:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute("DROP SCHEMA IF EXISTS crm CASCADE")
        cur.execute(DDL_PATH.read_text())
        counts["products"] = _copy_frame(cur, "crm.products", products)
        bar.update(len(products))
        counts["customers"] = _copy_frame(cur, "crm.customers", cust)
        bar.update(len(cust))
        for orders, items in iter_orders(seed, cust, products, start, end, order_rate=order_rate):
            counts["orders"] += _copy_frame(cur, "crm.orders", orders)
            counts["order_items"] += _copy_frame(cur, "crm.order_items", items)
            bar.total += len(orders)
            bar.update(len(orders))
            bar.set_postfix(orders=counts["orders"], items=counts["order_items"])
        conn.commit()
        conn.autocommit = True
        cur.execute("ANALYZE crm.customers, crm.products, crm.orders, crm.order_items")
    return counts


# =========================================================================== tick
class TickAlreadyAppliedError(ValueError):
    """The database already holds changes at or after the requested day."""


def _fetch_frame(cur: psycopg.Cursor, query: str | sql.Composable, params: Sequence | None = None) -> pd.DataFrame:
    cur.execute(query, params)
    cols = [d.name for d in cur.description]
    return pd.DataFrame(cur.fetchall(), columns=cols, dtype=object)


def _epoch_of(column: str, alias: str | None = None) -> sql.Composed:
    """``extract(epoch FROM <column>)::bigint [AS <alias>]``."""
    expr = sql.SQL("extract(epoch FROM {})::bigint").format(sql.Identifier(column))
    return expr if alias is None else sql.SQL("{} AS {}").format(expr, sql.Identifier(alias))


# customer columns fetched for profile changes / soft deletes / email fixes, deleted_at as epoch
_CHANGED_CUSTOMER_COLS = sql.SQL(", ").join(
    [*(sql.Identifier(c) for c in ("customer_id", "email", "country", "city", "marketing_opt_in")),
     _epoch_of("deleted_at", "deleted_at")])


def _nullable_ts(values: pd.Series) -> np.ndarray:
    """Epoch seconds (None for NULL) -> datetime64[s] with NaT."""
    raw = values.tolist()
    out = _ts(np.array([0 if v is None else int(v) for v in raw], dtype=np.int64))
    out[np.array([v is None for v in raw], dtype=bool)] = np.datetime64("NaT")
    return out


def _assigned(values: np.ndarray) -> np.ndarray:
    return np.array([v is not None for v in values], dtype=bool)


def _in_day(rng: np.random.Generator, d0: int, n: int) -> np.ndarray:
    return d0 + rng.integers(0, DAY, n)


def tick(uri: str, *, day: dt.date, seed: int = 42, order_rate: float = MONTHLY_ORDER_RATE) -> dict[str, int]:
    """Write one business day of inserts/updates, all stamped inside [day, day+1) UTC
    (``order_rate`` as for init)."""
    rng = np.random.default_rng([seed, day.toordinal()])
    d0 = _epoch(day)
    d1 = d0 + DAY
    res = dict.fromkeys(("new_customers", "duplicate_customers", "late_customers", "new_orders",
                         "orphan_orders", "new_order_items", "status_changes", "late_cancellations",
                         "refunds", "profile_changes", "soft_deletes", "price_changes",
                         "quarantine_fixes"), 0)
    with psycopg.connect(uri) as conn, conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
        cur.execute(
            "SELECT extract(epoch FROM greatest((SELECT max(updated_at) FROM crm.customers),"
            " (SELECT max(updated_at) FROM crm.products),"
            " (SELECT max(updated_at) FROM crm.orders),"
            " (SELECT max(updated_at) FROM crm.order_items)))::bigint")
        latest = cur.fetchone()[0]
        if latest is not None and latest >= d0:
            raise TickAlreadyAppliedError(
                f"crm already has changes at {dt.datetime.fromtimestamp(latest, dt.UTC)}; "
                f"tick({day}) must run for a later day")
        cur.execute("SELECT coalesce(max(customer_id), 0) FROM crm.customers")
        max_cust_row = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(order_id), 0), coalesce(max(customer_id), 0) FROM crm.orders")
        max_order, max_order_cust = cur.fetchone()
        cur.execute("SELECT coalesce(max(order_item_id), 0) FROM crm.order_items")
        max_item = cur.fetchone()[0]
        active = _fetch_frame(cur, sql.SQL("SELECT customer_id, {} FROM crm.customers "
                                           "WHERE deleted_at IS NULL ORDER BY customer_id").format(
                                               _epoch_of("created_at", "created")))
        active_ids = active["customer_id"].to_numpy(dtype=np.int64)
        n_active = len(active_ids)
        products = _fetch_frame(cur, "SELECT product_id, list_price, is_active FROM crm.products "
                                "ORDER BY product_id")
        products["list_price"] = products["list_price"].astype(float)

        # ---- 1. late customers: orders of earlier ticks whose customer row is still missing
        pending = _fetch_frame(cur, "SELECT o.customer_id FROM crm.orders o WHERE NOT EXISTS "
                               "(SELECT 1 FROM crm.customers c WHERE c.customer_id = o.customer_id) "
                               "GROUP BY o.customer_id ORDER BY o.customer_id")
        late_ids = pending["customer_id"].to_numpy(dtype=np.int64)
        late = _persons(rng, late_ids)
        late_created = np.sort(_in_day(rng, d0, len(late_ids)))

        # ---- 2. new customers (a few are duplicates of existing persons)
        next_cust = max(max_cust_row, max_order_cust) + 1
        n_new = int(rng.poisson(NEW_CUSTOMER_RATE * n_active))
        new_created = np.sort(_in_day(rng, d0, n_new))
        new_ids = np.arange(next_cust, next_cust + n_new, dtype=np.int64)
        new = _persons(rng, new_ids)
        is_dup = rng.random(n_new) < DUPLICATE_RATE
        dup_src = rng.choice(active_ids, size=int(is_dup.sum())) if n_active else np.array([], np.int64)
        if is_dup.any():
            src = _fetch_frame(cur, "SELECT customer_id, email, first_name, last_name, country, city "
                               "FROM crm.customers WHERE customer_id = ANY(%s) ORDER BY customer_id",
                               (dup_src.tolist(),)).set_index("customer_id")
            src = src.loc[dup_src]
            ok = _valid_email_mask(src["email"].to_numpy())
            pos = np.flatnonzero(is_dup)[ok]
            src = src[ok]
            dups = _duplicates_of(rng, {"email": src["email"].to_numpy(), "first_name": src["first_name"].to_numpy(),
                                        "last_name": src["last_name"].to_numpy(), "country": src["country"].to_numpy(),
                                        "city": src["city"].to_numpy(), "_cidx": np.full(len(src), -1)})
            for key in ("email", "first_name", "last_name", "country", "city"):
                new[key][pos] = dups[key]
            res["duplicate_customers"] = len(pos)
        next_cust += n_new

        # ---- 3. new orders: existing customers, some of today's new ones, ~1 % late customers
        expected_orders = DAILY_ORDER_RATE * order_rate / MONTHLY_ORDER_RATE * n_active
        n_orders = int(rng.poisson(expected_orders))
        n_orphan = int(rng.binomial(n_orders, LATE_CUSTOMER_RATE))
        same_day = np.flatnonzero(rng.random(n_new) < NEW_CUSTOMER_SAME_DAY_ORDER_RATE)
        n_existing = max(n_orders - n_orphan - len(same_day), 0)
        orphan_ids = np.arange(next_cust, next_cust + n_orphan, dtype=np.int64)
        existing = rng.choice(active_ids, size=n_existing) if n_active else np.array([], np.int64)
        o_cust = np.concatenate([existing, new_ids[same_day], orphan_ids]).astype(np.int64)
        o_lo = np.concatenate([np.full(len(existing), d0), new_created[same_day], np.full(n_orphan, d0)])
        o_created = o_lo + (rng.random(len(o_cust)) * (d1 - o_lo)).astype(np.int64)
        srt = np.argsort(o_created, kind="stable")
        act = products[products["is_active"].astype(bool)]
        weights = _product_weights(len(products), np.random.default_rng([seed, 2]))  # same as init
        act_w = weights[products["is_active"].astype(bool).to_numpy()]
        orders, items = _order_block(
            rng, customer_id=o_cust[srt], created=o_created[srt],
            product_id=act["product_id"].to_numpy(dtype=np.int64),
            price_cents=np.rint(act["list_price"].to_numpy(dtype=float) * 100).astype(np.int64),
            product_p=act_w / act_w.sum(), first_order_id=max_order + 1, first_item_id=max_item + 1,
            as_of=d1, future_ts=True)

        # ---- 4. late cancellations, refunds, status progression of open orders
        cand = _fetch_frame(cur, sql.SQL("SELECT order_id, status, {}, {} FROM crm.orders "
                                         "WHERE (status IN ('placed', 'paid', 'shipped') OR "
                                         "(status = 'delivered' AND created_at >= %s)) AND updated_at < %s "
                                         "ORDER BY order_id").format(_epoch_of("order_ts", "order_ts"),
                                                                     _epoch_of("created_at", "created")),
                            (dt.datetime.fromtimestamp(d0 - 60 * DAY, dt.UTC), dt.datetime.fromtimestamp(d0, dt.UTC)))
        cand_ids = cand["order_id"].to_numpy(dtype=np.int64)
        cand_status = cand["status"].to_numpy()
        cand_created = cand["created"].to_numpy(dtype=np.int64)
        new_status = np.full(len(cand), None, dtype=object)
        lc_pool = np.flatnonzero((cand_created >= d0 - 30 * DAY) & (cand_created < d0 - 2 * DAY))
        n_lc = min(int(rng.poisson(LATE_CANCELLATION_RATE * expected_orders)), len(lc_pool))
        lc = rng.choice(lc_pool, size=n_lc, replace=False)
        new_status[lc] = "cancelled"
        rf_pool = np.flatnonzero((cand_status == "delivered") & (cand_created < d0 - 3 * DAY)
                                 & ~_assigned(new_status))
        n_rf = min(int(rng.poisson(REFUND_RATE * expected_orders)), len(rf_pool))
        rf = rng.choice(rf_pool, size=n_rf, replace=False)
        new_status[rf] = "refunded"
        u = rng.random(len(cand))
        free = ~_assigned(new_status)
        progress = [
            (cand_status == "placed") & (u < PAID_HAZARD), "paid",
            (cand_status == "placed") & (u >= PAID_HAZARD) & (u < PAID_HAZARD + PLACED_CANCEL_HAZARD), "cancelled",
            (cand_status == "paid") & (u < SHIPPED_HAZARD), "shipped",
            (cand_status == "shipped") & (u < DELIVERED_HAZARD), "delivered",
        ]
        n_progress = 0
        for mask, st in zip(progress[::2], progress[1::2], strict=True):
            m = mask & free
            new_status[m] = st
            n_progress += int(m.sum())
        res["late_cancellations"], res["refunds"], res["status_changes"] = n_lc, n_rf, n_progress

        # ---- 5. profile changes and soft deletes of existing active customers
        n_pc = int(rng.binomial(n_active, PROFILE_CHANGE_RATE))
        n_sd = int(rng.binomial(n_active, SOFT_DELETE_RATE))
        picked = rng.choice(n_active, size=min(n_pc + n_sd, n_active), replace=False)
        pc_ids, sd_ids = active_ids[picked[:n_pc]], active_ids[picked[n_pc:]]
        by_ids = sql.SQL("SELECT {} FROM crm.customers WHERE customer_id = ANY(%s) "
                         "ORDER BY customer_id").format(_CHANGED_CUSTOMER_COLS)
        changed = _fetch_frame(cur, by_ids, (np.concatenate([pc_ids, sd_ids]).tolist(),))
        changed = changed.set_index("customer_id").loc[np.concatenate([pc_ids, sd_ids])].reset_index()
        kinds = _choice_p(rng, list(PROFILE_CHANGE_P), list(PROFILE_CHANGE_P.values()), len(pc_ids))
        move_country, move_cidx = _countries(rng, len(pc_ids))
        move_city = _cities(rng, move_cidx, move_country)
        other_city = _cities(rng, rng.choice(len(_CC), size=len(pc_ids), p=_CC_P))
        stamp = _in_day(rng, d0, len(changed))
        for i in range(len(pc_ids)):
            if kinds[i] == "country_move":
                changed.at[i, "country"], changed.at[i, "city"] = move_country[i], move_city[i]
            elif kinds[i] == "city_change":
                changed.at[i, "city"] = other_city[i]
            else:
                changed.at[i, "marketing_opt_in"] = not changed.at[i, "marketing_opt_in"]
        changed["updated_at"] = _ts(stamp)
        del_ts = np.full(len(changed), np.datetime64("NaT"), dtype="datetime64[s]")
        del_ts[len(pc_ids):] = _ts(stamp[len(pc_ids):])
        changed["deleted_at"] = del_ts
        res["profile_changes"], res["soft_deletes"] = len(pc_ids), len(sd_ids)

        # ---- 6. product price changes
        act_pos = np.flatnonzero(products["is_active"].astype(bool).to_numpy())
        n_price = min(int(rng.poisson(PRICE_CHANGES_PER_DAY)), len(act_pos))
        pp = np.sort(rng.choice(act_pos, size=n_price, replace=False))
        factor = 1 + rng.choice([-1, 1], size=n_price) * rng.uniform(0.05, 0.15, size=n_price)
        price_upd = pd.DataFrame({
            "product_id": products["product_id"].to_numpy(dtype=np.int64)[pp],
            "list_price": _round_99(products["list_price"].to_numpy(dtype=float)[pp] * 100 * factor) / 100.0,
            "updated_at": _ts(_in_day(rng, d0, n_price))})
        res["price_changes"] = n_price

        # ---- 7. quarantine fixes: previously invalid rows corrected
        bad_items = _fetch_frame(cur, "SELECT i.order_item_id, i.quantity, i.unit_price, p.list_price "
                                 "FROM crm.order_items i LEFT JOIN crm.products p USING (product_id) "
                                 "WHERE i.quantity <= 0 OR i.unit_price IS NULL ORDER BY i.order_item_id")
        fix_i = rng.random(len(bad_items)) < QUARANTINE_FIX_RATE
        bad_items = bad_items[fix_i].reset_index(drop=True)
        q = bad_items["quantity"].to_numpy(dtype=np.int64)
        price = bad_items["unit_price"].to_numpy(dtype=object)
        item_fix = pd.DataFrame({
            "order_item_id": bad_items["order_item_id"].to_numpy(dtype=np.int64),
            "quantity": np.where(q <= 0, np.maximum(-q, 1), q),
            "unit_price": np.array([float(p if p is not None else lp)
                                    for p, lp in zip(price, bad_items["list_price"], strict=True)], dtype=float),
            "updated_at": _ts(_in_day(rng, d0, len(bad_items)))})
        bad_mail = _fetch_frame(cur, sql.SQL("SELECT customer_id, first_name, last_name FROM crm.customers "
                                             "WHERE {} AND updated_at < %s ORDER BY customer_id").format(
                                                 _SQL_INVALID_EMAIL),
                                (VALID_EMAIL_RE.pattern, dt.datetime.fromtimestamp(d0, dt.UTC)))
        fix_m = (rng.random(len(bad_mail)) < QUARANTINE_FIX_RATE) & ~bad_mail["customer_id"].isin(
            changed["customer_id"]).to_numpy()
        bad_mail = bad_mail[fix_m]
        mail_fix = _fetch_frame(cur, by_ids, (bad_mail["customer_id"].tolist(),))
        mail_fix["email"] = [f"{_slug(f or '') or 'x'}.{_slug(la or '') or 'x'}{cid}@example.com"
                             for f, la, cid in zip(bad_mail["first_name"], bad_mail["last_name"],
                                                   bad_mail["customer_id"], strict=True)]
        mail_fix["updated_at"] = _ts(_in_day(rng, d0, len(mail_fix)))
        mail_fix["deleted_at"] = _nullable_ts(mail_fix["deleted_at"])
        cur.execute(sql.SQL("SELECT order_id, status, {} FROM crm.orders "
                            "WHERE (order_ts < '2000-01-01' OR order_ts > created_at + interval '1 day') "
                            "AND updated_at < %s ORDER BY order_id").format(_epoch_of("created_at")),
                    (dt.datetime.fromtimestamp(d0, dt.UTC),))
        ts_rows = cur.fetchall()
        fix_o = rng.random(len(ts_rows)) < QUARANTINE_FIX_RATE
        ts_fix = {r[0]: (r[1], r[2]) for r, f in zip(ts_rows, fix_o, strict=True) if f}
        res["quarantine_fixes"] = len(item_fix) + len(mail_fix) + len(ts_fix)

        # ---- order updates (status changes and order_ts fixes merged, one row per order)
        upd = {}
        stamp_o = _in_day(rng, d0, len(cand))
        for i in np.flatnonzero(_assigned(new_status)):
            upd[int(cand_ids[i])] = [new_status[i], int(cand["order_ts"].iat[i]), int(stamp_o[i])]
        fix_stamp = _in_day(rng, d0, len(ts_fix))
        for j, (oid, (status, created)) in enumerate(sorted(ts_fix.items())):
            if oid in upd:
                upd[oid][1] = created
            else:
                upd[oid] = [status, created, int(fix_stamp[j])]
        keys = sorted(upd)
        order_upd = pd.DataFrame({
            "order_id": np.array(keys, dtype=np.int64),
            "status": np.array([upd[k][0] for k in keys], dtype=object),
            "order_ts": _ts(np.array([upd[k][1] for k in keys], dtype=np.int64)),
            "updated_at": _ts(np.array([upd[k][2] for k in keys], dtype=np.int64))})

        # ---- write
        new_rows = []
        for ids, attrs, created in ((late_ids, late, late_created), (new_ids, new, new_created)):
            frame = pd.DataFrame({k: v for k, v in attrs.items() if not k.startswith("_")})
            frame.insert(0, "customer_id", ids)
            frame["created_at"] = _ts(created)
            frame["updated_at"] = _ts(created)
            frame["deleted_at"] = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[s]")
            new_rows.append(frame)
        _copy_frame(cur, "crm.customers", pd.concat(new_rows, ignore_index=True))
        _copy_frame(cur, "crm.orders", orders)
        _copy_frame(cur, "crm.order_items", items)
        cust_spec = (("customer_id", "int"), ("email", "text"), ("country", "text"), ("city", "text"),
                     ("marketing_opt_in", "bool"), ("deleted_at", "ts"), ("updated_at", "ts"))
        _copy_update(cur, "customers", pd.concat([changed, mail_fix], ignore_index=True), cust_spec, _PG_TYPES)
        _copy_update(cur, "orders", order_upd, (("order_id", "int"), ("status", "text"), ("order_ts", "ts"),
                                                ("updated_at", "ts")), _PG_TYPES)
        _copy_update(cur, "order_items", item_fix, (("order_item_id", "int"), ("quantity", "int"),
                                                    ("unit_price", "money"), ("updated_at", "ts")), _PG_TYPES)
        _copy_update(cur, "products", price_upd, (("product_id", "int"), ("list_price", "money"),
                                                  ("updated_at", "ts")), _PG_TYPES)
        conn.commit()

    res["late_customers"] = len(late_ids)
    res["new_customers"] = n_new
    res["new_orders"] = len(orders)
    res["orphan_orders"] = n_orphan
    res["new_order_items"] = len(items)
    return res


# =========================================================================== CLI
def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo_crm", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="(re)create schema crm with history")
    p_init.add_argument("--uri", required=True)
    p_init.add_argument("--customers", type=int, default=20_000)
    p_init.add_argument("--seed", type=int, default=42)
    p_init.add_argument("--end-date", type=_date, required=True)
    p_init.add_argument("--months", type=int, default=13)
    p_init.add_argument("--no-progress", action="store_true")
    p_init.add_argument("--order-rate", type=float, default=MONTHLY_ORDER_RATE,
                        help="mean orders per month of an ordering customer")
    p_tick = sub.add_parser("tick", help="write one business day of changes")
    p_tick.add_argument("--uri", required=True)
    p_tick.add_argument("--day", type=_date, required=True)
    p_tick.add_argument("--seed", type=int, default=42)
    p_tick.add_argument("--order-rate", type=float, default=MONTHLY_ORDER_RATE)
    args = parser.parse_args(argv)
    if args.command == "init":
        out = init(args.uri, customers=args.customers, seed=args.seed, end_date=args.end_date,
                   months=args.months, progress=not args.no_progress, order_rate=args.order_rate)
    else:
        out = tick(args.uri, day=args.day, seed=args.seed, order_rate=args.order_rate)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
