"""The plant's HTTPS client to its central: one kept-alive connection, the central's CA pinned."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pabrik.model.errors import StoreUnavailableError
from pabrik.runtime.accounts.errors import ForbiddenError

REFUSED = (401, 403)


class CentralUnavailableError(StoreUnavailableError):
    """The central did not confirm (down, unreachable, or an error): send again later."""


class CentralRefusedError(ForbiddenError):
    """The central refused this plant's credential or batch (revoked, another tenant's)."""


@dataclass(frozen=True, slots=True)
class CentralTarget:
    """Where the central is and how this plant proves who it is."""

    url: str
    credential: str
    ca_file: Path | None = None
    timeout_s: float = 30.0


class CentralClient:
    """POSTs JSON to the central over TLS (or plain http for a loopback test) and keeps alive."""

    def __init__(self, target: CentralTarget) -> None:
        self.target = target
        parts = urlsplit(target.url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._base = parts.path.rstrip("/")
        self._context = ssl.create_default_context(
            cafile=str(target.ca_file) if target.ca_file else None
        )
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self._https:
                self._conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self.target.timeout_s, context=self._context
                )
            else:
                self._conn = http.client.HTTPConnection(
                    self._host, self._port, timeout=self.target.timeout_s
                )
        return self._conn

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        """POST and return the JSON answer; raise unavailable or refused."""
        headers = {
            "Authorization": f"Bearer {self.target.credential}",
            "Content-Type": "application/json",
        }
        try:
            conn = self._connection()
            conn.request("POST", f"{self._base}{path}", body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as err:
            self.close()
            raise CentralUnavailableError(f"central unreachable: {err}") from err
        if response.status in REFUSED:
            raise CentralRefusedError(
                f"central refused ({response.status}): {data[:300]!r}", status=response.status
            )
        if response.status != 200:
            self.close()
            raise CentralUnavailableError(f"central answered {response.status}: {data[:300]!r}")
        answer: dict[str, Any] = json.loads(data) if data else {}
        return answer

    def close(self) -> None:
        """Drop the connection (a new one is made on the next post)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
