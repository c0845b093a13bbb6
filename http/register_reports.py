"""The quarterly report of the 行政指导事项登记簿 (seed 004 六) over HTTP:
the unit submits (and corrects) the previous quarter's register; the office
receives or returns it, consolidates the received registers and records
forwarding them upward; everyone in reach reads the reports, the queue of late
and missing reports, and the registers as submitted (XLSX, bit for bit).

Reads apply the cases' rule (``Reach.CASES``): a unit's staff see their own
unit's reports (and no consolidation, which holds every unit's); the office
(registrar, dispatcher), supervisors and auditors see all.

A submission's register is read here, by the server, from the views
(``Views.guidance_register``) once they have caught up with the whole log,
drawn as XLSX and hashed; the client sends only what it submits (unit, year,
quarter) and, optionally, the SHA-256 of the register it looked at.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.commands import Context
from ledger.errors import Conflict, InvalidInput
from ledger.register_reports import (
    RegisterConsolidation,
    RegisterConsolidationNotFound,
    RegisterReport,
    RegisterReportNotFound,
)
from ledger.register_reports.commands import (
    ConsolidateRegisterReports,
    CorrectRegisterReport,
    ForwardRegisterConsolidation,
    ReceiveRegisterReport,
    ReturnRegisterReport,
    SubmitRegisterReport,
)
from ledger.register_reports.values import (
    ConsolidatedReport,
    Forwarding,
    ReportDue,
    ReportVersion,
    period_label,
    previous_quarter,
    quarter_last_day,
    snapshot_sha256,
)
from ledger.scope import Reach, scope_for, sees
from ledger.values import CST
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads, xlsx_response
from ledger_http.common.schemas import CommandResult, command_body
from projections.register_reports.export import consolidated_xlsx, lines_of, snapshot_xlsx
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("register_reports",)
REGISTER_VIEWS = ("cases", "guidance")  # what the 登记簿 is read from
WAIT_SECONDS = 5.0
SERVER_FILLED = ("lines", "xlsx_sha256")

SubmitBody = command_body(SubmitRegisterReport, "SubmitRegisterReportBody", exclude=SERVER_FILLED)
CorrectBody = command_body(CorrectRegisterReport, "CorrectRegisterReportBody", exclude=("report_id", *SERVER_FILLED))
ReceiveBody = command_body(ReceiveRegisterReport, "ReceiveRegisterReportBody", exclude=("report_id",))
ReturnBody = command_body(ReturnRegisterReport, "ReturnRegisterReportBody", exclude=("report_id",))
ConsolidateBody = command_body(ConsolidateRegisterReports, "ConsolidateRegisterReportsBody", exclude=())
ForwardBody = command_body(ForwardRegisterConsolidation, "ForwardRegisterConsolidationBody",
                           exclude=("consolidation_id",))


class DueView(msgspec.Struct):
    """A quarter's reporting deadline on the calendar as recorded now, and why."""

    year: int
    quarter: int
    period: str
    due: ReportDue
    due_at: datetime
    explained: tuple[str, ...]


class RegisterReportView(msgspec.Struct):
    """A unit's report of a quarter with every version as submitted."""

    id: UUID
    version: int
    unit: str
    year: int
    quarter: int
    period: str
    state: str
    state_label: str
    due: ReportDue
    late: bool
    versions: tuple[ReportVersion, ...]


class ConsolidationView(msgspec.Struct):
    id: UUID
    version: int
    office: str
    year: int
    quarter: int
    period: str
    round: int
    reports: tuple[ConsolidatedReport, ...]
    sha256: str
    consolidated_at: datetime
    consolidated_by: str
    due: ReportDue
    forwarding: Forwarding | None


# ------------------------------------------------------------------ helpers


def quarter_of_request(year: int | None, quarter: int | None) -> tuple[int, int]:
    """The quarter asked for, or the one units report now (the previous quarter)."""
    if year is None and quarter is None:
        return previous_quarter(datetime.now(CST).date())
    if year is None or quarter is None:
        raise InvalidInput.one("year" if year is None else "quarter", "required", "年份和季度须同时指定")
    return year, quarter


def ledger_today(ledger: Any) -> date:
    """Today on the ledger's clock (what its commands measure against)."""
    return ledger.clock().astimezone(CST).date()


def due_view(ledger: Any, year: int, quarter: int) -> DueView:
    due = ledger.register_report_due(year, quarter)
    return DueView(year=year, quarter=quarter, period=period_label(year, quarter), due=due, due_at=due.due_at,
                   explained=ledger.explain_report_due(due, f"{period_label(year, quarter)}登记簿报送期限"))


