"""Decide whether an incoming record is acceptable, and say why when it is not.

Pure functions: the ingest pipeline calls them and keeps rejections in the
dead-letter store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pabrik.model.equipment import Signal
from pabrik.model.records import CountRecord, Record, SampleRecord, StateRecord, from_epoch_ms
from pabrik.model.site import Plant
from pabrik.model.states import Quality, StateClass

# A machine cannot make a billion units between two count records; larger is corrupt data.
MAX_COUNT = 1_000_000_000
# Beyond 2**53 an integer is no longer exact as a float sample.
MAX_INT_VALUE = 2**53


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why an input was refused: a stable code and a human detail."""

    code: str
    detail: str


class _RejectedError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.rejection = Rejection(code, detail)


def check_record(record: Record, plant: Plant, now: datetime) -> Rejection | None:
    """Check a decoded record against the plant and the clock; None means accept."""
    try:
        _check(record, plant, now)
    except _RejectedError as r:
        return r.rejection
    return None


def _check(record: Record, plant: Plant, now: datetime) -> None:
    machine = plant.machine(record.machine_id)
    if machine is None:
        raise _RejectedError("unknown_machine", f"machine '{record.machine_id}' is not configured")
    _check_time(record.ts, plant, now)
    if isinstance(record, SampleRecord):
        if record.signal_id not in machine.signal_ids:
            raise _RejectedError(
                "unknown_signal",
                f"signal '{record.signal_id}' is not configured on '{machine.id}'",
            )
        if not math.isfinite(record.value):
            raise _RejectedError("not_finite", f"value {record.value!r} is not a finite number")
        _check_plausible(record, machine.signals)
    elif isinstance(record, CountRecord):
        for name in ("good", "scrap", "rework"):
            _check_count_range(name, getattr(record, name))
        _check_product(record.product_id, machine.products)
    else:
        _check_reason(record, plant)
        _check_product(record.product_id, machine.products)


def _check_plausible(record: SampleRecord, signals: list[Signal]) -> None:
    """Refuse a value outside its signal's plausible range (by default |value| <= 1e15)."""
    for signal in signals:
        if signal.id == record.signal_id and not signal.plausible.contains(record.value):
            bounds = signal.plausible
            raise _RejectedError(
                "out_of_range",
                f"value {record.value!r} is outside the plausible range"
                f" [{bounds.min:g}, {bounds.max:g}] of '{signal.id}'",
            )


def _check_count_range(name: str, value: int) -> None:
    if value < 0:
        raise _RejectedError("negative_count", f"{name} must not be negative")
    if value > MAX_COUNT:
        raise _RejectedError(
            "count_too_large", f"{name} {value} is more than {MAX_COUNT} units in one record"
        )


def _check_reason(record: StateRecord, plant: Plant) -> None:
    if record.reason is None or not plant.downtime_reasons:
        return
    reason = plant.reason(record.reason)
    if reason is None:
        raise _RejectedError("unknown_reason", f"reason '{record.reason}' is not configured")
    if reason.state is not record.state:
        raise _RejectedError(
            "reason_state_mismatch",
            f"reason '{reason.id}' is for state {reason.state.value}, not {record.state.value}",
        )


def _check_product(product_id: str | None, products: list[Any]) -> None:
    if product_id is not None and product_id not in {p.id for p in products}:
        raise _RejectedError("unknown_product", f"product '{product_id}' is not configured")


def _check_time(ts: datetime, plant: Plant, now: datetime) -> None:
    if ts.tzinfo is None:
        raise _RejectedError("naive_timestamp", "timestamp has no time zone")
    if ts - now > timedelta(seconds=plant.limits.max_future_skew_s):
        raise _RejectedError(
            "clock_skew",
            f"timestamp {ts.isoformat()} is more than {plant.limits.max_future_skew_s:g} s"
            " in the future",
        )
    if now - ts > timedelta(days=plant.limits.max_age_days):
        raise _RejectedError("too_old", f"timestamp {ts.isoformat()} is older than the age limit")


def parse_iso_instant(text: str) -> datetime:
    """An aware UTC datetime from ISO 8601 text with an offset; ValueError otherwise."""
    ts = datetime.fromisoformat(text.strip())
    if ts.tzinfo is None:
        raise ValueError("the time needs a UTC offset, e.g. 2025-01-06T07:00+07:00")
    return ts.astimezone(UTC)


