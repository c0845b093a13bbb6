"""The workbench's pages: sign-in, the home queue, the registry, the case
page with its timeline, the booking form (annex 1), acceptance and refusal,
one's own password. Thin handlers: parse the form into the API's command,
run it through ``run_command``, redirect or re-render with field errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import FormMultiDict, ResponseHeader
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case import GuidanceCase
from ledger.case.commands import AcceptCase, BookGuidance, RefuseCase
from ledger.case.values import Applicant, ApplicantKind, CaseState, Channel, Contact, Referral, ServiceType, Urgency
from ledger.envelope import make_envelope
from ledger.errors import CaseNotFound, Conflict, FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.history import describe, event_label
from ledger.identifiers import mask_personal
from ledger.scope import Reach, scope_for, sees_case
from ledger.values import CST, DeadlineClass, Role
from ledger_http.cases import case_view
from ledger_http.common.auth import AuthUser, TooManyAttempts, admitted, change_password, sign_in
from ledger_http.common.commanding import run_command
from projections.cases.export import display_registry_row
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[Any, Any, Any]
PAGE = 20
# No script or style but our own files, no framing, forms post only here.
PAGE_HEADERS = [
    ResponseHeader(name="Content-Security-Policy",
                   value="default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]

# The left menu by role: (label, path).
MENUS: dict[Role, list[tuple[str, str]]] = {
    Role.REGISTRAR: [("工作台", "/w/"), ("预约登记", "/w/book"), ("台账", "/w/registry"), ("统计分析", "/w/stats")],
    Role.DISPATCHER: [("工作台", "/w/"), ("台账", "/w/registry"), ("统计分析", "/w/stats")],
    Role.UNIT_STAFF: [("工作台", "/w/"), ("本单位台账", "/w/registry"), ("重大决定备案", "/w/filings"),
                      ("处罚撤销审查", "/w/supervision"), ("统计分析", "/w/stats")],
    Role.SUPERVISOR: [("工作台", "/w/"), ("监督待办", "/w/supervision"), ("重大决定备案", "/w/filings"),
                      ("台账", "/w/registry"), ("统计分析", "/w/stats"), ("审计日志", "/w/audit"), ("账本校验", "/w/integrity")],
    Role.AUDITOR: [("工作台", "/w/"), ("监督待办", "/w/supervision"), ("重大决定备案", "/w/filings"),
                   ("台账", "/w/registry"), ("统计分析", "/w/stats"), ("审计日志", "/w/audit"), ("账本校验", "/w/integrity")],
    Role.ADMINISTRATOR: [("工作台", "/w/"), ("单位管理", "/w/admin/units"), ("用户管理", "/w/admin/users"),
                         ("工作日安排", "/w/admin/calendar"), ("四张清单", "/w/admin/catalogues"), ("审计日志", "/w/audit")],
}
HOME_QUEUE = {Role.REGISTRAR: "acceptance", Role.DISPATCHER: "dispatch", Role.UNIT_STAFF: "service"}
STAGE_LABELS = {"acceptance": "待受理", "dispatch": "待派单", "service": "待服务", "rating": "待评价",
                "follow_up": "待回访", "archiving": "待归档"}


ARCHIVABLE = (CaseState.RATED, CaseState.REFUSED, CaseState.WITHDRAWN)


def next_steps(user: AuthUser, case: Any) -> list[tuple[str, str]]:
    """The forms to offer on the case page: a hint only (the ledger decides
    whether the step is allowed, and says why not)."""
    base = f"/w/cases/{case.id}"
    offers = {
        (Role.REGISTRAR, CaseState.APPLIED): ("受理或不予受理", "accept"),
        (Role.DISPATCHER, CaseState.ACCEPTED): ("派单", "dispatch"),
        (Role.DISPATCHER, CaseState.DISPATCHED): ("重新派单", "dispatch"),
        (Role.UNIT_STAFF, CaseState.DISPATCHED): ("记录指导服务", "serve"),
        (Role.REGISTRAR, CaseState.SERVED): ("电话回访评价", "rate"),
        (Role.UNIT_STAFF, CaseState.SERVED): ("现场满意度评价", "rate"),
    }
    offer = offers.get((user.role, case.state))
    return [(offer[0], f"{base}/{offer[1]}")] if offer else []


class SignInRequired(Exception):
    """No (or no longer a valid) session: to the sign-in page."""


class NewPasswordRequired(Exception):
    """An administrator reset the password: the user chooses a new one first."""


class PageRefused(Exception):
    """The user's role reads none of what the page shows: a page saying so."""

    def __init__(self, user: AuthUser, message: str) -> None:
        super().__init__(message)
        self.user, self.message = user, message


