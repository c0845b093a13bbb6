"""The Litestar app factory (imported as ``ledger_http.app``).

``create_app()`` wires the ledger, the read models (with their runners in
this process, the embedded mode), authentication and the controllers.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from litestar import Litestar, Request, get
from litestar.datastructures import ResponseHeader, State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.security.jwt import JWTAuth

from ledger.application import Ledger
from ledger.settings import Settings
from ledger.store.access_log import AccessLog
from ledger.store.credentials import CredentialStore
from ledger_http.access_log import AccessLogController
from ledger_http.calendar import CalendarController
from ledger_http.cases import CaseController
from ledger_http.catalogue import CatalogueController
from ledger_http.common.auth import AuthUser, CachedToken, LoginThrottle, retrieve_user, token_secret
from ledger_http.common.errors import HANDLERS
from ledger_http.common.idempotency import IdempotencyStore
from ledger_http.common.outage import STORE_ERRORS, Outages, health_report
from ledger_http.common.request_log import outermost
from ledger_http.directory import AdminController, AuthController
from ledger_http.documents import DocumentController
from ledger_http.feedback import FeedbackController, SuggestionLetterController
from ledger_http.guidance import GuidanceController, guidance_methods
from ledger_http.guidance_platform import PlatformExportController
from ledger_http.integrity import LedgerDigestController
from ledger_http.legal_review import CreditRepairController, LegalReviewController, ListsFilingController
from ledger_http.matters import MatterController
from ledger_http.mediation import MediationController
from ledger_http.metrics import Metrics, metrics
from ledger_http.network import NetworkController
from ledger_http.register_reports import RegisterReportController
from ledger_http.registers import AuditController, QueueController, RegistryController, StatsController
from ledger_http.risk_assessment import RiskAssessmentController
from ledger_http.risk_points import RiskPointController
from ledger_http.supervision import SupervisionController
from ledger_http.typical_cases import TypicalCaseController
from ledger_http.web import csrf_config, session_config, static_router, template_config
from ledger_http.web.access_log import AccessLogPages
from ledger_http.web.admin import AdminPages
from ledger_http.web.aftercare import AftercarePages
from ledger_http.web.case import CasePages
from ledger_http.web.documents import DocumentPages
from ledger_http.web.feedback import FeedbackPages
from ledger_http.web.feedback_boxes import FeedbackBoxPages
from ledger_http.web.feedback_exports import FeedbackExportPages
from ledger_http.web.guidance import GuidancePages
from ledger_http.web.guidance_documents import GuidanceDocumentPages
from ledger_http.web.guidance_platform import GuidancePlatformPages
from ledger_http.web.legal_review import LegalReviewPages
from ledger_http.web.mediation import MediationPages
from ledger_http.web.network import NetworkPages
from ledger_http.web.network_documents import NetworkDocumentPages
from ledger_http.web.network_public import NetworkPublicPages
from ledger_http.web.oversight import OversightPages
from ledger_http.web.pages import PAGES, NewPasswordRequired, PageRefused, SignInRequired, refused_page, to_sign_in
from ledger_http.web.public import PublicPages
from ledger_http.web.public_risk_points import PublicRiskPointPages
from ledger_http.web.queues import QueuePages
from ledger_http.web.register_reports import RegisterReportPages
from ledger_http.web.registry import RegistryPages
from ledger_http.web.reversals import ReversalPages
from ledger_http.web.risk_assessment import RiskAssessmentPages
from ledger_http.web.risk_points import RiskPointPages
from ledger_http.web.stats import StatsPages
from ledger_http.web.steps import StepPages
from ledger_http.web.supervision import SupervisionPages
from ledger_http.web.typical_cases import TypicalCasePages
from projections.supervise import ProjectorProcess, RunnerThreads
from projections.views import Views

MAX_BODY = 1_000_000  # bytes; larger bodies get 413
# The workbench's pages add their Content-Security-Policy (ledger_http.web).
SECURITY_HEADERS = [ResponseHeader(name="X-Content-Type-Options", value="nosniff")]


@get("/health", operation_id="health", sync_to_thread=True, exclude_from_auth=True)
def health(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Liveness probe: ok or degraded and why (the database within its bound, the
    cache's listener, the projection runners: restarts, failing, polling)."""
    return health_report(request.app.state)


