"""The periodic assessment reports of the legal-risk prevention (seed 002
第二十一条) over the JSON API, under the risk points' prefix
(``/risk-points/assessments``): the draft of a period (the three sections as
the views have them now, with their hash), 报送 with the 总结评估, the
submitted reports (JSON, DOCX, PDF, XLSX from the snapshot), the queue of late
and missing reports, and each authority's setting.

Scope (``Reach.CASES``): an authority's staff read their own authority's; the
office, supervisors and auditors every authority's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case.values import DocumentFormat
from ledger.documents.risk_assessment import IssueRiskAssessment, render_assessment, section_texts
from ledger.errors import InvalidInput
from ledger.risk_assessment import check_period
from ledger.risk_assessment.commands import SetAssessmentSchedule, SubmitRiskAssessment
from ledger.risk_assessment.values import Period, PeriodKind, latest_ended, parse_period, sections_sha256
from ledger.scope import Reach, Scope, scope_for
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import attachment, scope_of, wait_for_reads, xlsx_response
from ledger_http.common.schemas import CommandResult, command_body
from ledger_http.documents import file_response
from projections.risk_assessment.export import assessment_xlsx

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("risk_points", "cases", "guidance", "mediation", "risk_assessment")
WAIT = dict(name="wait_for", default=None, ge=0, le=2**62)

SubmitBody = command_body(SubmitRiskAssessment, "SubmitRiskAssessmentBody", exclude=("sections",))
ScheduleBody = command_body(SetAssessmentSchedule, "SetAssessmentScheduleBody", exclude=())


def today() -> date:
    return datetime.now(CST).date()


def period_of(text: str) -> Period:
    found = parse_period(text or "")
    if found is None:
        raise InvalidInput.one("period", "invalid", "期间应写作 2026-Q3（季度）或 2026（年度）")
    return found


def draft_of(state: Any, scope: Scope, authority: str, period: Period) -> dict[str, Any]:
    """The three sections of ``authority``'s ``period`` as the views have them
    now, their hash (what a submission must have seen), the deadline and the
    report's paragraphs."""
    sections = state.views.risk_assessment_sections(scope, authority, period)
    ledger = state.ledger
    due = ledger.risk_assessment_due(authority, period)
    return dict(authority=authority, period=msgspec.to_builtins(period), period_label=period.label,
                period_key=period.key, over=today() > period.last_day, sections=msgspec.to_builtins(sections),
                sections_sha256=sections_sha256(sections), due=msgspec.to_builtins(due),
                schedule=msgspec.to_builtins(ledger.assessment_schedule(authority)),
                paragraphs=[msgspec.to_builtins(p) for p in section_texts(sections, None)])


def server_filled(state: Any, user: AuthUser, command: SubmitRiskAssessment) -> SubmitRiskAssessment:
    """The command as the ledger takes it: the sections drawn by the server,
    within the submitter's scope, never sent by the client."""
    scope = scope_of_user(user)
    check_period(command.period)  # before any day of it is computed
    return msgspec.structs.replace(command, sections=state.views.risk_assessment_sections(
        scope, command.authority, command.period))


def scope_of_user(user: AuthUser) -> Scope:
    return scope_for(user.role, user.unit, Reach.CASES)


def report_view(report: Any) -> dict[str, Any]:
    s = report.snapshot
    return msgspec.to_builtins(dict(
        id=str(report.id), version=report.version, authority=report.authority, period=report.period,
        period_label=report.period.label, period_key=report.period.key, sections=s.sections, summary=s.summary,
        sha256=s.sha256, submitted_at=s.submitted_at, submitted_by=s.submitted_by, due=report.due, late=report.late))


def queue(state: Any, scope: Scope, day: date, *, everyone: bool = False) -> list[dict[str, Any]]:
    """Per authority with a published list of risk points: its latest ended
    period, the deadline, and whether the report is in — the late and the
    missing past their deadline (``everyone``: every authority, on time too)."""
    views, ledger = state.views, state.ledger
    schedules = views.risk_assessment_schedules(scope)
    out = []
    for register in views.risk_registers(scope):
        authority = register["authority"]
        if scope.unit is not None and authority != scope.unit:
            continue
        if not any(e["state"] == "published" for e in register["editions"]):
            continue
        kind = PeriodKind(schedules[authority]["period_kind"]) if authority in schedules else PeriodKind.QUARTER
        period = latest_ended(kind, day)
        due = ledger.risk_assessment_due(authority, period)
        found = [r for r in views.risk_assessments(scope, authority=authority, year=period.year)
                 if r["period_key"] == period.key]
        row = found[0] if found else None
        if row is not None:
            status, label = ("late", "逾期报送") if row["late"] else ("on_time", "按期报送")
        elif day > due.due_on:
            status, label = "overdue", "逾期未报送"
        else:
            status, label = "waiting", "未到期限"
        if everyone or status in ("late", "overdue"):
            out.append(dict(authority=authority, period_key=period.key, period_label=period.label,
                            due_on=due.due_on.isoformat(), provisional=due.provisional, status=status,
                            status_label=label, report_id=row["report_id"] if row else None,
                            submitted_at=row["submitted_at"] if row else None))
    return out


