"""Account use cases: tenants, users, login with throttling, sessions, API tokens, resets."""

from __future__ import annotations

from pabrik.runtime.accounts.sessions import Sessions
from pabrik.runtime.accounts.tokens import Tokens


class Accounts(Sessions, Tokens):
    """Tenants, people, sessions and tokens over an account store."""
