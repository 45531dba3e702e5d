"""Reference lists for company attributes: provinces, KBLI divisions and size classes."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from pabrik.model.errors import InvalidRequestError

SIZES = ("small", "medium", "large")
# BPS: small industry employs 5-19 people, medium 20-99, large 100 or more.
MEDIUM_FROM, LARGE_FROM = 20, 100
_KBLI = re.compile(r"^\d{5}$")
_NIB = re.compile(r"^\d{13}$")
_TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def _load(name: str) -> dict[str, object]:
    text = resources.files("pabrik").joinpath("data", name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return {str(k): v for k, v in data.items()}


@cache
def provinces() -> tuple[str, ...]:
    """The 38 province names."""
    return tuple(str(v) for v in _load("provinces.yaml").values())


@cache
def kbli_divisions() -> dict[str, dict[str, str]]:
    """Manufacturing KBLI divisions with their names in Indonesian and English."""
    return {k: {str(a): str(b) for a, b in dict(v).items()} for k, v in _load("kbli.yaml").items()}  # type: ignore[call-overload]


def province_name(text: str) -> str:
    """The canonical name of a province, matched without regard to case and spacing."""
    wanted = " ".join(text.split()).casefold()
    for name in provinces():
        if name.casefold() == wanted:
            return name
    raise InvalidRequestError(f"unknown province {text!r}", reason="bad_province")


def kbli_code(text: str) -> str:
    """A 5-digit KBLI code in a manufacturing division."""
    code = text.strip()
    if not _KBLI.match(code) or code[:2] not in kbli_divisions():
        raise InvalidRequestError(f"not a manufacturing KBLI code: {text!r}", reason="bad_kbli")
    return code


def registration_no(text: str) -> str:
    """A 13-digit NIB (Nomor Induk Berusaha)."""
    code = text.strip()
    if not _NIB.match(code):
        raise InvalidRequestError("a NIB has 13 digits", reason="bad_registration")
    return code


def size_class(text: str) -> str:
    """small, medium or large."""
    size = text.strip().lower()
    if size not in SIZES:
        raise InvalidRequestError(f"unknown size {text!r}", reason="bad_size")
    return size


def size_of_workforce(people: int) -> str:
    """The size class of a company by its workforce."""
    if people < 0:
        raise InvalidRequestError("a workforce cannot be negative", reason="bad_size")
    if people >= LARGE_FROM:
        return "large"
    return "medium" if people >= MEDIUM_FROM else "small"


def tenant_id(text: str) -> str:
    """A tenant id: lower-case letters, digits, '-' and '_'."""
    if not _TENANT_ID.match(text):
        raise InvalidRequestError(
            "a tenant id has lower-case letters, digits, '-' and '_'", reason="bad_tenant_id"
        )
    return text
