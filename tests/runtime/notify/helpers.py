"""A demo plant, a store, an alarm service and a sender over a movable clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from pabrik.alarms.definitions import AlarmSettings
from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.site import Plant
from pabrik.model.states import StateClass
from pabrik.present.i18n import Catalogues
from pabrik.present.notify.words import NotifyWords
from pabrik.runtime.alarms.service import AlarmService
from pabrik.runtime.notify.sender import Policy, Sender
from pabrik.storage.notify import NotifyStore
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.sqlite.store import SqliteStore

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Cikarang, a Monday morning shift
DEFINITIONS: list[dict[str, Any]] = [
    {
        "id": "oli-panas",
        "scope": {"signal": "temperature"},
        "condition": {"kind": "high", "limit": 60, "deadband": 2},
        "priority": "high",
        "message": {"id": "Suhu oli hidraulik tinggi", "en": "Hydraulic oil hot"},
    },
]
_CATALOGUES: list[Catalogues] = []

Store = SqliteStore | PostgresStore
Opener = Callable[[], Store]
"""Opens the same store again, as another process would."""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def settings() -> AlarmSettings:
    return AlarmSettings.model_validate({"definitions": DEFINITIONS})


def alarms(plant: Plant, store: SqliteStore, clock: Clock) -> AlarmService:
    return AlarmService(plant, settings(), store, clock)


def words(plant: Plant) -> NotifyWords:
    if not _CATALOGUES:
        _CATALOGUES.append(Catalogues.load())
    return NotifyWords(plant, settings(), _CATALOGUES[0], "http://pabrik.local")


def sender(plant: Plant, store: NotifyStore, clock: Clock, **policy: Any) -> Sender:
    return Sender(store, plant, words(plant), clock, Policy(**policy), reports=False)


def hot(svc: AlarmService, store: SqliteStore, machine: str, minute: float) -> None:
    """Make ``machine`` run hot at T0 + ``minute``: one announced alarm (if it was normal)."""
    at = T0 + timedelta(minutes=minute)
    records = [
        StateRecord("sim", machine, at, StateClass.RUNNING, product_id="tutup-28-biru"),
        SampleRecord("sim", machine, "temperature", at + timedelta(seconds=1), 70.0),
    ]
    store.write(records)
    svc.observe(records)


def cool(svc: AlarmService, store: SqliteStore, machine: str, minute: float) -> None:
    at = T0 + timedelta(minutes=minute)
    records = [SampleRecord("sim", machine, "temperature", at, 40.0)]
    store.write(records)
    svc.observe(records)
