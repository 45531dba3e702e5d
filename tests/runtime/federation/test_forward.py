"""Store-and-forward in one process: plant and central SQLite stores, the central's runtime."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pabrik.model.records import CountRecord, DeadLetter, SampleRecord
from pabrik.runtime.accounts.errors import AuthenticationError, ForbiddenError
from pabrik.runtime.federation.central import receive_batch
from pabrik.runtime.federation.forward import Forwarder, ForwardOptions
from pabrik.runtime.federation.forward_client import CentralUnavailableError
from pabrik.runtime.federation.plants import (
    add_plant,
    authenticate_plant,
    revoke_plant,
    rotate_credential,
)
from pabrik.storage.accounts import TenantRow
from pabrik.storage.sqlite.store import SqliteStore
from pabrik.storage.store import RetentionRule

NOW = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)


class Direct:
    """A poster that hands each batch to the central's runtime, and can be made to fail."""

    def __init__(self, central: SqliteStore, credential: str) -> None:
        self.central = central
        self.credential = credential
        self.down = False
        self.bodies: list[dict[str, Any]] = []

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        if self.down:
            raise CentralUnavailableError("down")
        plant = authenticate_plant(self.central, self.credential)
        answer = receive_batch(self.central, plant, body, NOW)
        self.bodies.append(json.loads(body))
        return {"offered": answer.offered, "inserted": answer.inserted}

    def close(self) -> None:
        pass


def _store(path: Path) -> SqliteStore:
    store = SqliteStore(path)
    store.upgrade()
    return store


def _tenant(store: SqliteStore, tenant_id: str) -> None:
    row = TenantRow(tenant_id, tenant_id, None, None, None, "medium", "[]", NOW, NOW)
    store.save_tenant(row, [])


def _samples(machine: str, start: int, n: int) -> list[SampleRecord]:
    return [
        SampleRecord("mqtt", machine, "temp", NOW + timedelta(seconds=i), float(i))
        for i in range(start, start + n)
    ]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[SqliteStore, SqliteStore, str]]:
    plant, central = _store(tmp_path / "plant.db"), _store(tmp_path / "central.db")
    _tenant(central, "pt-satu")
    _tenant(central, "pt-dua")
    credential = add_plant(central, "plant-a", "pt-satu", "Plant A", NOW)
    yield plant, central, credential
    plant.close()
    central.close()


def test_records_summaries_are_forwarded_once_and_the_cursor_moves_after_the_central_confirms(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    letter = DeadLetter("mqtt", NOW, "bad_json", "not JSON", "{")
    plant.write(_samples("imm-01", 0, 10), dead_letters=[letter])
    plant.write([CountRecord("mqtt", "imm-01", NOW, 5, 1)])
    poster = Direct(central, credential)
    forwarder = Forwarder(plant, poster, ForwardOptions(live_rows=4, backlog_rows=4))
    poster.down = True
    with pytest.raises(CentralUnavailableError):
        forwarder.step()
    assert forwarder.pending() == 12
    poster.down = False
    while forwarder.step():
        pass
    assert forwarder.pending() == 0
    assert central.row_counts()["samples"] == 10
    assert central.row_counts()["counts"] == 1
    # Sent again from the start (a lost cursor): nothing is stored twice.
    plant.save_forward_cursors({})
    while forwarder.step():
        pass
    assert central.row_counts()["samples"] == 10
    assert central.claim_machines("plant-a", ["imm-01"]) == {"imm-01": "pt-satu"}


def test_after_an_outage_live_rows_go_first_and_the_backlog_follows_marked_historical(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    for k in range(5):  # the backlog: five writes while the central was away
        plant.write(_samples("imm-01", 10 * k, 10))
    poster = Direct(central, credential)
    forwarder = Forwarder(plant, poster, ForwardOptions(live_rows=8, backlog_rows=20))
    forwarder.step()  # sees more than a page waiting: splits, sends live (none) and backlog
    plant.write(_samples("imm-01", 1000, 3))  # live data arrives while the backlog drains
    forwarder.step()
    lanes = [(b["lane"], b["historical"], len(b.get("samples", []))) for b in poster.bodies]
    assert lanes[0] == ("backlog", True, 20)
    assert lanes[1] == ("live", False, 3)  # the newest rows overtook the rest of the backlog
    while forwarder.step():
        pass
    assert forwarder.pending() == 0
    assert central.row_counts()["samples"] == 53
    assert plant.forward_cursors()["split"] is None


def test_a_plant_may_not_write_another_tenants_machines(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    plant.write(_samples("imm-01", 0, 3))
    while Forwarder(plant, Direct(central, credential)).step():
        pass
    other = add_plant(central, "plant-b", "pt-dua", "Plant B", NOW)
    intruder = Forwarder(plant, Direct(central, other))
    plant.save_forward_cursors({})
    plant.write(_samples("imm-01", 100, 3))
    with pytest.raises(ForbiddenError):
        intruder.step()
    assert central.row_counts()["samples"] == 3


def test_a_revoked_plant_is_refused_at_once_and_a_rotated_credential_replaces_the_old(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    plant.write(_samples("imm-01", 0, 3))
    revoke_plant(central, "plant-a", NOW)
    forwarder = Forwarder(plant, Direct(central, credential))
    with pytest.raises(AuthenticationError):
        forwarder.step()
    assert forwarder.pending() == 3
    fresh = rotate_credential(central, "plant-a")
    with pytest.raises(AuthenticationError):
        authenticate_plant(central, credential)
    while Forwarder(plant, Direct(central, fresh)).step():
        pass
    assert central.row_counts()["samples"] == 3
    with pytest.raises(AuthenticationError):
        authenticate_plant(central, "pfp.plant-a.guess")


def test_retention_on_a_forwarding_plant_never_deletes_what_the_central_has_not_confirmed(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    plant.write(_samples("imm-01", 0, 5))
    while Forwarder(plant, Direct(central, credential)).step():
        pass
    plant.write(_samples("imm-01", 5, 5))  # not yet forwarded
    plant.write(_samples("imm-01", 10, 1))  # the cursor's batch must be newer than the rows
    cut = RetentionRule("samples", NOW + timedelta(days=1))
    [result] = plant.purge([cut])
    assert result.rows == 0  # the delivered batch is the cursor's own: kept until the next one
    poster = Direct(central, credential)
    Forwarder(plant, poster).step()
    [result] = plant.purge([cut])
    assert result.rows == 10
    assert plant.row_counts()["samples"] == 1
    assert central.row_counts()["samples"] == 11


def test_when_the_live_lane_falls_behind_the_forwarder_splits_again_at_the_head(
    pair: tuple[SqliteStore, SqliteStore, str],
) -> None:
    plant, central, credential = pair
    for k in range(3):
        plant.write(_samples("imm-01", 10 * k, 10))
    poster = Direct(central, credential)
    forwarder = Forwarder(plant, poster, ForwardOptions(live_rows=5, backlog_rows=5))
    forwarder.step()
    first_split = plant.forward_cursors()["split"]
    poster.down = True  # a second outage while the backlog drains
    for k in range(3, 6):
        plant.write(_samples("imm-01", 10 * k, 10))
    poster.down = False
    forwarder.step()
    assert plant.forward_cursors()["split"] > first_split  # the 30 late rows joined the backlog
    plant.write(_samples("imm-01", 1000, 2))
    forwarder.step()
    assert [b["lane"] for b in poster.bodies[-2:]] == ["live", "backlog"]
    assert len(poster.bodies[-2]["samples"]) == 2
    while forwarder.step():
        pass
    assert central.row_counts()["samples"] == 62
    assert forwarder.pending() == 0
