"""The quarterly report of the 行政指导事项登记簿 in the workbench (seed 004 六):

- the unit's register of a quarter as it would be submitted now, its deadline
  and why (day by day), 提交; once submitted, the report's versions, its
  history, the XLSX of each version as submitted, and 更正;
- the office's (局办公室: registrar, dispatcher) queue of a quarter — every unit
  expected to report, late and missing ones marked — with 接收 and 退回;
- the consolidation page: the received registers, 汇总 (again, with a reason),
  the forwarding form (上报日期, 协同平台回执号) and the consolidated XLSX.

Thin pages: the API's commands (``ledger_http.register_reports.run_submission``
for the submissions, which reads the register on the server) and its reads."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import Conflict, FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.history import describe, event_label
from ledger.register_reports import OFFICE_ROLES, RegisterConsolidation
from ledger.register_reports.commands import (
    ConsolidateRegisterReports,
    CorrectRegisterReport,
    ForwardRegisterConsolidation,
    ReceiveRegisterReport,
    ReturnRegisterReport,
    SubmitRegisterReport,
)
from ledger.register_reports.values import period_label, previous_quarter, quarter_of
from ledger.scope import Reach, sees
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.common.reading import xlsx_response
from ledger_http.register_reports import (
    consolidation_file,
    draft,
    due_view,
    ledger_today,
    run_submission,
    snapshot_file,
)
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    PageRefused,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)

VIEWS = ("register_reports",)
# a queue row's status → the class its mark is drawn with (the words say it; the colour only repeats it)
MARKS = {"overdue": "overdue", "missing": "open", "late": "late", "returned": "soon", "submitted": "open",
         "received": "done"}


def the_period(query: Any) -> tuple[int, int]:
    """The quarter of the page (``year``, ``quarter``), or the one units report now."""
    year, quarter = str(query.get("year") or ""), str(query.get("quarter") or "")
    if year.isdigit() and quarter in ("1", "2", "3", "4") and 2000 <= int(year) <= 2100:
        return int(year), int(quarter)
    return previous_quarter(datetime.now(CST).date())


def periods(around: tuple[int, int], count: int = 6) -> list[tuple[int, int, str]]:
    """The quarters a page offers to choose from: the last few, and the one shown."""
    year, quarter = previous_quarter(datetime.now(CST).date())
    out = []
    for _ in range(count):
        out.append((year, quarter))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    if around not in out:
        out.append(around)
    return [(y, q, period_label(y, q)) for y, q in sorted(out, reverse=True)]


def is_office(user: AuthUser) -> bool:
    return user.role in OFFICE_ROLES


def an_int(field: str, text: str, label: str) -> int:
    if not text.strip().isdigit():
        raise InvalidInput.one(field, "required", f"请填写{label}")
    return int(text)


def a_date(field: str, text: str, label: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date",
                               f"请填写{label}" if not text.strip() else f"{label}应为日期（年-月-日）") from None


def timeline(events: Any) -> list[dict[str, Any]]:
    return [{"view": d, "label": event_label(d.event, d.aggregate),
             "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—",
             "recorded": d.recorded_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")}
            for d in map(describe, events)]


class RegisterReportPages(Controller):
    path = "/w/register-reports"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # ------------------------------------------------------------ the queue

    @get("/")
    async def queue(self, request: AnyRequest) -> Template | Redirect:
        """The office's (and supervisors') queue of a quarter; a unit's staff go to their unit's register."""
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        if scope.unit is not None:
            query = str(request.url.query or "")
            return Redirect(path="/w/register-reports/unit" + (f"?{query}" if query else ""))
        return await self._queue_page(request, user, the_period(request.query_params), {})

    async def _queue_page(self, request: AnyRequest, user: AuthUser, period: tuple[int, int], errors: dict[str, str],
                          status: int = 200, failed: str = "", values: dict[str, str] | None = None) -> Template:
        scope = page_scope(user, Reach.CASES)
        year, quarter = period
        ledger, views = request.app.state.ledger, request.app.state.views
        await caught_up(request, *VIEWS)
        due = await in_thread(due_view, ledger, year, quarter)
        rows = await in_thread(views.register_report_queue, scope, year, quarter, due_on=due.due.due_on,
                               today=ledger_today(ledger), everything=True)
        consolidations = await in_thread(views.register_consolidations, scope, year=year, quarter=quarter)
        shown = [{**r, "mark": MARKS[r["status"]]} for r in rows]
        return page(request, user, "register_reports.html", status=status, rows=shown, due=due, year=year,
                    quarter=quarter, period=period_label(year, quarter), periods=periods(period), errors=errors,
                    failed=failed, values=values or {}, office=is_office(user), consolidations=consolidations,
                    waiting=sum(1 for r in rows if r["in_queue"]), key=uuid.uuid4())

    @post("/{report_id:uuid}/receive")
    async def receive(self, request: AnyRequest, report_id: FromPath[UUID]) -> Template | Redirect:
        """接收 from the queue."""
        return await self._office_step(request, report_id, "receive")

    @post("/{report_id:uuid}/return")
    async def return_(self, request: AnyRequest, report_id: FromPath[UUID]) -> Template | Redirect:
        """退回 from the queue, with the reason."""
        return await self._office_step(request, report_id, "return")

    async def _office_step(self, request: AnyRequest, report_id: UUID, step: str) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("reason", "version", "year", "quarter")}
        period = the_period(values)
        version = int(values["version"]) if values["version"].isdigit() else None
        command: Any = (ReceiveRegisterReport(report_id=report_id, version=version) if step == "receive"
                        else ReturnRegisterReport(report_id=report_id, version=version, reason=values["reason"]))
        try:
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._queue_page(request, user, period, field_errors(e), status=422, failed=str(report_id),
                                          values=values)
        except LedgerError as e:
            return await self._queue_page(request, user, period, {"": e.message}, status=_status(e))
        return Redirect(path=f"/w/register-reports?year={period[0]}&quarter={period[1]}")

    # ------------------------------------------------- the unit's register

    @get("/unit")
    async def unit_register(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        page_scope(user, Reach.CASES)
        unit = str(request.query_params.get("unit") or "").strip() or None
        if unit is None and user.role is not Role.UNIT_STAFF:
            return Redirect(path="/w/register-reports")
        return await self._unit_page(request, user, unit or user.unit, the_period(request.query_params), {})

    async def _unit_page(self, request: AnyRequest, user: AuthUser, unit: str, period: tuple[int, int],
                         errors: dict[str, str], status: int = 200, values: dict[str, str] | None = None) -> Template:
        year, quarter = period
        state, ledger = request.app.state, request.app.state.ledger
        await caught_up(request, *VIEWS)
        try:
            register = await in_thread(draft, state, user, unit, year, quarter)
        except NotAllowed as e:
            raise PageRefused(user, e.message) from None
        except Conflict as e:
            return page(request, user, "message.html", status=409, title="登记簿暂不可用", message=e.message)
        report, events = None, []
        if register["submitted"]:
            report = await in_thread(ledger.get_register_report, UUID(register["report_id"]))
            events = timeline(await in_thread(ledger.events.get, report.id))
        own = user.role is Role.UNIT_STAFF and user.unit == unit
        return page(request, user, "register_report_unit.html", status=status, unit=unit, year=year, quarter=quarter,
                    period=period_label(year, quarter), periods=periods(period), register=register, report=report,
                    events=events, errors=errors, values=values or {}, key=uuid.uuid4(),
                    may_submit=own and register["quarter_over"] and not register["submitted"],
                    may_correct=own and report is not None, office=is_office(user),
                    current=(year, quarter) == quarter_of(datetime.now(CST).date()))

    @post("/submit")
    async def submit(self, request: AnyRequest) -> Template | Redirect:
        """提交: the register as the ledger holds it now (the hash shown must still be its hash)."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("unit", "year", "quarter", "register_sha256")}
        period = the_period(values)
        unit = values["unit"] or user.unit
        try:
            command = SubmitRegisterReport(unit=values["unit"], year=an_int("year", values["year"], "年份"),
                                           quarter=an_int("quarter", values["quarter"], "季度"),
                                           register_sha256=values["register_sha256"] or None)
            remember(request, await in_thread(run_submission, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._unit_page(request, user, unit, period, field_errors(e), 422, values)
        except LedgerError as e:
            return await self._unit_page(request, user, unit, period, {"": e.message}, _status(e), values)
        return Redirect(path=f"/w/register-reports/unit?year={period[0]}&quarter={period[1]}")

    @post("/{report_id:uuid}/correct")
    async def correct(self, request: AnyRequest, report_id: FromPath[UUID]) -> Template | Redirect:
        """更正: a new version citing the latest, the register as it is now."""
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("corrects", "reason", "register_sha256", "unit", "year", "quarter")}
        period = the_period(values)
        unit = values["unit"] or user.unit
        try:
            command = CorrectRegisterReport(report_id=report_id,
                                            corrects=an_int("corrects", values["corrects"], "更正的版本"),
                                            reason=values["reason"], register_sha256=values["register_sha256"] or None)
            remember(request, await in_thread(run_submission, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._unit_page(request, user, unit, period, field_errors(e), 422, values)
        except LedgerError as e:
            return await self._unit_page(request, user, unit, period, {"": e.message}, _status(e), values)
        return Redirect(path=f"/w/register-reports/unit?year={period[0]}&quarter={period[1]}")

    @get("/{report_id:uuid}/register.xlsx")
    async def report_xlsx(self, request: AnyRequest, report_id: FromPath[UUID]) -> Response[bytes] | Template:
        """A version's register as submitted (the same bytes as then)."""
        user = page_user(request)
        page_scope(user, Reach.CASES)
        ledger = request.app.state.ledger
        version = str(request.query_params.get("version") or "")
        try:
            report = await in_thread(ledger.get_register_report, report_id)
            if not sees(user.role, user.unit, Reach.CASES, [report.unit]):
                raise NotFound("not visible")
            data, v = await in_thread(snapshot_file, report, int(version) if version.isdigit() else None)
        except (NotFound, InvalidInput):
            return page(request, user, "message.html", status=404, title="登记簿不存在",
                        message="没有该登记簿报送，或您无权查看。")
        name = f"行政指导事项登记簿-{report.unit}-{period_label(report.year, report.quarter)}-第{v.number}版"
        return xlsx_response(data, name, f"register-report-{report.year}q{report.quarter}-v{v.number}",
                             {"X-Snapshot-SHA256": v.snapshot.sha256})

    # ---------------------------------------------------- the consolidation

    @get("/consolidation")
    async def consolidation(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._consolidation_page(request, user, the_period(request.query_params), {})

    async def _consolidation_page(self, request: AnyRequest, user: AuthUser, period: tuple[int, int],
                                  errors: dict[str, str], status: int = 200,
                                  values: dict[str, str] | None = None) -> Template:
        scope = page_scope(user, Reach.CASES)
        if scope.unit is not None:
            raise PageRefused(user, "执法单位人员只能查看本单位的登记簿报送，汇总由办公室办理")
        year, quarter = period
        ledger, views = request.app.state.ledger, request.app.state.views
        await caught_up(request, *VIEWS)
        received = await in_thread(views.register_reports, scope, year=year, quarter=quarter, state="received",
                                   limit=None)
        listed = await in_thread(views.register_consolidations, scope, year=year, quarter=quarter)
        mine = None
        if is_office(user):
            try:
                mine = await in_thread(ledger.get_register_consolidation,
                                       RegisterConsolidation.create_id(user.unit, year, quarter))
            except NotFound:
                mine = None
        events = timeline(await in_thread(ledger.events.get, mine.id)) if mine is not None else []
        included = {(str(r.report_id), r.version) for r in mine.reports} if mine else set()
        changed = mine is not None and {(r["report_id"], r["version"]) for r in received} != included
        explained = await in_thread(ledger.explain_report_due, mine.due, "上报期限（汇总后3日内）") if mine else ()
        values = {"forwarded_on": datetime.now(CST).date().isoformat(), "platform_ref": "", "reason": ""} | (values or {})
        return page(request, user, "register_report_consolidation.html", status=status, year=year, quarter=quarter,
                    period=period_label(year, quarter), periods=periods(period), received=received, listed=listed,
                    mine=mine, events=events, changed=changed, office=is_office(user), errors=errors, values=values,
                    key=uuid.uuid4(), due_explained=explained)

    @post("/consolidate")
    async def consolidate(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("year", "quarter", "reason")}
        period = the_period(values)
        try:
            command = ConsolidateRegisterReports(year=an_int("year", values["year"], "年份"),
                                                 quarter=an_int("quarter", values["quarter"], "季度"),
                                                 reason=values["reason"])
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._consolidation_page(request, user, period, field_errors(e), 422, values)
        except LedgerError as e:
            return await self._consolidation_page(request, user, period, {"": e.message}, _status(e), values)
        return Redirect(path=f"/w/register-reports/consolidation?year={period[0]}&quarter={period[1]}")

    @post("/consolidations/{consolidation_id:uuid}/forward")
    async def forward(self, request: AnyRequest, consolidation_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("year", "quarter", "forwarded_on", "platform_ref")}
        period = the_period(values)
        try:
            try:
                on = a_date("forwarded_on", values["forwarded_on"], "上报日期")
            except InvalidInput as e:  # no command without a date: say what else is missing too
                missing = [] if values["platform_ref"].strip() else [
                    FieldError("platform_ref", "required", "请填写协同平台的报送编号（回执号）")]
                raise InvalidInput([*e.errors, *missing]) from None
            command = ForwardRegisterConsolidation(consolidation_id=consolidation_id, forwarded_on=on,
                                                   platform_ref=values["platform_ref"])
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._consolidation_page(request, user, period, field_errors(e), 422, values)
        except LedgerError as e:
            return await self._consolidation_page(request, user, period, {"": e.message}, _status(e), values)
        return Redirect(path=f"/w/register-reports/consolidation?year={period[0]}&quarter={period[1]}")

    @get("/consolidations/{consolidation_id:uuid}/register.xlsx")
    async def consolidation_xlsx(self, request: AnyRequest, consolidation_id: FromPath[UUID]) -> Response[bytes] | Template:
        """The consolidated register, drawn from the snapshots it cites."""
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        ledger = request.app.state.ledger
        try:
            if scope.unit is not None:
                raise NotFound("a unit's staff see no consolidation")
            c = await in_thread(ledger.get_register_consolidation, consolidation_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="汇总不存在", message="没有该汇总，或您无权查看。")
        data = await in_thread(consolidation_file, ledger, c)
        name = f"行政指导事项登记簿汇总-{c.office}-{period_label(c.year, c.quarter)}-第{c.round}次"
        return xlsx_response(data, name, f"register-consolidation-{c.year}q{c.quarter}",
                             {"X-Consolidation-SHA256": c.sha256})


def _status(e: LedgerError) -> int:
    return 403 if isinstance(e, NotAllowed) else 404 if isinstance(e, NotFound) else 409
