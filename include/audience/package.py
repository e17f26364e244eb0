"""Package: one audience's diff against its last delivered state, frozen for its delivery.

- `upserts`: members new to the destination, and members whose fingerprint changed;
- `removes`: delivered members no longer in the audience (with why: deleted, no_consent,
  left_audience);
- `unchanged`: the rest of the audience, not sent.

A package is built once per (run, audience): a retry of any later step delivers the very same
batches under the very same idempotency keys. It is built again only when transform wrote other
payloads (`retire_if_stale`) or another run delivered the audience meanwhile. A package for a snapshot older than one already
delivered is `superseded_by` it and holds nothing. With `full_resync` the delivered state is
first replaced by the platform's own member list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from include.audience.contracts import batch_size
from include.audience.marketing_api import MarketingApi, RejectedError, idempotency_key
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query, run_sql


@dataclass(frozen=True)
class State:
    as_of_date: dt.date
    complete_as_of_date: dt.date | None
    package_id: int
    metadata_fingerprint: str | None


@dataclass(frozen=True)
class Package:
    package_id: int
    based_on: int | None
    upserts: int
    removes: int
    unchanged: int
    members: int
    checksum: str
    superseded_by: dt.date | None
    payloads_checksum: str | None


def keys(ctx: RunContext, campaign: dict) -> dict:
    return ctx.keys() | {"audience_id": campaign["audience_id"], "destination": campaign["destination"],
                         "as_of_date": ctx.business_date}


def state(wh: psycopg.Connection, campaign: dict) -> State | None:
    row = wh.execute(query("audience/package/select_state.sql"),
                     {"audience_id": campaign["audience_id"], "destination": campaign["destination"]}).fetchone()
    return State(*row) if row else None


def existing(wh: psycopg.Connection, ctx: RunContext, campaign: dict) -> Package | None:
    row = wh.execute(query("audience/package/select_package.sql"), keys(ctx, campaign)).fetchone()
    return Package(*row) if row else None


def payloads_checksum(wh: psycopg.Connection, ctx: RunContext, campaign: dict) -> str:
    return wh.execute(query("audience/package/select_payloads_checksum.sql"), keys(ctx, campaign)).fetchone()[0]


def retire_if_stale(wh: psycopg.Connection, ctx: RunContext, campaign: dict) -> bool:
    """After transform wrote the run's payloads again: a package built from other payloads is
    set aside, so that package builds it again from these (consent read anew included), and
    the audience's earlier result in this run is forgotten, so that execute delivers it."""
    package = existing(wh, ctx, campaign)
    if package is None or package.payloads_checksum == payloads_checksum(wh, ctx, campaign):
        return False
    run_sql(wh, "audience/package/retire_package.sql", keys(ctx, campaign))
    wh.execute(query("audience/run/delete_audience_log.sql"), keys(ctx, campaign))
    return True


def batch_body(kind: str, rows: list[tuple[str, str | None]]) -> bytes:
    """The request body of a batch, byte for byte the same each time it is built."""
    if kind == "upsert":
        return ('{"members":[' + ",".join(payload for _, payload in rows) + "]}").encode("utf-8")
    return json.dumps({"external_ids": [external_id for external_id, _ in rows]}, separators=(",", ":")).encode()


def batch_rows(wh: psycopg.Connection, package_id: int, kind: str, batch_no: int) -> list[tuple[str, str | None]]:
    return wh.execute(query("audience/package/select_batch_members.sql"),
                      {"package_id": package_id, "kind": kind, "batch_no": batch_no}).fetchall()


def platform_ids(api: MarketingApi, audience_id: str) -> list[str]:
    """The platform's members of the audience; none if it does not know the audience."""
    try:
        return list(api.member_ids(audience_id))
    except RejectedError as error:
        if error.status == 404:
            return []
        raise


def build(wh: psycopg.Connection, ctx: RunContext, campaign: dict,
          api: Callable[[], MarketingApi] | None = None, *, rebuild: bool = False) -> Package:
    """The audience's package for this run: the one already built, or a new one."""
    if not rebuild and (package := existing(wh, ctx, campaign)) is not None:
        return package
    params = keys(ctx, campaign)
    current = state(wh, campaign)
    superseded_by = current.as_of_date if current and current.as_of_date > ctx.business_date else None
    resync = bool(ctx.params.get("full_resync")) and campaign["destination"] == "marketing_api" and not superseded_by
    listed = None
    if resync:
        with api() as client:
            listed = platform_ids(client, campaign["audience_id"])
    with wh.transaction():
        run_sql(wh, "audience/package/retire_package.sql", params)
        package_id = wh.execute(query("audience/package/insert_package.sql"), params | {
            "name": campaign["name"], "description": campaign.get("description"),
            "based_on": current.package_id if current else None, "full_resync": resync,
            "superseded_by": superseded_by, "payloads_checksum": payloads_checksum(wh, ctx, campaign)}).fetchone()[0]
        params |= {"package_id": package_id, "batch_size": batch_size()}
        if not superseded_by:
            if listed is not None:
                run_sql(wh, "audience/package/create_tmp_platform_ids.sql")
                with wh.cursor().copy(query("audience/package/copy_tmp_platform_ids.sql")) as copy:
                    for external_id in listed:
                        copy.write_row((external_id,))
                run_sql(wh, "audience/package/resync_delivered.sql", params)
            wh.execute(query("audience/package/insert_upserts.sql"), params)
            wh.execute(query("audience/package/insert_removes.sql"), params)
            run_sql(wh, "audience/package/update_counts.sql", params)
            wh.execute(query("audience/package/insert_batches.sql"), params)
            for kind, batch_no, *_ in wh.execute(query("audience/package/select_batches.sql"), params).fetchall():
                body = batch_body(kind, batch_rows(wh, package_id, kind, batch_no))
                key = idempotency_key(campaign["audience_id"], str(ctx.business_date), kind, body)
                wh.execute(query("audience/package/update_batch_key.sql"),
                           {"package_id": package_id, "kind": kind, "batch_no": batch_no, "key": key})
        return existing(wh, ctx, campaign)
