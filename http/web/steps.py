"""The case's steps in the workbench: 受理/不予受理, 派单 (units and staff
chosen from the directory), 指导服务 (annex 2's opinion; a joint visit with a
part per unit), 满意度评价 (annex 3's four scales; 电话回访 by the registrar)
and 归档 (with its completeness check).

Each GET shows the paper form with the case's head; each POST builds the
API's command and runs it (``run_step``): back to the case page, or the form
again with the errors beside their fields, or — when the case changed since
the form was opened (its version is in the form) — the case page as it is
now, saying that nothing was saved."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.commands import AcceptCase, ArchiveCase, DispatchCase, RateService, RecordService, RefuseCase
from ledger.case.values import SCALE_LABELS, Assignment, Grade, RatingMethod, Referral, ServiceForm, UnitEntry
from ledger.commands import Command
from ledger.directory import User
from ledger.errors import CaseNotFound, Conflict, InvalidInput, LedgerError, NotFound
from ledger.scope import Reach, scope_for
from ledger.values import CST, DeadlineClass, Person, Role
from ledger_http.cases import case_view
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.web.case import case_page, visible_case
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, field_errors, form_key, in_thread, page, page_user, remember

SCALES = (("response", "服务响应"), ("attitude", "服务态度"), ("usefulness", "服务内容"), ("result", "服务结果"))
STALE = "您提交时本案已有新的办理记录（{message}）。您填写的内容未保存；以下是本案的当前状态，请核对后重新办理。"


def staff_by_unit(state: Any) -> dict[str, list[User]]:
    """The directory's active unit staff, by unit (from the users the log has seen)."""
    users = [state.ledger.repository.get(UUID(i), deepcopy_from_cache=False) for i in state.views.aggregate_ids("user")]
    units: dict[str, list[User]] = {}
    for u in sorted(users, key=lambda u: (u.unit, u.username)):
        if u.role is Role.UNIT_STAFF and u.can_sign_in:
            units.setdefault(u.unit, []).append(u)
    return units


def local_time(field: str, text: str) -> datetime | None:
    """A datetime-local field (China time) or None; a malformed one is a field error."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=CST)
    except ValueError:
        raise InvalidInput.one(field, "invalid_time", "时间格式应为 年-月-日 时:分") from None


def form_values(form: FormMultiDict) -> dict[str, Any]:
    """A form's fields: a list where the field repeats (check boxes)."""
    return {k: form.getall(k) if len(form.getall(k, [])) > 1 else form.get(k) for k in form}


def with_version(command: Command, values: dict[str, Any]) -> Command:
    """The version of the case the form was opened on, so that a change made
    meanwhile is a conflict rather than overwritten."""
    text = str(values.get("expected_version") or "")
    if "expected_version" in command.__struct_fields__ and text.isdigit():
        return msgspec.structs.replace(command, expected_version=int(text))
    return command


async def run_declared_step(
    request: AnyRequest, user: AuthUser, record_id: UUID, build: Callable[[UUID, dict[str, Any], Any], Command], *,
    visible: Callable[..., Any], record_page: Callable[..., Any], form_page: Callable[..., Any],
    not_found: Callable[[], Any], stale: str, back: str,
) -> Template | Redirect:
    """A step of a record whose steps are declared once (a guidance's, a
    mediation's STEPS): the form built into the command at the version it was
    opened on and run; bad input back on the step's form beside its fields, a
    change made meanwhile on the record's page, another refusal on the form."""
    form = await request.form()
    values = form_values(form)
    try:
        record = await in_thread(visible, request, user, record_id)
    except NotFound:
        return not_found()
    try:
        command = with_version(build(record_id, values, record), values)
        remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
    except InvalidInput as e:
        return await form_page(422, values, field_errors(e), form.get("idempotency_key"))
    except Conflict as e:
        return await record_page(banner=stale.format(message=e.message), status=409)
    except LedgerError as e:
        return await form_page(409, values, {"": e.message})
    return Redirect(path=back)


async def step_form(request: AnyRequest, user: AuthUser, case_id: UUID, template: str, status: int = 200,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, key: Any = None,
                    **context: Any) -> Template:
    """A step's form with the case's head (applicant, number, state, version)."""
    try:
        case = await in_thread(visible_case, request, user, case_id)
    except CaseNotFound:
        return page(request, user, "message.html", status=404, title="案件不存在", message="没有该案件，或您无权查看。")
    view = case_view(case, scope_for(user.role, user.unit, Reach.CASES))
    return page(request, user, template, status=status, case_id=case_id, case=view, values=values or {},
                errors=errors or {}, key=key or uuid.uuid4(), **context)


async def run_step(request: AnyRequest, user: AuthUser, case_id: UUID, template: str, form: FormMultiDict,
                   build: Callable[[dict[str, Any]], Command], context: dict[str, Any]) -> Template | Redirect:
    values = form_values(form)
    try:
        command = with_version(build(values), values)
        remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
    except InvalidInput as e:
        return await step_form(request, user, case_id, template, 422, values, field_errors(e), form.get("idempotency_key"),
                               **context)
    except Conflict as e:
        return await case_page(request, user, case_id, banner=STALE.format(message=e.message), status=409)
    except LedgerError as e:
        return await step_form(request, user, case_id, template, 409, values, {"": e.message}, None, **context)
    return Redirect(path=f"/w/cases/{case_id}")


def rating_context() -> dict[str, Any]:
    return {"scales": [(s, label, [(g.value, SCALE_LABELS[s][g]) for g in Grade]) for s, label in SCALES],
            "methods": list(RatingMethod)}


