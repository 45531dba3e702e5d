"""Password hashes (argon2id) and random secrets that are kept only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pabrik.model.errors import InvalidRequestError

MIN_PASSWORD = 10
MAX_PASSWORD = 256
TOKEN_PREFIX = "pbk_"  # noqa: S105 - a public marker, not a secret

# OWASP's argon2id setting of 19 MiB, 2 passes, 1 lane: argon2-cffi's default (64 MiB, 3 passes,
# 4 lanes) cost 150 ms of CPU and 64 MiB per login, so 50 people logging in at once on a small
# plant PC queued for seconds and needed 3 GiB.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
# Verified when the account does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    """Refuse passwords that are too short, too long or one repeated character."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD or len(set(password)) < 4:
        raise InvalidRequestError(
            f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters, not all the same",
            reason="weak_password",
        )


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt."""
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches; always does the work of one verification."""
    try:
        return _HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether a verified hash was made with other parameters than new hashes get."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return False


def new_secret(prefix: str = "") -> str:
    """A URL-safe random secret with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """The SHA-256 of a high-entropy secret (enough: it cannot be guessed, unlike a password)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
