"""The case's later steps in the workbench: 派单 (units and staff chosen from
the directory), 指导服务 (annex 2's opinion), 满意度评价 (annex 3's four
scales; 电话回访 by the registrar) and 归档 (with its completeness check).
Each GET shows the paper form; each POST builds the API's command, runs it
and returns to the case page, or shows the form again with the errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.commands import ArchiveCase, DispatchCase, RateService, RecordService
from ledger.case.values import SCALE_LABELS, Assignment, Grade, RatingMethod, ServiceForm
from ledger.directory import User
from ledger.errors import InvalidInput, LedgerError
from ledger.values import CST, Person, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, field_errors, form_key, in_thread, page, page_user, remember

SCALES = (("response", "服务响应"), ("attitude", "服务态度"), ("usefulness", "服务内容"), ("result", "服务结果"))


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


class StepPages(Controller):
    path = "/w/cases/{case_id:uuid}"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    async def _step(self, request: AnyRequest, user: AuthUser, case_id: UUID, template: str, form: FormMultiDict,
                    build: Any, context: dict[str, Any]) -> Template | Redirect:
        values = {k: form.getall(k) if len(form.getall(k)) > 1 else form.get(k) for k in form}
        try:
            command = build(values)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return page(request, user, template, status=422, case_id=case_id, values=values, errors=field_errors(e),
                        key=form.get("idempotency_key"), **context)
        except LedgerError as e:
            return page(request, user, template, status=409, case_id=case_id, values=values, errors={"": e.message},
                        key=uuid.uuid4(), **context)
        return Redirect(path=f"/w/cases/{case_id}")

    # ------------------------------------------------------------ 派单

    @get("/dispatch")
    async def dispatch_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        units = await in_thread(staff_by_unit, request.app.state)
        return page(request, user, "dispatch.html", case_id=case_id, values={}, errors={}, key=uuid.uuid4(),
                    units=units, forms=list(ServiceForm))

    @post("/dispatch")
    async def dispatch(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
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

        return await self._step(request, user, case_id, "dispatch.html", form, build,
                                {"units": units, "forms": list(ServiceForm)})

    # ------------------------------------------------------- 指导服务

    @get("/serve")
    async def serve_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return page(request, user, "serve.html", case_id=case_id, values={"staff_names": user.display_name}, errors={},
                    key=uuid.uuid4())

    @post("/serve")
    async def serve(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()

        def build(v: dict[str, Any]) -> RecordService:
            return RecordService(
                case_id=case_id, place=str(v.get("place") or ""), content=str(v.get("content") or ""),
                findings=str(v.get("findings") or ""), advice=str(v.get("advice") or ""),
                staff=(Person(id=user.username, name=user.display_name),),
                on_site=v.get("on_site") == "yes", applicant_signed=v.get("applicant_signed") == "yes",
            )

        return await self._step(request, user, case_id, "serve.html", form, build, {})

    # ------------------------------------------------------ 满意度评价

    @get("/rate")
    async def rate_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return page(request, user, "rate.html", case_id=case_id, values={}, errors={}, key=uuid.uuid4(),
                    **rating_context())

    @post("/rate")
    async def rate(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()

        def build(v: dict[str, Any]) -> RateService:
            missing = [(scale, label) for scale, label in SCALES if v.get(scale) not in Grade._value2member_map_]
            if missing:
                raise InvalidInput([InvalidInput.one(s, "required", f"请选择{label}的评价").errors[0] for s, label in missing])
            method = v.get("method")
            if method not in RatingMethod._value2member_map_:
                raise InvalidInput.one("method", "required", "请选择评价方式")
            return RateService(case_id=case_id, **{s: Grade(v[s]) for s, _ in SCALES},
                               comments=str(v.get("comments") or ""), method=RatingMethod(method))

        return await self._step(request, user, case_id, "rate.html", form, build, rating_context())

    # ------------------------------------------------------------ 归档

    @post("/archive")
    async def archive(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        return await self._step(request, user, case_id, "message.html", form, lambda v: ArchiveCase(case_id=case_id),
                                {"title": "不能归档", "message": ""})


def rating_context() -> dict[str, Any]:
    return {"scales": [(s, label, [(g.value, SCALE_LABELS[s][g]) for g in Grade]) for s, label in SCALES],
            "methods": list(RatingMethod)}
