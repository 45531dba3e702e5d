"""The programme import's template to download (CSV and XLSX), for programme admins."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from pabrik.runtime.assess.service import Assessments
from pabrik.runtime.programme.template import template_csv, template_xlsx
from pabrik.web.assess.responses import download

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _service(request: Request) -> Assessments:
    service: Assessments = request.app.state.assessments
    return service


@router.get("/programme/import-template.csv")
def template_as_csv(request: Request) -> Response:
    """The columns the import reads, with two invented example rows."""
    svc = _service(request)
    text = template_csv(svc.registry.get("indi40"), svc.clock().year)
    return download(text.encode("utf-8"), "text/csv; charset=utf-8", "programme-template.csv")


@router.get("/programme/import-template.xlsx")
def template_as_xlsx(request: Request) -> Response:
    """The same template as an Excel workbook."""
    svc = _service(request)
    data = template_xlsx(svc.registry.get("indi40"), svc.clock().year)
    return download(data, XLSX, "programme-template.xlsx")
