"""Execute: one audience's package to its destination, acknowledged batch by batch.

A destination is a function `(wh, ctx, campaign, package, previous) -> Delivery`. It sends the
package's unacknowledged batches and acknowledges each (`acknowledge`) once the destination
has it, so the delivered state advances only for what the destination confirmed:

- `marketing_api`: PUT the audience, then removes and upserts, 1,000 per POST, each under its
  batch's idempotency key (include/audience/marketing_api.py).
- `file`: `<audience_id>/<as_of_date>/members.csv` (the whole audience, Excel-safe),
  `removed.csv` and, last, `manifest.json`, under ETL_AUDIENCE_EXPORT_URL.

Deliveries of one (audience, destination) are serialised by an advisory lock; a package older
than what another run has since delivered is built again first, and a snapshot older than one
already delivered is superseded.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from include.audience import package as packages
from include.audience.contracts import MEMBER_FIELDS, REMOVED_FIELDS, export_url
from include.audience.marketing_api import DeliveryError, MarketingApi, settings_from_airflow
from include.audience.run import AudienceResult
from include.warehouse_kit import object_store
from include.warehouse_kit.page_kit.csv_export import any_row, csv_rows, encode
from include.warehouse_kit.run_context import RunContext
from include.warehouse_kit.sql_files import query


@dataclass
class Delivery:
    http_retries: int = 0
    sent_nothing: bool = False


def metadata_fingerprint(campaign: dict) -> str:
    text = json.dumps({"name": campaign["name"], "description": campaign.get("description")}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def acknowledge(wh: psycopg.Connection, ctx: RunContext, campaign: dict, package: packages.Package,
                kind: str, batch_no: int) -> None:
    """The destination has the batch: its members' delivered state, the batch and the audience's
    state move on together."""
    params = packages.keys(ctx, campaign) | {"package_id": package.package_id, "kind": kind, "batch_no": batch_no}
    with wh.transaction():
        wh.execute(query(f"audience/execute/ack_{kind}s.sql"), params)
        wh.execute(query("audience/execute/ack_batch.sql"), params)
        _state(wh, ctx, campaign, package, complete=False, metadata=None)


def _state(wh, ctx, campaign, package, *, complete: bool, metadata: str | None) -> None:
    wh.execute(query("audience/execute/upsert_state.sql"), packages.keys(ctx, campaign) | {
        "package_id": package.package_id, "complete": complete, "metadata_fingerprint": metadata})


def _pending(wh: psycopg.Connection, package: packages.Package) -> list[tuple]:
    rows = wh.execute(query("audience/package/select_batches.sql"), {"package_id": package.package_id}).fetchall()
    return [r for r in rows if not r[4]]


def to_marketing_api(wh, ctx, campaign, package, previous, api: Callable[[], MarketingApi] | None = None) -> Delivery:
    audience_id, metadata = campaign["audience_id"], metadata_fingerprint(campaign)
    pending = _pending(wh, package)
    if not pending and previous is not None and previous.metadata_fingerprint == metadata:
        _state(wh, ctx, campaign, package, complete=True, metadata=metadata)
        return Delivery(sent_nothing=True)
    with (api or (lambda: MarketingApi(settings_from_airflow())))() as client:
        client.put_audience(audience_id, campaign["name"], campaign.get("description"))
        put_retries = client.retries  # a batch's retries are counted in its row (count_try.sql)
        for kind, batch_no, _, key, _, _ in pending:
            body = packages.batch_body(kind, packages.batch_rows(wh, package.package_id, kind, batch_no))
            built = packages.idempotency_key(audience_id, str(ctx.business_date), kind, body)
            if built != key:
                raise DeliveryError(f"batch {kind} {batch_no} of package {package.package_id} no longer matches "
                                    "its idempotency key")
            params = {"package_id": package.package_id, "kind": kind, "batch_no": batch_no}
            client.post(audience_id, kind, body, key,
                        on_try=lambda p=params: wh.execute(query("audience/execute/count_try.sql"), p))
            acknowledge(wh, ctx, campaign, package, kind, batch_no)
    _state(wh, ctx, campaign, package, complete=True, metadata=metadata)
    return Delivery(http_retries=put_retries)


def _member_rows(wh: psycopg.Connection, ctx: RunContext, campaign: dict):
    """members.csv's columns, converter and rows (the segments page's CSV cells)."""
    columns, convert, rows = csv_rows(wh, query("audience/execute/select_export_rows.sql"),
                                      packages.keys(ctx, campaign))
    if tuple(columns) != MEMBER_FIELDS:
        raise RuntimeError(f"select_export_rows.sql gives {columns}, not the contract's {MEMBER_FIELDS}")
    return convert, rows


def _removed_rows(wh: psycopg.Connection, ctx: RunContext, campaign: dict, package: packages.Package):
    params = packages.keys(ctx, campaign) | {"package_id": package.package_id}
    rows = wh.execute(query("audience/execute/select_export_removed.sql"), params).fetchall()
    rows += wh.execute(query("audience/package/select_relisted_removes.sql"), params).fetchall()
    rows.sort(key=lambda r: r[0])
    return [[external_id, (json.loads(payload) if payload else {}).get("email"), reason]
            for external_id, payload, reason in rows]


def to_file(wh, ctx, campaign, package, previous, api=None) -> Delivery:
    """members.csv, removed.csv, then manifest.json; a snapshot already exported with nothing
    changed since is not written again."""
    audience_id = campaign["audience_id"]
    pending = _pending(wh, package)
    if (not pending and previous is not None and previous.complete_as_of_date == ctx.business_date
            and not ctx.params.get("full_resync")):
        return Delivery(sent_nothing=True)
    (convert, members), removed = _member_rows(wh, ctx, campaign), _removed_rows(wh, ctx, campaign, package)
    object_store.write_export(export_url(), f"{audience_id}/{ctx.business_date}", [
        object_store.ExportFile("members.csv", encode(MEMBER_FIELDS, [members], convert), len(members)),
        object_store.ExportFile("removed.csv", encode(REMOVED_FIELDS, [removed], any_row), len(removed)),
    ], {"audience_id": audience_id, "name": campaign["name"], "as_of_date": str(ctx.business_date),
        "run_id": ctx.run_id, "package_checksum": package.checksum,
        "counts": {"members": len(members), "upserted": package.upserts, "removed": package.removes,
                   "unchanged": package.unchanged, "removed_listed": len(removed)}})
    for kind, batch_no, *_ in pending:
        acknowledge(wh, ctx, campaign, package, kind, batch_no)
    _state(wh, ctx, campaign, package, complete=True, metadata=metadata_fingerprint(campaign))
    return Delivery()


DESTINATIONS = {"marketing_api": to_marketing_api, "file": to_file}


def deliver(wh: psycopg.Connection, ctx: RunContext, campaign: dict,
            api: Callable[[], MarketingApi] | None = None) -> AudienceResult:
    """Deliver the audience's package and say how it went; a failure is returned, not raised."""
    started = time.monotonic()
    audience_id, destination = campaign["audience_id"], campaign["destination"]
    lock = {"audience_id": audience_id, "destination": destination}
    result = AudienceResult(audience_id, destination, "failed")
    wh.execute(query("audience/execute/lock_audience.sql"), lock)
    try:
        package = packages.build(wh, ctx, campaign, api)
        previous = packages.state(wh, campaign)
        if previous and previous.package_id not in (package.based_on, package.package_id):
            package = packages.build(wh, ctx, campaign, api, rebuild=True)  # another run delivered since
        result.package_checksum = package.checksum
        newer = previous.as_of_date if previous and previous.as_of_date > ctx.business_date else None
        if newer or package.superseded_by:
            result.status = "superseded"
            result.detail = f"{newer or package.superseded_by} was already delivered to {destination}: nothing sent"
            return result
        delivery = DESTINATIONS[destination](wh, ctx, campaign, package, previous, api)
        upserted, removed, batches, retries = wh.execute(query("audience/execute/select_package_acks.sql"),
                                                         packages.keys(ctx, campaign)).fetchone()
        result.status, result.upserted, result.removed = "success", upserted, removed
        result.unchanged, result.batches = package.unchanged, batches
        result.http_retries = retries + delivery.http_retries
        result.detail = "nothing to send" if delivery.sent_nothing else None
    except DeliveryError as error:
        result.error, result.retryable = str(error), error.retryable
        _acked_so_far(wh, ctx, campaign, result)
    except Exception as error:  # noqa: BLE001 - one audience's failure must not stop the others
        result.error, result.retryable = f"{type(error).__name__}: {error}", True
        _acked_so_far(wh, ctx, campaign, result)
    finally:
        wh.execute(query("audience/execute/unlock_audience.sql"), lock)
        result.seconds = time.monotonic() - started
    return result


def _acked_so_far(wh, ctx, campaign, result: AudienceResult) -> None:
    if wh.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        wh.rollback()
    package = packages.existing(wh, ctx, campaign)
    if package is not None:
        upserted, removed, batches, retries = wh.execute(query("audience/execute/select_package_acks.sql"),
                                                         packages.keys(ctx, campaign)).fetchone()
        result.upserted, result.removed, result.batches, result.http_retries = upserted, removed, batches, retries
        result.unchanged, result.package_checksum = package.unchanged, package.checksum
