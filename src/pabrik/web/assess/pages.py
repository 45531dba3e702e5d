"""Assessment pages: history, wizard, results, roadmap, reports, exports and attachments."""

from __future__ import annotations

from fastapi import APIRouter

from pabrik.web.assess import exports, result_pages, wizard_pages

# One router for the app to include, in the order the routes were declared: the wizard's
# fixed paths (``/assess/questionnaire.pdf``) come before ``/assess/{assessment_id}``.
router = APIRouter(include_in_schema=False)
router.include_router(wizard_pages.router)
router.include_router(result_pages.router)
router.include_router(exports.router)