class StepPages(Controller):
    path = "/w/cases/{case_id:uuid}"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # -------------------------------------------------- 受理 / 不予受理

    @get("/accept")
    async def accept_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        return await step_form(request, page_user(request), case_id, "accept.html", classes=list(DeadlineClass))

    @post("/accept")
    async def accept(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        def build(v: dict[str, Any]) -> Command:
            if v.get("decision") == "refuse":
                return RefuseCase(case_id=case_id, reason=str(v.get("reason") or ""), notice=str(v.get("notice") or ""),
                                  referral=Referral(body=str(v.get("referral_body") or ""),
                                                    how_to_reach=str(v.get("referral_contact") or "")))
            if v.get("deadline_class") not in DeadlineClass._value2member_map_:
                raise InvalidInput.one("deadline_class", "required", "请选择需求类别")
            return AcceptCase(case_id=case_id, deadline_class=DeadlineClass(v["deadline_class"]))

        return await run_step(request, page_user(request), case_id, "accept.html", await request.form(), build,
                              {"classes": list(DeadlineClass)})

    # ------------------------------------------------------------ 派单

    @get("/dispatch")
    async def dispatch_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        units = await in_thread(staff_by_unit, request.app.state)
        return await step_form(request, page_user(request), case_id, "dispatch.html", units=units, forms=list(ServiceForm))

    @post("/dispatch")
    async def dispatch(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        form = await request.form()
        units = await in_thread(staff_by_unit, request.app.state)
        names = {f"{unit}|{u.username}": u.display_name for unit, people in units.items() for u in people}

        def build(v: dict[str, Any]) -> DispatchCase:
            chosen: dict[str, list[Person]] = {}
            for key in form.getall("staff", []):
                if key in names:
                    unit, username = key.split("|", 1)
                    chosen.setdefault(unit, []).append(Person(id=username, name=names[key]))
            if v.get("form") not in ServiceForm._value2member_map_:
                raise InvalidInput.one("form", "required", "请选择服务形式")
            return DispatchCase(
                case_id=case_id,
                assignments=tuple(Assignment(unit=u, staff=tuple(p)) for u, p in chosen.items()),
                form=ServiceForm(v["form"]),
                lead_unit=v.get("lead_unit") or None,
                agreed_time=local_time("agreed_time", str(v.get("agreed_time") or "")),
                redispatch_reason=v.get("redispatch_reason") or None,
            )

        return await run_step(request, page_user(request), case_id, "dispatch.html", form, build,
                              {"units": units, "forms": list(ServiceForm)})

    # ------------------------------------------------------- 指导服务

    @get("/serve")
    async def serve_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await step_form(request, user, case_id, "serve.html", values={"staff": [user.username]})

    @post("/serve")
    async def serve(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        try:
            case = await in_thread(visible_case, request, user, case_id)
        except CaseNotFound:
            return page(request, user, "message.html", status=404, title="案件不存在", message="没有该案件，或您无权查看。")

        def build(v: dict[str, Any]) -> RecordService:
            chosen = set(form.getall("staff", []))
            mine = next((a for a in case.assignments if a.unit == user.unit), None)
            staff = tuple(p for p in (mine.staff if mine else ()) if p.id in chosen)
            # the people assigned of the user's unit, as ticked (the ledger checks them)
            entries = tuple(
                UnitEntry(unit=a.unit, findings=str(v.get(f"findings_{i}") or ""), advice=str(v.get(f"advice_{i}") or ""),
                          staff=a.staff)
                for i, a in enumerate(case.assignments)
            ) if case.is_joint else ()
            return RecordService(
                case_id=case_id, place=str(v.get("place") or ""), content=str(v.get("content") or ""),
                findings=str(v.get("findings") or ""), advice=str(v.get("advice") or ""),
                staff=staff or (Person(id=user.username, name=user.display_name),),
                on_site=v.get("on_site") == "yes", applicant_signed=v.get("applicant_signed") == "yes",
                unit_entries=entries,
            )

        return await run_step(request, user, case_id, "serve.html", form, build, {})

    # ------------------------------------------------------ 满意度评价

    @get("/rate")
    async def rate_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        method = RatingMethod.PHONE_FOLLOW_UP.value if user.role is Role.REGISTRAR else RatingMethod.ONSITE_FORM.value
        return await step_form(request, user, case_id, "rate.html", values={"method": method}, **rating_context())

    @post("/rate")
    async def rate(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        def build(v: dict[str, Any]) -> RateService:
            missing = [(scale, label) for scale, label in SCALES if v.get(scale) not in Grade._value2member_map_]
            if missing:
                raise InvalidInput([InvalidInput.one(s, "required", f"请选择{label}的评价").errors[0] for s, label in missing])
            method = v.get("method")
            if method not in RatingMethod._value2member_map_:
                raise InvalidInput.one("method", "required", "请选择评价方式")
            return RateService(case_id=case_id, **{s: Grade(v[s]) for s, _ in SCALES},
                               comments=str(v.get("comments") or ""), method=RatingMethod(method))

        return await run_step(request, page_user(request), case_id, "rate.html", await request.form(), build,
                              rating_context())

    # ------------------------------------------------------------ 归档

    @post("/archive")
    async def archive(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        return await run_step(request, page_user(request), case_id, "message.html", await request.form(),
                              lambda v: ArchiveCase(case_id=case_id), {"title": "不能归档", "message": ""})
