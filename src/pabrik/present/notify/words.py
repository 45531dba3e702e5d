"""A message's title and body in id, en or ko: an alarm, its return, a digest, a report, a test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pabrik.alarms.builtin import BUILT_IN, PLANT_WIDE
from pabrik.alarms.definitions import AlarmSettings
from pabrik.model.fields import Text
from pabrik.model.site import Plant
from pabrik.present.i18n import Catalogues, Translator
from pabrik.runtime.notify.sender import Happening, Outgoing, Rendered

ReportPdf = Callable[[str, str, str], bytes | None]
"""(production day, shift id, language) -> the shift report as PDF, or None."""


@dataclass(frozen=True, slots=True)
class NotifyWords:
    """Renders outgoing messages for the sender (the ``Render`` it is given)."""

    plant: Plant
    alarms: AlarmSettings
    catalogues: Catalogues
    base_url: str = ""
    report_pdf: ReportPdf | None = None

    def __call__(self, message: Outgoing) -> Rendered:
        """The title, body and attachment of ``message``."""
        t = self.catalogues.get(message.language)
        if message.kind in {"alarm", "cleared"} and message.events:
            return self._alarm(t, message.language, message.events[0])
        if message.kind == "digest":
            return self._digest(t, message.language, message.events)
        if message.kind == "report" and message.events:
            return self._report(t, message.language, message.events[0])
        return Rendered(t.gettext("notify.test.title"), t.gettext("notify.test.body"))

    def _machine(self, machine_id: str, lang: str) -> str:
        if machine_id == PLANT_WIDE:
            return self.plant.site.name
        m = self.plant.machine(machine_id)
        return machine_id if m is None else m.name.get(lang)

    def _message(self, definition_id: str, lang: str) -> str:
        for d in (*self.alarms.definitions, *BUILT_IN):
            if d.id == definition_id:
                text: Text = d.message
                return text.get(lang)
        return definition_id

    def _local(self, h: Happening) -> str:
        return h.at.astimezone(ZoneInfo(self.plant.calendar.timezone)).strftime("%Y-%m-%d %H:%M")

    def _line(self, t: Translator, lang: str, h: Happening) -> str:
        b = h.body
        line: str = t.gettext("notify.alarm.title") % {
            "priority": t.gettext(f"alarms.priority.{b['priority']}"),
            "machine": self._machine(str(b["machine"]), lang),
            "message": self._message(str(b["definition"]), lang),
        }
        if h.kind == "cleared":
            return t.gettext("notify.cleared.title") % {"line": line}
        return line

    def _link(self, t: Translator, path: str) -> str:
        if not self.base_url:
            return ""
        return "\n" + t.gettext("notify.open") % {"url": f"{self.base_url.rstrip('/')}{path}"}

    def _alarm(self, t: Translator, lang: str, h: Happening) -> Rendered:
        title = self._line(t, lang, h)
        lines = [title, t.gettext("notify.alarm.at") % {"at": self._local(h)}]
        if h.body.get("value") is not None:
            lines.append(t.gettext("notify.alarm.value") % {"value": f"{h.body['value']:g}"})
        return Rendered(title, "\n".join(lines) + self._link(t, "/alarms"))

    def _digest(self, t: Translator, lang: str, events: tuple[Happening, ...]) -> Rendered:
        title = t.gettext("notify.digest.title") % {"count": len(events)}
        lines = [t.gettext("notify.digest.intro")]
        lines += [f"{self._local(h)[11:]}  {self._line(t, lang, h)}" for h in events]
        return Rendered(title, "\n".join(lines) + self._link(t, "/alarms/history"))

    def _report(self, t: Translator, lang: str, h: Happening) -> Rendered:
        b = h.body
        title = t.gettext("notify.report.title") % {"shift": b["shift"]}
        path = f"/kpi/shift-report.pdf?day={b['day']}&shift={b['shift_id']}"
        pdf = None if self.report_pdf is None else self.report_pdf(b["day"], b["shift_id"], lang)
        if pdf is None:
            return Rendered(title, t.gettext("notify.report.linked") + self._link(t, path))
        name = f"shift-{b['day']}-{b['shift_id']}.pdf"
        body = t.gettext("notify.report.attached") + self._link(t, path)
        return Rendered(title, body, (name, pdf))
