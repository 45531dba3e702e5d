"""Where account pages send people: redirects on this site and a person's landing page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse

from pabrik.runtime.accounts.tenancy import Principal, plant_tenant
from pabrik.web.deps import web_state

SEE_OTHER = 303


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


def redirect(request: Request, path: str) -> RedirectResponse:
    """A 303 to a path under the app's root."""
    return RedirectResponse(f"{_root(request)}{path}", status_code=SEE_OTHER)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site, never another host (``//evil``) or a scheme."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def landing(request: Request, principal: Principal) -> str:
    """Where a person starts: their plant, their assessments, or the programme view."""
    owner = plant_tenant(web_state(request).runtime.plant.site.tenant)
    if principal.can("plant.view") and principal.active_tenant == owner:
        return "/"
    if principal.can("assess.view") and principal.active_tenant:
        return "/assess"
    if principal.can("programme.view"):
        return "/programme"
    return "/account"
