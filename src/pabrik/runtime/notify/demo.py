"""The demo's channels and subscription: all marked sample, so the demo works offline.

Nothing leaves the machine: the ntfy channel is a sample (shown, never sent to), the e-mail and
webhook channels are disabled. The outbox still shows every message, its digest and its reason.
"""

from __future__ import annotations

from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.channels import Channel
from pabrik.runtime.notify.subscriptions import PRIORITIES, Subscription

LABEL = "contoh / sample"
CHANNELS = (
    Channel("ntfy-contoh", "ntfy", f"ntfy ({LABEL})",
            {"url": "https://ntfy.sh", "topic": "pabrik-contoh-sample"}, sample=True),
    Channel("surel-contoh", "email", f"E-mail ({LABEL})",
            {"host": "127.0.0.1", "port": "25", "mode": "insecure",
             "from": "pabrik@example.com", "to": "supervisor@example.com"},
            enabled=False, sample=True),
    Channel("webhook-contoh", "webhook", f"Webhook JSON ({LABEL})",
            {"url": "http://127.0.0.1:9/contoh"}, enabled=False, sample=True),
)  # fmt: skip


def add_demo_notifications(admin: NotifyAdmin, username: str) -> int:
    """Sample channels and one subscription of ``username``, unless channels exist; how many."""
    if admin.channels():
        return 0
    for channel in CHANNELS:
        admin.save_channel(channel)
    # A small flood limit, so the demo's first burst of alarms arrives as one digest.
    sub = Subscription(
        username,
        "ntfy-contoh",
        priorities=PRIORITIES,
        reports=True,
        flood_over=2,
        flood_minutes=20,
    )
    admin.save_subscription(sub)
    return len(CHANNELS)
