"""The workbench's pages: sign-in, the home queue, the registry, the case
page with its timeline, the booking form (annex 1), acceptance and refusal,
one's own password. Thin handlers: parse the form into the API's command,
run it through ``run_command``, redirect or re-render with field errors."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

import anyio
import msgspec
from eventsourcing.application import AggregateNotFoundError
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict, ResponseHeader
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect, Template

from ledger.case import GuidanceCase
from ledger.case.commands import BookGuidance
from ledger.case.values import Applicant, ApplicantKind, Channel, Contact, ServiceType, Urgency
from ledger.directory import Unit, UnitKind
from ledger.envelope import make_envelope
from ledger.errors import FieldError, InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.history import action_choices
from ledger.scope import Reach, scope_for
from ledger.store.outage import outage_of
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser, TooManyAttempts, admitted, change_password, sign_in
from ledger_http.common.commanding import run_command
from ledger_http.common.reading import xlsx_response
from projections import workbook
from projections.audit import action_label
from projections.runner import wait_for as wait_for_views

AnyRequest = Request[Any, Any, Any]
PAGE = 20
# No script or style but our own files, no framing, forms post only here.
PAGE_HEADERS = [
    ResponseHeader(name="Content-Security-Policy",
                   value="default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]

# The left menu by role: (label, path); an empty path is a group's heading
# (the menus of unit staff and supervisors have grown past a screen's worth).
_VERIFY = ("文书核验", "/w/documents/verify")
_OVERSIGHT_READS = [("执法监督", ""), ("监督待办", "/w/supervision"), ("监督网络", "/w/network"), ("监督反馈", "/w/feedback"),
                    ("整改建议书", "/w/suggestion-letters"), ("重大决定备案", "/w/filings"), ("法制审核", "/w/legal-reviews"),
                    ("信用修复", "/w/credit-repairs"),
                    ("指导服务", ""), ("台账", "/w/registry"), ("行政指导", "/w/guidance"), ("行政调解", "/w/mediations"),
                    ("登记簿报送", "/w/register-reports"),
                    ("统计分析", "/w/stats"), ("典型案例评选", "/w/typical-cases"),
                    ("违法风险点", "/w/risk-points"), ("风险预警", "/w/risk-points/warnings"),
                    ("分析评估报告", "/w/risk-points/assessments"), ("评估报告逾期", "/w/risk-points/assessments/queue"),
                    ("台账安全", ""), ("审计日志", "/w/audit"), ("个人信息访问记录", "/w/access-log"), ("账本校验", "/w/integrity"), _VERIFY]
MENUS: dict[Role, list[tuple[str, str]]] = {
    Role.REGISTRAR: [("工作台", "/w/"), ("预约登记", "/w/book"), ("台账", "/w/registry"), ("登记簿报送", "/w/register-reports"),
                     ("统计分析", "/w/stats"), ("典型案例", "/w/typical-cases"), _VERIFY],
    Role.DISPATCHER: [("工作台", "/w/"), ("台账", "/w/registry"), ("登记簿报送", "/w/register-reports"), ("统计分析", "/w/stats"),
                      ("典型案例", "/w/typical-cases")],
    Role.UNIT_STAFF: [("工作台", "/w/"),
                      ("指导服务", ""), ("行政指导", "/w/guidance"), ("行政调解", "/w/mediations"), ("本单位台账", "/w/registry"),
                      ("登记簿报送", "/w/register-reports"), ("统计分析", "/w/stats"), ("典型案例", "/w/typical-cases"),
                      ("执法监督", ""), ("重大决定备案", "/w/filings"), ("法制审核", "/w/legal-reviews"),
                      ("处罚撤销审查", "/w/supervision"), ("整改建议书", "/w/suggestion-letters"), ("信用修复", "/w/credit-repairs"),
                      ("监督反馈", "/w/feedback"), ("联系点与结对", "/w/network"),
                      ("法律风险防控", ""), ("违法风险点", "/w/risk-points"), ("风险预警", "/w/risk-points/warnings"),
                      ("分析评估报告", "/w/risk-points/assessments")],
    Role.SUPERVISOR: [("工作台", "/w/"), *_OVERSIGHT_READS],
    Role.AUDITOR: [("工作台", "/w/"), *_OVERSIGHT_READS],
    Role.ADMINISTRATOR: [("工作台", "/w/"), ("单位管理", "/w/admin/units"), ("用户管理", "/w/admin/users"),
                         ("工作日安排", "/w/admin/calendar"), ("四张清单", "/w/admin/catalogues"),
                         ("行政指导事项目录", "/w/admin/guidance-matters"), ("违法风险点", "/w/risk-points"),
                         ("审计日志", "/w/audit")],
}


# 联系点与结对 is a 司法所's work (seed 003 一–三: the town's 司法所 nominates,
# pairs and files): the staff of an enforcement unit (or any other kind) do
# not get it in their menu; the page itself refuses them as well.
JUSTICE_OFFICE_ONLY = frozenset({"/w/network"})


def menu_of(request: AnyRequest, user: AuthUser) -> list[tuple[str, str]]:
    """The user's menu: the role's, less what only a 司法所's staff do."""
    items = MENUS.get(user.role, [])
    if user.role is Role.UNIT_STAFF and not _is_justice_office(request, user.unit):
        items = [item for item in items if item[1] not in JUSTICE_OFFICE_ONLY]
    return items


