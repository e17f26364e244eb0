"""``python -m devtools.demo_crm init|tick ...``: prints the counts as JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence

import devtools.demo_crm as demo_crm
from devtools.demo_crm import MONTHLY_ORDER_RATE, init, tick


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo_crm", description=demo_crm.__doc__.split("\n")[0])
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
