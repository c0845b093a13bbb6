"""Guidance acts for the municipal platform (seed 001 三(三)) over HTTP.

``GET /guidance/platform-export`` lists what has not been sent yet (never
exported, or changed since); ``POST /guidance/platform-exports`` draws the
file (CSV or XLSX in the documented layout) of those acts and records the
export — which acts at which versions, the file's SHA-256, who, when — in
the same request; ``GET /guidance/platform-exports`` lists past exports.
Scope as for guidance reads: a unit's staff their unit's acts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from ledger.errors import Conflict, InvalidInput
from ledger.guidance.commands import RecordPlatformExport
from ledger.guidance.platform import LAYOUT_VERSION, ExportedAct
from ledger.scope import Reach, Scope
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import WAIT_SECONDS, attachment, scope_of, wait_for_reads
from projections import workbook
from projections.guidance.export import platform_csv, platform_line, platform_xlsx
from projections.rebuild import content_hash
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[AuthUser, Any, Any]


class PlatformExportBody(msgspec.Struct, kw_only=True):
    """``unit``: whose acts (default: the caller's unit for unit staff, every
    unit for the office); ``unsent_only``: only what was not sent yet."""

    format: str = "xlsx"
    unit: str | None = None
    unsent_only: bool = True


def platform_file(rows: list[dict[str, Any]], scope: Scope, fmt: str) -> tuple[bytes, str]:
    if fmt == "csv":
        return platform_csv(rows, scope.role), "text/csv; charset=utf-8"
    return platform_xlsx(rows, scope.role), workbook.MEDIA_TYPE


def export_acts(request: AnyRequest, user: AuthUser, scope: Scope, *, unit: str | None, unsent_only: bool,
                fmt: str) -> tuple[bytes, str, dict[str, str]]:
    """Draw the export file and record it: (file, media type, headers)."""
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput.one("format", "unknown_format", "格式应为 csv 或 xlsx")
    unit = scope.unit_filter(unit)
    # what is unsent is read from the view: first let it reach the log's head,
    # or an export just recorded would be sent again
    state = request.app.state
    head = state.ledger.recorder.max_notification_id() or 0
    if not wait_for_views(state.settings, ("guidance",), head, WAIT_SECONDS):
        raise Conflict(f"读模型{WAIT_SECONDS:.0f}秒内未更新到最新记录，请稍后重试")
    rows = state.views.platform_rows(scope, unit=unit, unsent_only=unsent_only)
    data, media = platform_file(rows, scope, fmt)
    digest = content_hash(data)
    acts = tuple(ExportedAct(guidance_id=UUID(r["guidance_id"]), version=int(r["content_version"]), unit=r["unit"])
                 for r in rows)
    # no idempotency key: a retry is another export of what is then unsent
    result = msgspec.json.decode(run_command(
        request.app.state, user, RecordPlatformExport(unit=unit, acts=acts, format=fmt, sha256=digest), None))
    stamp = datetime.now(CST).strftime("%Y%m%d-%H%M")
    name = f"行政指导报送-{unit or '全部单位'}-{stamp}.{fmt}"
    headers = {"X-Content-SHA256": digest, "X-Export-Id": str(result["case_id"]),
               "X-Notification-Id": str(result["notification_id"]), "X-Layout-Version": LAYOUT_VERSION,
               "Content-Disposition": attachment(name, f"guidance-platform-{stamp}.{fmt}")}
    return data, media, headers


class PlatformExportController(Controller):
    path = "/guidance"
    tags = ["guidance"]

    @get("/platform-export", responses=ERRORS, operation_id="getGuidancePlatformPending", sync_to_thread=True)
    def pending(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        unsent_only: bool = QueryParameter(name="unsent_only", default=True),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """The acts an export would hold now, in the platform layout (nothing recorded)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, ("guidance",), wait_for)
        rows = request.app.state.views.platform_rows(scope, unit=unit, unsent_only=unsent_only)
        return [{k: v for k, v in platform_line(r, scope.role).items() if k != "updated_at"} for r in rows]

    @post("/platform-exports", responses=ERRORS, operation_id="exportGuidanceToPlatform", status_code=200,
          sync_to_thread=True)
    def export(self, request: AnyRequest, data: JSONBody[PlatformExportBody]) -> Response[bytes]:
        """Export (and record the export of) the acts not sent yet, as the
        platform's file; ``X-Export-Id`` and ``X-Content-SHA256`` name it."""
        scope = scope_of(request, Reach.CASES)
        body, media, headers = export_acts(request, request.user, scope, unit=data.unit,
                                           unsent_only=data.unsent_only, fmt=data.format)
        return Response(body, media_type=media, headers=headers)

    @get("/platform-exports", responses=ERRORS, operation_id="listGuidancePlatformExports", sync_to_thread=True)
    def exports(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Past exports, newest first: when, by whom, how many acts, format, SHA-256."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, ("guidance",), wait_for)
        return request.app.state.views.platform_exports(scope, unit=unit)
