"""Consented sharing and a group's plants, once for both backends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pabrik.model.records import from_epoch_ms, to_epoch_ms
from pabrik.storage.accounts import AuditLogRow
from pabrik.storage.sharing import (
    GroupSiteRow,
    OutboxRow,
    RegistrationRow,
    SharedResultRow,
    SharedSave,
    ShareRow,
)
from pabrik.storage.sql.account_rows import INSERT_AUDIT, audit_params
from pabrik.storage.sql.base import SqlBase, SqlTx

_SHARE_COLS = (
    "tenant_id, id, assessment_id, programme_url, token, status, shared_by, created_at_ms,"
    " updated_at_ms, revoked_by, last_error"
)
_UPSERT_SHARE = (
    f"INSERT INTO programme_shares ({_SHARE_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status,"
    " updated_at_ms = excluded.updated_at_ms, revoked_by = excluded.revoked_by,"
    " last_error = excluded.last_error"
)
_OUTBOX_COLS = (
    "id, tenant_id, share_id, action, idempotency_key, payload, attempts, next_at_ms,"
    " last_error, done_at_ms"
)
_INSERT_OUTBOX = (
    "INSERT INTO programme_outbox (tenant_id, share_id, action, idempotency_key, payload,"
    " attempts, next_at_ms, last_error) VALUES (?, ?, ?, ?, ?, 0, ?, '')"
)
_REG_COLS = "id, tenant_id, token_hash, created_by, created_at_ms, revoked_at_ms"
_SHARED_COLS = (
    "tenant_id, share_id, registration_id, model_id, year, overall, level, pillars_json,"
    " fields_json, steps_json, verified, assessor, kbli, province, size, idempotency_key,"
    " received_at_ms"
)
# Rows changed: 1 when the id is new or live, 0 when it was withdrawn (the delivery is refused).
_CLAIM_SHARE_ID = (
    "INSERT INTO programme_share_ids (tenant_id, share_id, withdrawn_at_ms) VALUES (?, ?, NULL)"
    " ON CONFLICT (tenant_id, share_id) DO UPDATE SET share_id = excluded.share_id"
    " WHERE programme_share_ids.withdrawn_at_ms IS NULL"
)
_WITHDRAW_SHARE_ID = (
    "INSERT INTO programme_share_ids (tenant_id, share_id, withdrawn_at_ms) VALUES (?, ?, ?)"
    " ON CONFLICT (tenant_id, share_id) DO UPDATE SET withdrawn_at_ms ="
    " COALESCE(programme_share_ids.withdrawn_at_ms, excluded.withdrawn_at_ms)"
)
_UPSERT_SHARED = (
    f"INSERT INTO programme_shared ({_SHARED_COLS})"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (tenant_id, share_id) DO UPDATE SET model_id = excluded.model_id,"
    " year = excluded.year, overall = excluded.overall, level = excluded.level,"
    " pillars_json = excluded.pillars_json, fields_json = excluded.fields_json,"
    " steps_json = excluded.steps_json, verified = excluded.verified,"
    " assessor = excluded.assessor, kbli = excluded.kbli, province = excluded.province,"
    " size = excluded.size, idempotency_key = excluded.idempotency_key,"
    " received_at_ms = excluded.received_at_ms"
)


def _ms(at: datetime | None) -> int | None:
    return None if at is None else to_epoch_ms(at)


def _at(ms: Any) -> datetime | None:
    return None if ms is None else from_epoch_ms(int(ms))


def _share(r: tuple[Any, ...]) -> ShareRow:
    return ShareRow(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], from_epoch_ms(r[7]), from_epoch_ms(r[8]),
        r[9], r[10],
    )  # fmt: skip


def _outbox(r: tuple[Any, ...]) -> OutboxRow:
    return OutboxRow(
        tenant_id=r[1],
        share_id=r[2],
        action=r[3],
        idempotency_key=r[4],
        payload=r[5],
        attempts=int(r[6]),
        next_at=from_epoch_ms(r[7]),
        last_error=r[8],
        done_at=_at(r[9]),
        id=int(r[0]),
    )


def _registration(r: tuple[Any, ...]) -> RegistrationRow:
    return RegistrationRow(r[0], r[1], r[2], r[3], from_epoch_ms(r[4]), _at(r[5]))


def _shared(r: tuple[Any, ...]) -> SharedResultRow:
    return SharedResultRow(
        r[0], r[1], r[2], r[3], int(r[4]), float(r[5]), int(r[6]), r[7], r[8], r[9], bool(r[10]),
        r[11], r[12], r[13], r[14], r[15], from_epoch_ms(r[16]),
    )  # fmt: skip


def _share_params(s: ShareRow) -> tuple[Any, ...]:
    return (
        s.tenant_id, s.id, s.assessment_id, s.programme_url, s.token, s.status, s.shared_by,
        to_epoch_ms(s.created_at), to_epoch_ms(s.updated_at), s.revoked_by, s.last_error,
    )  # fmt: skip


def _audit(tx: SqlTx, audit: AuditLogRow | None) -> None:
    if audit is not None:
        tx.executemany(INSERT_AUDIT, audit_params([audit]))


class SqlSharing(SqlBase):
    """Shares with their outbox, registrations, shared results and group sites."""

    def save_share(
        self, share: ShareRow, outbox: OutboxRow | None, audit: AuditLogRow | None
    ) -> None:
        """Insert or update a share, with its outbox row and audit row, in one transaction."""
        with self._tx() as tx:
            tx.execute(_UPSERT_SHARE, _share_params(share))
            if outbox is not None:
                o = outbox
                tx.execute(
                    _INSERT_OUTBOX,
                    (o.tenant_id, o.share_id, o.action, o.idempotency_key, o.payload,
                     to_epoch_ms(o.next_at)),
                )  # fmt: skip
            _audit(tx, audit)

    def shares(self, tenant_id: str, assessment_id: str | None = None) -> list[ShareRow]:
        """A tenant's shares (of one assessment), newest first."""
        sql = f"SELECT {_SHARE_COLS} FROM programme_shares WHERE tenant_id = ?"  # noqa: S608
        params: list[Any] = [tenant_id]
        if assessment_id is not None:
            sql += " AND assessment_id = ?"
            params.append(assessment_id)
        return [_share(r) for r in self._rows(sql + " ORDER BY created_at_ms DESC, id", params)]

    def share(self, tenant_id: str, share_id: str) -> ShareRow | None:
        """One share."""
        sql = f"SELECT {_SHARE_COLS} FROM programme_shares WHERE tenant_id = ? AND id = ?"  # noqa: S608
        rows = self._rows(sql, (tenant_id, share_id))
        return _share(rows[0]) if rows else None

    def due_outbox(self, now: datetime, limit: int = 50) -> list[OutboxRow]:
        """Undelivered outbox rows whose next attempt is due, oldest first."""
        sql = (
            f"SELECT {_OUTBOX_COLS} FROM programme_outbox"  # noqa: S608
            " WHERE done_at_ms IS NULL AND next_at_ms <= ? ORDER BY id LIMIT ?"
        )
        return [_outbox(r) for r in self._rows(sql, (to_epoch_ms(now), limit))]

    def finish_outbox(self, row: OutboxRow, share: ShareRow, audit: AuditLogRow | None) -> None:
        """Mark an outbox row delivered and update its share (and audit) in one transaction."""
        done = to_epoch_ms(share.updated_at)
        with self._tx() as tx:
            tx.execute(
                "UPDATE programme_outbox SET done_at_ms = ?, attempts = attempts + 1,"
                " last_error = '' WHERE id = ?",
                (done, row.id),
            )
            tx.execute(_UPSERT_SHARE, _share_params(share))
            _audit(tx, audit)

    def retry_outbox(self, row: OutboxRow, next_at: datetime, error: str) -> None:
        """Count a failed attempt and schedule the next one."""
        with self._tx() as tx:
            tx.execute(
                "UPDATE programme_outbox SET attempts = attempts + 1, next_at_ms = ?,"
                " last_error = ? WHERE id = ?",
                (to_epoch_ms(next_at), error[:500], row.id),
            )
            tx.execute(
                "UPDATE programme_shares SET last_error = ? WHERE tenant_id = ? AND id = ?",
                (error[:500], row.tenant_id, row.share_id),
            )

    def save_registration(self, row: RegistrationRow, audit: AuditLogRow) -> None:
        """Insert or update a registration."""
        with self._tx() as tx:
            tx.execute(
                f"INSERT INTO programme_registrations ({_REG_COLS}) VALUES (?, ?, ?, ?, ?, ?)"  # noqa: S608
                " ON CONFLICT (id) DO UPDATE SET revoked_at_ms = excluded.revoked_at_ms",
                (row.id, row.tenant_id, row.token_hash, row.created_by,
                 to_epoch_ms(row.created_at), _ms(row.revoked_at)),
            )  # fmt: skip
            _audit(tx, audit)

    def registration_by_hash(self, token_hash: str) -> RegistrationRow | None:
        """The registration of a token hash."""
        sql = f"SELECT {_REG_COLS} FROM programme_registrations WHERE token_hash = ?"  # noqa: S608
        rows = self._rows(sql, (token_hash,))
        return _registration(rows[0]) if rows else None

    def registrations(self) -> list[RegistrationRow]:
        """Every registration, newest first."""
        sql = f"SELECT {_REG_COLS} FROM programme_registrations ORDER BY created_at_ms DESC, id"  # noqa: S608
        return [_registration(r) for r in self._rows(sql)]

    def save_shared_result(self, row: SharedResultRow, audit: AuditLogRow | None) -> SharedSave:
        """Store a shared result, unless its key was stored already or its id was withdrawn."""
        same = self._rows(
            "SELECT 1 FROM programme_shared WHERE tenant_id = ? AND share_id = ?"
            " AND idempotency_key = ?",
            (row.tenant_id, row.share_id, row.idempotency_key),
        )
        if same:
            return SharedSave.REPEATED
        r = row
        with self._tx() as tx:
            # The id's row first: a withdrawal that meets this delivery waits for it, or wins.
            if not tx.execute(_CLAIM_SHARE_ID, (r.tenant_id, r.share_id)):
                return SharedSave.WITHDRAWN
            tx.execute(
                _UPSERT_SHARED,
                (r.tenant_id, r.share_id, r.registration_id, r.model_id, r.year, r.overall,
                 r.level, r.pillars_json, r.fields_json, r.steps_json, bool(r.verified),
                 r.assessor, r.kbli, r.province, r.size, r.idempotency_key,
                 to_epoch_ms(r.received_at)),
            )  # fmt: skip
            _audit(tx, audit)
        return SharedSave.STORED

    def delete_shared_result(self, tenant_id: str, share_id: str, audit: AuditLogRow) -> bool:
        """Withdraw a share id for good and delete its result; whether one existed."""
        with self._tx() as tx:
            # Remembered even with nothing to delete: a delivery still on its way is refused.
            tx.execute(_WITHDRAW_SHARE_ID, (tenant_id, share_id, to_epoch_ms(audit.at)))
            gone = tx.execute(
                "DELETE FROM programme_shared WHERE tenant_id = ? AND share_id = ?",
                (tenant_id, share_id),
            )
            if gone:
                _audit(tx, audit)
        return gone > 0

    def shared_results(self) -> list[SharedResultRow]:
        """Every shared result."""
        c = self._BINARY_ORDER
        sql = f"SELECT {_SHARED_COLS} FROM programme_shared ORDER BY tenant_id{c}, share_id{c}"  # noqa: S608
        return [_shared(r) for r in self._rows(sql)]

    def save_group_site(self, row: GroupSiteRow) -> None:
        """Insert or update a plant's site document."""
        with self._tx() as tx:
            tx.execute(
                "INSERT INTO group_sites (tenant_id, site_id, name, document, updated_at_ms)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, site_id) DO UPDATE SET"
                " name = excluded.name, document = excluded.document,"
                " updated_at_ms = excluded.updated_at_ms",
                (row.tenant_id, row.site_id, row.name, row.document, to_epoch_ms(row.updated_at)),
            )

    def group_sites(self, tenant_id: str) -> list[GroupSiteRow]:
        """A tenant's plants, by site id."""
        c = self._BINARY_ORDER
        sql = (
            "SELECT tenant_id, site_id, name, document, updated_at_ms FROM group_sites"  # noqa: S608
            f" WHERE tenant_id = ? ORDER BY site_id{c}"
        )
        return [
            GroupSiteRow(r[0], r[1], r[2], r[3], from_epoch_ms(r[4]))
            for r in self._rows(sql, (tenant_id,))
        ]
