"""The supervision network in the workbench (seed 003 一–三):

- ``/w/network``: for a 司法所's staff, their office — the year's quota and
  what is left of it, the contact points, the invited supervisors (resident
  IDs masked as the API masks them), the pairings and who is short of the
  minimum, the reports filed and to forward; for the 司法局 (supervisors;
  auditors read only) every office — the contact points to plaque, the
  supervisors to appoint, the terms expiring within 30 days, the quotas of a
  year, every office's pairing check.
- ``/w/network/{action}`` and ``/w/network/{kind}/{id}/{action}``: one form per
  command, declared once in ``ACTIONS`` (as ``ledger_http.web.guidance``
  declares its ``STEPS``): a field is named by the path the domain's errors
  name it with (``enterprise.uscc``), so every error lands beside its field;
  a record's form carries its version, a change made meanwhile is a conflict.
- ``/w/network/xlsx/{list}``: 附件2–4 as Excel workbooks, within the scope.

Thin pages: the rules, the scope and the masking are the ledger's and the
network view's (``ledger.network``, ``projections.network``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.commands import Command
from ledger.errors import Conflict, FieldError, InvalidInput, LedgerError, NotFound
from ledger.network import ContactPoint, InvitedSupervisor, NetworkReport, Pairing
from ledger.network.commands import (
    AdjustContactPoint,
    AppointSupervisor,
    DismissSupervisor,
    EndPairing,
    FileNetworkReport,
    ForwardNetworkReport,
    NominateContactPoint,
    NominateSupervisor,
    PairEnterprise,
    PlaqueContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
    RejectContactPoint,
    RemoveContactPoint,
    RenewSupervisor,
)
from ledger.network.values import (
    ActKind,
    ContactPointState,
    Enterprise,
    ReportSource,
    SupervisorCategory,
    SupervisorState,
    TownQuota,
    Visit,
    annex_1_quotas,
)
from ledger.scope import Reach, sees
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.common.reading import xlsx_response
from ledger_http.web.guidance import Field
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
from ledger_http.web.steps import form_values, with_version
from projections.workbook import DAY, INTEGER, Column, Sheet, workbook_bytes

VIEW = "network"
STALE = "您提交时该{what}已有新的办理记录（{message}）。您填写的内容未保存；以下是当前情况，请核对后重新办理。"
OFFICE, BUREAU = "office", "bureau"  # who runs an action: the 司法所's staff, the 司法局's supervisors
BLANK_QUOTA_ROWS = 2


def _today() -> date:
    return datetime.now(CST).date()


# ------------------------------------------------------------------ parsing


def _text(v: dict[str, Any], name: str) -> str:
    return str(v.get(name) or "").strip()


def _day(v: dict[str, Any], name: str) -> date:
    text = _text(v, name)
    if not text:
        raise InvalidInput.one(name, "required", "请填写日期")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(name, "invalid_date", "日期格式应为 年-月-日") from None


def _choice(v: dict[str, Any], name: str, enum: Any, what: str) -> Any:
    try:
        return enum(_text(v, name))
    except ValueError:
        raise InvalidInput.one(name, "required", f"请选择{what}") from None


def _enterprise(v: dict[str, Any]) -> Enterprise:
    """附件2/附件4's columns as typed: the domain checks them (the USCC's check digit too)."""
    return Enterprise(**{k: _text(v, f"enterprise.{k}") for k in ("name", "uscc", "address", "legal_rep", "contact")})


def _source(v: dict[str, Any]) -> tuple[ReportSource, UUID]:
    kind, _, rid = _text(v, "source_id").partition(":")
    try:
        return ReportSource(kind), UUID(rid)
    except ValueError:
        raise InvalidInput.one("source_id", "required", "请选择报送情况的企业联系点或特邀监督员") from None


def _report(v: dict[str, Any]) -> FileNetworkReport:
    source, source_id = _source(v)
    return FileNetworkReport(source=source, source_id=source_id, received_on=_day(v, "received_on"),
                             act_kind=_choice(v, "act_kind", ActKind, "情况类型"),
                             unit_concerned=_text(v, "unit_concerned"), happened=_text(v, "happened"),
                             suggestion=_text(v, "suggestion"))


QUOTA_COUNTS = (("contact_points", "企业联系点"), ("enterprise", "企业负责人或员工"), ("deputy", "人大代表或政协委员"),
                ("counsel", "企业法律顾问"))


def _quotas(v: dict[str, Any]) -> RecordNetworkQuotas:
    """附件1's grid: a row without a town is skipped; a count that is no
    whole number is refused beside its cell (the domain checks the rest)."""
    text = _text(v, "year")
    if not text.isdigit():
        raise InvalidInput.one("year", "bad_year", "请填写年度（如2026）")
    quotas, errors = [], []
    for i in range(int(v.get("rows") or 0)):
        base = f"quotas[{i}]"
        town = _text(v, f"{base}.town")
        if not town:
            continue
        counts = {}
        for name, label in QUOTA_COUNTS:
            cell = _text(v, f"{base}.{name}") or "0"
            if not cell.isdigit():
                errors.append(FieldError(f"{base}.{name}", "bad_count", f"{label}名额应为0至999之间的整数"))
            counts[name] = int(cell) if cell.isdigit() else 0
        quotas.append(TownQuota(town=town, office=_text(v, f"{base}.office") or f"{town}司法所", **counts))
    if errors:
        raise InvalidInput(errors)
    return RecordNetworkQuotas(year=int(text), quotas=tuple(quotas))


# ------------------------------------------------------------------ actions


@dataclass(frozen=True)
class Action:
    """One command's form: title, button, fields (their names are the domain's
    error paths), who runs it, how the form becomes the command."""

    title: str
    button: str
    fields: tuple[Field, ...]
    who: str
    build: Callable[[dict[str, Any], UUID | None], Command]
    note: str = ""
    danger: bool = False


ENTERPRISE_FIELDS = (
    Field("enterprise.name", "企业名称"), Field("enterprise.uscc", "统一社会信用代码", hint="18位，如91320682MA1XXXXXXX"),
    Field("enterprise.address", "企业地址"), Field("enterprise.legal_rep", "法人代表"),
    Field("enterprise.contact", "联系方式", hint="手机或固定电话"))


def _options(enum: Any) -> Callable[[dict[str, Any]], list[tuple[str, str]]]:
    return lambda context: [(m.value, m.label) for m in enum]


ACTIONS: dict[tuple[str, str], Action] = {
    ("", "contact-point"): Action(
        "提名企业联系点（附件2）", "提名", ENTERPRISE_FIELDS, OFFICE,
        lambda v, _: NominateContactPoint(enterprise=_enterprise(v)),
        note="在本镇（街道）本年度名额内提名，报司法局审核挂牌。"),
    ("", "supervisor"): Action(
        "提名特邀行政执法监督员（附件3）", "提名",
        (Field("category", "人员类别", "radio", _options(SupervisorCategory)), Field("name", "姓名"),
         Field("id_number", "身份证号码"), Field("employer", "所在单位"),
         Field("employer_uscc", "所在单位统一社会信用代码", hint="企业人员、法律顾问填写；用于核对结对企业不重复"),
         Field("mobile", "手机号码")), OFFICE,
        lambda v, _: NominateSupervisor(
            category=_choice(v, "category", SupervisorCategory, "人员类别"), name=_text(v, "name"),
            id_number=_text(v, "id_number"), employer=_text(v, "employer"),
            employer_uscc=_text(v, "employer_uscc"), mobile=_text(v, "mobile")),
        note="按人员类别在本镇（街道）本年度名额内提名，由司法局聘任并发放聘任书。"),
    ("", "pairing"): Action(
        "结对企业（附件4）", "登记结对",
        (Field("staff", "司法所人员", "select", lambda c: [(s["username"], f"{s['name']}（{s['post_label']}）")
                                                      for s in c["staff"]]), *ENTERPRISE_FIELDS), OFFICE,
        lambda v, _: PairEnterprise(staff=_text(v, "staff"), enterprise=_enterprise(v)),
        note="所长、副所长结对企业不少于2家，一般司法干警不少于1家；结对企业与企业联系点、特邀监督员所在企业不得重复。"),
    ("", "report"): Action(
        "立档建册：联系点、监督员反映的情况", "立档建册",
        (Field("source_id", "报送来源", "select", lambda c: c["sources"]), Field("received_on", "收到日期", "date"),
         Field("act_kind", "情况类型", "select", _options(ActKind)),
         Field("unit_concerned", "涉及的执法单位", hint="“其他意见建议”可不填"),
         Field("happened", "反映的情况", "textarea"), Field("suggestion", "意见建议", "textarea")), OFFICE,
        lambda v, _: _report(v)),
    ("", "quotas"): Action(
        "名额分配（附件1）", "保存名额分配", (Field("year", "年度"), Field("quotas", "各镇（街道）名额", "quotas")), BUREAU,
        lambda v, _: _quotas(v), note="同一年度再次保存即为调整；已提名或已挂牌的名额仍计入。"),
    ("contact-points", "plaque"): Action(
        "审核通过并挂牌", "挂牌", (Field("plaqued_on", "挂牌日期", "date"),), BUREAU,
        lambda v, rid: PlaqueContactPoint(contact_point_id=rid, plaqued_on=_day(v, "plaqued_on")),
        note="挂牌后即在“企业联系点名单”（/public/contact-points）向社会公布。"),
    ("contact-points", "reject"): Action(
        "退回提名", "退回", (Field("reason", "退回原因", "textarea"),), BUREAU,
        lambda v, rid: RejectContactPoint(contact_point_id=rid, reason=_text(v, "reason")), danger=True,
        note="退回后该名额重新空出。"),
    ("contact-points", "adjust"): Action(
        "动态调整：更新企业信息", "保存调整", (*ENTERPRISE_FIELDS, Field("reason", "调整原因", "textarea")), BUREAU,
        lambda v, rid: AdjustContactPoint(contact_point_id=rid, enterprise=_enterprise(v), reason=_text(v, "reason"))),
    ("contact-points", "remove"): Action(
        "动态调整：撤销企业联系点", "撤销", (Field("reason", "撤销原因", "textarea"),), BUREAU,
        lambda v, rid: RemoveContactPoint(contact_point_id=rid, reason=_text(v, "reason")), danger=True),
    ("supervisors", "appoint"): Action(
        "聘任特邀行政执法监督员", "聘任", (Field("term_start", "聘期开始日期", "date"),), BUREAU,
        lambda v, rid: AppointSupervisor(supervisor_id=rid, term_start=_day(v, "term_start")),
        note="每届任期一年（至次年同日的前一日）；聘任书按本单位年度顺序编号。"),
    ("supervisors", "renew"): Action(
        "续聘下一届", "续聘", (), BUREAU, lambda v, rid: RenewSupervisor(supervisor_id=rid),
        note="下一届自本届届满次日起算，另发聘任书；本届届满前均可续聘。"),
    ("supervisors", "dismiss"): Action(
        "不予聘任或解聘", "解聘", (Field("reason", "原因", "textarea"),), BUREAU,
        lambda v, rid: DismissSupervisor(supervisor_id=rid, reason=_text(v, "reason")), danger=True),
    ("pairings", "visit"): Action(
        "走访座谈与法治需求", "登记走访",
        (Field("visit.visited_on", "走访日期", "date"), Field("visit.summary", "走访座谈情况", "textarea"),
         Field("visit.needs", "收集的法治需求", "textarea", hint="每行一项")), OFFICE,
        lambda v, rid: RecordPairingVisit(pairing_id=rid, visit=Visit(
            visited_on=_day(v, "visit.visited_on"), summary=_text(v, "visit.summary"),
            needs=tuple(n.strip() for n in _text(v, "visit.needs").splitlines() if n.strip())))),
    ("pairings", "end"): Action(
        "解除结对", "解除", (Field("reason", "解除原因", "textarea"),), OFFICE,
        lambda v, rid: EndPairing(pairing_id=rid, reason=_text(v, "reason")), danger=True),
    ("reports", "forward"): Action(
        "向司法局反馈", "反馈司法局", (), OFFICE, lambda v, rid: ForwardNetworkReport(report_id=rid),
        note="记录今天已将该情况反馈司法局。"),
}
KINDS: dict[str, tuple[type, str]] = {
    "contact-points": (ContactPoint, "企业联系点"), "supervisors": (InvitedSupervisor, "特邀行政执法监督员"),
    "pairings": (Pairing, "结对"), "reports": (NetworkReport, "报送情况"),
}


def _heading(record: Any) -> str:
    """What a record's form is about, in a line (no resident ID)."""
    if isinstance(record, ContactPoint):
        return f"{record.enterprise.name}（{record.town}，{record.state.label}）"
    if isinstance(record, InvitedSupervisor):
        return f"{record.name}，{record.category.label}，{record.employer}（{record.office}）"
    if isinstance(record, Pairing):
        return f"{record.staff_name} 结对 {record.enterprise.name}（{record.office}）"
    return f"{record.source_name}：{record.happened[:40]}（{record.received_on.isoformat()}收到）"


