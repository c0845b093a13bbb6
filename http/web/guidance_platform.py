"""报送 to the municipal platform in the workbench: what has not been sent
yet (never exported, or changed since), one button to draw the file and
record the export, and the exports made (who, when, how many, SHA-256)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.response import Template

from ledger.errors import LedgerError
from ledger.guidance.platform import EXPORTERS, LAYOUT_VERSION
from ledger.scope import Reach
from ledger_http.guidance_platform import export_acts
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, caught_up, in_thread, page, page_scope, page_user
from projections.guidance.export import platform_line


class GuidancePlatformPages(Controller):
    path = "/w/guidance/platform"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def pending(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        unit = str(request.query_params.get("unit") or "").strip()[:80] or None
        await caught_up(request, "guidance")
        views = request.app.state.views
        rows = await in_thread(views.platform_rows, scope, unit=unit)
        exports = await in_thread(views.platform_exports, scope, unit=unit)
        return page(request, user, "guidance_platform.html", lines=[platform_line(r, scope.role) for r in rows],
                    exports=exports, unit=unit or "", unit_locked=scope.unit is not None,
                    can_export=user.role in EXPORTERS, layout=LAYOUT_VERSION, error=None)

    @post("/")
    async def export(self, request: AnyRequest) -> Response[bytes] | Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        form = await request.form()
        unit = str(form.get("unit") or "").strip() or None
        try:
            data, media, headers = await in_thread(export_acts, request, user, scope, unit=unit, unsent_only=True,
                                                   fmt=str(form.get("format") or "xlsx"))
        except LedgerError as e:
            views = request.app.state.views
            rows = await in_thread(views.platform_rows, scope, unit=unit)
            exports = await in_thread(views.platform_exports, scope, unit=unit)
            return page(request, user, "guidance_platform.html", status=422 if e.code == "invalid_input" else 409,
                        lines=[platform_line(r, scope.role) for r in rows], exports=exports, unit=unit or "",
                        unit_locked=scope.unit is not None, can_export=user.role in EXPORTERS,
                        layout=LAYOUT_VERSION, error=e.message)
        request.set_session({**request.session, "n": int(headers["X-Notification-Id"])})
        return Response(data, media_type=media, headers=headers)
