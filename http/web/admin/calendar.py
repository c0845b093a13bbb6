"""工作日安排: the recorded years, and recording one from the State
Council's notice in two steps — first the days as read and the provisional
deadlines the ledger would recompute (its own decision, nothing saved), then
the record itself."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.response import Redirect, Template

from ledger.calendar.commands import RecordYearSchedule
from ledger.errors import FieldError, InvalidInput, LedgerError
from ledger.values import CST
from ledger.workdays import YearSchedule, assumed_note, statutory_holidays
from ledger_http.common.commanding import context_of, run_command
from ledger_http.web.admin.common import flash, plain_key_error, take_flash
from ledger_http.web.admin.schedule import ScheduleText, parse_schedule, spans
from ledger_http.web.pages import AnyRequest, form_key, in_thread, page, page_user, remember


class CalendarPages(Controller):
    """工作日安排."""

    path = "/"

    @get("/calendar")
    async def calendar(self, request: AnyRequest) -> Template:
        user = page_user(request)
        years = await in_thread(calendar_years, request.app.state.ledger)
        q = request.query_params
        chosen = int(q["year"]) if str(q.get("year") or "").isdigit() else None
        shown = next((y for y in years if y["year"] == chosen), None) or years[0]
        upcoming = next((y["year"] for y in years if not y["recorded"]), years[0]["year"] + 1)
        values = {"year": str(upcoming), "source": default_source(upcoming), "basis": "", "days": ""}
        every = q.get("all") == "1"
        return page(request, user, "admin_calendar.html", years=years if every else years[:6], every=every,
                    more_years=len(years) > 6, shown=shown, values=values, errors={}, line_errors=[], key=uuid.uuid4(),
                    notice=take_flash(request), example=EXAMPLE)

    async def _calendar_form(self, request: AnyRequest, values: dict[str, Any], errors: dict[str, str],
                             status: int) -> Template:
        user = page_user(request)
        years = await in_thread(calendar_years, request.app.state.ledger)
        lines = sorted((int(k.split(".")[1]), m) for k, m in errors.items() if re.fullmatch(r"days\.\d+", k))
        return page(request, user, "admin_calendar.html", status=status, years=years[:6], every=False,
                    more_years=len(years) > 6, shown=None, values=values, errors=errors, line_errors=[m for _, m in lines],
                    key=values.get("idempotency_key") or uuid.uuid4(), notice=None, example=EXAMPLE)

    @post("/calendar/edit")
    async def calendar_edit(self, request: AnyRequest) -> Template:
        """返回修改 from the confirmation step: the form with the input as it was."""
        form = await request.form()
        return await self._calendar_form(request, schedule_values(form), {}, 200)

    @post("/calendar/preview")
    async def calendar_preview(self, request: AnyRequest) -> Template:
        """Before recording: the days as read, and which provisional deadlines
        the ledger would recompute (its own decision, run without saving)."""
        user = page_user(request)
        form = await request.form()
        values = schedule_values(form)
        text = None
        try:
            text, command = schedule_command(values)
            changes = await in_thread(request.app.state.ledger.year_schedule_effects, context_of(user), command)
        except InvalidInput as e:
            return await self._calendar_form(request, values, schedule_errors(e, text), 422)
        except LedgerError as e:
            return await self._calendar_form(request, values, {"": e.message}, 403)
        rows = [{"number": c.application_number, "class": c.previous.deadline_class.label,
                 "start": c.previous.start.astimezone(CST), "before": c.previous, "after": c.due} for c in changes]
        calendar = await in_thread(request.app.state.ledger.calendar, for_update=False)
        return page(request, user, "admin_calendar_confirm.html", values=values, text=text, rows=rows,
                    year=command.schedule.year, recorded=command.schedule.year in calendar.schedules,
                    key=values.get("idempotency_key") or uuid.uuid4(), spans=spans)

    @post("/calendar/record")
    async def calendar_record(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = schedule_values(form)
        text = None
        try:
            text, command = schedule_command(values)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._calendar_form(request, values, schedule_errors(e, text), 422)
        except LedgerError as e:
            return await self._calendar_form(request, {**values, "idempotency_key": None}, {"": e.message}, 409)
        year = command.schedule.year
        flash(request, f"{year}年工作日安排已登记（依据：{values['basis'].strip()}），相关暂定时限已重新计算")
        return Redirect(path=f"/w/admin/calendar?year={year}")


EXAMPLE = "2027-01-01 至 2027-01-03 元旦 休\n2027-02-05 至 2027-02-12 春节 休\n2027-02-14 班\n2027-02-20 班"
SCHEDULE_FIELDS = ("year", "source", "basis", "days", "idempotency_key")


def default_source(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def schedule_values(form: FormMultiDict) -> dict[str, Any]:
    return {k: str(form.get(k, "")) for k in SCHEDULE_FIELDS}


def schedule_command(values: dict[str, Any]) -> tuple[ScheduleText, RecordYearSchedule]:
    """The form into RecordYearSchedule (the ledger checks the days), with
    the lines as read (to show them, and to name a line in the ledger's errors)."""
    problems = []
    year_text = values["year"].strip()
    year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
    if year is None:
        problems.append(FieldError("year", "required", "请填写四位年份，如 2027"))
    if not values["basis"].strip():
        # the console's `ledger calendar record` requires --basis as well: the notice is the basis
        problems.append(FieldError("basis", "required", "请填写通知文号，如 国办发明电〔2026〕7号"))
    if not values["source"].strip():
        problems.append(FieldError("source", "required", "请填写通知名称"))
    try:
        text = parse_schedule(values["days"], year or datetime.now(CST).year)
    except InvalidInput as e:
        problems += e.errors
    if problems or year is None:
        raise InvalidInput(problems)
    command = RecordYearSchedule(
        schedule=YearSchedule(year=year, holidays=text.holidays, makeup_workdays=text.makeup,
                              source=notice_source(values["source"], values["basis"])),
        basis=values["basis"].strip(),
    )
    return text, command


def notice_source(name: str, number: str) -> str:
    """The schedule's source names the notice with its number, so that the
    recorded year says where it comes from wherever it is shown."""
    name, number = name.strip(), number.strip()
    return name if number in name else f"{name}（{number}）"


def schedule_errors(error: InvalidInput, text: ScheduleText | None) -> dict[str, str]:
    """The ledger's errors on holidays[i] / makeup_workdays[i] named by the line the clerk typed."""
    out: dict[str, str] = {}
    for f in error.errors:
        m = re.match(r"(holidays|makeup_workdays)\[(\d+)\]", f.field)
        if m and text is not None:
            line = (text.holiday_lines if m[1] == "holidays" else text.makeup_lines)[int(m[2])]
            out.setdefault(f"days.{line}", f"第{line}行：{f.message}")
        else:
            out.setdefault(f.field, f.message)
    return plain_key_error(out)


def calendar_years(ledger: Any) -> list[dict[str, Any]]:
    """The recorded years, newest first, with this year and the next even if
    unrecorded (then: the statutory days assumed, and the provisional
    deadlines waiting for the year)."""
    schedules = ledger.calendar(for_update=False).schedules
    this_year = datetime.now(CST).year
    out = []
    for year in sorted({*schedules, this_year, this_year + 1}, reverse=True):
        s = schedules.get(year)
        waiting = len(ledger.provisional_cases(year))
        if s is None:
            assumed = [(d, name) for d, name in statutory_holidays(year)]
            out.append({"year": year, "recorded": False, "source": None, "runs": runs([(d, n) for d, n in assumed]),
                        "makeup": [], "waiting": waiting, "note": assumed_note((year,))})
        else:
            out.append({"year": year, "recorded": True, "source": s.source, "makeup": list(s.makeup_workdays),
                        "runs": runs([(h.day, h.name) for h in s.holidays]), "waiting": waiting, "note": None})
    return out


def runs(days: list[tuple[date, str]]) -> list[dict[str, Any]]:
    """Consecutive days of one holiday as one entry: 春节 2027-02-05（周五）至2027-02-11（周四）, 7 days."""
    out: list[dict[str, Any]] = []
    for day, name in sorted(days):
        last = out[-1] if out else None
        if last and last["name"] == name and (day - last["end"]).days == 1:
            last["end"], last["days"] = day, last["days"] + 1
        else:
            out.append({"name": name, "start": day, "end": day, "days": 1})
    for r in out:
        r["label"] = spans([r["start"] + timedelta(days=i) for i in range(r["days"])])
    return out