def _prefill(record: Any, action: str) -> dict[str, str]:
    today = _today().isoformat()
    if action == "adjust":
        return {f"enterprise.{k}": getattr(record.enterprise, k) for k in Enterprise.__struct_fields__}
    return {"plaqued_on": today, "term_start": today, "visit.visited_on": today, "received_on": today}


# ------------------------------------------------------------------ reading


def _justice_office(request: AnyRequest, user: AuthUser) -> bool:
    if user.role is not Role.UNIT_STAFF:
        return False
    try:
        request.app.state.ledger._require_justice_office(user.unit)
    except InvalidInput:
        return False
    return True


def _record(request: AnyRequest, user: AuthUser, kind: str, record_id: UUID) -> Any:
    """The record if the user may read it (another office's is unknown, as the API answers)."""
    cls, label = KINDS[kind]
    record = request.app.state.ledger.network_record(cls, record_id)
    if not sees(user.role, user.unit, Reach.SUPERVISION, [record.office]):
        raise NotFound(f"没有该{label}")
    return record


def _overview(request: AnyRequest, user: AuthUser, scope: Any, year: int, office: str | None) -> dict[str, Any]:
    views = request.app.state.views
    quotas = views.network_quotas(scope, year)
    for q in quotas:
        q["left"] = {name: max(0, q[name] - q[f"{name}_taken"]) for name, _ in QUOTA_COUNTS}
    offices = [office] if office else ([user.unit] if scope.unit else [q["office"] for q in quotas])
    checks = []
    for o in offices:
        rows = views.pairing_check(scope, o)
        if rows:
            checks.append({"office": o, "staff": rows, "short": [r for r in rows if r["short"]]})
    return {
        "quotas": quotas,
        "points": views.contact_points(scope, office=office),
        "supervisors": views.invited_supervisors(scope, office=office),
        "expiring": views.invited_supervisors(scope, office=office, expiring_only=True),
        "pairings": views.pairings(scope, office=office),
        "checks": checks,
        "reports": views.network_reports(scope, office=office, limit=50),
    }


