"""Notification pages over HTTP: channels with write-only secrets and a test button, my
subscriptions, and the outbox with failed messages and their reasons."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from pabrik.model.records import SampleRecord, StateRecord
from pabrik.model.states import StateClass
from pabrik.present.i18n import Catalogues
from pabrik.runtime.app import Runtime
from pabrik.runtime.notify.sender import Policy, Sender
from pabrik.web.notify.wiring import notify_words
from tests.runtime.notify.peers import webhook
from tests.web.demo_app import NOW

pytestmark = pytest.mark.anyio
SECRET = "tok-9f8e7d6c5b4a"


async def test_a_channel_keeps_its_secret_out_of_every_page(client: httpx.AsyncClient) -> None:
    form = {"channel_id": "tg", "kind": "telegram", "name": "Telegram pabrik", "secret": SECRET,
            "enabled": "true", "settings": ""}  # fmt: skip
    assert (await client.post("/notify/channels", data=form)).status_code == 303
    form |= {"name": "Telegram shift", "secret": ""}  # a blank secret keeps the stored one
    assert (await client.post("/notify/channels", data=form)).status_code == 303
    page = await client.get("/notify")
    assert page.status_code == 200
    assert "Telegram shift" in page.text
    assert SECRET not in page.text
    assert "tersimpan" in page.text  # "stored"


async def test_send_test_says_whether_the_receiver_confirmed(client: httpx.AsyncClient) -> None:
    with webhook() as (url, hook):
        form = {"channel_id": "hook", "kind": "webhook", "name": "Webhook",
                "settings": f"url={url}", "enabled": "true"}  # fmt: skip
        await client.post("/notify/channels", data=form)
        sent = await client.post("/notify/channels/test", data={"channel_id": "hook",
                                                                 "language": "en"})  # fmt: skip
        page = await client.get(sent.headers["location"])
        assert 'data-test-result="ok"' in page.text
        assert hook.received[0][1]["title"] == "pabrik test message"
        hook.fail = 1
        failed = await client.post("/notify/channels/test", data={"channel_id": "hook"})
        page = await client.get(failed.headers["location"])
        assert 'data-test-result="failed"' in page.text


async def test_a_subscriber_hears_an_alarm_and_failures_show_in_the_outbox(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    form = {"channel_id": "mati", "kind": "webhook", "name": "Unreachable",
            "settings": "url=http://127.0.0.1:9/hook", "enabled": "true"}  # fmt: skip
    await client.post("/notify/channels", data=form)
    sub = {"channel_id": "mati", "scope_ids": "cetak-tutup", "priorities": ["high"],
           "language": "en", "flood_over": "5", "flood_minutes": "10",
           "cleared": "true"}  # fmt: skip
    assert (await client.post("/notify/subscriptions", data=sub)).status_code == 303
    [row] = [r for r in runtime.store.notify_subscriptions() if r.channel_id == "mati"]
    assert '"cleared": true' in row.body_json  # return to normal chosen on the form
    bad = await client.post("/notify/subscriptions", data=sub | {"scope_ids": "no-such-line"})
    assert bad.status_code == 422
    page = await client.get("/notify")
    assert "cetak-tutup" in page.text
    at = [NOW - timedelta(minutes=m) for m in (4, 3, 2, 1)]
    runtime.ingestor.ingest([
        StateRecord("test/notify", "imm-02", at[0], StateClass.RUNNING, None, "tutup-28-biru"),
        *(SampleRecord("test/notify", "imm-02", "temperature", t, 85.0) for t in at[1:]),
    ])  # fmt: skip
    words = notify_words(runtime, Catalogues.load())
    sender = Sender(runtime.store, runtime.plant, words, runtime.now, Policy(max_tries=1),
                    reports=False)  # fmt: skip
    assert sender.run_once().failed >= 1
    outbox = await client.get("/notify/outbox", params={"status": "failed"})
    assert outbox.status_code == 200
    assert 'data-status="failed"' in outbox.text
    assert "/imm-02/" in outbox.text
    retried = await client.post("/notify/outbox/retry",
                                data={"message_id": _first_failed(runtime)})  # fmt: skip
    assert retried.status_code == 303
    pending = await client.get("/notify/outbox", params={"status": "pending"})
    assert 'data-status="pending"' in pending.text


def _first_failed(runtime: Runtime) -> str:
    return runtime.store.notify_messages(("failed",))[0].message_id


async def test_the_shift_report_goes_out_as_the_same_pdf(app: FastAPI, runtime: Runtime) -> None:
    from pabrik.runtime.kpi.shift_report import latest_shift
    from pabrik.web.notify.wiring import shift_report_pdf

    day, shift_id = latest_shift(runtime.engine)
    pdf = shift_report_pdf(app, app.state.pabrik)(day.isoformat(), shift_id, "ko")
    assert pdf is not None
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(("lang", "title"), [("en", "Outbox"), ("ko", "발신함")])
async def test_the_pages_speak_english_and_korean(
    client: httpx.AsyncClient, lang: str, title: str
) -> None:
    page = await client.get("/notify", params={"lang": lang})
    assert page.status_code == 200
    assert "notify." not in page.text  # every key has its words
    outbox = await client.get("/notify/outbox", params={"lang": lang})
    assert title in outbox.text
    assert "notify." not in outbox.text


async def test_the_alarm_list_links_to_the_notifications(client: httpx.AsyncClient) -> None:
    page = await client.get("/alarms")
    assert 'href="/notify"' in page.text
