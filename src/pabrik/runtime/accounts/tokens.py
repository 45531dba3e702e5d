"""Secrets handed out once: password resets and changes, and API tokens for integrations."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import timedelta

from pabrik.model.errors import InvalidRequestError, NotFoundError
from pabrik.runtime.accounts.credentials import (
    TOKEN_PREFIX,
    check_password_rules,
    hash_password,
    new_secret,
    secret_hash,
    verify_password,
)
from pabrik.runtime.accounts.directory import CLI_ACTOR
from pabrik.runtime.accounts.errors import AuthenticationError
from pabrik.runtime.accounts.permissions import Role, load_permissions
from pabrik.runtime.accounts.sessions import TOUCH_EVERY
from pabrik.runtime.accounts.tenancy import Principal, TenantScope
from pabrik.runtime.accounts.throttle import Throttle, change_keys
from pabrik.storage.accounts import ResetRow, TokenRow, UserRow

RESET_VALID = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class NewToken:
    """An API token just made: the secret (shown once) and its record."""

    secret: str
    record: TokenRow


class Tokens(Throttle):
    """Reset tokens, password changes and API tokens."""

    def issue_reset(self, actor: str, user: UserRow) -> str:
        """A one-time reset token (shown once; valid for a day); older ones stop working."""
        token = new_secret()
        expires = self.clock() + RESET_VALID
        self.store.save_reset(ResetRow(secret_hash(token), user.id, expires))
        audit = self._audit(user.tenant_id, actor, "user.reset_issued", user.username)
        self.store.write_audit([audit])
        return token

    def reset_password(self, token: str, password: str) -> None:
        """Spend a reset token; a used, expired or unknown token fails the same way."""
        check_password_rules(password)
        digest = secret_hash(token)
        row = self.store.reset(digest)
        user = self.store.user(row.user_id) if row else None
        if row is None or user is None or row.used_at or row.expires_at <= self.clock():
            raise AuthenticationError("the reset token is not valid")
        audit = self._audit(user.tenant_id, user.username, "user.password_reset", user.username)
        if not self.store.use_reset(digest, user.id, hash_password(password), self.clock(), audit):
            raise AuthenticationError("the reset token is not valid")

    def change_password(self, principal: Principal, current: str, new: str) -> None:
        """A person changes their own password; other sessions end. Wrong guesses are throttled."""
        keys = change_keys(principal.user_id or "")
        self.check_throttle(keys)
        user = self.store.user(principal.user_id or "")
        if user is None or not verify_password(user.password_hash, current[:256]):
            self.count_failure(keys)
            raise AuthenticationError("the current password is wrong")
        self.store.clear_throttle(keys)
        check_password_rules(new)
        audit = self._audit(user.tenant_id, user.username, "user.password_change", user.username)
        new_hash = hash_password(new)
        if not self.store.change_password_hash(
            user.id, user.password_hash, new_hash, self.clock(), audit
        ):
            # Changed meanwhile by another session or a reset: this one proved the old password.
            raise AuthenticationError("the password was changed meanwhile; sign in again")

    def create_token(
        self, scope: TenantScope | None, *, label: str, role: Role, tenant_id: str
    ) -> NewToken:
        """A token for one tenant and one role; the secret is returned once, kept hashed."""
        self.ensure_site_tenant()
        if role not in load_permissions().token_roles:
            raise InvalidRequestError(f"tokens cannot carry the role {role}", reason="bad_role")
        self._check_grant(scope, role, tenant_id)
        self.tenant(tenant_id)
        text = label.strip()
        if not 1 <= len(text) <= 100:
            raise InvalidRequestError("a token needs a label", reason="bad_label")
        secret = new_secret(TOKEN_PREFIX)
        actor = scope.actor if scope else CLI_ACTOR
        row = TokenRow(
            secrets.token_hex(6),
            secret_hash(secret),
            tenant_id,
            role.value,
            text,
            actor,
            self.clock(),
        )
        after = {"label": text, "role": role.value, "id": row.id}
        self.store.save_token(
            row, [self._audit(tenant_id, actor, "token.create", row.id, after=after)]
        )
        return NewToken(secret, row)

    def tokens(self, scope: TenantScope) -> list[TokenRow]:
        """The tokens a manager may see."""
        return self.store.tokens(self._managed(scope))

    def revoke_token(self, scope: TenantScope | None, token_id: str) -> TokenRow:
        """Revoke a token at once; another tenant's token is 'not found'."""
        managed = None if scope is None else self._managed(scope)
        found = [t for t in self.store.tokens(managed) if t.id == token_id]
        if not found:
            raise NotFoundError("token not found", token=token_id)
        row = found[0]
        if row.revoked_at is not None:
            return row
        revoked = replace(row, revoked_at=self.clock())
        actor = scope.actor if scope else CLI_ACTOR
        audit = self._audit(
            row.tenant_id,
            actor,
            "token.revoke",
            row.id,
            before={"revoked": False},
            after={"revoked": True},
        )
        self.store.save_token(revoked, [audit])
        return revoked

    def token_principal(self, secret: str) -> Principal | None:
        """The integration behind a bearer token, or None when unknown or revoked."""
        if not secret.startswith(TOKEN_PREFIX) or len(secret) > 128:
            return None
        row = self.store.token_by_hash(secret_hash(secret))
        if row is None or row.revoked_at is not None:
            return None
        now = self.clock()
        if row.last_used is None or now - row.last_used >= TOUCH_EVERY:
            self.store.touch_token(row.id, now)
        return Principal(
            name=f"token:{row.id}",
            role=Role(row.role),
            home_tenant=row.tenant_id,
            tenants=(row.tenant_id,),
            active_tenant=row.tenant_id,
            via="token",
            token_id=row.id,
        )
