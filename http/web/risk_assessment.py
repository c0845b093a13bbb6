"""The periodic assessment reports of the legal-risk prevention in the
workbench (seed 002 第二十一条):

- ``/w/risk-points/assessments``: the authority's reports (a unit's staff:
  their own; others: every authority's) and the periods to report;
- ``/w/risk-points/assessments/draft?period=2026-Q3``: the report page — the
  three sections as the views have them now, and the 总结评估 form that
  submits it (refused beside its fields; for a period not yet over, the form
  says so and the ledger refuses it);
- ``/w/risk-points/assessments/{id}``: a submitted report, its hash, the
  DOCX / PDF / XLSX;
- ``/w/risk-points/assessments/queue``: late and missing reports, for
  supervisors, with each authority's setting.

Thin pages over the same commands and queries as the API (``ledger_http.risk_assessment``)."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.documents.risk_assessment import section_texts
from ledger.errors import FieldError, InvalidInput, LedgerError, NotFound
from ledger.register_reports.values import DayCounting
from ledger.risk_assessment.commands import SetAssessmentSchedule, SubmitRiskAssessment
from ledger.risk_assessment.values import PeriodKind, Summary, latest_ended, parse_period
from ledger.scope import Reach
from ledger.values import Role
from ledger_http.common.commanding import context_of, run_command
from ledger_http.risk_assessment import VIEWS, draft_of, queue, server_filled, today
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)

BASE = "/w/risk-points/assessments"


def _periods(kind: PeriodKind, count: int = 4) -> list[Any]:
    """The latest ``count`` ended periods of ``kind``, newest first."""
    out, day = [], today()
    for _ in range(count):
        p = latest_ended(kind, day)
        out.append(p)
        day = p.first_day
    return out


class RiskAssessmentPages(Controller):
    path = BASE
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def reports(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        await caught_up(request, "risk_assessment")
        state = request.app.state
        rows = await in_thread(state.views.risk_assessments, scope)
        staff = user.role is Role.UNIT_STAFF
        schedule = await in_thread(state.ledger.assessment_schedule, user.unit) if staff else None
        submitted = {r["period_key"] for r in rows if r["authority"] == user.unit}
        periods = _periods(schedule.period) if schedule else []
        return page(request, user, "risk_assessment.html", rows=rows, schedule=schedule, staff=staff,
                    periods=[(p, p.key in submitted) for p in periods],
                    supervisor=user.role in (Role.SUPERVISOR, Role.AUDITOR))

    # ---------------------------------------------------------------- the draft

    @get("/draft")
    async def draft(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._draft(request, user, str(request.query_params.get("period") or ""), {}, {})

    async def _draft(self, request: AnyRequest, user: Any, key: str, values: dict[str, str], errors: dict[str, str],
                     status: int = 200) -> Template:
        scope = page_scope(user, Reach.CASES)
        state = request.app.state
        authority = user.unit
        period = parse_period(key)
        if period is None or user.role is not Role.UNIT_STAFF:
            return page(request, user, "message.html", status=404, title="没有该期报告",
                        message="请从分析评估报告列表选择本单位的报告期间（如 2026-Q3）。")
        await caught_up(request, *VIEWS)
        data = await in_thread(draft_of, state, scope, authority, period)
        explained = await in_thread(state.ledger.explain_assessment_due,
                                    await in_thread(state.ledger.risk_assessment_due, authority, period))
        return page(request, user, "risk_assessment_report.html", status=status, draft=data, report=None,
                    period=period, explained=explained, values=values, errors=errors, key=uuid.uuid4())

    @post("/draft")
    async def submit(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        period = parse_period(values.get("period", ""))
        try:
            if period is None:
                raise InvalidInput([FieldError("period", "invalid", "期间应写作 2026-Q3（季度）或 2026（年度）")])
            command = SubmitRiskAssessment(
                authority=user.unit, period=period, sections_sha256=values.get("sections_sha256") or None,
                summary=Summary(experience=values.get("experience", ""), problems=values.get("problems", ""),
                                suggestions=values.get("suggestions", "")))
            command = await in_thread(server_filled, request.app.state, user, command)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._draft(request, user, values.get("period", ""), values,
                                     {k.removeprefix("summary."): v for k, v in field_errors(e).items()}, status=422)
        except LedgerError as e:
            return await self._draft(request, user, values.get("period", ""), values, {"": e.message}, status=409)
        return Redirect(path=f"{BASE}/{result['record_id']}")

    # --------------------------------------------------------- submitted reports

    @get("/{report_id:uuid}")
    async def report(self, request: AnyRequest, report_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        page_scope(user, Reach.CASES)
        try:
            report = await in_thread(request.app.state.ledger.risk_assessment_visible, context_of(user), report_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="报告不存在", message="没有该分析评估报告，或您无权查看。")
        return page(request, user, "risk_assessment_report.html", draft=None, report=report, period=report.period,
                    paragraphs=section_texts(report.snapshot.sections, report.snapshot.summary), values={}, errors={})

    # ------------------------------------------------------------------ the queue

    @get("/queue")
    async def late(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._queue(request, user, {}, {})

    async def _queue(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                     status: int = 200) -> Template:
        scope = page_scope(user, Reach.CASES)
        await caught_up(request, *VIEWS)
        state = request.app.state
        rows = await in_thread(queue, state, scope, today(), everyone=True)
        schedules = await in_thread(state.views.risk_assessment_schedules, scope)
        return page(request, user, "risk_assessment_queue.html", status=status, rows=rows,
                    late=[r for r in rows if r["status"] in ("late", "overdue")], schedules=schedules,
                    may_set=user.role in (Role.SUPERVISOR, Role.ADMINISTRATOR), kinds=list(PeriodKind),
                    countings=list(DayCounting), values={"due_days": "15", **values}, errors=errors, key=uuid.uuid4())

    @post("/schedules")
    async def set_schedule(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            problems = []
            if values.get("period") not in PeriodKind._value2member_map_:
                problems.append(FieldError("period", "required", "请选择评估周期"))
            if not values.get("due_days", "").strip().isdigit():
                problems.append(FieldError("due_days", "invalid", "报送期限应为天数（整数）"))
            if values.get("counting") not in DayCounting._value2member_map_:
                problems.append(FieldError("counting", "required", "请选择计算方式"))
            if problems:
                raise InvalidInput(problems)
            command = SetAssessmentSchedule(authority=values.get("authority", ""), period=PeriodKind(values["period"]),
                                            due_days=int(values["due_days"]), counting=DayCounting(values["counting"]))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._queue(request, user, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._queue(request, user, values, {"": e.message}, status=409)
        return Redirect(path=f"{BASE}/queue")
