"""The sender inside ``pabrik serve``, and the words it and the test button use."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI, Request

from pabrik.present.formatting import Formatter
from pabrik.present.i18n import Catalogues
from pabrik.present.notify.words import NotifyWords, ReportPdf
from pabrik.present.pdf import html_to_pdf
from pabrik.runtime.app import Runtime
from pabrik.runtime.kpi.shift_report import shift_report
from pabrik.runtime.notify.admin import NotifyAdmin
from pabrik.runtime.notify.sender import Sender, run_forever
from pabrik.web.deps import WebState
from pabrik.web.kpi.pages import render_report_html

log = logging.getLogger(__name__)


def notify_words(
    runtime: Runtime, catalogues: Catalogues, base_url: str = "", pdf: ReportPdf | None = None
) -> NotifyWords:
    """The words of the runtime's plant and alarms."""
    return NotifyWords(runtime.plant, runtime.site.alarms, catalogues, base_url, pdf)


def notify_admin(runtime: Runtime) -> NotifyAdmin:
    """Channels, subscriptions and outbox over the runtime's store and clock."""
    return NotifyAdmin(runtime.store, runtime.now)


def shift_report_pdf(app: FastAPI, state: WebState) -> ReportPdf:
    """The plant's shift report as PDF, printed from the same template as the web page."""

    def make(day: str, shift_id: str, language: str) -> bytes | None:
        runtime = state.runtime
        report = shift_report(runtime.engine, "plant", date.fromisoformat(day), shift_id)
        fmt = Formatter(state.catalogues.get(language), runtime.plant.calendar.timezone)
        scope = {"type": "http", "method": "GET", "path": "/kpi/shift-report.pdf",
                 "root_path": "", "query_string": b"", "headers": [], "app": app}  # fmt: skip
        html = render_report_html(state.renderer, Request(scope), fmt, report, runtime)
        return html_to_pdf(html)

    return make


@asynccontextmanager
async def sender_running(app: FastAPI, interval_s: float = 5.0) -> AsyncIterator[None]:
    """Run the notification sender beside the live runtime until the block ends."""
    state: WebState = app.state.pabrik
    runtime = state.runtime
    words = notify_words(runtime, state.catalogues, "", shift_report_pdf(app, state))
    sender = Sender(runtime.store, runtime.plant, words, runtime.now)
    stopping = asyncio.Event()
    task = asyncio.create_task(run_forever(sender, stopping, interval_s), name="pabrik-notify")
    try:
        yield
    finally:
        stopping.set()
        await task