def refused_page(request: AnyRequest, exc: PageRefused) -> Template:
    return page(request, exc.user, "message.html", status=403, title="无权查看", message=exc.message)


def page_scope(user: AuthUser, reach: Reach) -> Any:
    """The user's scope over ``reach`` (``ledger.scope``), or the refusal page."""
    try:
        return scope_for(user.role, user.unit, reach)
    except NotAllowed as e:
        raise PageRefused(user, e.message) from None


def to_sign_in(request: AnyRequest, exc: Exception) -> Redirect:
    return Redirect(path="/w/password" if isinstance(exc, NewPasswordRequired) else "/login")


def page_user(request: AnyRequest) -> AuthUser:
    """The signed-in user, checked on every page like a bearer token."""
    username = request.session.get("u") if request.scope.get("session") is not None else None
    if not username:
        raise SignInRequired
    try:
        user = request.app.state.ledger.current_user(username)
        return admitted(user, request.session.get("g"), "/auth/password" if request.url.path == "/w/password" else request.url.path)
    except NotAllowed:
        raise NewPasswordRequired from None
    except (NotAuthorizedException, NotFound):  # disabled, or the password changed since
        request.clear_session()
        raise SignInRequired from None


def page(request: AnyRequest, user: AuthUser | None, name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"user": user, "menu": MENUS.get(user.role, []) if user else [], "path": request.url.path, **context},
        status_code=status,
    )