def _form_context(request: AnyRequest, user: AuthUser, scope: Any) -> dict[str, Any]:
    """The choices a new-record form offers: the office's staff, the sources a report may come from."""
    views = request.app.state.views
    staff = views.pairing_check(scope, user.unit) if scope.unit else []
    day = _today().isoformat()
    sources = [(f"{ReportSource.CONTACT_POINT.value}:{p['contact_point_id']}", f"企业联系点：{p['name']}")
               for p in views.contact_points(scope, state=ContactPointState.PLAQUED.value)]
    sources += [(f"{ReportSource.SUPERVISOR.value}:{s['supervisor_id']}", f"特邀监督员：{s['name']}（{s['employer']}）")
                for s in views.invited_supervisors(scope)
                if s["state"] == SupervisorState.APPOINTED.value and (s["term_start"] or "") <= day]
    return {"staff": staff, "sources": sources}


def _quota_rows(request: AnyRequest, scope: Any, year: int) -> list[dict[str, Any]]:
    rows = request.app.state.views.network_quotas(scope, year)
    if not rows:  # a year not recorded yet starts from 附件1
        rows = [msgspec.structs.asdict(q) for q in annex_1_quotas()]
    return rows


# ------------------------------------------------------------------ exports

ANNEX_2 = Sheet("企业联系点名单", (
    Column("seq", "序号", INTEGER), Column("town", "镇（街道）"), Column("name", "企业名称"),
    Column("uscc", "统一社会信用代码"), Column("address", "企业地址"), Column("legal_rep", "法人代表"),
    Column("contact", "联系方式"), Column("state_label", "状态"), Column("plaqued_on", "挂牌日期", DAY),
    Column("reason", "调整或撤销原因")), title="行政执法监督企业联系点名单")
