"""Volumes, rates and pools of the demo CRM, and its calendar (epoch seconds, UTC).

The tick reads its daily rates from this module at call time, so a test may patch them here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

import numpy as np
import pandas as pd

from include.crm.contracts import BY_NAME

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

# the source contract's columns and keys (include/crm/contracts.py), table by table
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {name: t.columns for name, t in BY_NAME.items()}
PRIMARY_KEYS: dict[str, str] = {name: t.primary_key for name, t in BY_NAME.items()}
ORDER_CHUNK = 100_000   # orders generated / loaded per chunk during init


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



# what `from devtools.demo_crm.volumes import *` (the package's __init__) re-exports
__all__ = [name for name in dir() if name.isupper() and name != "BY_NAME"] + ["window"]
