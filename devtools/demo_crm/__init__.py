"""Deterministic generator of a dirty demo CRM (schema ``crm``) in PostgreSQL.

``init`` builds ``months`` months of history ending just before ``end_date`` 00:00 UTC;
``tick`` appends one business day of inserts and updates. Everything is derived from
``seed`` (and, for a tick, from the day and the current content of the database), so the
same seed and the same calls always give byte-identical tables.

- ``volumes``: volumes, rates, pools and the calendar (re-exported here; a test changes a
  daily rate in ``volumes``, where ``tick`` reads it at call time);
- ``dirt``: the dirty persons (countries, cities, emails, names, duplicates);
- ``initial_load``: products, customers and the history of orders, and ``init``;
- ``daily_tick``: ``tick``;
- ``__main__``: the CLI.

Rows are written with the kit's COPY writer (``include/warehouse_kit/pg_io.py``).

CLI::

    python -m devtools.demo_crm init --uri URI --customers 20000 --seed 42 --end-date 2026-11-20
    python -m devtools.demo_crm tick --uri URI --day 2026-11-20 --seed 42

See docs/data_generation.md for the volumes and every kind of dirt with its rate.
"""

from devtools.demo_crm import volumes
from devtools.demo_crm.daily_tick import TickAlreadyAppliedError, tick
from devtools.demo_crm.dirt import _email_variant, _valid_email_mask
from devtools.demo_crm.initial_load import generate_customers, generate_orders, generate_products, init, iter_orders
from devtools.demo_crm.volumes import *  # noqa: F403  (every constant, and window)
from devtools.demo_crm.volumes import _epoch

__all__ = ["TickAlreadyAppliedError", "generate_customers", "generate_orders", "generate_products", "init",
           "iter_orders", "tick", "_email_variant", "_epoch", "_valid_email_mask", *volumes.__all__]
