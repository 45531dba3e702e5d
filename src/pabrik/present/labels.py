"""Message keys for values that the runtime returns as codes (states, errors, KPIs).

KPIs, losses, states, time elements, units and windows are glossary terms (``term.*``,
data/glossary.yaml): their maps here say which term a code stands for, never its words.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from pabrik.model.states import StateClass
from pabrik.present.glossary import MSGID_PREFIX, msgid
from pabrik.present.i18n import N_, Translator

STATE_KEYS: Final[dict[StateClass, str]] = {
    StateClass.RUNNING: N_("term.state.running"),
    StateClass.IDLE: N_("term.state.idle"),
    StateClass.CHANGEOVER: N_("term.state.changeover"),
    StateClass.PLANNED_STOP: N_("term.state.planned_stop"),
    StateClass.UNPLANNED_STOP: N_("term.state.unplanned_stop"),
    StateClass.UNKNOWN: N_("term.state.unknown"),
}

ERROR_KEYS: Final[dict[str, str]] = {
    "pabrik_error": N_("error.pabrik_error"),
    "not_found": N_("error.not_found"),
    "invalid_request": N_("error.invalid_request"),
    "config_invalid": N_("error.config_invalid"),
    "store_unavailable": N_("error.store_unavailable"),
    "port_in_use": N_("error.port_in_use"),
    "method_not_allowed": N_("error.method_not_allowed"),
    "internal": N_("error.internal"),
}

ERROR_REASON_KEYS: Final[dict[str, str]] = {
    "window_order": N_("error.reason.window_order"),
    "naive_datetime": N_("error.reason.naive_datetime"),
    "window_years": N_("error.reason.window_years"),
    "bad_window": N_("error.reason.bad_window"),
    # Reasons raised by the KPI engine (keys live in kpi.po).
    "missing_data": N_("error.reason.missing_data"),
    "unknown_kpi": N_("error.reason.unknown_kpi"),
    "window_too_long": N_("error.reason.window_too_long"),
    "bad_date": N_("error.reason.bad_date"),
    # Reasons raised by the assessment runtime (keys live in assessment.po).
    "bad_status": N_("assess.error.bad_status"),
    "not_scored": N_("assess.error.not_scored"),
    "bad_target": N_("assess.error.bad_target"),
    "bad_profile": N_("assess.error.bad_profile"),
    "bad_budget": N_("assess.error.bad_budget"),
    "bad_format": N_("assess.error.bad_format"),
    "bad_adjustment": N_("assess.error.bad_adjustment"),
    "empty_note": N_("assess.error.empty_note"),
}

KPI_KEYS: Final[dict[str, str]] = {
    "oee": N_("term.kpi.oee"),
    "availability": N_("term.kpi.availability"),
    "performance": N_("term.kpi.performance"),
    "quality": N_("term.kpi.quality"),
    "good": N_("term.kpi.good"),
    "scrap": N_("term.kpi.scrap"),
    "rework": N_("term.kpi.rework"),
    # The ISO 22400 catalogue's ids for the same two concepts (data/kpis.yaml).
    "effectiveness": N_("term.kpi.performance"),
    "quality_ratio": N_("term.kpi.quality"),
}
"""KPIs by the codes of the OEE views; any other catalogue id is the term ``kpi.<id>``."""

RATIO_REASON_KEYS: Final[dict[str, str]] = {
    "no_planned_busy_time": N_("kpi.reason.no_planned_busy_time"),
    "no_production_time": N_("kpi.reason.no_production_time"),
    "no_units_produced": N_("kpi.reason.no_units_produced"),
    "no_state_data": N_("kpi.reason.no_state_data"),
    "no_shift": N_("kpi.reason.no_shift"),
    "no_busy_time": N_("kpi.reason.no_busy_time"),
    "no_processing_time": N_("kpi.reason.no_processing_time"),
    "no_order_time": N_("kpi.reason.no_order_time"),
    "no_planned_scrap": N_("kpi.reason.no_planned_scrap"),
    "no_failures": N_("kpi.reason.no_failures"),
    "no_maintenance_time": N_("kpi.reason.no_maintenance_time"),
    "no_good_units": N_("kpi.reason.no_good_units"),
    "no_planned_operation_time": N_("kpi.reason.no_planned_operation_time"),
    "too_few_samples": N_("kpi.reason.too_few_samples"),
    "not_yet": N_("kpi.reason.not_yet"),
    "no_variation": N_("kpi.reason.no_variation"),
}

FLAG_KEYS: Final[dict[str, str]] = {
    "performance_above_one": N_("kpi.flag.performance_above_one"),
    "unknown_time": N_("kpi.flag.unknown_time"),
    "units_without_production_time": N_("kpi.flag.units_without_production_time"),
    "machine_state_reading": N_("kpi.flag.machine_state_reading"),
    "provisional": N_("kpi.flag.provisional"),
    "future_left_out": N_("kpi.flag.future_left_out"),
}

LOSS_KEYS: Final[dict[str, str]] = {
    "unexplained": N_("term.loss.unexplained"),
    "minor_stops": N_("term.loss.minor_stops"),
    "reduced_speed": N_("term.loss.reduced_speed"),
    "process_defects": N_("term.loss.process_defects"),
    "reduced_yield": N_("term.loss.reduced_yield"),
    "equipment_failure": N_("term.loss.equipment_failure"),
    "setup_adjustment": N_("term.loss.setup_adjustment"),
    "idling_minor_stops": N_("term.loss.idling_minor_stops"),
    "scrap": N_("term.kpi.scrap"),
    "wasted_energy": N_("term.loss.wasted_energy"),
    **{state.value: key for state, key in STATE_KEYS.items()},
}

DEAD_LETTER_KEYS: Final[dict[str, str]] = {
    "unknown_machine": N_("dead_letter.unknown_machine"),
    "unknown_signal": N_("dead_letter.unknown_signal"),
    "unknown_reason": N_("dead_letter.unknown_reason"),
    "unknown_product": N_("dead_letter.unknown_product"),
    "not_finite": N_("dead_letter.not_finite"),
    "out_of_range": N_("dead_letter.out_of_range"),
    "decode_error": N_("dead_letter.decode_error"),
    "validation_error": N_("dead_letter.validation_error"),
    "negative_count": N_("dead_letter.negative_count"),
    "naive_timestamp": N_("dead_letter.naive_timestamp"),
    "bad_timestamp": N_("dead_letter.bad_timestamp"),
    "clock_skew": N_("dead_letter.clock_skew"),
    "too_old": N_("dead_letter.too_old"),
    "wrong_type": N_("dead_letter.wrong_type"),
    "missing_field": N_("dead_letter.missing_field"),
    "payload_too_large": N_("dead_letter.payload_too_large"),
    "malformed_json": N_("dead_letter.malformed_json"),
}

LANG_KEYS: Final[dict[str, str]] = {
    "id": N_("lang.id"),
    "en": N_("lang.en"),
    "ko": N_("lang.ko"),
}

WINDOW_KEYS: Final[dict[str, str]] = {
    "shift": N_("term.window.shift"),
    "day": N_("term.window.day"),
    "7d": N_("term.window.7d"),
    "30d": N_("term.window.30d"),
}

UNIT_KEYS: Final[dict[str, str]] = {
    "h": N_("term.unit.hour"),
    "min": N_("term.unit.minute"),
    "machine_h": N_("term.unit.machine_hour"),
    "units": N_("term.unit.unit"),
    "units/h": N_("term.unit.units_per_hour"),
    "kWh": N_("term.unit.kwh"),
    "kWh/unit": N_("term.unit.kwh_per_unit"),
    "IDR": N_("term.unit.rupiah"),
}
"""Units by the codes of the KPI catalogue and the loss report."""

UNITLESS: Final = frozenset({"ratio", "index"})
"""Unit codes shown without a word: ratios as percentages, indices as bare numbers."""

TIME_KEYS: Final[dict[str, str]] = {
    "planned_busy": N_("term.time.planned_busy"),
    "run": N_("term.time.run"),
    "unknown": N_("term.time.unknown"),
}

CHART_KEYS: Final[dict[str, str]] = {
    "low": N_("chart.low_limit"),
    "high": N_("chart.high_limit"),
    "no_data": N_("chart.no_data"),
    "shift": N_("chart.shift"),
    "units": N_("chart.units"),
    "state": N_("chart.state"),
    "reason": N_("chart.reason"),
    "start": N_("chart.start"),
    "end": N_("chart.end"),
    "duration": N_("chart.duration"),
}


def chart_words(translator: Translator) -> dict[str, dict[str, str]]:
    """Translated words the chart script needs, keyed by stable ids."""
    return {
        "states": {state.value: translator.gettext(key) for state, key in STATE_KEYS.items()},
        "kpi": {name: translator.gettext(key) for name, key in KPI_KEYS.items()},
        "chart": {name: translator.gettext(key) for name, key in CHART_KEYS.items()},
        "units": duration_patterns(translator, h="%(h)s", m="%(m)s"),
    }


def duration_patterns(translator: Translator, h: str, m: str) -> dict[str, str]:
    """Patterns of "1 j 05 mnt" and "5 mnt", with the glossary's unit words."""
    words = {
        "h": h,
        "m": m,
        "hour": term(translator, "unit.hour"),
        "minute": term(translator, "unit.minute"),
    }
    return {
        "hours_minutes": translator.gettext("unit.hours_minutes") % words,
        "minutes": translator.gettext("unit.minutes") % words,
    }


