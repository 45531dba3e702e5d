"""Company-facing directory pages: browse, who can help with a roadmap, and contact requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from pabrik.model.errors import InvalidRequestError
from pabrik.present.assess.amounts import parse_rupiah
from pabrik.runtime.accounts.tenancy import TenantScope
from pabrik.runtime.partners.entries import Entry
from pabrik.runtime.partners.match import CompanyFacts
from pabrik.web.assess.responses import redirect
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import AssessmentsDep, FormatterDep, RendererDep
from pabrik.web.partners.deps import PartnersDep, vocabulary

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Text = Annotated[str, Query(max_length=100)]


def _filtered(entries: list[Entry], group: str, province: str, tag: str) -> list[Entry]:
    out = [e for e in entries if e.active]
    if group:
        out = [e for e in out if e.group == group]
    if province:
        out = [e for e in out if not e.tag("provinces") or province in e.tag("provinces")]
    if tag:
        out = [e for e in out if tag in e.tag("practices") or tag in e.tag("skills")]
    return out


@router.get("/partners")
def directory(
    request: Request,
    partners: PartnersDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    group: Text = "",
    province: Text = "",
    tag: Text = "",
) -> HTMLResponse:
    """The directory: solution providers, training institutions and support programmes."""
    entries = partners.entries()
    context = {
        "page": "partners",
        "entries": _filtered(entries, group, province, tag),
        "any_sample": any(e.sample for e in entries),
        "v": vocabulary(partners, fmt),
        "chosen": {"group": group, "province": province, "tag": tag},
    }
    return renderer.render(request, "partners/directory.html", fmt, context)


def _plan(budget: str, start: str) -> tuple[int | None, date | None]:
    """The roadmap page's budget and start; one the page refused plans without it."""
    try:
        amount = parse_rupiah(budget) if budget else None
    except InvalidRequestError:
        amount = None
    try:
        first_day = date.fromisoformat(start[:10]) if start else None
    except ValueError:
        first_day = None
    return amount, first_day


@router.get("/partners/help/{assessment_id}")
def help_panel(
    request: Request,
    assessment_id: str,
    svc: AssessmentsDep,
    partners: PartnersDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    budget: Text = "",
    start: Text = "",
) -> HTMLResponse:
    """Who can help with each step of the roadmap as planned, and each skills gap, nearby."""
    amount, first_day = _plan(budget, start)
    roadmap = svc.roadmap(assessment_id, budget=amount, start=first_day)
    found = partners.company(svc.tenant_id)
    company = CompanyFacts(found.province, found.division, roadmap.size.value)
    loc, pool = fmt.locale, partners.entries()  # read once for every step and need
    steps = [
        (s.practice_id, partners.help(company, practice=s.practice_id, locale=loc, entries=pool))
        for s in roadmap.steps
    ]
    needs = [
        (n.role, n.topics, partners.help(company, topics=n.topics, locale=loc, entries=pool))
        for n in svc.training(roadmap)
    ]
    context = {
        "page": "assess",
        "assessment_id": assessment_id,
        "company": company,
        "steps": steps,
        "needs": needs,
        "v": vocabulary(partners, fmt),
    }
    fragment = request.headers.get("hx-request") == "true"
    name = "partners/_help_panel.html" if fragment else "partners/help.html"
    return renderer.render(request, name, fmt, context)


def _contact_page(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    partners: PartnersDep,
    scope: TenantScope,
    partner_id: str,
    topic: str,
    *,
    sent: bool = False,
    error: str = "",
) -> HTMLResponse:
    tenant = scope.require_tenant()
    context = {
        "page": "partners",
        "entry": partners.entry(partner_id),
        "topic": topic,
        "shared": partners.shared(tenant, scope.actor, topic, ""),
        "sent": sent,
        "mine": [c for c in partners.contacts(tenant) if c.partner_id == partner_id],
        "v": vocabulary(partners, fmt),
        "error": error,
    }
    status = 422 if error else 200
    return renderer.render(request, "partners/contact.html", fmt, context, status_code=status)


@router.get("/partners/{partner_id}/contact")
def contact_form(
    request: Request,
    partner_id: str,
    scope: ScopeDep,
    partners: PartnersDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    topic: Text = "",
    sent: int = 0,
) -> HTMLResponse:
    """What a contact request would share, shown before anything is sent."""
    args = (request, renderer, fmt, partners, scope, partner_id, topic)
    return _contact_page(*args, sent=bool(sent))


@router.post("/partners/{partner_id}/contact", response_model=None)
async def send_contact(
    request: Request,
    partner_id: str,
    scope: ScopeDep,
    partners: PartnersDep,
    renderer: RendererDep,
    fmt: FormatterDep,
) -> HTMLResponse | RedirectResponse:
    """Log the company's deliberate request (and audit it); nothing is shared otherwise."""
    form = await request.form()
    topic = str(form.get("topic") or "")[:100]
    message = str(form.get("message") or "")
    if str(form.get("consent") or "") != "yes":
        error = fmt.translator.gettext("partners.contact.consent_needed")
        args = (request, renderer, fmt, partners, scope, partner_id, topic)
        return _contact_page(*args, error=error)
    partners.contact(scope.require_tenant(), scope.actor, partner_id, topic, message, consent=True)
    return redirect(request, f"/partners/{partner_id}/contact?sent=1&topic={quote(topic)}")
