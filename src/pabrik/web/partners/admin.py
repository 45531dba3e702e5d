"""Managing the directory (programme admins): create, edit, import with row errors, audit."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from pabrik.model.errors import InvalidRequestError
from pabrik.runtime.partners.directory import ImportReport
from pabrik.runtime.partners.entries import TAGS
from pabrik.runtime.partners.template import template_csv
from pabrik.runtime.programme.sheets import MAX_BYTES
from pabrik.web.assess.responses import download, redirect
from pabrik.web.auth import ScopeDep
from pabrik.web.deps import FormatterDep, RendererDep
from pabrik.web.partners.deps import PartnersDep, vocabulary

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
FIELDS = ("id", "kind", "name", "origin", "description", "website", "email", "active")


def _page(
    request: Request,
    renderer: RendererDep,
    fmt: FormatterDep,
    partners: PartnersDep,
    *,
    editing: dict[str, object] | None = None,
    report: ImportReport | None = None,
    error: str = "",
) -> HTMLResponse:
    context = {
        "page": "partners",
        "entries": partners.entries(),
        "contacts": partners.contacts(None),
        "audit": partners.audit(50),
        "v": vocabulary(partners, fmt),
        "editing": editing or {},
        "report": report,
        "error": error,
    }
    status = 422 if error else 200
    return renderer.render(request, "partners/admin.html", fmt, context, status_code=status)


@router.get("/partners/admin")
def admin_page(
    request: Request, renderer: RendererDep, fmt: FormatterDep, partners: PartnersDep
) -> HTMLResponse:
    """Entries, the form for a new one, the import and the contact requests."""
    return _page(request, renderer, fmt, partners)


@router.get("/partners/admin/template.csv")
def template() -> Response:
    """The import's columns with one example row (marked contoh / sample)."""
    return download(template_csv().encode("utf-8"), "text/csv; charset=utf-8", "mitra.csv")


@router.get("/partners/admin/{partner_id}")
def edit_page(
    request: Request,
    partner_id: str,
    renderer: RendererDep,
    fmt: FormatterDep,
    partners: PartnersDep,
) -> HTMLResponse:
    """The form filled with one entry."""
    e = partners.entry(partner_id)
    data: dict[str, object] = {
        "id": e.id, "kind": e.kind, "name": e.name, "origin": e.origin,
        "description": e.description, "website": e.website, "email": e.email,
        "active": e.active, "sample": e.sample, "existing": True,
        **{k: list(e.tag(k)) for k in TAGS},
    }  # fmt: skip
    return _page(request, renderer, fmt, partners, editing=data)


def _form_data(form: FormData) -> dict[str, object]:
    data: dict[str, object] = {k: str(form.get(k) or "") for k in FIELDS}
    data["active"] = "yes" if form.get("active") else "no"
    data["sample"] = "yes" if form.get("sample") else "no"
    for tag in TAGS:
        data[tag] = [str(v) for v in form.getlist(tag) if str(v).strip()]
    return data


@router.post("/partners/admin", response_model=None)
async def save_entry(
    request: Request,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    partners: PartnersDep,
) -> HTMLResponse | RedirectResponse:
    """Create or edit an entry; a refused form comes back with every problem."""
    form = await request.form()
    data = _form_data(form)
    new = str(form.get("mode") or "") != "edit"
    try:
        partners.save(scope.actor, data, new=new)
    except InvalidRequestError as err:
        message = f"{fmt.translator.gettext('partners.admin.refused')} {err}"
        data["existing"] = not new
        return _page(request, renderer, fmt, partners, editing=data, error=message)
    return redirect(request, "/partners/admin")


@router.post("/partners/admin/import")
async def import_entries(
    request: Request,
    scope: ScopeDep,
    renderer: RendererDep,
    fmt: FormatterDep,
    partners: PartnersDep,
) -> HTMLResponse:
    """Import a .csv or .xlsx file and show what was saved and every refused row."""
    async with request.form(max_part_size=MAX_BYTES + 1) as form:
        upload = form.get("file")
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            error = fmt.translator.gettext("partners.admin.no_file")
            return _page(request, renderer, fmt, partners, error=error)
        data, name = await upload.read(MAX_BYTES + 1), upload.filename
    try:
        report = await run_in_threadpool(partners.import_file, scope.actor, data, name)
    except InvalidRequestError as err:
        error = f"{fmt.translator.gettext('partners.admin.unreadable')} {err}"
        return _page(request, renderer, fmt, partners, error=error)
    return _page(request, renderer, fmt, partners, report=report)
