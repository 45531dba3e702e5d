"""Sharing's form problems in words (other reasons fall back to the account wording)."""

from __future__ import annotations

from pabrik.present.accounts.labels import reason_text
from pabrik.present.i18n import Translator

SHARE_REASONS = frozenset(
    {"bad_url", "bad_token", "shared_already", "not_scored", "no_consent", "bad_share"}
)


def share_reason(translator: Translator, reason: object) -> str:
    """A sharing problem in words."""
    if str(reason) in SHARE_REASONS:
        return translator.gettext(f"share.reason.{reason}")
    return reason_text(translator, reason)