ANNEX_3 = Sheet("特邀行政执法监督员名单", (
    Column("seq", "序号", INTEGER), Column("town", "镇（街道）"), Column("category_label", "人员类别"),
    Column("name", "姓名"), Column("id_number", "身份证号码"), Column("employer", "所在单位"),
    Column("mobile", "手机号码"), Column("term_start", "聘期起", DAY), Column("term_end", "聘期止", DAY),
    Column("letter_number", "聘任书编号"), Column("state_label", "状态")), title="特邀行政执法监督员名单")
ANNEX_4 = Sheet("司法所结对情况", (
    Column("seq", "序号", INTEGER), Column("office", "司法所"), Column("staff_name", "司法所人员姓名"),
    Column("staff_post_label", "职务"), Column("name", "结对企业名称"), Column("address", "企业地址"),
    Column("legal_rep", "法人代表"), Column("contact", "联系方式"), Column("visits", "走访次数", INTEGER),
    Column("last_visit", "最近走访", DAY), Column("needs_text", "收集的法治需求"), Column("state_label", "状态")),
    title="司法所结对情况")
EXPORTS: dict[str, tuple[Sheet, str, str]] = {
    "contact-points": (ANNEX_2, "contact_points", "附件2-企业联系点名单"),
    "supervisors": (ANNEX_3, "invited_supervisors", "附件3-特邀行政执法监督员名单"),
    "pairings": (ANNEX_4, "pairings", "附件4-司法所结对情况"),
}