def create_app(
    settings: Settings | None = None,
    *,
    ledger: Ledger | None = None,
    projections: str = "thread",
    token_hours: float | None = None,
) -> Litestar:
    settings = settings or Settings.from_env()
    ledger = ledger or Ledger(settings)
    hours = token_hours if token_hours is not None else float(os.environ.get("LEDGER_TOKEN_HOURS", "8"))
    if not hours > 0:
        raise ValueError(f"token lifetime must be positive hours, got {hours} (LEDGER_TOKEN_HOURS)")
    jwt = JWTAuth[AuthUser, CachedToken](
        retrieve_user_handler=retrieve_user,
        token_cls=CachedToken,
        token_secret=token_secret(settings, dict(os.environ)),
        default_token_expiration=timedelta(hours=hours),
        # the workbench's pages sign in with a session of their own (ledger_http.web); /public/ is for anyone
        exclude=["/schema", "/health", "^/metrics$", "/auth/login", "^/$", "^/login$", "^/logout$", "^/w(/|$)", "^/static/", "^/public/"],
    )
    secret = token_secret(settings, dict(os.environ))
    secure_cookies = os.environ.get("LEDGER_SECURE_COOKIES", "") in ("1", "yes", "true")
    if projections not in ("thread", "process", "off"):
        raise ValueError(f"projections must be thread, process or off, got {projections!r}")
    supervisor: list[RunnerThreads | ProjectorProcess] = []

    async def start() -> None:
        # Commands run in threads (sync handlers). asyncio's default pool has
        # cpu_count + 4 of them (6 here), which capped how many saves could
        # share a group commit; they wait on the database, not on the CPU.
        threads = int(os.environ.get("LEDGER_REQUEST_THREADS", "16"))
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(threads, thread_name_prefix="ledger-request"))
        if projections == "thread":
            supervisor.append(RunnerThreads(settings).start())
        elif projections == "process":
            supervisor.append(ProjectorProcess(settings).start())

    def stop() -> None:
        for runners in supervisor:
            runners.stop()
        app.state.views.close()
        app.state.credentials.close()
        app.state.idempotency.close()
        app.state.access_log.close()
        app.state.outages.close()

    state: dict[str, Any] = {
        "settings": settings,
        "ledger": ledger,
        "views": Views(settings),
        "credentials": CredentialStore(settings),
        "idempotency": IdempotencyStore(settings),
        "access_log": AccessLog(settings),  # who saw resident IDs in full (ledger_http.common.request_log)
        "metrics_token": os.environ.get("LEDGER_METRICS_TOKEN", ""),
        "outages": Outages(settings),
        "throttle": LoginThrottle(),
        "jwt": jwt,
        "projections": lambda: supervisor[0].status() if supervisor else {"mode": "off"},
    }
    state["metrics"] = Metrics(State(state))  # its collectors read the state when scraped
    app = Litestar(
        route_handlers=[
            # the workbench's pages (ledger_http.web)
            *PAGES, QueuePages, CasePages, StepPages, AftercarePages, ReversalPages, RegistryPages, DocumentPages, GuidanceDocumentPages, GuidancePages, GuidancePlatformPages,
            SupervisionPages, FeedbackPages, FeedbackBoxPages, FeedbackExportPages, LegalReviewPages, MediationPages, AdminPages, StatsPages, OversightPages, RegisterReportPages, PublicPages, NetworkPages, NetworkDocumentPages, NetworkPublicPages, AccessLogPages, TypicalCasePages, RiskAssessmentPages, RiskPointPages, PublicRiskPointPages, static_router(),
            # the JSON API
            health, metrics, AccessLogController, AuthController, AdminController, CaseController, QueueController,
            RegistryController, AuditController, StatsController, CalendarController, LedgerDigestController,
            CatalogueController, SupervisionController, DocumentController, GuidanceController, PlatformExportController, guidance_methods,
            RegisterReportController,
            TypicalCaseController, RiskAssessmentController,
            MatterController,
            MediationController,
            RiskPointController,
            NetworkController,
            FeedbackController, SuggestionLetterController,
            LegalReviewController, ListsFilingController, CreditRepairController,
        ],
        on_app_init=[jwt.on_app_init, outermost],  # outermost: the request log (ledger_http.common.request_log)
        middleware=[session_config(secret, secure_cookies).middleware],
        csrf_config=csrf_config(secret, secure_cookies),
        template_config=template_config(),
        response_headers=SECURITY_HEADERS,
        on_startup=[start],
        on_shutdown=[stop],
        exception_handlers={**HANDLERS, **STORE_ERRORS, SignInRequired: to_sign_in, NewPasswordRequired: to_sign_in,
                            PageRefused: refused_page},  # type: ignore[dict-item]
        request_max_body_size=MAX_BODY,
        state=State(state),
        openapi_config=OpenAPIConfig(
            title="行政执法全流程指导服务 case ledger",
            version="0.1.0",
            description="Every action on a guidance case as an immutable, attributed event.",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
        ),
    )
    return app