def visible_report(request: AnyRequest, report_id: UUID) -> RegisterReport:
    """The report; one the caller may not read is answered as unknown (404)."""
    user = request.user
    report = request.app.state.ledger.get_register_report(report_id)
    if not sees(user.role, user.unit, Reach.CASES, [report.unit]):
        raise RegisterReportNotFound(f"没有编号为{report_id}的登记簿报送")
    return report


def visible_consolidation(request: AnyRequest, consolidation_id: UUID) -> RegisterConsolidation:
    user = request.user
    scope = scope_of(request)  # a role that reads no reports: 403, as for every read
    consolidation = request.app.state.ledger.get_register_consolidation(consolidation_id)
    if scope.unit is not None or not sees(user.role, user.unit, Reach.CASES, ()):
        raise RegisterConsolidationNotFound(f"没有编号为{consolidation_id}的登记簿汇总")
    return consolidation


def report_view(report: RegisterReport) -> RegisterReportView:
    return RegisterReportView(
        id=report.id, version=report.version, unit=report.unit, year=report.year, quarter=report.quarter,
        period=period_label(report.year, report.quarter), state=report.state.value, state_label=report.state.label,
        due=report.due, late=report.late, versions=report.versions)


def consolidation_view(c: RegisterConsolidation) -> ConsolidationView:
    return ConsolidationView(
        id=c.id, version=c.version, office=c.office, year=c.year, quarter=c.quarter,
        period=period_label(c.year, c.quarter), round=c.round, reports=c.reports, sha256=c.sha256,
        consolidated_at=c.consolidated_at, consolidated_by=c.consolidated_by, due=c.due, forwarding=c.forwarding)


def snapshot_file(report: RegisterReport, number: int | None) -> tuple[bytes, ReportVersion]:
    """One version's register as XLSX, drawn from its snapshot alone."""
    v = report.numbered(number) if number is not None else report.latest
    return snapshot_xlsx(report.unit, report.year, report.quarter, v.snapshot.lines, v.snapshot.sha256), v


def consolidation_file(ledger: Any, c: RegisterConsolidation) -> bytes:
    """The consolidated register, drawn from the snapshots it cites."""
    parts = []
    for r in c.reports:
        v = ledger.get_register_report(r.report_id).numbered(r.version)
        parts.append((r.unit, r.version, v.snapshot.lines))
    return consolidated_xlsx(c.office, c.year, c.quarter, parts, c.sha256)


def current_register(state: Any, user: AuthUser, unit: str, year: int, quarter: int) -> tuple[Any, str, bytes]:
    """The unit's 登记簿 of the quarter now, once the register's views have
    caught up with the whole log: its lines, their SHA-256 and the XLSX."""
    head = state.ledger.recorder.max_notification_id() or 0
    if not wait_for_views(state.settings, REGISTER_VIEWS, head, WAIT_SECONDS):
        raise Conflict(f"登记簿的读模型{WAIT_SECONDS:.0f}秒内未更新到通知{head}，请稍后重试")
    entries = state.views.guidance_register(scope_for(user.role, user.unit, Reach.CASES), year, quarter, unit=unit,
                                            limit=None)
    lines = lines_of(entries)
    sha256 = snapshot_sha256(unit, year, quarter, lines)
    return lines, sha256, snapshot_xlsx(unit, year, quarter, lines, sha256)


def draft(state: Any, user: AuthUser, unit: str | None, year: int, quarter: int) -> dict[str, Any]:
    """The unit's register of a quarter as it would be submitted now, with its
    SHA-256 (to send back as ``register_sha256``), the deadline and why, and
    whether the quarter is over and already reported."""
    scope = scope_for(user.role, user.unit, Reach.CASES)
    unit = scope.unit_filter(unit)
    if not unit:
        raise InvalidInput.one("unit", "required", "请指定单位")
    lines, sha256, _ = current_register(state, user, unit, year, quarter)
    report_id = RegisterReport.create_id(unit, year, quarter)
    due = due_view(state.ledger, year, quarter)
    return {"unit": unit, "report_id": str(report_id), "submitted": state.ledger.exists(report_id),
            "quarter_over": ledger_today(state.ledger) > quarter_last_day(year, quarter),
            **msgspec.to_builtins(due), "lines": msgspec.to_builtins(lines), "sha256": sha256}