def term(translator: Translator, term_id: str) -> str:
    """A glossary term (``kpi.oee``) in the translator's language."""
    return translator.gettext(msgid(term_id))


def inline_term(translator: Translator, term_id: str) -> str:
    """A term inside a sentence: its first letter lower-cased, unless it is an acronym."""
    return lower_first(term(translator, term_id))


def lower_first(text: str) -> str:
    """``Hari ini`` as ``hari ini``; ``OEE`` and ``kWh`` stay as they are."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def kpi_key(code: str) -> str:
    """The message key of a KPI code: an OEE view's name or a catalogue id."""
    return KPI_KEYS.get(code) or msgid(f"kpi.{code}")


def kpi_term(code: str) -> str:
    """The glossary term of a KPI code (``effectiveness`` is ``kpi.performance``)."""
    return kpi_key(code).removeprefix(MSGID_PREFIX)


def kpi_label(translator: Translator, code: str) -> str:
    """A KPI in words, by the glossary (the code itself only for a KPI it lacks)."""
    key = kpi_key(code)
    text = translator.gettext(key)
    return code if text == key else text


def unit_label(translator: Translator, code: str) -> str:
    """A unit code in words: empty for ratios and indices, the code itself when new."""
    return "" if code in UNITLESS else coded(translator, UNIT_KEYS, code)