def visible(request: AnyRequest, report_id: UUID) -> Any:
    scope_of(request, Reach.CASES)
    return request.app.state.ledger.risk_assessment_visible(context_of(request.user), report_id)


class RiskAssessmentController(Controller):
    path = "/risk-points/assessments"
    tags = ["risk-points"]

    @get("/", responses=ERRORS, operation_id="listRiskAssessments", sync_to_thread=True)
    def reports(
        self, request: AnyRequest,
        authority: str | None = QueryParameter(name="authority", default=None, max_length=200),
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        late: bool | None = QueryParameter(name="late", default=None),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """The submitted reports, newest period first (``late=true``: those submitted after their deadline)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.risk_assessments(scope, authority=authority, year=year, late=late)

    @post("/", responses=ERRORS, operation_id="submitRiskAssessment", status_code=201, sync_to_thread=True)
    def submit(self, request: AnyRequest, data: JSONBody[SubmitBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """报送 a period that is over: the three sections as the ledger's views have them now
        (``sections_sha256``: those the submitter saw, from the draft) and the 总结评估."""
        command = SubmitRiskAssessment(**msgspec.structs.asdict(data))
        return execute(request, server_filled(request.app.state, request.user, command), status=201)

    @get("/draft", responses=ERRORS, operation_id="getRiskAssessmentDraft", sync_to_thread=True)
    def draft(self, request: AnyRequest,
              authority: str = QueryParameter(name="authority", min_length=1, max_length=200),
              period: str = QueryParameter(name="period", min_length=4, max_length=10),
              wait_for: int | None = QueryParameter(**WAIT)) -> dict[str, Any]:
        """The report of a period as it would be submitted now (without the 总结评估)."""
        scope = scope_of(request, Reach.CASES)
        scope.unit_filter(authority)  # an authority's staff: their own only
        wait_for_reads(request, VIEWS, wait_for)
        return draft_of(request.app.state, scope, authority, period_of(period))

    @get("/queue", responses=ERRORS, operation_id="riskAssessmentQueue", sync_to_thread=True)
    def late_queue(self, request: AnyRequest, all_: bool = QueryParameter(name="all", default=False),
                   wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """Reports late or missing past their deadline, per authority, for its latest ended period
        (``all=true``: every authority's status)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        return queue(request.app.state, scope, today(), everyone=all_)

    @get("/schedules", responses=ERRORS, operation_id="getAssessmentSchedule", sync_to_thread=True)
    def schedule(self, request: AnyRequest,
                 authority: str = QueryParameter(name="authority", min_length=1, max_length=200)) -> dict[str, Any]:
        """An authority's setting (the default until one is set): period, due days, day counting."""
        scope_of(request, Reach.CASES)
        return dict(authority=authority, **msgspec.to_builtins(request.app.state.ledger.assessment_schedule(authority)))

    @post("/schedules", responses=ERRORS, operation_id="setAssessmentSchedule", status_code=200, sync_to_thread=True)
    def set_schedule(self, request: AnyRequest, data: JSONBody[ScheduleBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """设定 an authority's period (quarter or year) and deadline (administrator or supervisor)."""
        return execute(request, SetAssessmentSchedule(**msgspec.structs.asdict(data)))

    @get("/{report_id:uuid}", responses=ERRORS, operation_id="getRiskAssessment", sync_to_thread=True)
    def report(self, request: AnyRequest, report_id: FromPath[UUID],
               format: str = QueryParameter(name="format", default="json", pattern="^(json|docx|pdf|xlsx)$")) -> Response[Any]:
        """A submitted report as its snapshot; ``format``: the same as DOCX, PDF or XLSX."""
        report = visible(request, report_id)
        if format == "json":
            return Response(report_view(report))
        s = report.snapshot
        headers = {"X-Snapshot-SHA256": s.sha256}
        if format == "xlsx":
            data = assessment_xlsx(report.authority, report.period.label, s.sections, s.summary, s.sha256)
            return xlsx_response(data, f"法律风险防控分析评估报告-{report.authority}-{report.period.key}",
                                 f"risk-assessment-{report.period.key}", headers)
        user = request.user
        if report.issues_copy(user.actor):
            # the authority's own copy is issued: DocumentIssued on the report, so any copy verifies
            issued = file_response(request.app.state.ledger.issue_risk_assessment(
                context_of(user), IssueRiskAssessment(report_id=report_id, format=DocumentFormat(format))))
            issued.headers.update(headers)
            return issued
        body, name, media = render_assessment(report, DocumentFormat(format))  # the same bytes, not an issue
        return Response(body, media_type=media, headers={
            **headers, "Content-Disposition": attachment(name, f"risk-assessment-{report.period.key}.{format}")})

