"""Every channel kind becomes an apprise URL that apprise accepts; secrets are redacted."""

from __future__ import annotations

import apprise
import pytest

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.notify.channels import Channel, apprise_url, redact

CASES = [
    Channel("tg", "telegram", "Telegram", {}, "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"),
    Channel("ntfy", "ntfy", "ntfy", {"url": "http://10.0.0.5:8080", "topic": "pabrik"}),
    Channel("ntfys", "ntfy", "ntfy", {"url": "https://ntfy.sh", "topic": "t"}, "tk_abc123"),
    Channel("mail", "email", "E-mail", {"host": "smtp.example.com", "port": "587",
                                         "user": "pabrik", "from": "pabrik@example.com"},
            "p@ss/word"),
    Channel("wa", "whatsapp", "WhatsApp", {"phone_id": "123456789012345"}, "EAAGm0PX4ZCps"),
    Channel("hook", "webhook", "Webhook", {"url": "https://example.com/in"}, "bearer-1"),
    Channel("mq", "mqtt", "MQTT", {"host": "10.0.0.9", "port": "1883", "topic": "pabrik/notify",
                                   "user": "plant"}, "mq-pass"),
]  # fmt: skip
ADDRESS = {"tg": "-100123456", "mail": "supervisor@example.com", "wa": "6281234567890"}


@pytest.mark.parametrize("channel", CASES, ids=[c.channel_id for c in CASES])
def test_apprise_accepts_every_kind(channel: Channel) -> None:
    url = apprise_url(channel, ADDRESS.get(channel.channel_id, ""), "alarm/k/1/0/budi/x")
    assert apprise.Apprise().add(url), url


def test_a_secret_is_redacted_raw_and_quoted() -> None:
    text = "failed: mailto://pabrik:p%40ss%2Fword@smtp and p@ss/word"
    assert redact(text, ["p@ss/word"]) == "failed: mailto://pabrik:***@smtp and ***"


def test_a_channel_needs_a_known_kind_and_a_plain_id() -> None:
    with pytest.raises(InvalidRequestError):
        Channel("Bad Id", "webhook", "x")
    with pytest.raises(InvalidRequestError):
        Channel("ok", "pager", "x")
