"""Throttling guesses without handing anyone a way to lock another person out.

A login failure counts three ways. A name tried from one address locks that pair only; an
address trying many names locks the address; and a name tried from everywhere is slowed down
(a delay that doubles with each failure, capped), never locked, so five wrong passwords from
anywhere cannot keep its owner, or an admin, out for the whole window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pabrik.runtime.accounts.directory import Directory
from pabrik.runtime.accounts.errors import RateLimitedError
from pabrik.runtime.accounts.names import canonical
from pabrik.storage.accounts import ThrottleRow

MAX_DELAY = timedelta(seconds=60)
SECONDS_PER_MINUTE = 60


def login_keys(username: str, address: str) -> list[str]:
    """The pair (name, address), the name and the address a login failure counts against."""
    name = canonical(username[:256]).casefold()[:64]
    addr = address[:64]
    return [f"pair:{name}|{addr}", f"user:{name}", f"addr:{addr}"]


def change_keys(user_id: str) -> list[str]:
    """The key wrong current passwords on the change-password form count against."""
    return [f"change:{user_id}"]


class Throttle(Directory):
    """Failure counts in the store, and the locks and delays they lead to."""

    def _window(self) -> timedelta:
        return timedelta(minutes=self.settings.login_window_minutes)

    def check_throttle(self, keys: list[str]) -> None:
        """Refuse while any of the keys is locked or delayed."""
        now = self.clock()
        locked = [t for t in self.store.throttle(keys) if t.locked_until > now]
        if locked:
            wait = max(t.locked_until for t in locked) - now
            minutes = max(1, -(-int(wait.total_seconds()) // SECONDS_PER_MINUTE))
            raise RateLimitedError("too many failed attempts; try again later", minutes=minutes)

    def count_failure(self, keys: list[str]) -> None:
        """Count one failure against each key, locking or delaying where a limit is reached."""
        now = self.clock()
        known = {t.key: t for t in self.store.throttle(keys)}
        rows = []
        for key in keys:
            old = known.get(key)
            fresh = old is None or now - old.window_start > self._window()
            failures = 1 if fresh or old is None else old.failures + 1
            start = now if fresh or old is None else old.window_start
            rows.append(ThrottleRow(key, failures, start, self._locked_until(key, failures, now)))
        self.store.save_throttle(rows)

    def _locked_until(self, key: str, failures: int, now: datetime) -> datetime:
        if key.startswith("user:"):
            over = failures - self.settings.login_max_failures
            if over < 0:
                return now
            return now + min(MAX_DELAY, timedelta(seconds=2 ** min(over, 16)))
        limit = (
            self.settings.login_address_failures
            if key.startswith("addr:")
            else self.settings.login_max_failures
        )
        return now + self._window() if failures >= limit else now
