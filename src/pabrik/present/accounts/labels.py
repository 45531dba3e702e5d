"""Message keys of accounts, roles, form problems and the programme view."""

from __future__ import annotations

from typing import Final

from pabrik.present.i18n import N_, Translator

ERROR_KEYS: Final[dict[str, str]] = {
    "unauthenticated": N_("acct.error.unauthenticated"),
    "forbidden": N_("acct.error.forbidden"),
    "csrf_failed": N_("acct.error.csrf_failed"),
    "rate_limited": N_("acct.error.rate_limited"),
}

REASON_KEYS: Final[dict[str, str]] = {
    "weak_password": N_("acct.reason.weak_password"),
    "bad_username": N_("acct.reason.bad_username"),
    "user_exists": N_("acct.reason.user_exists"),
    "tenant_required": N_("acct.reason.tenant_required"),
    "no_tenant": N_("acct.reason.no_tenant"),
    "tenant_exists": N_("acct.reason.tenant_exists"),
    "bad_tenant_id": N_("acct.reason.bad_tenant_id"),
    "bad_name": N_("acct.reason.bad_name"),
    "bad_registration": N_("acct.reason.bad_registration"),
    "bad_kbli": N_("acct.reason.bad_kbli"),
    "bad_province": N_("acct.reason.bad_province"),
    "bad_size": N_("acct.reason.bad_size"),
    "bad_role": N_("acct.reason.bad_role"),
    "bad_label": N_("acct.reason.bad_label"),
    "not_assessor": N_("acct.reason.not_assessor"),
    "bad_reason": N_("acct.reason.bad_reason"),
    "not_a_stop": N_("acct.reason.not_a_stop"),
    "bad_import": N_("acct.reason.bad_import"),
    "wrong_password": N_("acct.reason.wrong_password"),
}

ROLE_KEYS: Final[dict[str, str]] = {
    "company_admin": N_("acct.role.company_admin"),
    "engineer": N_("acct.role.engineer"),
    "operator": N_("acct.role.operator"),
    "assessor": N_("acct.role.assessor"),
    "programme_admin": N_("acct.role.programme_admin"),
    "analyst": N_("acct.role.analyst"),
    "system_admin": N_("acct.role.system_admin"),
}


def reason_text(translator: Translator, reason: object) -> str:
    """A form problem in words."""
    key = REASON_KEYS.get(str(reason))
    return translator.gettext(key) if key else translator.gettext("acct.reason.invalid")
