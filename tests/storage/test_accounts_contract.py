"""The account store behaves the same on SQLite and PostgreSQL (issue 7)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from pabrik.model.records import StateRecord, to_epoch_ms
from pabrik.model.states import StateClass
from pabrik.storage.accounts import (
    AccountStore,
    AuditLogRow,
    ProgrammeResultRow,
    ResetRow,
    SessionRow,
    StateReasonRow,
    TenantRow,
    ThrottleRow,
    TokenRow,
    UserRow,
)
from pabrik.storage.postgres import migrate as pgmigrate
from pabrik.storage.postgres.store import PostgresStore
from pabrik.storage.rollups import HOUR_MS, ROLLUP_COLUMNS, RollupConfig, RollupRow
from pabrik.storage.sqlite.store import SqliteStore
from tests.storage.rollup_plant import save

T0 = datetime(2025, 1, 6, 0, 0, tzinfo=UTC)
H0 = to_epoch_ms(T0)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
CONFIG = RollupConfig("fp-1", state_margin_ms=0, count_margin_ms=0, sample_margin_ms=0)

Backend = SqliteStore | PostgresStore


def tenant(tenant_id: str = "pt-a", registration_no: str | None = "9120000000001") -> TenantRow:
    return TenantRow(
        tenant_id, f"PT {tenant_id}", registration_no, "22220", "Banten", "small", "[]", T0, T0
    )


def user(
    user_id: str, username: str, tenant_id: str | None = "pt-a", role: str = "engineer"
) -> UserRow:
    return UserRow(user_id, username, "", tenant_id, role, HASH, False, T0, T0)


def audit(action: str, tenant_id: str | None = "pt-a", at: datetime = T0) -> AuditLogRow:
    return AuditLogRow(tenant_id, "setup", action, "subject", None, '{"x": 1}', at)


def test_both_backends_are_account_stores(store: Backend) -> None:
    assert isinstance(store, AccountStore)


def test_tenants_round_trip_and_update_in_place(store: Backend) -> None:
    store.save_tenant(tenant("pt-b", None), [audit("tenant.create", "pt-b")])
    store.save_tenant(tenant(), [audit("tenant.create")])
    assert store.tenant("pt-a") == tenant()
    assert store.tenant_by_registration("9120000000001") == tenant()
    assert store.tenant_by_registration("missing") is None
    assert store.tenant("missing") is None
    renamed = TenantRow("pt-a", "PT Baru", "9120000000001", None, None, "large", "[]", T0, T0)
    store.save_tenant(renamed, [])
    assert [t.id for t in store.tenants()] == ["pt-a", "pt-b"]
    assert store.tenant("pt-a") == renamed
    assert [a.action for a in store.audit_entries(None, 10, 0)] == ["tenant.create"] * 2


def test_user_names_are_case_insensitive_and_unique(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "Budi"), [audit("user.create")])
    store.save_user(user("u2", "ani"), [])
    store.save_user(user("u3", "root", None, "system_admin"), [])
    found = store.user_by_name("BUDI")
    assert found is not None
    assert found == user("u1", "Budi")
    assert store.user("u2") == user("u2", "ani")
    assert store.user("nobody") is None
    assert [u.username for u in store.users("pt-a")] == ["ani", "Budi"]
    assert [u.username for u in store.users(None)] == ["ani", "Budi", "root"]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.save_user(user("u9", "budi"), [])
    disabled = UserRow("u1", "Budi", "Budi S", "pt-a", "operator", "new", True, T0, T0)
    store.save_user(disabled, [])
    # An update never writes the hash back: it may have been changed since the row was read.
    assert store.user("u1") == replace(disabled, password_hash=HASH)


def test_a_password_hash_is_renewed_alone_and_only_from_the_hash_read(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "Budi"), [])
    # An admin disables the user after the login read the row: renewing keeps that.
    disabled = replace(user("u1", "Budi"), disabled=True, role="engineer")
    store.save_user(disabled, [])
    assert store.renew_password_hash("u1", HASH, "renewed")
    assert store.user("u1") == replace(disabled, password_hash="renewed")
    # A hash changed meanwhile (a password change) is not overwritten.
    assert not store.renew_password_hash("u1", HASH, "stale")
    assert not store.renew_password_hash("nobody", HASH, "x")
    assert store.user("u1") == replace(disabled, password_hash="renewed")


def test_a_password_change_sets_the_hash_alone_and_only_from_the_hash_read(
    store: Backend,
) -> None:
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "Budi"), [])
    store.save_session(SessionRow("h1", "u1", "c", None, T0, T0, T0 + timedelta(hours=1)))
    # An admin disables the user after the change read the row: the change keeps that.
    disabled = replace(user("u1", "Budi"), disabled=True, role="operator")
    store.save_user(disabled, [])
    at = T0 + timedelta(minutes=5)
    assert store.change_password_hash("u1", HASH, "changed", at, audit("user.password_change"))
    assert store.user("u1") == replace(disabled, password_hash="changed", updated_at=at)
    assert store.session("h1") is None
    # A second change from the same stale read finds the hash moved on and changes nothing.
    store.save_session(SessionRow("h2", "u1", "c", None, T0, T0, T0 + timedelta(hours=1)))
    later = at + timedelta(minutes=1)
    assert not store.change_password_hash("u1", HASH, "stale", later, audit("user.x"))
    assert store.user("u1") == replace(disabled, password_hash="changed", updated_at=at)
    assert store.session("h2") is not None
    assert [a.action for a in store.audit_entries("pt-a", 10, 0)] == ["user.password_change"]


def test_assessor_assignments_are_idempotent(store: Backend) -> None:
    store.save_tenant(tenant("pt-b", None), [])
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "asesor", None, "assessor"), [])
    store.assign("u1", "pt-b", [audit("assessor.assign")])
    store.assign("u1", "pt-a", [])
    store.assign("u1", "pt-a", [])
    assert store.assignments("u1") == ["pt-a", "pt-b"]
    assert store.assignments("u2") == []


def test_sessions_are_found_by_hash_and_end(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "budi"), [])
    first = SessionRow("h1", "u1", "csrf", None, T0, T0, T0 + timedelta(hours=8))
    store.save_session(first)
    store.save_session(SessionRow("h2", "u1", "csrf2", None, T0, T0, T0 + timedelta(hours=8)))
    later = T0 + timedelta(minutes=5)
    moved = SessionRow("h1", "u1", "csrf", "pt-a", T0, later, later + timedelta(hours=8))
    store.save_session(moved)
    assert store.session("h1") == moved
    store.delete_sessions(token_hash="h1")
    assert store.session("h1") is None
    assert store.session("h2") is not None
    store.delete_sessions(user_id="u1")
    assert store.session("h2") is None


def test_api_tokens_are_hashed_revocable_and_touched(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    store.save_tenant(tenant("pt-b", None), [])
    old = TokenRow("t1", "hash1", "pt-a", "engineer", "line 1", "setup", T0)
    new = TokenRow("t2", "hash2", "pt-a", "operator", "line 2", "setup", T0 + timedelta(days=1))
    other = TokenRow("t3", "hash3", "pt-b", "operator", "other", "setup", T0)
    for row in (old, new, other):
        store.save_token(row, [audit("token.create")])
    assert store.token_by_hash("hash1") == old
    assert store.token_by_hash("missing") is None
    assert [t.id for t in store.tokens("pt-a")] == ["t2", "t1"]
    assert [t.id for t in store.tokens(None)] == ["t2", "t1", "t3"]
    store.touch_token("t1", T0 + timedelta(hours=1))
    revoked_at = T0 + timedelta(hours=2)
    store.save_token(
        TokenRow("t1", "hash1", "pt-a", "engineer", "line 1", "setup", T0, revoked_at), []
    )
    got = store.token_by_hash("hash1")
    assert got is not None
    assert (got.revoked_at, got.last_used) == (revoked_at, T0 + timedelta(hours=1))


def test_a_reset_token_is_spent_once_with_the_new_password(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    store.save_user(user("u1", "budi"), [])
    store.save_session(SessionRow("h1", "u1", "c", None, T0, T0, T0 + timedelta(hours=1)))
    store.save_reset(ResetRow("r1", "u1", T0 + timedelta(hours=1)))
    assert store.reset("r1") == ResetRow("r1", "u1", T0 + timedelta(hours=1))
    assert store.reset("missing") is None
    # An admin disables the user after the reset read the row: the reset keeps that.
    disabled = replace(user("u1", "budi"), disabled=True)
    store.save_user(disabled, [])
    at = T0 + timedelta(minutes=1)
    assert store.use_reset("r1", "u1", "new-hash", at, audit("user.password_reset", at=at))
    assert store.user("u1") == replace(disabled, password_hash="new-hash", updated_at=at)
    assert store.session("h1") is None
    spent = store.reset("r1")
    assert spent is not None
    assert spent.used_at == at
    assert not store.use_reset("r1", "u1", "other-hash", at, audit("user.password_reset", at=at))
    found = store.user("u1")
    assert found is not None
    assert found.password_hash == "new-hash"
    assert [a.action for a in store.audit_entries("pt-a", 10, 0)] == ["user.password_reset"]


def test_login_throttle_counts_locks_and_clears(store: Backend) -> None:
    assert store.throttle(["user:budi", "addr:1.2.3.4"]) == []
    locked = T0 + timedelta(minutes=15)
    rows = [
        ThrottleRow("user:budi", 5, T0, locked),
        ThrottleRow("addr:1.2.3.4", 1, T0, datetime.fromtimestamp(0, UTC)),
    ]
    store.save_throttle(rows)
    assert store.throttle(["user:budi", "addr:1.2.3.4"]) == rows
    store.save_throttle([ThrottleRow("user:budi", 6, T0, locked + timedelta(minutes=1))])
    assert store.throttle(["user:budi"])[0].failures == 6
    store.clear_throttle(["user:budi", "addr:1.2.3.4"])
    assert store.throttle(["user:budi", "addr:1.2.3.4"]) == []


def test_audit_entries_are_newest_first_per_tenant_and_paged(store: Backend) -> None:
    store.write_audit([audit(f"a{i}", "pt-a" if i % 2 else None) for i in range(5)])
    everything = store.audit_entries(None, 10, 0)
    assert [a.action for a in everything] == ["a4", "a3", "a2", "a1", "a0"]
    assert all(a.id is not None for a in everything)
    assert everything[0].after_json == '{"x": 1}'
    assert [a.action for a in store.audit_entries("pt-a", 10, 0)] == ["a3", "a1"]
    assert [a.action for a in store.audit_entries(None, 2, 1)] == ["a3", "a2"]


def stop_and_run() -> list[StateRecord]:
    return [
        StateRecord("sim", "m1", T0 + timedelta(minutes=10), StateClass.UNPLANNED_STOP, "jam"),
        StateRecord("sim", "m1", T0 + timedelta(minutes=20), StateClass.RUNNING),
    ]


def test_an_operator_reason_wins_over_the_raw_one_which_stays_stored(store: Backend) -> None:
    store.write(stop_and_run())
    stop_at = T0 + timedelta(minutes=10)
    reason = StateReasonRow("m1", stop_at, "sim", "die_change", "operator-1", T0 + timedelta(1))
    store.save_state_reason(reason, audit("stop.reason"))
    got = store.states("m1", T0, T0 + timedelta(hours=1))
    assert [(s.state, s.reason) for s in got] == [
        (StateClass.UNPLANNED_STOP, "die_change"),
        (StateClass.RUNNING, None),
    ]
    # The record before the window and the one after get the override too.
    assert store.states("m1", T0 + timedelta(minutes=15), T0 + timedelta(minutes=16))[0].reason == (
        "die_change"
    )
    assert store.states("m1", T0, T0 + timedelta(minutes=5))[0].reason == "die_change"
    assert store.state_reasons("m1", T0, T0 + timedelta(hours=1)) == [reason]
    assert store.state_reasons("m1", T0, stop_at) == []
    assert store.state_reasons("m2", T0, T0 + timedelta(hours=1)) == []
    changed = StateReasonRow("m1", stop_at, "sim", "no_material", "operator-2", T0)
    store.save_state_reason(changed, audit("stop.reason"))
    assert store.state_reasons("m1", T0, T0 + timedelta(hours=1)) == [changed]
    assert store.states("m1", T0, T0 + timedelta(hours=1))[0].reason == "no_material"
    # A replayed raw record neither duplicates nor undoes the operator's reason.
    assert store.write(stop_and_run()).inserted == 0
    assert store.states("m1", T0, T0 + timedelta(hours=1))[0].reason == "no_material"
    assert [a.action for a in store.audit_entries(None, 5, 0)] == ["stop.reason"] * 2


def test_an_operator_reason_makes_the_hours_it_reaches_dirty(store: Backend) -> None:
    store.write(
        [
            *stop_and_run(),
            StateRecord("sim", "m1", T0 + timedelta(minutes=150), StateClass.IDLE),
        ]
    )
    store.reset_rollups("m1", CONFIG)
    buckets = [
        RollupRow("m1", H0 + i * HOUR_MS, tuple(1 for _ in ROLLUP_COLUMNS), {}) for i in range(4)
    ]
    seq = store.rollup_seq(["m1"])
    assert save(store, buckets) == set()
    assert store.dirty_hours(["m1"], H0, H0 + 4 * HOUR_MS) == []
    reason = StateReasonRow("m1", T0 + timedelta(minutes=10), "sim", "die_change", "operator-1", T0)
    store.save_state_reason(reason, audit("stop.reason"))
    # The stop lasts until the next record at 00:20, so only the first hour changes.
    assert store.dirty_hours(["m1"], H0, H0 + 4 * HOUR_MS) == [("m1", H0)]
    assert store.rollup_seq(["m1"])["m1"] == seq["m1"] + 1
    assert store.rollup_sums(["m1"], H0, H0 + 4 * HOUR_MS, "hour")["m1"].buckets == 3


def test_programme_results_join_imported_rows_with_their_tenant(store: Backend) -> None:
    store.save_tenant(tenant(), [])
    row = ProgrammeResultRow(
        "pt-a", 2024, "indi40", 2.5, 2, '{"p": 2.5}', '{"f": 1}', True, None, None, "small", "x"
    )
    store.save_programme_results([row], [tenant("pt-b", None)], "analyst", audit("import"))
    store.save_programme_results([row], [], "analyst", audit("import"))
    (got,) = store.programme_results()
    assert got == ProgrammeResultRow(
        "pt-a", 2024, "indi40", 2.5, 2, '{"p": 2.5}', '{"f": 1}', True, "22220", "Banten",
        "small", "import", registration_no="9120000000001", imported_by="analyst",
    )  # fmt: skip
    assert store.tenant("pt-b") is not None
    assert [a.action for a in store.audit_entries(None, 5, 0)] == ["import", "import"]


def test_postgres_migration_turns_the_default_company_into_a_tenant(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(pgmigrate._CREATE_LEDGER)
        for version, name, text in pgmigrate.migrations():
            if version >= 6:
                break
            with conn.transaction():
                conn.execute(text.encode("utf-8"))
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (version, name),
                )
        conn.execute(
            "INSERT INTO assess_companies VALUES"
            " ('default', 'default', 'PT Maju', '22220', 'Jawa Barat', 'large', '{}', %s, %s)",
            (H0, H0 + 1),
        )
    store = PostgresStore(pg_url, pool_size=1)
    try:
        assert store.upgrade() == [f"{v:04d}" for v, _, _ in pgmigrate.migrations() if v >= 6]
        applied, latest = store.schema_status()
        assert applied == latest >= 6
        assert store.tenant("default") == TenantRow(
            "default", "PT Maju", None, "22220", "Jawa Barat", "large", "[]", T0,
            T0 + timedelta(milliseconds=1),
        )  # fmt: skip
    finally:
        store.close()
