from __future__ import annotations

import random

from pabrik.connectors.backoff import Backoff
from pabrik.connectors.contract import REDACTED, redact


def test_secrets_are_redacted_at_any_depth_and_under_any_common_name() -> None:
    config = {
        "host": "broker",
        "mqtt_password": "p",
        "tls": {"key_password": "k", "client_secret": "s", "api_token": "t"},
        "users": [{"name": "a", "passphrase": "x"}],
    }
    out = redact(config)
    assert out["host"] == "broker"
    assert out["mqtt_password"] == REDACTED
    assert set(out["tls"].values()) == {REDACTED}
    assert out["users"][0] == {"name": "a", "passphrase": REDACTED}
    assert config["mqtt_password"] == "p"  # the original is untouched


def test_backoff_doubles_up_to_its_cap_with_jitter_and_resets() -> None:
    b = Backoff(initial=1, maximum=8, rng=random.Random(1))
    delays = [b.next_delay() for _ in range(6)]
    caps = [1, 2, 4, 8, 8, 8]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))
    b.reset()
    assert b.next_delay() <= 1