def run_submission(state: Any, user: AuthUser, command: SubmitRegisterReport | CorrectRegisterReport,
                   key: str | None, request_id: str | None = None) -> bytes:
    """Submit (or correct) with the register read by the server: the rules
    that need no register first (nothing is read for a refused submission),
    then the register as the views hold it, drawn and hashed, in the command.
    ``Idempotency-Key`` covers what the client sent: a retry gets the first
    answer even if the register has changed since."""
    ctx = Context(actor=user.actor, request_id=request_id or uuid.uuid4().hex)
    ledger = state.ledger

    def run() -> bytes:
        if isinstance(command, SubmitRegisterReport):
            ledger.check_register_submission(ctx, command)
            unit, year, quarter = command.unit, command.year, command.quarter
        else:
            ledger.check_register_correction(ctx, command)
            report = ledger.get_register_report(command.report_id)
            unit, year, quarter = report.unit, report.year, report.quarter
        lines, _, xlsx = current_register(state, user, unit, year, quarter)
        full = msgspec.structs.replace(command, lines=lines, xlsx_sha256=hashlib.sha256(xlsx).hexdigest())
        r = ledger.execute(ctx, full)
        return msgspec.json.encode(s.CommandResult(case_id=r.case_id, version=r.version,
                                                   notification_id=r.notification_id, number=r.number,
                                                   record_id=r.record_id, pending=r.pending))

    fingerprint = type(command).__name__.encode() + b"|" + msgspec.json.encode(command)
    return state.idempotency.run(user.username, key, fingerprint, run, request_id=ctx.request_id)


def _submitted(request: AnyRequest, command: Any, status: int) -> Response[CommandResult]:
    body = run_submission(request.app.state, request.user, command, request.headers.get("idempotency-key"),
                          request.headers.get("x-request-id"))
    return Response(content=body, media_type="application/json", status_code=status)


# --------------------------------------------------------------- controller


