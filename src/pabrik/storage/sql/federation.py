"""The central's federation tables once for both backends: plants, machines, summaries, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pabrik.storage.federation import PlantRow, Receipt, Row
from pabrik.storage.sql.base import SqlBase

_PLANT_COLS = (
    "plant_id, tenant_id, name, secret_hash, created_at_ms, revoked_at_ms, last_seen_ms,"
    " status_json"
)
_TRANSITION_COLS = (
    "alarm_key, version, idx, definition_id, machine_id, priority, position, at_ms, event,"
    " before_state, after_state, actor, comment, value, occurrence"
)
_INSERT_TRANSITION = (
    f"INSERT INTO alarm_transitions ({_TRANSITION_COLS})"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_LETTER = (
    "INSERT INTO federation_dead_letters"
    " (plant_id, letter_id, source, received_at_ms, reason_code, detail)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_INSERT_RECEIPT = (
    "INSERT INTO federation_receipts"
    " (plant_id, batch_key, lane, offered, inserted, received_at_ms)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
TRANSITION_WIDTH = 15
LETTER_WIDTH = 5


def _plant(r: tuple[Any, ...]) -> PlantRow:
    return PlantRow(
        r[0], r[1], r[2], r[3], int(r[4]), None if r[5] is None else int(r[5]),
        None if r[6] is None else int(r[6]), r[7],
    )  # fmt: skip


class SqlFederation(SqlBase):
    """``CentralStore`` over the dialect primitives of ``SqlBase``."""

    def add_plant(self, row: PlantRow) -> bool:
        """Register a plant; False if its id is taken."""
        params = (
            row.plant_id, row.tenant_id, row.name, row.secret_hash,
            row.created_at_ms, row.revoked_at_ms, row.last_seen_ms, row.status_json,
        )  # fmt: skip
        with self._tx() as tx:
            return (
                tx.execute(
                    f"INSERT INTO federation_plants ({_PLANT_COLS})"  # noqa: S608
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    params,
                )
                == 1
            )

    def plant(self, plant_id: str) -> PlantRow | None:
        """One plant, revoked or not."""
        rows = self._rows(
            f"SELECT {_PLANT_COLS} FROM federation_plants WHERE plant_id = ?",  # noqa: S608
            (plant_id,),
        )
        return _plant(rows[0]) if rows else None

    def plants(self, tenant_id: str | None = None) -> list[PlantRow]:
        """The plants, of one tenant when named, by id."""
        where, params = ("WHERE tenant_id = ?", (tenant_id,)) if tenant_id else ("", ())
        rows = self._rows(
            f"SELECT {_PLANT_COLS} FROM federation_plants {where}"  # noqa: S608
            f" ORDER BY plant_id{self._BINARY_ORDER}",
            params,
        )
        return [_plant(r) for r in rows]

    def set_plant_secret(self, plant_id: str, secret_hash: str) -> bool:
        """Give a plant a new credential (and un-revoke it); False if unknown."""
        with self._tx() as tx:
            return (
                tx.execute(
                    "UPDATE federation_plants SET secret_hash = ?, revoked_at_ms = NULL"
                    " WHERE plant_id = ?",
                    (secret_hash, plant_id),
                )
                == 1
            )

    def revoke_plant(self, plant_id: str, at_ms: int) -> bool:
        """Revoke a plant's credential; False if unknown."""
        with self._tx() as tx:
            return (
                tx.execute(
                    "UPDATE federation_plants SET revoked_at_ms = ? WHERE plant_id = ?",
                    (at_ms, plant_id),
                )
                == 1
            )

    def plant_seen(self, plant_id: str, at_ms: int, status_json: str | None = None) -> None:
        """Note a plant's latest request, and its reported status when given."""
        with self._tx() as tx:
            if status_json is None:
                tx.execute(
                    "UPDATE federation_plants SET last_seen_ms = ? WHERE plant_id = ?",
                    (at_ms, plant_id),
                )
            else:
                tx.execute(
                    "UPDATE federation_plants SET last_seen_ms = ?, status_json = ?"
                    " WHERE plant_id = ?",
                    (at_ms, status_json, plant_id),
                )

    def claim_machines(self, plant_id: str, machine_ids: Sequence[str]) -> dict[str, str]:
        """Own new machines for a plant; the owning tenant of each machine named."""
        if not machine_ids:
            return {}
        with self._tx() as tx:
            tx.executemany(
                "INSERT INTO federation_machines (machine_id, plant_id) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                [(m, plant_id) for m in machine_ids],
            )
        marks = ", ".join("?" for _ in machine_ids)
        rows = self._rows(
            "SELECT m.machine_id, p.tenant_id FROM federation_machines m"  # noqa: S608
            f" JOIN federation_plants p ON p.plant_id = m.plant_id WHERE m.machine_id IN ({marks})",
            tuple(machine_ids),
        )
        return {str(r[0]): str(r[1]) for r in rows}

    def receipt(self, plant_id: str, batch_key: str) -> Receipt | None:
        """The answer already given to a batch."""
        rows = self._rows(
            "SELECT batch_key, lane, offered, inserted FROM federation_receipts"
            " WHERE plant_id = ? AND batch_key = ?",
            (plant_id, batch_key),
        )
        return Receipt(rows[0][0], rows[0][1], int(rows[0][2]), int(rows[0][3])) if rows else None

    def prune_receipts(self, plant_id: str, before_ms: int) -> int:
        """Forget a plant's batch receipts older than a time; how many."""
        with self._tx() as tx:
            return tx.execute(
                "DELETE FROM federation_receipts WHERE plant_id = ? AND received_at_ms < ?",
                (plant_id, before_ms),
            )

    def receive_extras(
        self,
        plant_id: str,
        dead_letters: Sequence[Row],
        transitions: Sequence[Row],
        receipt: Receipt,
        at_ms: int,
    ) -> int:
        """Store dead-letter summaries, alarm transitions and the receipt; rows inserted."""
        inserted = 0
        with self._tx() as tx:
            for letter in dead_letters:
                inserted += tx.execute(_INSERT_LETTER, (plant_id, *letter[:LETTER_WIDTH]))
            for transition in transitions:
                inserted += tx.execute(_INSERT_TRANSITION, tuple(transition[:TRANSITION_WIDTH]))
            total = receipt.inserted + inserted
            tx.execute(
                _INSERT_RECEIPT,
                (plant_id, receipt.batch_key, receipt.lane, receipt.offered, total, at_ms),
            )
        return inserted
