"""Alarms reach subscribers through the outbox: real SMTP and webhook receivers on free ports."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pabrik.model.site import Plant
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.sender import Policy, Sender
from pabrik.runtime.notify.subscriptions import Subscription
from pabrik.runtime.plant.siteconfig import load_site
from pabrik.storage.alarms import TransitionFilter
from pabrik.storage.sqlite.store import SqliteStore
from tests.paths import DEMO
from tests.runtime.notify.helpers import Clock, alarms, cool, hot, sender, words
from tests.runtime.notify.peers import smtp_server, webhook

SECRET = "s3cr3t-t0ken/with?odd&chars"
EVERYTHING = TransitionFilter(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def plant() -> Plant:
    return load_site(DEMO).plant()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(tmp_path / "p.sqlite")
    s.upgrade()
    yield s
    s.close()


def test_an_announced_alarm_is_in_the_outbox_with_its_transition(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    svc = alarms(plant, store, clock)
    hot(svc, store, "imm-01", 1)
    [event] = store.unrouted_events()
    [activation] = [t for t in svc.store.alarm_transitions(EVERYTHING) if t.occurrence]
    assert event.event_id == f"alarm/{activation.key}/{activation.version}/{activation.idx}"
    assert event.kind == "alarm"
    hot(svc, store, "imm-01", 2)  # still hot: no new alarm, no new notification
    cool(svc, store, "imm-01", 3)  # the return is an outbox event of its own (kind "cleared")
    assert [e.kind for e in store.unrouted_events()] == ["alarm", "cleared"]


def test_a_save_that_loses_its_race_writes_no_notification(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    a, b = alarms(plant, store, clock), alarms(plant, store, clock)
    hot(a, store, "imm-01", 1)
    hot(b, store, "imm-01", 1)  # the second worker finds the alarm already active
    assert len(store.unrouted_events()) == 1


def test_mail_and_webhook_carry_the_stable_id_and_the_subscriber_language(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    admin = NotifyAdmin(store, clock)
    with smtp_server() as (smtp_port, box), webhook() as (url, hook):
        mail = {"host": "127.0.0.1", "port": str(smtp_port), "mode": "insecure",
                "from": "pabrik@example.com"}  # fmt: skip
        admin.save_channel(Channel("surel", "email", "E-mail", mail))
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}, SECRET))
        admin.save_subscription(
            Subscription("budi", "surel", "budi@example.com", lines=("cetak-tutup",))
        )
        admin.save_subscription(Subscription("ana", "hook", language="en", priorities=("high",)))
        svc = alarms(plant, store, clock)
        hot(svc, store, "imm-01", 1)
        hot(svc, store, "filler-01", 1)  # not on budi's line
        done = sender(plant, store, clock).run_once()
        assert (done.routed, done.sent) == (3, 3)
        [(mail_id, subject, body, to)] = box.mails
        assert to == ["budi@example.com"]
        assert mail_id.startswith("alarm/oli-panas/imm-01/")
        assert mail_id.endswith("/budi/surel")
        assert "Suhu oli hidraulik tinggi" in subject
        assert "Waktu: 2026-03-02 08:01" in body
        ids = sorted(i for i, _ in hook.received)
        assert all(i.endswith("/ana/hook") for i in ids)
        assert [p["id"] for _, p in sorted(hook.received, key=lambda r: r[0])] == ids
        assert any("Hydraulic oil hot" in p["title"] for _, p in hook.received)
        assert sender(plant, store, clock).run_once().sent == 0  # nothing is sent twice
    assert {m.status for m in admin.outbox()} == {"sent"}


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_with_its_reason(
    plant: Plant, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    admin = NotifyAdmin(store, clock)
    with webhook() as (url, hook):
        hook.fail = 2
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}, SECRET))
        admin.save_subscription(Subscription("ana", "hook"))
        hot(alarms(plant, store, clock), store, "imm-01", 1)
        s = sender(plant, store, clock, max_tries=3, backoff_s=60)
        caplog.set_level(logging.DEBUG)
        assert s.run_once().retried == 1
        [m] = admin.outbox()
        assert (m.status, m.tries, m.due_at - clock.now) == ("pending", 1, timedelta(seconds=60))
        assert s.run_once().sent == 0  # not due yet
        clock.advance(seconds=60)
        assert s.run_once().retried == 1
        [m] = admin.outbox()
        assert m.due_at - clock.now == timedelta(seconds=120)  # the wait doubles
        clock.advance(seconds=120)
        assert s.run_once().sent == 1
        assert [i for i, _ in hook.received] == [m.message_id]
        # A receiver that never answers: the message fails after max_tries, with its reason.
        hook.fail = 100
        hot(alarms(plant, store, clock), store, "imm-02", 5)
        for _ in range(3):
            clock.advance(hours=1)
            s.run_once()
    [failed] = admin.outbox(("failed",))
    assert failed.tries == 3
    assert failed.last_error
    assert SECRET not in failed.last_error
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert all("s3cr3t" not in r.getMessage() for r in caplog.records)
    assert admin.retry(failed.message_id)
    assert admin.outbox(("pending",))[0].message_id == failed.message_id


def test_secrets_are_write_only(plant: Plant, store: SqliteStore) -> None:
    admin = NotifyAdmin(store, Clock())
    admin.save_channel(Channel("tg", "telegram", "Telegram", {}, "123:abc"))
    admin.save_channel(Channel("tg", "telegram", "Telegram renamed", {}, ""))  # blank keeps
    [c] = admin.channels()
    assert (c.name, c.secret) == ("Telegram renamed", "123:abc")
    assert "123:abc" not in str(c.public())
    assert c.public()["has_secret"] is True


def test_a_sample_channel_is_shown_but_never_sent_to(plant: Plant, store: SqliteStore) -> None:
    clock = Clock()
    admin = NotifyAdmin(store, clock)
    admin.save_channel(Channel("ntfy", "ntfy", "ntfy", {"url": "https://ntfy.example"},
                               sample=True))  # fmt: skip
    admin.save_subscription(Subscription("budi", "ntfy"))
    assert admin.send_test("ntfy", "", "id", words(plant)) == "channel_sample"
    hot(alarms(plant, store, clock), store, "imm-01", 1)
    assert sender(plant, store, clock).run_once().skipped == 1
    [m] = admin.outbox()
    assert (m.status, m.last_error) == ("skipped", "channel_disabled")


def test_send_test_reports_the_receiver_answer(plant: Plant, store: SqliteStore) -> None:
    admin = NotifyAdmin(store, Clock())
    with webhook() as (url, hook):
        admin.save_channel(Channel("hook", "webhook", "Webhook", {"url": url}))
        assert admin.send_test("hook", "", "ko", words(plant)) is None
        [(message_id, payload)] = hook.received
        assert message_id.startswith("test/hook/")
        assert payload["title"] == "pabrik 테스트 메시지"
        hook.fail = 1
        assert admin.send_test("hook", "", "id", words(plant))


def test_the_shift_report_pdf_goes_out_by_mail_at_the_shift_end(
    plant: Plant, store: SqliteStore
) -> None:
    clock = Clock()
    clock.now = datetime(2026, 3, 2, 8, 1, tzinfo=UTC)  # 15:01 in Cikarang: morning shift over
    admin = NotifyAdmin(store, clock)
    asked: list[tuple[str, str, str]] = []

    def pdf(day: str, shift_id: str, language: str) -> bytes:
        asked.append((day, shift_id, language))
        return b"%PDF-1.7 shift report"

    with smtp_server() as (smtp_port, box):
        mail = {"host": "127.0.0.1", "port": str(smtp_port), "mode": "insecure"}
        admin.save_channel(Channel("surel", "email", "E-mail", mail))
        admin.save_subscription(Subscription("budi", "surel", "budi@example.com", reports=True,
                                             language="en"))  # fmt: skip
        s = Sender(store, plant, replace(words(plant), report_pdf=pdf), clock, Policy())
        assert s.run_once().sent == 1
        assert s.run_once().sent == 0  # once per shift
    [(mail_id, subject, _, _)] = box.mails
    assert mail_id.startswith("report/2026-03-02/")
    assert subject.startswith("Shift report 2026-03-02/")
    [(name, data)] = box.attachments
    assert name.endswith(".pdf")
    assert data == b"%PDF-1.7 shift report"
    assert asked[0][2] == "en"