def _export_rows(request: AnyRequest, scope: Any, name: str, office: str | None) -> list[dict[str, Any]]:
    query = getattr(request.app.state.views, EXPORTS[name][1])
    rows = query(scope, office=office, limit=None)
    for i, r in enumerate(rows, 1):
        r["seq"] = i
        if name == "pairings":
            r["needs_text"] = "；".join(r["needs_list"])
    return rows


# -------------------------------------------------------------------- pages


def _flash(request: AnyRequest, text: str) -> None:
    request.set_session({**request.session, "network_done": text})


class NetworkPages(Controller):
    path = "/w/network"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def overview(self, request: AnyRequest) -> Template:
        return await self._overview(request)

    async def _overview(self, request: AnyRequest, banner: str | None = None, status: int = 200) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        office_staff = await in_thread(_justice_office, request, user)
        if scope.unit is not None and not office_staff:
            return page(request, user, "message.html", status=403, title="无权查看",
                        message="企业联系点、特邀监督员和结对监督由镇（街道）司法所办理，本页供司法所和司法局使用。")
        q = request.query_params
        today = _today()
        year = int(q["year"]) if str(q.get("year") or "").isdigit() and 2000 <= int(q["year"]) <= 2100 else today.year
        office = str(q.get("office") or "").strip()[:80] or None if scope.unit is None else None
        await caught_up(request, VIEW)
        data = await in_thread(_overview, request, user, scope, year, office)
        done = request.session.pop("network_done", None) if request.session else None
        if done:
            request.set_session(dict(request.session))
        return page(request, user, "network.html", status=status, year=year, office=office, today=today,
                    banner=banner, done=done, office_staff=office_staff,
                    bureau=user.role is Role.SUPERVISOR, **data)

    @get("/xlsx/{name:str}")
    async def export(self, request: AnyRequest, name: FromPath[str]) -> Response[bytes] | Template:
        """附件2–4 within the reader's scope (resident IDs masked as on the page)."""
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        if name not in EXPORTS:
            return page(request, user, "message.html", status=404, title="没有该名单", message="没有该名单。")
        sheet, _, label = EXPORTS[name]
        office = str(request.query_params.get("office") or "").strip()[:80] or None
        await caught_up(request, VIEW)
        rows = await in_thread(_export_rows, request, scope, name, office)
        data = await in_thread(workbook_bytes, sheet, rows, title=sheet.title or label)
        return xlsx_response(data, label, name, {})

    # ----------------------------------------------------------- new records

    @get("/{action:str}")
    async def new_form(self, request: AnyRequest, action: FromPath[str]) -> Template:
        user = page_user(request)
        return await self._form(request, user, "", action, None)

    @post("/{action:str}")
    async def new_run(self, request: AnyRequest, action: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        return await self._run(request, user, "", action, None)

    # ----------------------------------------------------------- a record's actions

    @get("/{kind:str}/{record_id:uuid}/{action:str}")
    async def record_form(self, request: AnyRequest, kind: FromPath[str], record_id: FromPath[UUID],
                          action: FromPath[str]) -> Template:
        user = page_user(request)
        return await self._form(request, user, kind, action, record_id)

    @post("/{kind:str}/{record_id:uuid}/{action:str}")
    async def record_run(self, request: AnyRequest, kind: FromPath[str], record_id: FromPath[UUID],
                         action: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        return await self._run(request, user, kind, action, record_id)

    # ----------------------------------------------------------- helpers

    def _refused(self, request: AnyRequest, user: AuthUser, spec: Action) -> Template | None:
        """The form is for someone else: the 司法局's supervisors, or a 司法所's staff."""
        if spec.who == BUREAU and user.role is not Role.SUPERVISOR:
            return page(request, user, "message.html", status=403, title="无权办理",
                        message=f"“{spec.title}”由司法局执法监督人员办理。")
        if spec.who == OFFICE and user.role is not Role.UNIT_STAFF:
            return page(request, user, "message.html", status=403, title="无权办理",
                        message=f"“{spec.title}”由镇（街道）司法所的工作人员办理。")
        return None

    async def _run(self, request: AnyRequest, user: AuthUser, kind: str, action: str,
                   record_id: UUID | None) -> Template | Redirect:
        spec = ACTIONS.get((kind, action))
        if spec is None:
            return self._missing(request, user)
        refused = self._refused(request, user, spec)
        if refused is not None:
            return refused
        form = await request.form()
        values = form_values(form)
        record = None
        if record_id is not None:
            try:
                record = await in_thread(_record, request, user, kind, record_id)
            except NotFound:
                return self._missing(request, user)
        try:
            command = with_version(spec.build(values, record_id), values)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._form(request, user, kind, action, record_id, 422, values, field_errors(e),
                                    form.get("idempotency_key"))
        except Conflict as e:
            what = KINDS[kind][1] if kind else "记录"
            return await self._overview(request, banner=STALE.format(what=what, message=e.message), status=409)
        except LedgerError as e:
            return await self._form(request, user, kind, action, record_id, 409, values, {"": e.message})
        if action in ("appoint", "renew") and result.get("number") and record is not None:
            _flash(request, f"已{'聘任' if action == 'appoint' else '续聘'}{record.name}，聘任书编号：{result['number']}")
        else:
            _flash(request, f"已办理：{spec.title}" + (f"（{_heading(record)}）" if record is not None else ""))
        return Redirect(path=f"/w/network#{kind or action.removesuffix('s') + 's'}")

    def _missing(self, request: AnyRequest, user: AuthUser) -> Template:
        return page(request, user, "message.html", status=404, title="没有该记录", message="没有该记录，或您无权查看。")

    async def _form(self, request: AnyRequest, user: AuthUser, kind: str, action: str, record_id: UUID | None,
                    status: int = 200, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    key: Any = None) -> Template:
        spec = ACTIONS.get((kind, action))
        if spec is None:
            return self._missing(request, user)
        refused = self._refused(request, user, spec)
        if refused is not None:
            return refused
        scope = page_scope(user, Reach.SUPERVISION)
        record, heading = None, ""
        if record_id is not None:
            try:
                record = await in_thread(_record, request, user, kind, record_id)
            except NotFound:
                return self._missing(request, user)
            heading = _heading(record)
        await caught_up(request, VIEW)
        context = await in_thread(_form_context, request, user, scope) if record is None and spec.who == OFFICE else {}
        if values is None:
            values = _prefill(record, action)
            if record is not None:
                values["expected_version"] = str(record.version)
        quota_rows: list[dict[str, Any]] = []
        if action == "quotas":
            year_text = _text(values, "year") or str(request.query_params.get("year") or "")
            year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else _today().year
            values.setdefault("year", str(year))
            quota_rows = await in_thread(_quota_rows, request, scope, year)
            if "rows" not in values:
                for i, q in enumerate(quota_rows):
                    for name in ("town", "office", *(n for n, _ in QUOTA_COUNTS)):
                        values[f"quotas[{i}].{name}"] = str(q[name])
        fields = [(f, f.options(context) if f.options else []) for f in spec.fields]
        rows = int(values.get("rows") or 0) or len(quota_rows) + BLANK_QUOTA_ROWS
        quota = None
        if action in ("contact-point", "supervisor") and scope.unit:
            lines = await in_thread(request.app.state.views.network_quotas, scope, _today().year)
            quota = lines[0] if lines else None
        errors = errors or {}
        named = {f.name for f in spec.fields}
        stray = [k for k in errors if k and k not in named and not k.startswith("quotas[")]  # e.g. the quota exceeded
        return page(request, user, "network_form.html", status=status, spec=spec, stray=stray, kind=kind, action=action,
                    record=record, heading=heading, fields=fields, values=values, errors=errors,
                    key=key or uuid.uuid4(), quota_rows=range(rows), counts=QUOTA_COUNTS, quota=quota,
                    year=_today().year)
