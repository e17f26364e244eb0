"""A warehouse with three nights of marts and customers whose names test CSV encoding."""

from __future__ import annotations

import datetime as dt

from devtools import demo_crm

NIGHTS = (dt.date(2026, 10, 3), dt.date(2026, 10, 4), dt.date(2026, 10, 5))
# (customer_id, first_name, last_name): every CSV hazard an analyst's Excel meets.
TRICKY_NAMES = (
    (9_000_001, "Zoë", "Café"),
    (9_000_002, "Anne, Marie", 'O"Neil'),
    (9_000_003, "Line\nbreak", "Ünïcødé 😀"),
    (9_000_004, "=HYPERLINK(\"http://x\")", "@SUM(A1)"),
    (9_000_005, "Robert'); DROP TABLE marts.daily_sales;--", "שלום"),
)


def build(worlds, customers: int = 400):
    world = worlds(customers=customers, end_date=NIGHTS[0])
    created = dt.datetime(2026, 9, 1, 12, tzinfo=dt.UTC)
    for n, (customer_id, first, last) in enumerate(TRICKY_NAMES):
        world.src("INSERT INTO crm.customers VALUES (%s, %s, %s, %s, 'DE', 'Köln', true, %s, %s, NULL)",
                  (customer_id, f"tricky{n}@example.com", first, last, created, created))
        world.add_order(8_000_000 + n, customer_id, dt.datetime(2026, 9, 20 + n, 10, tzinfo=dt.UTC))
    for night in NIGHTS:
        demo_crm.tick(world.source_uri, day=night, seed=7)
        world.night(night)
    return world
