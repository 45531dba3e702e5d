"""Error hierarchy: every error has a stable code and details; text lives in locales."""

from __future__ import annotations

from typing import Any


class PabrikError(Exception):
    """Root of all pabrik errors."""

    code: str = "pabrik_error"

    def __init__(self, message: str = "", /, **details: Any) -> None:
        super().__init__(message or self.code)
        self.details: dict[str, Any] = details

    @property
    def message(self) -> str:
        """The English fallback text; delivery layers translate by ``code``."""
        return str(self.args[0])


class NotFoundError(PabrikError):
    """A plant object that does not exist (or that the caller may not see)."""

    code = "not_found"


class InvalidRequestError(PabrikError):
    """A request that cannot be answered as asked (bad window, unknown scope...)."""

    code = "invalid_request"


class ConfigIssue:
    """One problem in a configuration file, located by its path."""

    __slots__ = ("message", "path")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def __repr__(self) -> str:
        return f"ConfigIssue({self.path!r}, {self.message!r})"


class ConfigError(PabrikError):
    """A configuration file with one or more problems."""

    code = "config_invalid"

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        text = "\n".join(str(i) for i in issues)
        super().__init__(f"{source}: {len(issues)} problem(s)\n{text}", source=source)
        self.source = source
        self.issues = issues


class StoreUnavailableError(PabrikError):
    """The store cannot be reached or opened."""

    code = "store_unavailable"


class PortInUseError(PabrikError):
    """The web server cannot bind its port."""

    code = "port_in_use"


class BackupError(PabrikError):
    """A backup that cannot be made, or a backup folder that must not be restored."""

    code = "backup_invalid"
