"""Message keys for values that the runtime returns as codes (states, errors, KPIs)."""

from __future__ import annotations

from typing import Final

from pabrik.model.states import StateClass
from pabrik.present.i18n import N_, Translator

STATE_KEYS: Final[dict[StateClass, str]] = {
    StateClass.RUNNING: N_("state.running"),
    StateClass.IDLE: N_("state.idle"),
    StateClass.CHANGEOVER: N_("state.changeover"),
    StateClass.PLANNED_STOP: N_("state.planned_stop"),
    StateClass.UNPLANNED_STOP: N_("state.unplanned_stop"),
    StateClass.UNKNOWN: N_("state.unknown"),
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
    "oee": N_("kpi.oee"),
    "availability": N_("kpi.availability"),
    "performance": N_("kpi.performance"),
    "quality": N_("kpi.quality"),
    "good": N_("kpi.good"),
    "scrap": N_("kpi.scrap"),
}

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
    "unexplained": N_("loss.unexplained"),
    "minor_stops": N_("kpi.loss.minor_stops"),
    "reduced_speed": N_("kpi.loss.reduced_speed"),
    "process_defects": N_("kpi.loss.process_defects"),
    "reduced_yield": N_("kpi.loss.reduced_yield"),
    "equipment_failure": N_("kpi.loss.equipment_failure"),
    "setup_adjustment": N_("kpi.loss.setup_adjustment"),
    "idling_minor_stops": N_("kpi.loss.idling_minor_stops"),
    "scrap": N_("kpi.loss.scrap"),
    "wasted_energy": N_("kpi.loss.wasted_energy"),
    **{state.value: key for state, key in STATE_KEYS.items()},
}

DEAD_LETTER_KEYS: Final[dict[str, str]] = {
    "unknown_machine": N_("dead_letter.unknown_machine"),
    "unknown_signal": N_("dead_letter.unknown_signal"),
    "unknown_reason": N_("dead_letter.unknown_reason"),
    "unknown_product": N_("dead_letter.unknown_product"),
    "not_finite": N_("dead_letter.not_finite"),
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
}

WINDOW_KEYS: Final[dict[str, str]] = {
    "shift": N_("window.shift"),
    "day": N_("window.day"),
    "7d": N_("window.7d"),
    "30d": N_("window.30d"),
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
        "units": {
            "hours_minutes": translator.gettext("unit.hours_minutes"),
            "minutes": translator.gettext("unit.minutes"),
        },
    }


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


def loss_label(translator: Translator, code: str, configured: str | None) -> str:
    """A loss or reason code in words: the configured label, a catalogue entry, or the code."""
    return configured or coded(translator, LOSS_KEYS, code)


PAGE_WINDOWS: dict[str, str] = {
    "shift": N_("kpi.window.shift"),
    "day": N_("kpi.window.day"),
    "7d": N_("kpi.window.7d"),
    "30d": N_("kpi.window.30d"),
}
UNIT_KEYS: dict[str, str] = {
    "machine_h": N_("kpi.costs.machine_hours"),
    "units": N_("kpi.unit.units"),
}
