"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.gzip import GZipMiddleware

from pabrik import __version__
from pabrik.present.i18n import Catalogues
from pabrik.runtime.accounts.access import build_accounts
from pabrik.runtime.app import Runtime, build_runtime
from pabrik.runtime.assess.service import build_assessments
from pabrik.runtime.health.memory import memory_kept
from pabrik.runtime.settings import Settings
from pabrik.web.accounts import api as account_api
from pabrik.web.accounts import pages as account_pages
from pabrik.web.alarms import api as alarm_api
from pabrik.web.alarms import pages as alarm_pages
from pabrik.web.assess import api as assess_api
from pabrik.web.assess import pages as assess_pages
from pabrik.web.auth import authorize, body_allowed
from pabrik.web.config import pages as config_pages
from pabrik.web.connectors import pages as connector_pages
from pabrik.web.connectors import tools as connector_tools
from pabrik.web.deps import WebState
from pabrik.web.errors import install_error_handlers
from pabrik.web.federation import group as federation_group
from pabrik.web.federation import routes as federation_routes
from pabrik.web.federation import sharing as federation_sharing
from pabrik.web.federation import sharing_api as federation_sharing_api
from pabrik.web.health import routes as ops
from pabrik.web.kpi import api as kpi_api
from pabrik.web.kpi import pages as kpi_pages
from pabrik.web.limits import MEGABYTE, BodyLimit
from pabrik.web.notify import pages as notify_pages
from pabrik.web.notify.wiring import sender_running
from pabrik.web.partners import admin as partner_admin
from pabrik.web.partners import routes as partner_routes
from pabrik.web.plant import api, pages
from pabrik.web.plant import stops as stops_routes
from pabrik.web.programme import routes as programme_routes
from pabrik.web.programme import shared as programme_shared
from pabrik.web.programme import template as programme_template
from pabrik.web.render import Renderer
from pabrik.web.security import SecurityHeaders, warn_if_plain_http
from pabrik.web.setup import machines as machine_health_pages
from pabrik.web.setup import pages as setup_pages
from pabrik.web.terminal import api as terminal_api
from pabrik.web.terminal import pages as terminal_pages
from pabrik.web.terminal import quality as terminal_quality

STATIC_DIR = Path(__file__).parent / "static"


def create_app(
    settings: Settings, runtime: Runtime | None = None, *, live: bool = False
) -> FastAPI:
    """The dashboard and API over ``runtime`` (built, and later closed, here when not given)."""
    # With ``live`` the lifespan starts and stops the runtime's background simulation and ingest.
    owned = runtime is None
    rt = build_runtime(settings) if runtime is None else runtime
    app = FastAPI(
        title="pabrik",
        version=__version__,
        summary="Smart-factory dashboard and API",
        lifespan=_lifespan(rt, live=live, owned=owned),
        docs_url=None,
        redoc_url=None,
        # Every route passes one check: who is asking and whether their role may (issue 7).
        dependencies=[Depends(authorize)],
    )
    app.state.pabrik = WebState(settings, rt, Catalogues.load(settings.locale), Renderer(rt.plant))
    app.state.assessments = build_assessments(rt)
    app.state.accounts = build_accounts(rt)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(SecurityHeaders)
    warn_if_plain_http(settings)
    app.add_middleware(
        BodyLimit,
        body_bytes=settings.body_limit_mb * MEGABYTE,
        upload_bytes=settings.upload_limit_mb * MEGABYTE,
        gate=body_allowed,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(ops.router)
    app.include_router(pages.router)
    app.include_router(kpi_api.api)
    app.include_router(kpi_pages.pages)
    app.include_router(assess_api.router)
    app.include_router(assess_pages.router)
    app.include_router(stops_routes.api)
    app.include_router(stops_routes.pages)
    app.include_router(alarm_api.api)
    app.include_router(alarm_pages.pages)
    app.include_router(notify_pages.router)
    app.include_router(terminal_api.api)
    app.include_router(terminal_pages.pages)
    app.include_router(terminal_quality.api)
    app.include_router(terminal_quality.pages)
    app.include_router(programme_routes.api)
    app.include_router(programme_routes.pages)
    app.include_router(programme_template.router)
    app.include_router(programme_shared.api)
    app.include_router(programme_shared.pages)
    app.include_router(federation_sharing.router)
    app.include_router(federation_sharing_api.api)
    app.include_router(federation_group.api)
    app.include_router(federation_group.pages)
    app.include_router(partner_admin.router)
    app.include_router(partner_routes.router)
    app.include_router(account_api.router)
    app.include_router(account_pages.router)
    app.include_router(connector_pages.pages)
    app.include_router(connector_tools.partials)
    app.include_router(config_pages.pages)
    app.include_router(federation_routes.api)
    app.include_router(setup_pages.router)
    app.include_router(machine_health_pages.router)
    _add_docs(app)
    install_error_handlers(app)
    return app


def _add_docs(app: FastAPI) -> None:
    """Swagger UI at ``/docs`` from the vendored copy, so it works offline."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        vendor = "/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="pabrik API",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js?v={__version__}",
            swagger_css_url=f"{vendor}/swagger-ui.css?v={__version__}",
            swagger_favicon_url=f"/static/favicon.svg?v={__version__}",
            swagger_ui_parameters={"validatorUrl": None},
        )


def _lifespan(
    runtime: Runtime, *, live: bool, owned: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if live:
            await runtime.start()
        try:
            if live:  # the notification sender runs beside the live runtime (issue 14)
                # A server runs for months: keep malloc from holding freed memory (issue 11).
                async with sender_running(app), memory_kept():
                    yield
            else:
                yield
        finally:
            if live:
                await runtime.stop()
            if owned:
                runtime.close()

    return lifespan
