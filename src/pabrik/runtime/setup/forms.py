"""Reading the wizard's form fields: text, rows, amounts in rupiah, times of day, ids."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import time
from decimal import Decimal, InvalidOperation

from pabrik.runtime.setup.draft import MAX_ROWS, FieldError

Form = Mapping[str, Sequence[str]]
MAX_TEXT = 200
MAX_DECIMALS = 6
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_SLUG_DROP = re.compile(r"[^a-z0-9]+")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


def one(form: Form, name: str) -> str:
    """The first value of a field, stripped ('' when absent)."""
    values = form.get(name) or ()
    return values[0].strip() if values else ""


def many(form: Form, name: str) -> list[str]:
    """Every value of a repeated field (ticked checkboxes), stripped, without blanks."""
    return [v.strip() for v in form.get(name) or () if v.strip()]


def row_indexes(form: Form, prefix: str) -> list[int]:
    """The row numbers present in the form for ``prefix-{i}-...`` fields, in order."""
    found: set[int] = set()
    for key in form:
        head, _, rest = key.partition("-")
        number = rest.partition("-")[0]
        if head == prefix and number.isdigit() and int(number) < MAX_ROWS:
            found.add(int(number))
    return sorted(found)


def slug(text: str) -> str:
    """An id made from a name: lower-case letters and digits joined by '-'."""
    return _SLUG_DROP.sub("-", text.lower()).strip("-")[:64].strip("-")


def text(value: str, name: str, errors: list[FieldError], *, required: bool = True) -> str:
    """A label: required unless told, at most 200 characters."""
    if not value:
        if required:
            errors.append(FieldError(name, "required"))
        return value
    if len(value) > MAX_TEXT:
        errors.append(FieldError(name, "too_long", {"max": MAX_TEXT}))
    return value


def identifier(value: str, fallback: str, name: str, errors: list[FieldError]) -> str:
    """An id as typed (lower-cased), else one made from ``fallback``; checked for its form."""
    made = value.lower() if value else slug(fallback)
    if not made:
        errors.append(FieldError(name, "required"))
    elif not _ID.match(made):
        errors.append(FieldError(name, "identifier"))
    return made


def decimal(value: str) -> Decimal | None:
    """A number with a decimal point or comma ('0,225' or '0.225'); None when not one."""
    cleaned = value.replace(" ", "").replace(",", ".")
    if cleaned.count(".") > 1:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rupiah(value: str) -> Decimal | None:
    """An amount in rupiah: 'Rp 1.500.000', '1500000', '1444,70' or '1444.70'."""
    cleaned = value.replace(" ", "").removeprefix("Rp").removeprefix("rp").removeprefix(".")
    if "," in cleaned and "." in cleaned:
        decimal_mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        cleaned = cleaned.replace(thousands, "").replace(decimal_mark, ".")
    elif _THOUSANDS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    return decimal(cleaned)


def amount(value: str, name: str, errors: list[FieldError], *, required: bool = True) -> str:
    """A rupiah amount, zero or more with at most two decimals, normalised ('' if blank)."""
    if not value:
        if required:
            errors.append(FieldError(name, "required"))
        return ""
    number = rupiah(value)
    if number is None:
        errors.append(FieldError(name, "number"))
        return value
    if number < 0:
        errors.append(FieldError(name, "not_negative"))
    elif number >= Decimal(10) ** 16 or number != number.quantize(Decimal("0.01")):
        errors.append(FieldError(name, "money"))
    return str(number)


def seconds(value: str, name: str, errors: list[FieldError]) -> str:
    """An ideal cycle time in seconds: above zero, at most a day."""
    if not value:
        errors.append(FieldError(name, "required"))
        return value
    number = decimal(value)
    if number is None:
        errors.append(FieldError(name, "number"))
        return value
    if number <= 0 or number > 86400:
        errors.append(FieldError(name, "cycle_range", {"max": 86400}))
    elif _decimals(number) > MAX_DECIMALS:
        errors.append(FieldError(name, "decimals", {"max": MAX_DECIMALS}))
    return str(number)


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def clock(value: str, name: str, errors: list[FieldError], *, required: bool = True) -> str:
    """A local time of day as HH:MM ('' when blank and allowed)."""
    if not value:
        if required:
            errors.append(FieldError(name, "required"))
        return ""
    match = _TIME.match(value)
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        errors.append(FieldError(name, "time"))
        return value
    return f"{int(match[1]):02d}:{match[2]}"


def parse_clock(value: str) -> time:
    """A checked HH:MM string as a time."""
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


MAX_UNIT = 16


def parse_signals(value: str) -> list[tuple[str, str, str]]:
    """Signals typed as ``name: unit, ...`` or ``name [unit], ...``: (id, name, unit)."""
    out = []
    for part in value.split(","):
        text_part = part.strip()
        if not text_part:
            continue
        name, unit = text_part, ""
        if ":" in text_part:
            name, _, unit = text_part.partition(":")
        elif text_part.endswith("]") and "[" in text_part:
            name, _, unit = text_part[:-1].partition("[")
        out.append((slug(name), name.strip(), unit.strip()))
    return out


def signal_problems(value: str) -> list[tuple[str, dict[str, object]]]:
    """What is wrong with a typed signal list: codes and values, empty when it is fine."""
    problems: list[tuple[str, dict[str, object]]] = []
    seen: set[str] = set()
    for signal_id, name, unit in parse_signals(value):
        if not signal_id:
            problems.append(("needs_letters", {}))
        elif signal_id in seen:
            problems.append(("duplicate", {"value": name}))
        elif len(name) > MAX_TEXT:
            problems.append(("too_long", {"max": MAX_TEXT}))
        elif len(unit) > MAX_UNIT:
            problems.append(("too_long", {"max": MAX_UNIT}))
        seen.add(signal_id)
    return problems