def state_label(translator: Translator, state: StateClass | str) -> str:
    """The state class in words."""
    return coded(translator, {s.value: key for s, key in STATE_KEYS.items()}, str(state))


def error_message(translator: Translator, code: str, reason: object = None) -> str:
    """The translated message for an error code, made specific by a known reason."""
    key = ERROR_REASON_KEYS.get(str(reason)) or ERROR_KEYS.get(code, ERROR_KEYS["pabrik_error"])
    return translator.gettext(key)


def coded(translator: Translator, keys: dict[str, str], code: str | None) -> str:
    """A code in words from one family of keys, or the code itself when it is new."""
    if code is None:
        return ""
    key = keys.get(code)
    return translator.gettext(key) if key else code


def loss_term(code: str) -> str | None:
    """The glossary term of a loss code (``loss.minor_stops``), or None for a reason code."""
    key = LOSS_KEYS.get(code)
    return key.removeprefix(MSGID_PREFIX) if key else None


def unit_term(code: str) -> str | None:
    """The glossary term of a unit code (``unit.hour``), or None when it has no word."""
    key = UNIT_KEYS.get(code)
    return key.removeprefix(MSGID_PREFIX) if key else None


def loss_label(translator: Translator, code: str, configured: str | None) -> str:
    """A loss or reason code in words: the configured label, a catalogue entry, or the code."""
    return configured or coded(translator, LOSS_KEYS, code)


def template_words(translator: Translator) -> dict[str, Any]:
    """The functions templates use to put codes and terms into words, in one language."""
    return {
        "term": lambda term_id: term(translator, term_id),
        "inline_term": lambda term_id: inline_term(translator, term_id),
        "kpi_name": lambda code: kpi_label(translator, code),
        "kpi_term": kpi_term,
        "loss_label": lambda code, label: _loss_text(translator, code, label),
        "loss_term": loss_term,
        "state_label": lambda state: state_label(translator, state),
        "states": list(StateClass),
        "unit_label": lambda code: unit_label(translator, code),
        "unit_term": unit_term,
        "window_label": lambda window: coded(translator, WINDOW_KEYS, window),
        "named_windows": list(WINDOW_KEYS),
        "flag_label": lambda code: coded(translator, FLAG_KEYS, code),
        "dead_letter_reason": lambda code: coded(translator, DEAD_LETTER_KEYS, code),
    }


class Worded(Protocol):
    """A configured name in several languages (a site's reason, machine or line)."""

    def get(self, locale: str) -> str:
        """The name in ``locale``."""
        ...


def _loss_text(translator: Translator, code: str, label: Worded | None) -> str:
    return loss_label(translator, code, None if label is None else label.get(translator.locale))