def parse_timestamp(value: object) -> datetime:
    """RFC 3339 text with an offset, or epoch milliseconds, to an aware UTC datetime."""
    if isinstance(value, bool):
        raise _RejectedError("wrong_type", "ts must be RFC 3339 text or epoch milliseconds")
    if isinstance(value, int | float):
        # Compared, not converted: NaN and inf fail, and 10**4000 cannot overflow a float.
        if not 0 <= value < 1e14:
            raise _RejectedError(
                "bad_timestamp", f"epoch milliseconds {str(value)[:40]} out of range"
            )
        return from_epoch_ms(int(value))
    if isinstance(value, str):
        try:
            return parse_iso_instant(value)
        except ValueError as err:
            code = "naive_timestamp" if "offset" in str(err) else "bad_timestamp"
            raise _RejectedError(code, f"ts {value[:40]!r}: {err}") from err
    raise _RejectedError("wrong_type", "ts must be RFC 3339 text or epoch milliseconds")


def timestamp_or_rejection(value: object) -> datetime | Rejection:
    """Like ``parse_timestamp``, but returns the rejection instead of raising it."""
    try:
        return parse_timestamp(value)
    except _RejectedError as err:
        return err.rejection


def _number(data: Mapping[str, Any], key: str, *, required: bool = True) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise _RejectedError("missing_field", f"'{key}' is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _RejectedError("wrong_type", f"'{key}' must be a number, got {type(value).__name__}")
    if isinstance(value, int) and abs(value) > MAX_INT_VALUE:
        raise _RejectedError("out_of_range", f"'{key}' is too large")
    if not math.isfinite(value):
        raise _RejectedError("not_finite", f"'{key}' is not a finite number")
    return float(value)


def _count(data: Mapping[str, Any], key: str, *, required: bool) -> int:
    value = _number(data, key, required=required)
    if value is None:
        return 0
    if value != int(value):
        raise _RejectedError("wrong_type", f"'{key}' must be a whole number")
    _check_count_range(f"'{key}'", int(value))
    return int(value)


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise _RejectedError("wrong_type", f"'{key}' must be text of 1 to 64 characters")
    if not _is_unicode(value):
        # JSON escapes can spell lone surrogates ("\\ud800"), which no store can write.
        raise _RejectedError("wrong_type", f"'{key}' must be valid Unicode text")
    return value


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_payload(
    payload: bytes | str,
    *,
    kind: str,
    source: str,
    machine_id: str,
    signal_id: str | None,
    max_bytes: int,
) -> Record | Rejection:
    """Decode one JSON payload of the unified namespace into a record."""
    size = len(payload.encode() if isinstance(payload, str) else payload)
    if size > max_bytes:
        return Rejection("payload_too_large", f"{size} bytes is over the {max_bytes} byte limit")
    data = _json(payload)
    if isinstance(data, Rejection):
        return data
    if not isinstance(data, dict):
        return Rejection("wrong_type", "payload must be a JSON object")
    try:
        return _decode(data, kind, source, machine_id, signal_id)
    except _RejectedError as r:
        return r.rejection
    except RecursionError:
        return Rejection("malformed_json", "payload nests too deeply")


def _json(payload: bytes | str) -> Any:
    try:
        return json.loads(payload)
    except (ValueError, UnicodeDecodeError) as err:
        return Rejection("malformed_json", f"not valid JSON: {str(err)[:200]}")
    except RecursionError:
        return Rejection("malformed_json", "payload nests too deeply")


def _decode(
    data: Mapping[str, Any], kind: str, source: str, machine_id: str, signal_id: str | None
) -> Record:
    ts = parse_timestamp(data.get("ts"))
    if kind == "state":
        raw = _text(data, "state")
        try:
            state = StateClass(raw or "")
        except ValueError as err:
            detail = f"state {raw!r} is not a known state class"
            raise _RejectedError("unknown_state", detail) from err
        return StateRecord(
            source,
            machine_id,
            ts,
            state,
            _text(data, "reason"),
            _text(data, "product"),
            _text(data, "order"),
        )
    if kind == "count":
        return CountRecord(
            source,
            machine_id,
            ts,
            _count(data, "good", required=True),
            _count(data, "scrap", required=False),
            _count(data, "rework", required=False),
            _text(data, "product"),
        )
    if kind == "sample":
        if not signal_id:
            raise _RejectedError("unknown_signal", "a sample needs a signal")
        value = _number(data, "value")
        assert value is not None
        quality = _text(data, "quality") or Quality.GOOD.value
        try:
            q = Quality(quality)
        except ValueError as err:
            raise _RejectedError(
                "wrong_type", f"quality {quality!r} is not good, uncertain or bad"
            ) from err
        return SampleRecord(source, machine_id, signal_id, ts, value, q)
    raise _RejectedError("unknown_kind", f"kind {kind!r} is not state, count or sample")
