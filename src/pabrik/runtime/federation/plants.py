"""The central's plants: per-plant credentials issued here, checked on every batch, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.model.records import to_epoch_ms
from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.health.storeadmin import open_store
from pabrik.runtime.settings import Settings
from pabrik.storage.federation import CentralStore, PlantRow
from pabrik.storage.store import Store

PREFIX = "pfp"
_PLANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _credential(plant_id: str) -> tuple[str, str]:
    secret = secrets.token_urlsafe(32)
    return f"{PREFIX}.{plant_id}.{secret}", _hash(secret)


def add_plant(store: CentralStore, plant_id: str, tenant_id: str, name: str, now: datetime) -> str:
    """Register a plant of a tenant and return its credential (shown once, kept hashed)."""
    if not _PLANT_ID.match(plant_id):
        raise InvalidRequestError("plant id: lower-case letters, digits, - and _", field="plant")
    credential, digest = _credential(plant_id)
    row = PlantRow(plant_id, tenant_id, name or plant_id, digest, to_epoch_ms(now))
    if not store.add_plant(row):
        raise InvalidRequestError("a plant with this id exists", field="plant")
    return credential


def rotate_credential(store: CentralStore, plant_id: str) -> str:
    """A new credential for a plant (the old one stops working; a revoked plant is restored)."""
    credential, digest = _credential(plant_id)
    if not store.set_plant_secret(plant_id, digest):
        raise NotFoundError("no such plant", plant=plant_id)
    return credential


def revoke_plant(store: CentralStore, plant_id: str, now: datetime) -> None:
    """Revoke a plant: its next request is refused."""
    if not store.revoke_plant(plant_id, to_epoch_ms(now)):
        raise NotFoundError("no such plant", plant=plant_id)


def authenticate_plant(store: CentralStore, credential: str) -> PlantRow:
    """The plant a credential belongs to, or ``AuthenticationError`` (unknown, wrong, revoked)."""
    prefix, _, rest = credential.partition(".")
    plant_id, _, secret = rest.rpartition(".")
    row = store.plant(plant_id) if prefix == PREFIX and plant_id and secret else None
    if row is None or not hmac.compare_digest(row.secret_hash, _hash(secret)):
        raise AuthenticationError("invalid plant credential")
    if row.revoked_at_ms is not None:
        raise AuthenticationError("the plant credential is revoked")
    return row


def plant_of_header(store: CentralStore, authorization: str) -> PlantRow:
    """The plant of an ``Authorization: Bearer`` header, or ``AuthenticationError``."""
    scheme, _, credential = authorization.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        raise AuthenticationError("a plant credential is needed")
    return authenticate_plant(store, credential.strip())


@contextmanager
def plant_admin(data_dir: Path, database_url: str) -> Iterator[Store]:
    """The central's store for one plant or sharing command: migrated, and closed after."""
    store = open_store(Settings(data_dir=data_dir, database_url=database_url))
    try:
        store.upgrade()
        yield store
    finally:
        store.close()