def _is_justice_office(request: AnyRequest, name: str) -> bool:
    try:  # the directory's unit, from the cache: no store round trip per page
        unit = request.app.state.ledger.repository.get(Unit.create_id(name), deepcopy_from_cache=False)
    except AggregateNotFoundError:
        return False
    return isinstance(unit, Unit) and unit.kind is UnitKind.JUSTICE_OFFICE


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


# Set on the page itself too: a page rendered by an exception handler (a
# refusal, say) does not get the route's or the app's response headers.
OWN_HEADERS = {h.name: h.value for h in PAGE_HEADERS} | {"X-Content-Type-Options": "nosniff"}


def page(request: AnyRequest, user: AuthUser | None, name: str, status: int = 200, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"user": user, "menu": menu_of(request, user) if user else [], "path": request.url.path, **context},
        status_code=status,
        headers=OWN_HEADERS,
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


async def caught_up(request: AnyRequest, *views: str) -> bool:
    """Wait (bounded) until ``views`` (default: the cases view) show this user's last write."""
    position = request.session.get("n")
    if not position:
        return True
    return await in_thread(wait_for_views, request.app.state.settings, views or ("cases",), int(position), 5.0)


def local_moment(text: str) -> datetime | None:
    """A datetime-local value (China time), or None if empty or malformed.
    The field has whole seconds (or minutes), the recording times have
    microseconds: a moment means the end of the second (minute) typed, so
    what the timeline shows as recorded at 10:55:03 is in the state "as of
    10:55:03"."""
    try:
        moment = datetime.fromisoformat(text).replace(tzinfo=CST) if text else None
    except ValueError:
        return None
    if moment is not None and moment.microsecond == 0:
        moment += timedelta(seconds=59 if len(text) <= 16 else 0, microseconds=999_999)
    return moment


def field_errors(error: InvalidInput) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


def form_key(form: FormMultiDict) -> str:
    return str(form.get("idempotency_key") or uuid.uuid4())


def audit_filters(request: AnyRequest) -> tuple[dict[str, str | None], dict[str, str]]:
    """The audit page's filters as typed, and their problems."""
    q = request.query_params
    filters = {k: (str(q.get(k) or "").strip()[:80] or None) for k in ("actor", "unit", "action", "case_id", "since", "until")}
    errors = {k: "时刻格式应为 年-月-日 时:分" for k in ("since", "until") if filters[k] and local_moment(filters[k] or "") is None}
    return filters, errors


def audit_query(filters: dict[str, str | None]) -> dict[str, Any]:
    since, until = (local_moment(filters[k] or "") for k in ("since", "until"))
    return {"actor_id": filters["actor"], "unit": filters["unit"], "action": filters["action"], "case_id": filters["case_id"],
            "recorded_from": since.isoformat() if since else None, "recorded_to": until.isoformat() if until else None}


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
        except Exception as e:
            if outage_of(e) is not None:
                raise  # the database is away, not the password wrong: 503 (http/common/outage.py)
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

    @get("/audit.xlsx")
    async def audit_xlsx(self, request: AnyRequest) -> Response[bytes] | Template:
        """The log the filters select, oldest first, as an Excel workbook."""
        user = page_user(request)
        scope = page_scope(user, Reach.AUDIT)
        filters, errors = audit_filters(request)
        if errors:
            return page(request, user, "message.html", status=422, title="筛选条件有误", message="；".join(errors.values()))
        await caught_up(request, "audit")
        rows = await in_thread(request.app.state.views.audit, scope, limit=100_000_000, **audit_query(filters))
        return xlsx_response(await in_thread(workbook.audit_xlsx, rows), "审计日志", "audit", {})

    @get("/audit")
    async def audit(self, request: AnyRequest) -> Template:
        """Who did what, when, on what basis — within the audit scope."""
        user = page_user(request)
        scope = page_scope(user, Reach.AUDIT)
        filters, errors = audit_filters(request)
        q = request.query_params
        offset = int(q["offset"]) if str(q.get("offset") or "").isdigit() else 0
        rows: list[dict[str, Any]] = []
        if not errors:
            await caught_up(request, "audit")
            rows = await in_thread(request.app.state.views.audit, scope, limit=PAGE + 1, offset=offset, newest_first=True,
                                   **audit_query(filters))
        shown = [{**r, "label": action_label(r["action"], r["aggregate"]), "role_label": Role(r["role"]).label if r["role"] else "",
                  "recorded": datetime.fromisoformat(r["recorded_at"].replace("Z", "+00:00")).astimezone(CST)
                  .strftime("%Y-%m-%d %H:%M:%S")} for r in rows[:PAGE]]
        query = urlencode({k: v for k, v in filters.items() if v})
        return page(request, user, "audit.html", status=422 if errors else 200, rows=shown, offset=offset,
                    more=len(rows) > PAGE, page_size=PAGE, filters=filters, errors=errors, query=query,
                    actions=action_choices())

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

    # ---------------------------------------------------------- password

    @get("/password")
    async def password_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        reset = (await in_thread(request.app.state.ledger.current_user, user.username)).must_change_password
        return page(request, user, "password.html", errors={}, done=False, reset=reset)

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
