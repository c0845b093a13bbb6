"""Administrative mediation (行政调解) in the workbench: the mediator's list
(the open ones with their age and due date, overdue marked; the notices of
the right to mediation still owed), the start form, the mediation's page
(facts, parties and their consents, what comes next, documents, timeline) and
one form per step.

Each step is declared once (``STEPS``: title, fields, how to build the API's
command) and drawn by one template; a field is named by the path the domain
names it with in its errors (``agreement.signatures[1]``), so every error
lands beside its field. The commands, rules and scope are the API's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.values import MEDIATION_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.commands import Command
from ledger.documents import mediation as papers
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.mediation import AdministrativeMediation, MediationNotFound
from ledger.mediation.commands import (
    AcceptMediation,
    ConcludeMediationAgreement,
    DeclineMediation,
    EndMediation,
    GiveMediationRightNotice,
    NotifyMediationRights,
    RecordMediationConsent,
    RecordMediationInvestigation,
    RecordMediationSession,
    SetMediationDeadline,
    StartMediation,
    WithdrawMediationConsent,
)
from ledger.mediation.values import (
    Agreement,
    Consent,
    ConsentMethod,
    EndReason,
    Investigation,
    InvestigationKind,
    MediationState,
    Notice,
    NoticeMethod,
    Party,
    PartyKind,
    Procedure,
    Referral,
    Representative,
    RightsNotice,
    RightSource,
    SealKind,
    Signature,
    SignatureForm,
    StartWay,
    Statement,
)
from ledger.risk_points.values import RecordKind
from ledger.scope import Reach, scope_for, sees
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.documents import file_response
from ledger_http.mediation import has_person, issue_for_mediation, mediation_history, mediation_view
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
from ledger_http.web.risk_points import risk_box
from ledger_http.web.steps import form_values, local_time, run_declared_step, staff_by_unit
from ledger_http.web.timeline import entries

STALE = "您提交时该行政调解已有新的办理记录（{message}）。您填写的内容未保存；以下是当前状态，请核对后重新办理。"
PARTY_ROWS = 3  # party blocks on the start form (blank ones skipped)
RIGHTS_TEXT = ("当事人在行政调解中享有以下权利：自愿参加调解、随时撤回同意终止调解；申请调解人员回避；陈述、申辩和质证；"
               "自主表达意愿、自愿达成协议。调解遵循自愿、合法、公正、效率原则，依次进行陈述、质证、调处，"
               "达成协议的签订行政调解协议书；不能达成协议的，可通过行政复议、诉讼、仲裁等法定途径解决。")
VIEWS = ("mediation",)

# The timeline's words for a mediation's events and fields: applied to its
# own events here (other slices use the same event and field names otherwise).
EVENTS = {"Started": "启动行政调解", "ConsentRecorded": "当事人同意调解", "ConsentWithdrawn": "当事人撤回同意（调解终止）",
          "AcceptanceDecided": "受理决定", "RightsNotified": "告知权利义务和程序", "SessionHeld": "行政调解笔录",
          "Investigated": "现场调查/听证", "AgreementConcluded": "签订行政调解协议书", "Ended": "终止调解",
          "DocumentIssued": "出具文书"}
FIELDS = {"unit": "办理单位", "way": "启动方式", "procedure": "调解程序", "parties": "当事人", "kind": "类型",
          "name": "名称/姓名", "id_number": "统一社会信用代码/身份证号", "address": "地址", "phone": "联系电话",
          "representative": "代理人", "capacity": "身份", "matter": "调解事项", "dispute": "争议纠纷情况",
          "legal_basis": "法律依据", "source": "纠纷来源", "consent": "同意", "party": "当事人", "given_at": "时间",
          "method": "方式", "note": "说明", "acceptance": "受理", "accepted": "受理", "at": "时间", "reasons": "理由",
          "notice": "告知", "meet_at": "调解时间", "place": "地点", "observe": "注意事项", "number": "编号",
          "due_on": "办结期限", "working_days": "期限（工作日）", "rights": "权利告知", "content": "内容",
          "session": "笔录", "held_at": "调解时间", "mediators": "调解人员", "invited": "邀请人员",
          "statements": "当事人陈述", "statement": "陈述", "argument": "申辩", "evidence": "举证、质证",
          "disputes": "争议焦点", "course": "调解经过", "recorder": "记录人", "investigation": "调查/听证",
          "participants": "参加人员", "findings": "查明的情况", "agreement": "协议书", "signed_on": "签订日期",
          "matters": "调解事项", "facts": "查证的事实", "result": "调解结果", "performance": "履行方式和期限",
          "signatures": "签名或盖章", "form": "方式", "signed_by": "签署人", "seal": "用印", "ending": "终止",
          "reason": "原因", "referral": "引导途径", "body": "受理机关（机构）", "contact": "途径",
          "explanation": "情况说明", "withdrawal": "撤回", "withdrawn_by": "撤回方", "issued": "文书"}
VALUES: dict[str, dict[str, str]] = {
    key: {m.value: m.label for e in enums for m in e}
    for key, enums in {"way": (StartWay,), "procedure": (Procedure,), "kind": (PartyKind, InvestigationKind),
                       "method": (ConsentMethod,), "form": (SignatureForm,), "seal": (SealKind,),
                       "referral": (Referral,), "reason": (EndReason,)}.items()}


def worded(value: Any, parties: tuple[Party, ...], key: str = "") -> Any:
    """An event's data in the clerks' words: field names, codes, and a party's
    position as its name (a form number and the documents' data kept as they are)."""
    if isinstance(value, dict):
        if {"year", "seq"} <= value.keys() or key == "issued":
            return value
        return {FIELDS.get(k, k): worded(v, parties, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [worded(v, parties, key) for v in value]
    if key in ("party", "withdrawn_by") and isinstance(value, int) and 0 <= value < len(parties):
        return f"{papers.side(value)} {parties[value].name}"
    if isinstance(value, str) and value in VALUES.get(key, {}):
        return VALUES[key][value]
    return value


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


def _moment(v: dict[str, Any], name: str) -> datetime:
    moment = local_time(name, _text(v, name))
    if moment is None:
        raise InvalidInput.one(name, "required", "请填写时间")
    return moment


def _choice(v: dict[str, Any], name: str, enum: Any, what: str) -> Any:
    try:
        return enum(_text(v, name))
    except ValueError:
        raise InvalidInput.one(name, "required", f"请选择{what}") from None


def _party(v: dict[str, Any], name: str) -> int:
    text = _text(v, name)
    if not text.isdigit():
        raise InvalidInput.one(name, "required", "请选择当事人")
    return int(text)


def _lines(v: dict[str, Any], name: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in _text(v, name).splitlines() if line.strip())


def _many(v: dict[str, Any], name: str) -> tuple[str, ...]:
    got = v.get(name) or ()
    return tuple([got] if isinstance(got, str) else got)


def _gathered(*builders: Callable[[], Any]) -> list[Any]:
    """Every builder's value, or every field error of them at once."""
    out, errors = [], []
    for build in builders:
        try:
            out.append(build())
        except InvalidInput as e:
            errors.extend(e.errors)
            out.append(None)
    if errors:
        raise InvalidInput(errors)
    return out


def start_command(v: dict[str, Any]) -> StartMediation:
    parties, errors = [], []
    for i in range(PARTY_ROWS):
        base = f"parties[{i}]"
        name, number = _text(v, f"{base}.name"), _text(v, f"{base}.id_number")
        if not name and not number and i >= 2:
            continue
        try:
            kind = _choice(v, f"{base}.kind", PartyKind, "当事人类型")
        except InvalidInput as e:
            errors.extend(e.errors)
            continue
        rep_name = _text(v, f"{base}.representative.name")
        rep = Representative(name=rep_name, capacity=_text(v, f"{base}.representative.capacity") or "委托代理人",
                             phone=_text(v, f"{base}.representative.phone")) if rep_name else None
        parties.append(Party(kind=kind, name=name, id_number=number, address=_text(v, f"{base}.address"),
                             phone=_text(v, f"{base}.phone"), representative=rep))
    try:
        way, procedure = _gathered(lambda: _choice(v, "way", StartWay, "启动方式"),
                                   lambda: _choice(v, "procedure", Procedure, "调解程序"))
    except InvalidInput as e:
        raise InvalidInput([*errors, *e.errors]) from None
    if errors:
        raise InvalidInput(errors)
    return StartMediation(way=way, procedure=procedure, parties=tuple(parties), matter=_text(v, "matter"),
                          dispute=_text(v, "dispute"), legal_basis=_text(v, "legal_basis"), source=_text(v, "source"))


# -------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Field:
    """One field of a step's form; ``name`` is the path the domain's errors use."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, date, datetime, select, radio, checks, statements, signatures
    options: Callable[[AdministrativeMediation, Any], list[tuple[str, str]]] | None = None
    hint: str = ""


@dataclass(frozen=True)
class Step:
    title: str
    button: str
    fields: tuple[Field, ...]
    build: Callable[[UUID, dict[str, Any], AdministrativeMediation], Command]
    applies: Callable[[AdministrativeMediation], bool]
    note: str = ""
    danger: bool = False


def _enum(enum: Any) -> Callable[[AdministrativeMediation, Any], list[tuple[str, str]]]:
    return lambda m, s: [(x.value, x.label) for x in enum]


def _labels(enum: Any) -> Callable[[AdministrativeMediation, Any], list[tuple[str, str]]]:
    return lambda m, s: [(x.label, x.label) for x in enum]


def _parties(m: AdministrativeMediation, state: Any) -> list[tuple[str, str]]:
    return [(str(i), p.name) for i, p in enumerate(m.parties)]


def _unconsented(m: AdministrativeMediation, state: Any) -> list[tuple[str, str]]:
    return [(str(i), m.parties[i].name) for i in m.missing_consents()]


def _consented(m: AdministrativeMediation, state: Any) -> list[tuple[str, str]]:
    return [(str(c.party), m.parties[c.party].name) for c in m.consents]


def _staff(m: AdministrativeMediation, state: Any) -> list[tuple[str, str]]:
    return [(u.username, f"{u.display_name}（{unit}）") for unit, users in staff_by_unit(state).items() for u in users]


def _in(*states: MediationState) -> Callable[[AdministrativeMediation], bool]:
    return lambda m: m.state in states


_WORKING = (MediationState.ACCEPTED, MediationState.MEDIATING)
_OPEN = (MediationState.STARTED, *_WORKING)
_REFERRAL = (Field("referral", "引导解决的法定途径", "radio", _enum(Referral)),
             Field("body", "受理机关（机构）", hint="如：区人民政府行政复议机构、区人民法院、市仲裁委员会"),
             Field("contact", "途径（地址、电话）"))


def _statements(v: dict[str, Any], m: AdministrativeMediation) -> tuple[Statement, ...]:
    return tuple(Statement(party=i, statement=_text(v, f"statements[{i}].statement"),
                           argument=_text(v, f"statements[{i}].argument"), evidence=_text(v, f"statements[{i}].evidence"))
                 for i in range(len(m.parties)))


def _signatures(v: dict[str, Any], m: AdministrativeMediation) -> tuple[Signature, ...]:
    """The parties whose signature or seal the officer recorded as given (a blank one is unsigned)."""
    out = []
    for i in range(len(m.parties)):
        form = _text(v, f"agreement.signatures[{i}].form")
        if form in SignatureForm._value2member_map_:
            out.append(Signature(party=i, form=SignatureForm(form), signed_by=_text(v, f"agreement.signatures[{i}].signed_by")))
    return tuple(out)


def _agreement(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    signed_on, seal = _gathered(lambda: _day(v, "agreement.signed_on"),
                                lambda: _choice(v, "agreement.seal", SealKind, "用印"))
    return ConcludeMediationAgreement(mediation_id=gid, agreement=Agreement(
        signed_on=signed_on, matters=_text(v, "agreement.matters"), facts=_text(v, "agreement.facts"),
        result=_text(v, "agreement.result"), performance=_text(v, "agreement.performance"),
        signatures=_signatures(v, m), seal=seal))


def _consent(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    party, at, method = _gathered(lambda: _party(v, "consent.party"), lambda: _moment(v, "consent.given_at"),
                                  lambda: _choice(v, "consent.method", ConsentMethod, "同意方式"))
    return RecordMediationConsent(mediation_id=gid, consent=Consent(party=party, given_at=at, method=method,
                                                                      note=_text(v, "consent.note")))


def _accept(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    if m.procedure is Procedure.SIMPLE and not any(_text(v, f"notice.{k}") for k in ("meet_at", "place", "observe")):
        return AcceptMediation(mediation_id=gid)  # settled on the spot: no notice of a later sitting
    (at,) = _gathered(lambda: _moment(v, "notice.meet_at"))
    return AcceptMediation(mediation_id=gid, notice=Notice(meet_at=at, place=_text(v, "notice.place"),
                                                           observe=_text(v, "notice.observe")))


def _session(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    (at,) = _gathered(lambda: _moment(v, "held_at"))
    return RecordMediationSession(mediation_id=gid, held_at=at, place=_text(v, "place"), mediators=_many(v, "mediators"),
                                  invited=_lines(v, "invited"), statements=_statements(v, m),
                                  disputes=_text(v, "disputes"), course=_text(v, "course"), recorder=_text(v, "recorder"))


def _investigation(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    kind, at = _gathered(lambda: _choice(v, "investigation.kind", InvestigationKind, "方式"),
                         lambda: _moment(v, "investigation.at"))
    return RecordMediationInvestigation(mediation_id=gid, investigation=Investigation(
        kind=kind, at=at, place=_text(v, "investigation.place"), participants=_lines(v, "investigation.participants"),
        findings=_text(v, "investigation.findings")))


def _end(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    (referral,) = _gathered(lambda: _choice(v, "referral", Referral, "法定途径"))
    return EndMediation(mediation_id=gid, referral=referral, body=_text(v, "body"), contact=_text(v, "contact"),
                        explanation=_text(v, "explanation"))


def _withdraw(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    party, referral = _gathered(lambda: _party(v, "party"), lambda: _choice(v, "referral", Referral, "法定途径"))
    return WithdrawMediationConsent(mediation_id=gid, party=party, reason=_text(v, "reason"), referral=referral,
                                    body=_text(v, "body"), contact=_text(v, "contact"))


def _rights(gid: UUID, v: dict[str, Any], m: AdministrativeMediation) -> Command:
    (at,) = _gathered(lambda: _moment(v, "rights.given_at"))
    return NotifyMediationRights(mediation_id=gid, rights=RightsNotice(
        given_at=at, method=_text(v, "rights.method"), content=_text(v, "rights.content")))


STEPS: dict[str, Step] = {
    "consent": Step(
        "记录当事人同意", "记录同意",
        (Field("consent.party", "当事人", "select", _unconsented), Field("consent.given_at", "同意时间", "datetime"),
         Field("consent.method", "同意方式", "radio", _enum(ConsentMethod)), Field("consent.note", "说明")),
        _consent, lambda m: m.state is MediationState.STARTED and bool(m.missing_consents()),
        note="行政调解须征得每一方当事人同意（第十八条(一)），每一方当事人同意后方可受理。"),
    "accept": Step(
        "受理", "受理",
        (Field("notice.meet_at", "调解时间", "datetime"), Field("notice.place", "调解地点"),
         Field("notice.observe", "注意事项", "textarea", hint="如：携带身份证明及证据材料，按时到场")),
        _accept, lambda m: m.state is MediationState.STARTED and not m.missing_consents(),
        note="受理即按本单位年度顺序编号，并告知当事人调解的时间、地点和注意事项（简易程序当场调解的可不填）。"),
    "decline": Step(
        "不予受理", "不予受理", (Field("reasons", "不予受理的理由", "textarea"),),
        lambda gid, v, m: DeclineMediation(mediation_id=gid, reasons=_text(v, "reasons")),
        _in(MediationState.STARTED), danger=True),
    "rights": Step(
        "告知权利义务和程序", "登记告知",
        (Field("rights.given_at", "告知时间", "datetime"), Field("rights.method", "告知方式", "radio", _labels(NoticeMethod)),
         Field("rights.content", "告知内容", "textarea")),
        _rights, lambda m: m.state in _WORKING and m.rights is None,
        note="调解前应告知当事人在行政调解过程中依法享有的权利、遵循的程序及相关事项（第十八条(三)）。"),
    "session": Step(
        "行政调解笔录", "保存笔录",
        (Field("held_at", "调解时间", "datetime"), Field("place", "调解地点"),
         Field("mediators", "调解人员", "checks", _staff),
         Field("invited", "邀请参加的专家学者、社会人士", "textarea", hint="每行一人：姓名（身份）"),
         Field("statements", "当事人陈述、申辩和质证", "statements"),
         Field("disputes", "争议焦点", "textarea"), Field("course", "调解经过（说服、劝导及依据）", "textarea"),
         Field("recorder", "记录人")),
        _session, lambda m: m.state in _WORKING and m.rights is not None,
        note="每次调解制作一份笔录，按次编号；全面客观记载调解的过程和内容。"),
    "investigation": Step(
        "现场调查或听证", "登记",
        (Field("investigation.kind", "方式", "radio", _enum(InvestigationKind)), Field("investigation.at", "时间", "datetime"),
         Field("investigation.place", "地点"), Field("investigation.participants", "参加人员", "textarea", hint="每行一人"),
         Field("investigation.findings", "查明的情况", "textarea")),
        _investigation, lambda m: m.state in _WORKING and m.procedure is Procedure.GENERAL,
        note="对争议纠纷基本事实有异议的，可采取听证、现场调查等方式取证。"),
    "agreement": Step(
        "行政调解协议书", "签订协议书",
        (Field("agreement.signed_on", "签订日期", "date"), Field("agreement.matters", "调解事项", "textarea"),
         Field("agreement.facts", "查证的事实", "textarea"), Field("agreement.result", "调解结果", "textarea"),
         Field("agreement.performance", "履行方式和期限", "textarea"),
         Field("agreement.signatures", "各方当事人签名或盖章", "signatures"),
         Field("agreement.seal", "用印", "radio", _enum(SealKind))),
        _agreement, lambda m: m.state in _WORKING and m.rights is not None
        and (m.procedure is Procedure.SIMPLE or bool(m.sessions)),
        note="协议书须经各方当事人签名或盖章；请逐一登记各方当事人已签名或盖章的情况。"),
    "end": Step(
        "终止调解（未达成协议）", "终止调解",
        (*_REFERRAL, Field("explanation", "未能达成协议的情况", "textarea")),
        _end, lambda m: m.state in _WORKING, danger=True,
        note="经调解无法达成协议的，应终止调解，引导当事人通过行政复议、诉讼、仲裁等法定途径解决。"),
    "withdraw": Step(
        "当事人撤回同意", "登记撤回并终止调解",
        (Field("party", "撤回同意的当事人", "select", _consented), Field("reason", "撤回原因（当事人自述，可不填）"),
         *_REFERRAL),
        _withdraw, lambda m: m.state in _OPEN and bool(m.consents), danger=True,
        note="调解遵循自愿原则：任何一方当事人可随时撤回同意，调解即行终止；撤回不作为对该当事人不利的依据。"),
}


def next_steps(user: AuthUser, m: AdministrativeMediation) -> list[tuple[str, str, bool]]:
    """(slug, title, danger) of the steps open to this user now: officers of the mediation's unit only."""
    if user.role is not Role.UNIT_STAFF or user.unit != m.unit:
        return []
    return [(slug, s.title, s.danger) for slug, s in STEPS.items() if s.applies(m)]


# ------------------------------------------------------------------ loading


def _visible(request: AnyRequest, user: AuthUser, mediation_id: UUID) -> AdministrativeMediation:
    m = request.app.state.ledger.get_mediation(mediation_id)
    if not sees(user.role, user.unit, Reach.CASES, [m.unit]):
        raise MediationNotFound(f"没有编号为{mediation_id}的行政调解")
    return m


def _not_found(request: AnyRequest, user: AuthUser) -> Template:
    return page(request, user, "message.html", status=404, title="行政调解不存在", message="没有该行政调解，或您无权查看。")


def _page_context(request: AnyRequest, user: AuthUser, m: AdministrativeMediation) -> dict[str, Any]:
    scope = scope_for(user.role, user.unit, Reach.CASES)
    ledger, views = request.app.state.ledger, request.app.state.views
    history = [msgspec.structs.replace(v, data=worded(v.data, m.parties)) for v in mediation_history(ledger, m, scope)]
    events = entries(history, views.case_chain(m.id))
    for e in events:
        e["label"] = EVENTS.get(e["event"], e["label"])
    issued = views.documents_issued(scope, case_id=m.id)
    return {"m": mediation_view(m, scope), "events": events, "actions": next_steps(user, m),
            "sealed": sum(1 for e in events if e["chain"]), "available": papers.available(m), "issued": issued,
            "can_issue": user.role not in (Role.AUDITOR, Role.ADMINISTRATOR)
            and not (user.role is Role.UNIT_STAFF and user.unit != m.unit),
            "deadline": ledger.mediation_deadline(m.unit)}


async def mediation_page(request: AnyRequest, user: AuthUser, mediation_id: UUID, *, banner: str | None = None,
                         status: int = 200) -> Template:
    try:
        m = await in_thread(_visible, request, user, mediation_id)
    except NotFound:
        return _not_found(request, user)
    await caught_up(request, "documents")
    context = await in_thread(_page_context, request, user, m)
    risk = await risk_box(request, user, RecordKind.MEDIATION, m.id, (m.unit,))  # the points it addresses
    return page(request, user, "mediation.html", status=status, banner=banner, risk=risk, **context)


def _list_context(request: AnyRequest, user: AuthUser, filters: dict[str, str]) -> dict[str, Any]:
    views = request.app.state.views
    scope = page_scope(user, Reach.CASES)
    rows = views.mediation_list(scope, state=filters["state"] or None, open_only=filters["open"] == "1",
                                overdue_only=filters["overdue"] == "1", limit=200)
    return {"rows": rows, "owed": views.right_notices_owed(scope), "notices": views.right_notices(scope, limit=20),
            "filters": filters, "states": list(MediationState), "can_start": user.role is Role.UNIT_STAFF,
            "deadline": request.app.state.ledger.mediation_deadline(user.unit) if user.role is Role.UNIT_STAFF else None}


def _start_values() -> dict[str, Any]:
    values: dict[str, Any] = {"way": StartWay.ON_APPLICATION.value, "procedure": Procedure.GENERAL.value}
    for i in range(PARTY_ROWS):
        values[f"parties[{i}].kind"] = PartyKind.ORGANISATION.value if i == 0 else PartyKind.INDIVIDUAL.value
    return values


class MediationPages(Controller):
    path = "/w/mediations"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def listing(self, request: AnyRequest) -> Template:
        user = page_user(request)
        q = request.query_params
        filters = {k: str(q.get(k) or "").strip()[:40] for k in ("state", "open", "overdue")}
        await caught_up(request, "mediation", "cases", "supervision")
        context = await in_thread(_list_context, request, user, filters)
        return page(request, user, "mediation_list.html", errors={}, key=uuid.uuid4(), **context)

    @post("/deadline")
    async def set_deadline(self, request: AnyRequest) -> Template | Redirect:
        """本机关调解期限: the officer's own authority's period in working days (blank: none)."""
        user = page_user(request)
        form = await request.form()
        values = form_values(form)
        text = _text(values, "working_days")
        try:
            if text and not text.isdigit():
                raise InvalidInput.one("working_days", "not_a_number", "调解期限应为整数个工作日")
            command = SetMediationDeadline(authority=user.unit, working_days=int(text) if text else None)
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except LedgerError as e:
            errors = field_errors(e) if isinstance(e, InvalidInput) else {"working_days": e.message}
            filters = {"state": "", "open": "", "overdue": ""}
            context = await in_thread(_list_context, request, user, filters)
            return page(request, user, "mediation_list.html", status=422 if isinstance(e, InvalidInput) else 409,
                        errors=errors, key=uuid.uuid4(), **context)
        return Redirect(path="/w/mediations")

    @get("/new")
    async def start_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        if user.role is not Role.UNIT_STAFF:
            return page(request, user, "message.html", status=403, title="无权办理", message="行政调解由执法单位人员启动。")
        return page(request, user, "mediation_new.html", values=_start_values(), errors={}, key=uuid.uuid4(),
                    rows=range(PARTY_ROWS), kinds=list(PartyKind), ways=list(StartWay), procedures=list(Procedure))

    @post("/new")
    async def start(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = form_values(form)
        context = {"rows": range(PARTY_ROWS), "kinds": list(PartyKind), "ways": list(StartWay),
                   "procedures": list(Procedure)}
        try:
            result = remember(request, await in_thread(run_command, request.app.state, user, start_command(values),
                                                       form_key(form)))
        except InvalidInput as e:
            return page(request, user, "mediation_new.html", status=422, values=values, errors=field_errors(e),
                        key=form.get("idempotency_key"), **context)
        except LedgerError as e:
            return page(request, user, "mediation_new.html", status=409, values=values, errors={"": e.message},
                        key=uuid.uuid4(), **context)
        return Redirect(path=f"/w/mediations/{result['case_id']}")

    @get("/right-notice")
    async def notice_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        q = request.query_params
        values = {"source": q.get("source") or RightSource.SERVICE.value, "ref": q.get("ref") or "",
                  "party": q.get("party") or "", "given_on": datetime.now(CST).date().isoformat(),
                  "method": NoticeMethod.WRITTEN.value,
                  "content": "你（单位）可以就该争议纠纷向本机关申请行政调解；调解遵循自愿原则，也可以通过行政复议、诉讼、仲裁等途径解决。"}
        return page(request, user, "mediation_right_notice.html", values=values, errors={}, key=uuid.uuid4(),
                    sources=list(RightSource), methods=list(NoticeMethod))

    @post("/right-notice")
    async def give_notice(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = form_values(form)
        try:
            source, method, given_on = _gathered(lambda: _choice(values, "source", RightSource, "告知事由"),
                                                 lambda: _choice(values, "method", NoticeMethod, "告知方式"),
                                                 lambda: _day(values, "given_on"))
            command = GiveMediationRightNotice(source=source, ref=_text(values, "ref"), party=_text(values, "party"),
                                               given_on=given_on, method=method, content=_text(values, "content"))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return page(request, user, "mediation_right_notice.html", status=422, values=values, errors=field_errors(e),
                        key=form.get("idempotency_key"), sources=list(RightSource), methods=list(NoticeMethod))
        except LedgerError as e:
            return page(request, user, "mediation_right_notice.html", status=409, values=values, errors={"": e.message},
                        key=uuid.uuid4(), sources=list(RightSource), methods=list(NoticeMethod))
        if source is RightSource.SERVICE:
            return Redirect(path=f"/w/cases/{values['ref']}")
        return Redirect(path="/w/mediations")

    @get("/{mediation_id:uuid}")
    async def show(self, request: AnyRequest, mediation_id: FromPath[UUID]) -> Template:
        return await mediation_page(request, page_user(request), mediation_id)

    @post("/{mediation_id:uuid}/documents/{kind:str}", status_code=200)
    async def document(self, request: AnyRequest, mediation_id: FromPath[UUID], kind: FromPath[str]) -> Any:
        """出具 a document from the page (recorded as issued, then downloaded)."""
        user = page_user(request)
        q = await request.form()
        fmt = str(q.get("format") or "pdf")
        session = str(q.get("session") or "")
        if kind not in {k.value for k in MEDIATION_DOCUMENTS} or fmt not in DocumentFormat._value2member_map_:
            return _not_found(request, user)
        try:
            await in_thread(_visible, request, user, mediation_id)
            issued = await in_thread(issue_for_mediation, request.app.state, user, mediation_id, DocumentKind(kind),
                                     DocumentFormat(fmt), int(session) if session.isdigit() else None)
        except NotFound:
            return _not_found(request, user)
        except LedgerError as e:
            return await mediation_page(request, user, mediation_id, banner=e.message, status=409)
        request.set_session({**request.session, "n": issued.result.notification_id})  # read your writes
        return file_response(issued)

    @get("/{mediation_id:uuid}/{step:str}")
    async def step_form(self, request: AnyRequest, mediation_id: FromPath[UUID], step: FromPath[str]) -> Template:
        user = page_user(request)
        if step not in STEPS:
            return _not_found(request, user)
        return await self._form(request, user, mediation_id, step)

    @post("/{mediation_id:uuid}/{step:str}")
    async def run_step(self, request: AnyRequest, mediation_id: FromPath[UUID], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        if step not in STEPS:
            return _not_found(request, user)
        return await run_declared_step(
            request, user, mediation_id, STEPS[step].build, visible=_visible, stale=STALE, back=f"/w/mediations/{mediation_id}",
            record_page=lambda **shown: mediation_page(request, user, mediation_id, **shown),
            form_page=lambda *shown: self._form(request, user, mediation_id, step, *shown),
            not_found=lambda: _not_found(request, user))

    async def _form(self, request: AnyRequest, user: AuthUser, mediation_id: UUID, step: str, status: int = 200,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    key: Any = None) -> Template:
        try:
            m = await in_thread(_visible, request, user, mediation_id)
        except NotFound:
            return _not_found(request, user)
        spec = STEPS[step]
        scope = scope_for(user.role, user.unit, Reach.CASES)
        state = request.app.state
        fields = await in_thread(lambda: [(f, f.options(m, state) if f.options else []) for f in spec.fields])
        if values is None:  # a fresh form: times are now, to the second; the usual wording where the seed gives it
            now = datetime.now(CST)
            values = {f.name: now.strftime("%Y-%m-%dT%H:%M:%S") for f in spec.fields if f.kind == "datetime"}
            values.update({f.name: now.date().isoformat() for f in spec.fields if f.kind == "date"})
            values.update({"rights.content": RIGHTS_TEXT, "rights.method": NoticeMethod.WRITTEN.label,
                           "mediators": [user.username], "agreement.matters": m.matter,
                           "agreement.seal": SealKind.MEDIATION.value,
                           # the sitting the acceptance announces: the next morning by default
                           "notice.meet_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT09:00:00")})
            for i, p in enumerate(m.parties):
                signer = p.representative.name if p.representative else p.name
                values[f"agreement.signatures[{i}].signed_by"] = signer
        return page(request, user, "mediation_step.html", status=status, m=mediation_view(m, scope), step=step,
                    spec=spec, fields=fields, values=values, errors=errors or {}, key=key or uuid.uuid4(),
                    signature_forms=list(SignatureForm), person=has_person(m))


def right_notice_reminder(state: Any, case: Any) -> dict[str, Any] | None:
    """第十五条 on a case page: a served 纠纷化解 case whose parties have not yet
    been told of their right to apply for mediation (None when not owed)."""
    from ledger.case.values import ServiceType
    from ledger.mediation.service import SERVED_STATES

    if ServiceType.DISPUTE_MEDIATION not in case.service_types or case.state not in SERVED_STATES:
        return None
    given = state.views.right_notice_for(RightSource.SERVICE.value, str(case.id))
    return {"given": given, "party": case.applicant.name}

