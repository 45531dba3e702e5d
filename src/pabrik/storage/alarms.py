"""The alarm store contract: each alarm's runtime state and every transition it made."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.notify import NotifyStore


@dataclass(frozen=True, slots=True)
class AlarmStateRow:
    """One alarm (a definition on a machine): what it shows and its whole state as JSON."""

    key: str
    definition_id: str
    machine_id: str
    state: str
    priority: str
    position: str
    body_json: str
    version: int
    """Raised by one on every save; a save names the version it read (compare and set)."""
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class AlarmTransitionRow:
    """One recorded step of one alarm, kept with the alarm's identity at that time."""

    key: str
    version: int
    idx: int
    definition_id: str
    machine_id: str
    priority: str
    position: str
    at: datetime
    event: str
    before: str
    after: str
    actor: str | None = None
    comment: str | None = None
    value: float | None = None
    occurrence: bool = False


@dataclass(frozen=True, slots=True)
class TransitionFilter:
    """Which transitions a history read returns; None matches anything."""

    start: datetime
    end: datetime
    machine_id: str | None = None
    definition_id: str | None = None
    priority: str | None = None
    event: str | None = None
    key: str | None = None


AlarmSave = tuple[AlarmStateRow, Sequence[AlarmTransitionRow], Sequence[AuditLogRow]]
"""One compare-and-set save: the new state row, its transitions and audit rows."""


class AlarmStore(NotifyStore, Protocol):
    """Alarm states and transitions; a save fails (False) when another writer got there first.

    The notification outbox is part of it: an announced alarm writes its event in its save.
    """

    def alarm_states(self, keys: Sequence[str] | None = None) -> list[AlarmStateRow]:
        """The stored alarms, all or those with ``keys``, ordered by key."""
        ...

    def alarm_keys_in(self, states: Sequence[str]) -> list[tuple[str, str]]:
        """Key and state of each stored alarm in one of ``states``, ordered by key."""
        ...

    def alarm_versions(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """The version and body of each stored alarm among ``keys`` (what a save needs)."""
        ...

    def save_alarm(
        self,
        row: AlarmStateRow,
        transitions: Sequence[AlarmTransitionRow] = (),
        audit: Sequence[AuditLogRow] = (),
    ) -> bool:
        """Store ``row`` if the stored version is ``row.version - 1`` (none for version 1).

        Its transitions and audit rows are written in the same transaction; False writes
        nothing, and the caller reads the alarm again and retries.
        """
        ...

    def save_alarms(self, items: Sequence[AlarmSave]) -> list[bool]:
        """Several saves in one transaction (one commit); each succeeds or fails on its own."""
        ...

    def alarm_transitions(
        self, where: TransitionFilter, limit: int = 1000
    ) -> list[AlarmTransitionRow]:
        """Transitions in [start, end) matching the filter, newest first, at most ``limit``."""
        ...
