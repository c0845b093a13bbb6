"""Reads from the projections: queues, registry, audit log, statistics; the calendar."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.calendar.commands import RecordYearSchedule
from ledger.errors import Conflict, InvalidInput
from ledger.scope import Reach, Scope, scope_for
from ledger.workdays import assumed_note
from ledger.case.values import ServiceType
from ledger.values import CST, DeadlineClass, local_instant
from ledger_http import schemas as s
from ledger_http.auth import AuthUser
from ledger_http.errors import ERRORS
from ledger_http.cases import execute
from projections.cases import CasesProjection
from projections.rebuild import content_hash, fold_as_of, resolve_cutoff
from projections.runner import wait_for as wait_for_views
from projections.views import display_registry_row, registry_csv, registry_order

AnyRequest = Request[AuthUser, Any, Any]
WAIT_SECONDS = 5.0


def scope_of(request: AnyRequest, reach: Reach = Reach.CASES) -> Scope:
    """The caller's scope over one kind of data (``ledger.scope``: the one rule)."""
    return scope_for(request.user.role, request.user.unit, reach)


def wait_for_reads(request: AnyRequest, views: tuple[str, ...], notification_id: int | None) -> None:
    """Read your own writes: wait (bounded) until the views reach the command's notification."""
    if notification_id is not None and not wait_for_views(
        request.app.state.settings, views, notification_id, WAIT_SECONDS
    ):
        raise Conflict(f"读模型{WAIT_SECONDS:.0f}秒内未更新到通知{notification_id}，请稍后重试")


def cutoff_of(request: AnyRequest, as_of: str) -> int:
    """The notification id an ``as_of`` (ISO time or notification id) cuts at."""
    try:
        cutoff, _ = resolve_cutoff(request.app.state.settings, as_of)
    except (ValueError, OverflowError):
        raise InvalidInput.one("as_of", "invalid_as_of", "as_of 应为 ISO 8601 时间或通知序号") from None
    return cutoff


def csv_response(data: bytes, headers: dict[str, str]) -> Response[bytes]:
    """A CSV export with its SHA-256 in a header (to cite it in an inspection)."""
    return Response(
        data, media_type="text/csv; charset=utf-8", headers={**headers, "X-Content-SHA256": content_hash(data)}
    )