async def in_thread(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The ledger and the views wait on the database: off the event loop."""
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs))


def remember(request: AnyRequest, body: bytes) -> dict[str, Any]:
    """A command's result; the session keeps its position in the log, so the
    user's next list shows their own write (read your writes)."""
    result = msgspec.json.decode(body)
    request.set_session({**request.session, "n": result["notification_id"]})
    return result


async def caught_up(request: AnyRequest, view: str = "cases") -> bool:
    """Wait (bounded) until ``view`` shows this user's last write."""
    position = request.session.get("n")
    if not position:
        return True
    return await in_thread(wait_for_views, request.app.state.settings, (view,), int(position), 5.0)


def field_errors(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


def form_key(form: FormMultiDict) -> str:
    return str(form.get("idempotency_key") or uuid.uuid4())


# ------------------------------------------------------------------ sign-in


class SignInPages(Controller):
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def root(self, request: AnyRequest) -> Redirect:
        return Redirect(path="/w/" if request.session.get("u") else "/login")

    @get("/login")
    async def login_form(self, request: AnyRequest) -> Template:
        return page(request, None, "login.html", username="", error=None)

    @post("/login")
    async def login(self, request: AnyRequest) -> Template | Redirect:
        form = await request.form()
        username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:256]
        try:
            user = await in_thread(sign_in, request, username, password)
        except TooManyAttempts as e:
            return page(request, None, "login.html", status=429, username=username, error=e.message)
        except Exception:
            return page(request, None, "login.html", status=401, username=username, error="用户名或密码错误")
        request.set_session({"u": user.username, "g": user.credential_generation})
        return Redirect(path="/w/password" if user.must_change_password else "/w/")

    @post("/logout")
    async def logout(self, request: AnyRequest) -> Redirect:
        request.clear_session()
        return Redirect(path="/login")


# -------------------------------------------------------------------- pages


class WorkbenchPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def home(self, request: AnyRequest) -> Template:
        user = page_user(request)
        stage = HOME_QUEUE.get(user.role)
        rows: list[dict[str, Any]] = []
        if stage:
            scope = scope_for(user.role, user.unit, Reach.CASES)
            await caught_up(request)
            rows = await in_thread(request.app.state.views.queue, scope, stage, limit=200)
        return page(request, user, "home.html", stage=stage, stage_label=STAGE_LABELS.get(stage or "", ""), rows=rows)

    @get("/registry")
    async def registry(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        q = request.query_params
        filters = {"service_type": q.get("service_type") or None, "state": q.get("state") or None}
        offset = max(int(q.get("offset") or 0), 0) if str(q.get("offset") or "0").isdigit() else 0
        await caught_up(request)
        rows = await in_thread(
            request.app.state.views.registry_rows, scope,
            service_type=ServiceType(filters["service_type"]) if filters["service_type"] in ServiceType._value2member_map_ else None,
            state=filters["state"] if filters["state"] in CaseState._value2member_map_ else None,
            limit=PAGE + 1, offset=offset,
        )
        shown = [display_registry_row(r, scope.role) for r in rows[:PAGE]]
        return page(request, user, "registry.html", rows=shown, offset=offset, more=len(rows) > PAGE, page_size=PAGE,
                    filters=filters, service_types=list(ServiceType), states=list(CaseState))

    @get("/audit")
    async def audit(self, request: AnyRequest) -> Template:
        """Who did what, when, on what basis — within the audit scope."""
        user = page_user(request)
        scope = page_scope(user, Reach.AUDIT)
        q = request.query_params
        filters = {k: (str(q.get(k) or "").strip() or None) for k in ("actor", "action", "case_id")}
        offset = int(q["offset"]) if str(q.get("offset") or "").isdigit() else 0
        await caught_up(request, "audit")
        rows = await in_thread(request.app.state.views.audit, scope, actor_id=filters["actor"], action=filters["action"],
                               case_id=filters["case_id"], limit=PAGE + 1, offset=offset, newest_first=True)
        shown = [{**r, "label": event_label(r["action"] or ""), "role_label": Role(r["role"]).label if r["role"] else "",
                  "recorded": datetime.fromisoformat(r["recorded_at"].replace("Z", "+00:00")).astimezone(CST)
                  .strftime("%Y-%m-%d %H:%M:%S")} for r in rows[:PAGE]]
        return page(request, user, "audit.html", rows=shown, offset=offset, more=len(rows) > PAGE, page_size=PAGE,
                    filters=filters)

    @get("/cases/{case_id:uuid}")
    async def case(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        ledger = request.app.state.ledger
        try:
            case = await in_thread(ledger.get_case, case_id)
            if not sees_case(user.role, user.unit, case.units):
                raise CaseNotFound(f"没有编号为{case_id}的案件")
        except CaseNotFound:
            return page(request, user, "message.html", status=404, title="案件不存在", message="没有该案件，或您无权查看。")
        scope = scope_for(user.role, user.unit, Reach.CASES)
        view = case_view(case, scope)
        individual = case.applicant.kind is ApplicantKind.INDIVIDUAL
        events = []
        for e in await in_thread(ledger.history, case_id):
            d = describe(e)
            events.append({
                "view": d,
                "label": event_label(d.event),
                "role": Role(d.role).label if d.role else "",
                "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—",
                "recorded": d.recorded_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"),
                "data": mask_personal(d.data, individual=individual) if scope.masks_ids else d.data,
            })
        return page(request, user, "case.html", case=view, events=events, actions=next_steps(user, case),
                    can_archive=user.role is Role.REGISTRAR and case.state in ARCHIVABLE, archive_key=uuid.uuid4())

    # ----------------------------------------------------------- booking

    @get("/book")
    async def book_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return book_page(request, user, {}, {})

    @post("/book")
    async def book(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: form.get(k, "") for k in BOOK_FIELDS} | {"service_types": form.getall("service_types", [])}
        try:
            command = book_command(values, user)
            body = await in_thread(run_command, request.app.state, user, command, form_key(form))
        except InvalidInput as e:
            return book_page(request, user, values, field_errors(e), status=422)
        except LedgerError as e:
            return book_page(request, user, values, {"": e.message}, status=403)
        return Redirect(path=f"/w/cases/{remember(request, body)['case_id']}")

    # -------------------------------------------------- accept or refuse

    @get("/cases/{case_id:uuid}/accept")
    async def accept_form(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return page(request, user, "accept.html", case_id=case_id, classes=list(DeadlineClass), errors={}, values={},
                    key=uuid.uuid4())

    @post("/cases/{case_id:uuid}/accept")
    async def accept(self, request: AnyRequest, case_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("deadline_class", "reason", "notice", "referral_body", "referral_contact", "decision", "expected_version")}
        try:
            version = int(values["expected_version"]) if values["expected_version"].isdigit() else None
            if values["decision"] == "refuse":
                command: Any = RefuseCase(case_id=case_id, expected_version=version, reason=values["reason"],
                                          notice=values["notice"], referral=Referral(body=values["referral_body"],
                                                                                     how_to_reach=values["referral_contact"]))
            else:
                if values["deadline_class"] not in DeadlineClass._value2member_map_:
                    raise InvalidInput.one("deadline_class", "required", "请选择需求类别")
                command = AcceptCase(case_id=case_id, expected_version=version, deadline_class=DeadlineClass(values["deadline_class"]))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return page(request, user, "accept.html", status=422, case_id=case_id, classes=list(DeadlineClass),
                        errors=field_errors(e), values=values, key=form.get("idempotency_key"))
        except (Conflict, LedgerError) as e:
            return page(request, user, "accept.html", status=409, case_id=case_id, classes=list(DeadlineClass),
                        errors={"": e.message}, values=values, key=uuid.uuid4())
        return Redirect(path=f"/w/cases/{case_id}")

    # ---------------------------------------------------------- password

    @get("/password")
    async def password_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return page(request, user, "password.html", errors={}, done=False)

    @post("/password")
    async def password(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        new, again = str(form.get("new_password", "")), str(form.get("again", ""))
        if new != again:
            return page(request, user, "password.html", status=422, errors={"again": "两次输入的新密码不一致"}, done=False)
        request.scope["user"] = user  # change_password reads the user as the API does
        try:
            await in_thread(change_password, request, user.username, new[:256], str(form.get("current_password", ""))[:256])
        except (InvalidInput, TooManyAttempts) as e:
            errors = field_errors(e) if isinstance(e, InvalidInput) else {"current_password": e.message}
            return page(request, user, "password.html", status=422, errors=errors, done=False)
        request.clear_session()  # the session named the old password: sign in again
        return Redirect(path="/login")


BOOK_FIELDS = ("kind", "name", "id_number", "address", "contact_name", "contact_phone", "needs", "notes", "channel",
               "urgency", "idempotency_key")


def book_command(values: dict[str, Any], user: AuthUser) -> BookGuidance:
    """Annex 1's fields into the API's command (the ledger validates them).
    A choice left empty cannot make a command; then the case's own decision
    is asked (without saving) for the other fields' errors, so the clerk sees
    every problem at once."""
    kind, channel, urgency = values.get("kind"), values.get("channel"), values.get("urgency") or "normal"
    missing = []
    if kind not in ApplicantKind._value2member_map_:
        missing.append(FieldError("applicant.kind", "required", "请选择申请人类型"))
    if channel not in Channel._value2member_map_:
        missing.append(FieldError("channel", "required", "请选择预约方式"))
    types = [t for t in values["service_types"] if t in ServiceType._value2member_map_]
    command = BookGuidance(
        applicant=Applicant(kind=ApplicantKind(kind) if not missing or kind in ApplicantKind._value2member_map_
                            else ApplicantKind.ORGANISATION,
                            name=str(values["name"]), id_number=str(values["id_number"]), address=str(values["address"])),
        contact=Contact(name=str(values["contact_name"]), phone=str(values["contact_phone"])),
        service_types=tuple(ServiceType(t) for t in types),
        needs=str(values["needs"]),
        notes=str(values["notes"]),
        channel=Channel(channel) if channel in Channel._value2member_map_ else Channel.IN_PERSON,
        urgency=Urgency(urgency) if urgency in Urgency._value2member_map_ else Urgency.NORMAL,
    )
    if missing:
        try:
            GuidanceCase.book(make_envelope(user.actor, "form-check", datetime.now(CST)), **{
                f: getattr(command, f) for f in command.__struct_fields__ if f not in ("business_time", "basis")})
        except InvalidInput as e:
            kind_unknown = any(m.field == "applicant.kind" for m in missing)
            missing += [f for f in e.errors if not (kind_unknown and f.field == "applicant.id_number")]
        raise InvalidInput(missing)
    return command


def book_page(request: AnyRequest, user: AuthUser, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Template:
    return page(request, user, "book.html", status=status, values=values, errors=errors, kinds=list(ApplicantKind),
                service_types=list(ServiceType), channels=list(Channel), urgencies=list(Urgency),
                key=values.get("idempotency_key") or uuid.uuid4())


PAGES = [SignInPages, WorkbenchPages]
