"""Pages to log in and out, reset a password, and manage people, tokens and companies."""

from __future__ import annotations

from fastapi import APIRouter

from pabrik.web.accounts import admin_pages, login_pages

# One router for the app to include; the pages live by audience in their own modules.
router = APIRouter(include_in_schema=False)
router.include_router(login_pages.router)
router.include_router(admin_pages.router)