class RegisterReportController(Controller):
    path = "/register-reports"
    tags = ["register reports"]

    @get("/", responses=ERRORS, operation_id="listRegisterReports", sync_to_thread=True)
    def reports(
        self,
        request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
        unit: str | None = QueryParameter(name="unit", default=None),
        report_state: str | None = QueryParameter(name="state", default=None, pattern="^(submitted|received|returned)$"),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """The units' quarterly reports (the latest version of each), newest quarter first."""
        scope = scope_of(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.register_reports(scope, year=year, quarter=quarter, unit=unit,
                                                        state=report_state, limit=limit, offset=offset)

    @get("/queue", responses=ERRORS, operation_id="getRegisterReportQueue", sync_to_thread=True)
    def queue(
        self,
        request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
        unit: str | None = QueryParameter(name="unit", default=None),
        everything: bool = QueryParameter(name="all", default=False, description="every unit, on-time reports too"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> dict[str, Any]:
        """Late and missing reports of a quarter (default: the one units report
        now), one row per unit expected to report, against the deadline."""
        scope = scope_of(request)
        year, quarter = quarter_of_request(year, quarter)
        wait_for_reads(request, VIEWS, wait_for)
        due = due_view(request.app.state.ledger, year, quarter)
        rows = request.app.state.views.register_report_queue(
            scope, year, quarter, due_on=due.due.due_on, today=ledger_today(request.app.state.ledger), unit=unit,
            everything=everything)
        return {**msgspec.to_builtins(due), "rows": rows}

    @get("/due", responses=ERRORS, operation_id="getRegisterReportDue", sync_to_thread=True)
    def due(
        self,
        request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
    ) -> DueView:
        """When a quarter's registers are due (5 days after the quarter's start,
        working or calendar days as set) and how that day was counted."""
        year, quarter = quarter_of_request(year, quarter)
        return due_view(request.app.state.ledger, year, quarter)

    @get("/draft", responses=ERRORS, operation_id="getRegisterReportDraft", sync_to_thread=True)
    def draft(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None, description="default: the caller's unit"),
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
    ) -> dict[str, Any]:
        """The unit's 登记簿 of a quarter as a submission would take it now
        (``sha256``: send it as ``register_sha256``), with the deadline and why."""
        scope_of(request)
        year, quarter = quarter_of_request(year, quarter)
        return draft(request.app.state, request.user, unit, year, quarter)

    @post("/", responses=ERRORS, operation_id="submitRegisterReport", status_code=201, sync_to_thread=True)
    def submit(self, request: AnyRequest, data: JSONBody[SubmitBody]) -> Response[CommandResult]:
        """报送: the unit's register of a quarter that is over, as the ledger
        holds it now (``record_id``: the report's id)."""
        return _submitted(request, SubmitRegisterReport(**msgspec.structs.asdict(data)), 201)

    @get("/{report_id:uuid}", responses=ERRORS, operation_id="getRegisterReport", sync_to_thread=True)
    def report(
        self,
        request: AnyRequest,
        report_id: FromPath[UUID],
        format: str = QueryParameter(name="format", default="json", pattern="^(json|xlsx)$"),
        version: int | None = QueryParameter(name="version", default=None, ge=1, le=10_000),
    ) -> Response[Any]:
        """A report with every version; ``format=xlsx``: a version's register
        as submitted (default the latest), the same bytes as at submission."""
        report = visible_report(request, report_id)
        if format == "json":
            return Response(report_view(report))
        data, v = snapshot_file(report, version)
        headers = {"X-Snapshot-SHA256": v.snapshot.sha256, "X-Recorded-Content-SHA256": v.snapshot.xlsx_sha256}
        name = f"行政指导事项登记簿-{report.unit}-{period_label(report.year, report.quarter)}-第{v.number}版"
        return xlsx_response(data, name, f"register-report-{report.year}q{report.quarter}-v{v.number}", headers)

    @post("/{report_id:uuid}/corrections", responses=ERRORS, operation_id="correctRegisterReport", status_code=200,
          sync_to_thread=True)
    def correct(self, request: AnyRequest, report_id: FromPath[UUID], data: JSONBody[CorrectBody]) -> Response[CommandResult]:
        """更正: a new version citing the latest, the register as it is now
        (after a return; or with the reason, on the unit's own initiative)."""
        return _submitted(request, CorrectRegisterReport(report_id=report_id, **msgspec.structs.asdict(data)), 200)

    @post("/{report_id:uuid}/receive", responses=ERRORS, operation_id="receiveRegisterReport", status_code=200,
          sync_to_thread=True)
    def receive(self, request: AnyRequest, report_id: FromPath[UUID], data: JSONBody[ReceiveBody]) -> Response[CommandResult]:
        """接收 (the office): the latest version."""
        return execute(request, ReceiveRegisterReport(report_id=report_id, **msgspec.structs.asdict(data)))

    @post("/{report_id:uuid}/return", responses=ERRORS, operation_id="returnRegisterReport", status_code=200,
          sync_to_thread=True)
    def return_(self, request: AnyRequest, report_id: FromPath[UUID], data: JSONBody[ReturnBody]) -> Response[CommandResult]:
        """退回 (the office), with the reason: the unit corrects it."""
        return execute(request, ReturnRegisterReport(report_id=report_id, **msgspec.structs.asdict(data)))

    # ------------------------------------------------------- consolidations

    @get("/consolidations", responses=ERRORS, operation_id="listRegisterConsolidations", sync_to_thread=True)
    def consolidations(
        self,
        request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        quarter: int | None = QueryParameter(name="quarter", default=None, ge=1, le=4),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """The office's consolidations (not for a unit's staff: they hold every unit's registers)."""
        scope = scope_of(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.register_consolidations(scope, year=year, quarter=quarter)

    @post("/consolidations", responses=ERRORS, operation_id="consolidateRegisterReports", status_code=201,
          sync_to_thread=True)
    def consolidate(self, request: AnyRequest, data: JSONBody[ConsolidateBody]) -> Response[CommandResult]:
        """汇总 (the office): every received report of the quarter; again, with
        the reason, when the received versions changed (``record_id``: the consolidation)."""
        return execute(request, ConsolidateRegisterReports(**msgspec.structs.asdict(data)), status=201)

    @get("/consolidations/{consolidation_id:uuid}", responses=ERRORS, operation_id="getRegisterConsolidation",
         sync_to_thread=True)
    def consolidation(
        self,
        request: AnyRequest,
        consolidation_id: FromPath[UUID],
        format: str = QueryParameter(name="format", default="json", pattern="^(json|xlsx)$"),
    ) -> Response[Any]:
        """A consolidation: which versions of which units, its due date and its
        forwarding; ``format=xlsx``: the consolidated register."""
        c = visible_consolidation(request, consolidation_id)
        if format == "json":
            return Response(consolidation_view(c))
        name = f"行政指导事项登记簿汇总-{c.office}-{period_label(c.year, c.quarter)}-第{c.round}次"
        return xlsx_response(consolidation_file(request.app.state.ledger, c), name,
                             f"register-consolidation-{c.year}q{c.quarter}", {"X-Consolidation-SHA256": c.sha256})

    @post("/consolidations/{consolidation_id:uuid}/forward", responses=ERRORS,
          operation_id="forwardRegisterConsolidation", status_code=200, sync_to_thread=True)
    def forward(self, request: AnyRequest, consolidation_id: FromPath[UUID],
                data: JSONBody[ForwardBody]) -> Response[CommandResult]:
        """报送上级 (the office): the date and the platform's reference (回执号)."""
        return execute(request, ForwardRegisterConsolidation(consolidation_id=consolidation_id,
                                                             **msgspec.structs.asdict(data)))
