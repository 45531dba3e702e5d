"""The directory's service and the words its pages share."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Request

from pabrik.model.errors import StoreUnavailableError
from pabrik.present.formatting import Formatter
from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.partners.directory import Partners
from pabrik.runtime.partners.entries import GROUPS, KINDS, LANGUAGES, SIZES
from pabrik.runtime.programme.reference import kbli_divisions, provinces


def get_partners(request: Request) -> Partners:
    """The directory over the app's store, catalogue and clock."""
    service = getattr(request.app.state, "assessments", None)
    if service is None:
        raise StoreUnavailableError("this database backend cannot keep the directory yet")
    svc = cast(Assessments, service)
    return Partners(svc.store, svc.catalogue, svc.clock)


PartnersDep = Annotated[Partners, Depends(get_partners)]


def vocabulary(partners: Partners, fmt: Formatter) -> dict[str, Any]:
    """Names of every tag value in the reader's language, for lists, filters and forms."""
    loc = fmt.locale
    t = fmt.translator.gettext
    cat = partners.catalogue
    return {
        "groups": {g: t(f"partners.group.{g}") for g in GROUPS},
        "group_kinds": GROUPS,
        "kinds": {k: t(f"partners.kind.{k}") for k in KINDS},
        "origins": {"id": t("partners.origin.id"), "kr": t("partners.origin.kr"), "": ""},
        "languages": {code: t(f"partners.lang.{code}") for code in LANGUAGES},
        "sizes": {s: t(f"acct.size.{s}") for s in SIZES},
        "practices": {p.id: p.name.get(loc) for p in cat.practices},
        "skills": {k: v.get(loc) for k, v in cat.topics.items()},
        "roles": {k: v.get(loc) for k, v in cat.roles.items()},
        "kbli": {k: v.get(loc, v["id"]) for k, v in kbli_divisions().items()},
        "provinces": list(provinces()),
    }
