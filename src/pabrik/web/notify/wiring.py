"""The sender inside ``pabrik serve``, and the words it and the test button use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pabrik.present.i18n import Catalogues
from pabrik.present.notify.words import NotifyWords
from pabrik.runtime.app import Runtime
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.sender import Sender, run_forever


def notify_words(runtime: Runtime, catalogues: Catalogues, base_url: str = "") -> NotifyWords:
    """The words of the runtime's plant and alarms."""
    return NotifyWords(runtime.plant, runtime.site.alarms, catalogues, base_url)


def notify_admin(runtime: Runtime) -> NotifyAdmin:
    """Channels, subscriptions and outbox over the runtime's store and clock."""
    return NotifyAdmin(runtime.store, runtime.now)


@asynccontextmanager
async def sender_running(
    runtime: Runtime, catalogues: Catalogues, base_url: str = "", interval_s: float = 5.0
) -> AsyncIterator[None]:
    """Run the notification sender beside the live runtime until the block ends."""
    words = notify_words(runtime, catalogues, base_url)
    sender = Sender(runtime.store, runtime.plant, words, runtime.now)
    stopping = asyncio.Event()
    task = asyncio.create_task(run_forever(sender, stopping, interval_s), name="pabrik-notify")
    try:
        yield
    finally:
        stopping.set()
        await task