class QueueController(Controller):
    path = "/queues"
    tags = ["reads"]

    @get("/{stage:str}", responses=ERRORS, operation_id="getQueue", sync_to_thread=True)
    def queue(
        self,
        request: AnyRequest,
        stage: FromPath[str],
        unit: str | None = QueryParameter(name="unit", default=None),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """A work queue: acceptance, dispatch, service, rating, follow_up, archiving."""
        scope = scope_of(request)
        wait_for_reads(request, ("cases",), wait_for)
        try:
            return request.app.state.views.queue(scope, stage, unit=unit, limit=limit, offset=offset)
        except ValueError as e:
            raise InvalidInput.one("stage", "unknown_stage", f"没有该环节：{stage}") from e


class RegistryController(Controller):
    path = "/registry"
    tags = ["reads"]

    @get("/", responses=ERRORS, operation_id="getRegistry", sync_to_thread=True)
    def registry(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        service_type: ServiceType | None = QueryParameter(name="service_type", default=None),
        case_state: str | None = QueryParameter(name="state", default=None),
        applied_from: datetime | None = QueryParameter(name="applied_from", default=None),
        applied_to: datetime | None = QueryParameter(name="applied_to", default=None),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        as_of: str | None = QueryParameter(name="as_of", default=None, description="ISO 8601 time or notification id"),
        format: str = QueryParameter(name="format", default="json", pattern="^(json|csv)$"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """The registry (台账), filtered and paged; ``as_of`` rebuilds it as the ledger knew it then."""
        scope = scope_of(request)
        if as_of is not None:
            unit = scope.unit_filter(unit)
            cutoff = cutoff_of(request, as_of)
            rows = registry_order(fold_as_of(request.app.state.settings, CasesProjection(), cutoff).values())
            if unit:
                rows = [r for r in rows if r["units"] and unit in r["units"].split("、")]
            if service_type:
                rows = [r for r in rows if service_type.value in (r["service_types"] or "").split(",")]
            if case_state:
                rows = [r for r in rows if r["state"] == case_state]
            headers = {"X-Ledger-Cutoff": str(cutoff)}
        else:
            wait_for_reads(request, ("cases",), wait_for)
            bounds = {
                field: local_instant(field, value).astimezone(CST).isoformat() if value else None
                for field, value in (("applied_from", applied_from), ("applied_to", applied_to))
            }
            rows = request.app.state.views.registry_rows(
                scope,
                unit=unit, service_type=service_type, state=case_state, **bounds,
                limit=None if format == "csv" else limit, offset=0 if format == "csv" else offset,
            )
            headers = {}
        if format == "csv":
            return csv_response(registry_csv(rows, scope.role), headers)
        if as_of is not None:
            rows = rows[offset : offset + limit]
        return Response([display_registry_row(r, scope.role) for r in rows], headers=headers)

    @get("/guidance-register", responses=ERRORS, operation_id="getGuidanceRegister", sync_to_thread=True)
    def guidance_register(
        self,
        request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
        unit: str | None = QueryParameter(name="unit", default=None),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """行政指导事项登记簿 (序号 · 时间 · 指导事项 · 指导结果 · 指导人员) of a
        year or a quarter (of one unit), paged; 序号 counts on across pages."""
        scope = scope_of(request)
        if quarter is not None and year is None:
            raise InvalidInput.one("year", "required", "按季度查询时须指定年份")
        wait_for_reads(request, ("cases",), wait_for)
        return request.app.state.views.guidance_register(scope, year, quarter, unit=unit, limit=limit, offset=offset)


class AuditController(Controller):
    path = "/audit"
    tags = ["reads"]

    @get("/", responses=ERRORS, operation_id="getAuditLog", sync_to_thread=True)
    def audit(
        self,
        request: AnyRequest,
        actor: str | None = QueryParameter(name="actor", default=None),
        unit: str | None = QueryParameter(name="unit", default=None),
        case_id: uuid.UUID | None = QueryParameter(name="case_id", default=None),
        action: str | None = QueryParameter(name="action", default=None),
        recorded_from: datetime | None = QueryParameter(name="recorded_from", default=None),
        recorded_to: datetime | None = QueryParameter(name="recorded_to", default=None),
        limit: int = QueryParameter(name="limit", default=500, ge=1, le=5000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Who did what, when, on what basis (supervisors and auditors: every
        event; administrators: the events of units, users, the calendar and the
        four lists, no case data)."""
        scope = scope_of(request, Reach.AUDIT)
        wait_for_reads(request, ("audit",), wait_for)
        return request.app.state.views.audit(
            scope,
            actor_id=actor, unit=unit, case_id=str(case_id) if case_id else None, action=action,
            recorded_from=local_instant("recorded_from", recorded_from) if recorded_from else None,
            recorded_to=local_instant("recorded_to", recorded_to) if recorded_to else None,
            limit=limit, offset=offset,
        )


class StatsController(Controller):
    path = "/stats"
    tags = ["reads"]

    @get("/", responses=ERRORS, operation_id="getStats", sync_to_thread=True)
    def stats(
        self,
        request: AnyRequest,
        by: str = QueryParameter(name="by", default="unit", pattern="^(unit|service_type|month|quarter)$"),
        unit: str | None = QueryParameter(name="unit", default=None),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Satisfaction per scale and on-time rate by unit, service type, month
        or quarter; unit staff get the figures of their own unit's cases only."""
        scope = scope_of(request)
        wait_for_reads(request, ("cases",), wait_for)
        return request.app.state.views.stats(scope, by, unit=unit)


class CalendarController(Controller):
    path = "/calendar"
    tags = ["calendar"]

    @get("/due", responses=ERRORS, operation_id="getDue", sync_to_thread=True)
    def due(
        self,
        request: AnyRequest,
        start: datetime = QueryParameter(name="from"),
        deadline_class: DeadlineClass = QueryParameter(name="class"),
    ) -> s.DueResponse:
        """Due time(s) on the working-day calendar; ``provisional`` if a year's schedule is missing."""
        d = request.app.state.ledger.due(local_instant("from", start), deadline_class)
        return s.DueResponse(deadline_class=d.deadline_class.value, start=d.start, target=d.target, limit=d.limit,
                             provisional=d.provisional, assumed_years=d.assumed_years,
                             assumed=assumed_note(d.assumed_years))

    @post("/years", responses=ERRORS, operation_id="recordYearSchedule", status_code=200, sync_to_thread=True)
    def record_year(self, request: AnyRequest, data: JSONBody[s.YearScheduleBody]) -> Response[s.CommandResult]:
        """Record a year's official schedule (administrator); recomputes provisional deadlines."""
        import msgspec

        return execute(request, RecordYearSchedule(**msgspec.structs.asdict(data)))
