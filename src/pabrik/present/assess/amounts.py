"""Rupiah amounts as people type them: "Rp150juta", "1,5 miliar", "Rp 1.500.000.000"."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from pabrik.model.errors import InvalidRequestError

# Spoken units of Indonesian (and English) amounts, longest first so "jt" never eats "juta".
UNITS = {
    "triliun": 10**12,
    "trillion": 10**12,
    "miliar": 10**9,
    "milyar": 10**9,
    "billion": 10**9,
    "juta": 10**6,
    "million": 10**6,
    "ribu": 10**3,
    "thousand": 10**3,
    "jt": 10**6,
    "rb": 10**3,
    "m": 10**9,
    "k": 10**3,
}
MAX_RUPIAH = 10**15
MAX_LENGTH = 40
_AMOUNT = re.compile(r"^(?P<number>\d[\d.,]*)(?P<unit>[a-z]*)$")
_MINUS = ("-", "−", "–")


def _error(reason: str, text: str) -> InvalidRequestError:
    return InvalidRequestError(f"'{text[:MAX_LENGTH]}' is not a budget", reason=reason)


def _number(digits: str, has_unit: bool) -> Decimal:
    """Digits with Indonesian separators ("1.500.000", "1,5") or English ones ("1,500")."""
    groups = re.split(r"[.,]", digits)
    separators = re.findall(r"[.,]", digits)
    if not separators:
        return Decimal(digits)
    last, tail = separators[-1], groups[-1]
    thousands = all(len(g) == 3 for g in groups[1:]) and 0 < len(groups[0]) <= 3
    # One separator before a 3-digit group is a thousands mark ("150.000"), except the comma
    # after a number with a unit, which in Indonesian is always the decimal ("1,500 juta").
    decimal_mark = not thousands or (has_unit and last == "," and len(separators) == 1)
    if len(set(separators)) == 2:
        decimal_mark = separators.count(last) == 1
    if not decimal_mark:
        return Decimal("".join(groups))
    whole = "".join(groups[:-1])
    if any(c == last for c in separators[:-1]):
        raise InvalidOperation
    return Decimal(f"{whole}.{tail}")


def parse_rupiah(text: str | None) -> int | None:
    """Whole rupiah from a typed amount, None when empty; negatives and nonsense are refused."""
    raw = (text or "").strip()
    if not raw:
        return None
    if len(raw) > MAX_LENGTH:
        raise _error("bad_budget", raw)
    compact = re.sub(r"\s+", "", raw.lower())
    compact = re.sub(r"^(rp\.?|idr)", "", compact)
    if compact.startswith(_MINUS) or raw.startswith(_MINUS):
        raise _error("negative_budget", raw)
    match = _AMOUNT.match(compact)
    if match is None or (match["unit"] and match["unit"] not in UNITS):
        raise _error("bad_budget", raw)
    unit = UNITS.get(match["unit"], 1)
    try:
        value = _number(match["number"], bool(match["unit"])) * unit
    except InvalidOperation as err:
        raise _error("bad_budget", raw) from err
    if value > MAX_RUPIAH:
        raise _error("bad_budget", raw)
    return int(value.to_integral_value())
