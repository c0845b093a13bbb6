"""The registers over HTTP: work queues, the registry (台账) and the 登记簿,
the audit log, statistics — all read from the projections, within the scope.
``format`` only chooses the layout: CSV (``projections.spreadsheet``) or
Excel (``projections.workbook``) of the very rows the JSON returns."""

from __future__ import annotations

import uuid
from datetime import datetime
from itertools import islice
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter

from ledger.case.values import ServiceType
from ledger.errors import InvalidInput
from ledger.scope import Reach
from ledger.values import CST, local_instant
from ledger_http.common.auth import AuthUser
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import csv_response, cutoff_of, scope_of, wait_for_reads, xlsx_response
from projections import workbook
from projections.cases.as_of import registry_as_of, registry_csv_as_of
from projections.cases.export import display_registry_row, registry_csv
from projections.cases.queries import stats_of_rows
from projections.guidance.as_of import register_as_of

AnyRequest = Request[AuthUser, Any, Any]
# An export holds every matching row (as the CSV does), read in one query so
# that it is one consistent picture; past Excel's rows a sheet goes on in the next.
EXPORT_ROWS = 100_000_000


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
        format: str = QueryParameter(name="format", default="json", pattern="^(json|csv|xlsx)$"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """The registry (台账), filtered and paged; ``as_of`` rebuilds it as the
        ledger knew it then; ``format=csv|xlsx`` exports every matching row."""
        scope = scope_of(request)
        whole = format != "json"
        cutoff = None
        if as_of is not None:
            cutoff = cutoff_of(request, as_of)
            rows = registry_as_of(request.app.state.settings, scope, cutoff, unit=unit, service_type=service_type,
                                  state=case_state)
            headers = {"X-Ledger-Cutoff": str(cutoff)}
        else:
            wait_for_reads(request, ("cases",), wait_for)
            bounds = {
                field: local_instant(field, value).astimezone(CST).isoformat() if value else None
                for field, value in (("applied_from", applied_from), ("applied_to", applied_to))
            }
            filters = {"unit": unit, "service_type": service_type, "state": case_state, **bounds}
            views = request.app.state.views
            # a whole export streams in batches; a page is one query
            rows = (views.registry_stream(scope, **filters) if whole
                    else views.registry_rows(scope, limit=limit, offset=offset, **filters))
            headers = {}
        if format == "csv" and cutoff is not None:  # made in parts when large (projections/cases/as_of.py)
            data, _ = registry_csv_as_of(request.app.state.settings, scope, cutoff, unit=unit,
                                         service_type=service_type, state=case_state)
            return csv_response(data, headers)
        if format == "csv":
            return csv_response(registry_csv(rows, scope.role), headers)
        if format == "xlsx":
            return xlsx_response(workbook.registry_xlsx(rows, scope.role, cutoff=cutoff), "台账", "registry",
                                 headers, cutoff)
        if as_of is not None:
            rows = list(islice(rows, offset, offset + limit))
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
        format: str = QueryParameter(name="format", default="json", pattern="^(json|xlsx)$"),
        as_of: str | None = QueryParameter(name="as_of", default=None, description="ISO 8601 time or notification id"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """行政指导事项登记簿 (序号 · 时间 · 指导事项 · 指导结果 · 指导人员) of a
        year or a quarter (of one unit), paged; 序号 counts on across pages;
        ``format=xlsx``: the whole period under a title naming unit and period;
        ``as_of``: the register as the ledger knew it then (both sources folded)."""
        scope = scope_of(request)
        if quarter is not None and year is None:
            raise InvalidInput.one("year", "required", "按季度查询时须指定年份")
        views = request.app.state.views
        if as_of is not None:
            cutoff = cutoff_of(request, as_of)
            entries = register_as_of(request.app.state.settings, scope, cutoff, year, quarter, unit=unit)
            headers = {"X-Ledger-Cutoff": str(cutoff)}
            if format == "xlsx":
                data = workbook.register_xlsx(entries, unit=scope.unit_filter(unit), year=year, quarter=quarter)
                return xlsx_response(data, f"行政指导事项登记簿-{scope.unit_filter(unit) or '全部单位'}-"
                                     f"{workbook.period_label(year, quarter)}", "guidance-register", headers, cutoff)
            return Response(entries[offset : offset + limit], headers=headers)
        wait_for_reads(request, ("cases", "guidance"), wait_for)
        if format == "xlsx":
            entries = views.guidance_register(scope, year, quarter, unit=unit, limit=None)
            shown_unit = scope.unit_filter(unit)
            period = workbook.period_label(year, quarter)
            data = workbook.register_xlsx(entries, unit=shown_unit, year=year, quarter=quarter)
            name = f"行政指导事项登记簿-{shown_unit or '全部单位'}-{period}"
            return xlsx_response(data, name, "guidance-register", {})
        return Response(views.guidance_register(scope, year, quarter, unit=unit, limit=limit, offset=offset))


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
        format: str = QueryParameter(name="format", default="json", pattern="^(json|xlsx)$"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """Who did what, when, on what basis (supervisors and auditors: every
        event; administrators: the events of units, users, the calendar and the
        four lists, no case data); ``format=xlsx`` exports every matching event."""
        scope = scope_of(request, Reach.AUDIT)
        wait_for_reads(request, ("audit",), wait_for)
        whole = format == "xlsx"
        rows = request.app.state.views.audit(
            scope,
            actor_id=actor, unit=unit, case_id=str(case_id) if case_id else None, action=action,
            recorded_from=local_instant("recorded_from", recorded_from) if recorded_from else None,
            recorded_to=local_instant("recorded_to", recorded_to) if recorded_to else None,
            limit=EXPORT_ROWS if whole else limit, offset=0 if whole else offset,
        )
        if whole:
            return xlsx_response(workbook.audit_xlsx(rows), "审计日志", "audit", {})
        return Response(rows)


class StatsController(Controller):
    path = "/stats"
    tags = ["reads"]

    @get("/", responses=ERRORS, operation_id="getStats", sync_to_thread=True)
    def stats(
        self,
        request: AnyRequest,
        by: str = QueryParameter(name="by", default="unit", pattern="^(unit|service_type|month|quarter)$"),
        unit: str | None = QueryParameter(name="unit", default=None),
        format: str = QueryParameter(name="format", default="json", pattern="^(json|xlsx)$"),
        as_of: str | None = QueryParameter(name="as_of", default=None, description="ISO 8601 time or notification id"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """Satisfaction per scale and on-time rate by unit, service type, month
        or quarter; unit staff get the figures of their own unit's cases only;
        ``as_of``: the figures of the registry as the ledger knew it then."""
        scope = scope_of(request)
        headers: dict[str, str] = {}
        cutoff = None
        if as_of is not None:
            cutoff = cutoff_of(request, as_of)
            unit = scope.unit_filter(unit)
            rows = stats_of_rows(registry_as_of(request.app.state.settings, scope, cutoff, unit=unit), by, unit)
            headers = {"X-Ledger-Cutoff": str(cutoff)}
        else:
            wait_for_reads(request, ("cases",), wait_for)
            rows = request.app.state.views.stats(scope, by, unit=unit)
        if format == "xlsx":
            return xlsx_response(workbook.stats_xlsx(rows, by), f"统计-按{workbook.STATS_GROUPS[by]}", f"stats-{by}",
                                 headers, cutoff)
        return Response(rows, headers=headers)
