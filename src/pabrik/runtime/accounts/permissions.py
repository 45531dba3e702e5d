"""Roles and the actions they may take, read from ``data/permissions.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

import yaml

from pabrik.model.errors import ConfigError, ConfigIssue


class Role(StrEnum):
    """What a person or token does for a tenant (or, for the last three, across companies)."""

    COMPANY_ADMIN = "company_admin"
    ENGINEER = "engineer"
    OPERATOR = "operator"
    ASSESSOR = "assessor"
    PROGRAMME_ADMIN = "programme_admin"
    ANALYST = "analyst"
    SYSTEM_ADMIN = "system_admin"


# Roles that belong to one company; the others work across companies.
COMPANY_ROLES = (Role.COMPANY_ADMIN, Role.ENGINEER, Role.OPERATOR)
PERMISSIONS_FILE = ("data", "permissions.yaml")


@dataclass(frozen=True, slots=True)
class Permissions:
    """The role × action matrix, the routes' actions and the public routes with reasons."""

    actions: dict[str, str]
    roles: dict[Role, frozenset[str]]
    token_roles: frozenset[Role]
    public: dict[str, str]
    routes: dict[str, str]

    def allows(self, role: Role, action: str) -> bool:
        """Whether a role may take an action."""
        return action in self.roles.get(role, frozenset())

    def action_of(self, method: str, path: str) -> str | None:
        """The action a route needs, ``public`` for public routes, None when unlisted."""
        key = f"{method} {path}"
        if key in self.public:
            return "public"
        return self.routes.get(key)


def _text(data: object, source: str) -> dict[str, str]:
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigIssue("", "expected a mapping")])
    return {str(k): str(v) for k, v in data.items()}


def parse_permissions(data: object, source: str = "permissions.yaml") -> Permissions:
    """Check and build the matrix: every role and route names known actions only."""
    if not isinstance(data, dict):
        raise ConfigError(source, [ConfigIssue("", "expected a mapping")])
    actions = _text(data.get("actions"), source)
    issues: list[ConfigIssue] = []
    roles: dict[Role, frozenset[str]] = {}
    for name, granted in dict(data.get("roles") or {}).items():
        if name not in {r.value for r in Role}:
            issues.append(ConfigIssue(f"roles.{name}", "unknown role"))
            continue
        unknown = sorted(set(granted) - set(actions))
        if unknown:
            issues.append(ConfigIssue(f"roles.{name}", f"unknown actions: {', '.join(unknown)}"))
        roles[Role(name)] = frozenset(str(a) for a in granted)
    routes = _text(data.get("routes"), source)
    for route, action in routes.items():
        if action not in actions:
            issues.append(ConfigIssue(f"routes.{route}", f"unknown action {action!r}"))
    if issues:
        raise ConfigError(source, issues)
    token_roles = frozenset(Role(r) for r in data.get("token_roles") or [])
    return Permissions(actions, roles, token_roles, _text(data.get("public"), source), routes)


@cache
def load_permissions() -> Permissions:
    """The matrix shipped with pabrik."""
    path = resources.files("pabrik").joinpath(*PERMISSIONS_FILE)
    return parse_permissions(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
