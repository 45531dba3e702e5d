"""The central's side of store-and-forward: accept a plant's batch once, for its tenant only."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pabrik.alarms.builtin import PLANT_WIDE
from pabrik.model.errors import InvalidRequestError, PabrikError
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, from_epoch_ms
from pabrik.model.states import Quality, StateClass
from pabrik.runtime.accounts.errors import ForbiddenError
from pabrik.runtime.federation.group import plant_wide_machine, save_site_document
from pabrik.storage.federation import PlantRow, Receipt
from pabrik.storage.store import Store

log = logging.getLogger(__name__)
LANES = ("live", "backlog")
RECEIPTS_KEPT_MS = 24 * 3600 * 1000
OCCURRENCE = 14
MACHINE_AT = {"states": 0, "counts": 0, "samples": 0, "alarm_transitions": 4}


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """What the central tells the plant: rows offered and newly stored, and whether seen before."""

    offered: int
    inserted: int
    repeated: bool = False


def _records(body: dict[str, Any]) -> list[Record]:
    records: list[Record] = []
    for m, ts, src, state, reason, product, order in body.get("states", ()):
        records.append(
            StateRecord(src, m, from_epoch_ms(ts), StateClass(state), reason, product, order)
        )
    for m, ts, src, good, scrap, rework, product in body.get("counts", ()):
        records.append(CountRecord(src, m, from_epoch_ms(ts), good, scrap, rework, product))
    for m, sig, ts, src, value, quality in body.get("samples", ()):
        records.append(SampleRecord(src, m, sig, from_epoch_ms(ts), value, Quality(quality)))
    return records


def parse_batch(raw: bytes) -> dict[str, Any]:
    """The batch's JSON body, or ``InvalidRequestError`` naming what is wrong."""
    try:
        body = json.loads(raw)
    except ValueError as err:
        raise InvalidRequestError("the batch is not JSON", field="body") from err
    if not isinstance(body, dict) or not isinstance(body.get("key"), str):
        raise InvalidRequestError("the batch needs an idempotency key", field="key")
    if body.get("lane") not in LANES:
        raise InvalidRequestError("lane must be live or backlog", field="lane")
    for stream in (*MACHINE_AT, "dead_letters"):
        if not isinstance(body.get(stream, []), list):
            raise InvalidRequestError("a stream must be a list of rows", field=stream)
    return body


def machines_of(body: dict[str, Any]) -> list[str]:
    """Every machine a batch writes."""
    found: set[str] = set()
    for stream, at in MACHINE_AT.items():
        found.update(str(row[at]) for row in body.get(stream, ()))
    found.discard(PLANT_WIDE)  # the plant's own alarms (disk budget) name no machine
    return sorted(found)


def _transitions(body: dict[str, Any], plant_id: str) -> list[tuple[Any, ...]]:
    """The batch's alarm transitions as the central keeps them.

    A plant-wide alarm's key (``disk_budget``) is the same on every plant: on the central its key
    and machine name the plant, so two plants' alarms never meet.
    """
    at = MACHINE_AT["alarm_transitions"]
    out = []
    for t in body.get("alarm_transitions", []):
        row = list(t[:OCCURRENCE])
        if row[at] == PLANT_WIDE:
            row[at] = plant_wide_machine(plant_id)
            row[0] = f"{row[at]}/{row[0]}"
        # occurrence is a boolean in PostgreSQL and 0/1 in SQLite: send on as a boolean.
        out.append((*row, bool(t[OCCURRENCE])))
    return out


def check_tenancy(store: Store, plant: PlantRow, machines: Sequence[str]) -> None:
    """Refuse a batch naming a machine of another tenant's plant (nothing is written)."""
    owners = store.claim_machines(plant.plant_id, machines)
    foreign = sorted(m for m, tenant in owners.items() if tenant != plant.tenant_id)
    if foreign:
        raise ForbiddenError("these machines belong to another tenant", machines=foreign[:10])


def receive_batch(store: Store, plant: PlantRow, raw: bytes, now: datetime) -> BatchAnswer:
    """Store a plant's batch: records upserted by natural key, summaries and transitions once."""
    body = parse_batch(raw)
    key = str(body["key"])
    seen = store.receipt(plant.plant_id, key)
    if seen is not None:
        return BatchAnswer(seen.offered, seen.inserted, repeated=True)
    check_tenancy(store, plant, machines_of(body))
    try:
        records = _records(body)
    except (TypeError, ValueError) as err:
        raise InvalidRequestError(f"a row is malformed: {err}", field="rows") from err
    written = store.write(records)
    letters = body.get("dead_letters", [])
    transitions = _transitions(body, plant.plant_id)
    offered = written.offered + len(letters) + len(transitions)
    receipt = Receipt(key, str(body["lane"]), offered, written.inserted)
    at_ms = int(now.timestamp() * 1000)
    extra = store.receive_extras(plant.plant_id, letters, transitions, receipt, at_ms)
    store.plant_seen(plant.plant_id, at_ms)
    return BatchAnswer(offered, written.inserted + extra)


def receive_status(store: Store, plant: PlantRow, raw: bytes, now: datetime) -> None:
    """Keep a plant's reported status (disk, backlog, deletions) and its site document if sent."""
    try:
        status = json.loads(raw)
    except ValueError as err:
        raise InvalidRequestError("the status is not JSON", field="body") from err
    if not isinstance(status, dict):
        raise InvalidRequestError("the status must be an object", field="body")
    document = status.pop("site_document", None)
    if isinstance(document, str):
        try:
            save_site_document(store, plant.plant_id, document, now)
        except PabrikError as err:  # the plant's data still counts; its hierarchy waits
            log.warning("site document of plant %s refused: %s", plant.plant_id, err)
            status["site_error"] = err.code
    at_ms = int(now.timestamp() * 1000)
    store.plant_seen(plant.plant_id, at_ms, json.dumps(status))
    # Receipts only short-cut a batch sent twice; a day covers any retry.
    store.prune_receipts(plant.plant_id, at_ms - RECEIPTS_KEPT_MS)
