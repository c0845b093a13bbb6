"""Agency-initiated guidance (行政指导) in the workbench: the unit's list, the
officer's start form, the guidance's page (what was done, what comes next, its
timeline) and one form per step of the two ways through (书面: 意见书 → 送达 →
登记文书; 简易: the act and its situation; 约谈; 整改承诺书 and its tracking),
the party's answer (接受 / 终止), the effect, follow-up visits and the
typical-case mark.

Each step is declared once (``STEPS``: title, fields, how to build the API's
command) and drawn by one template: a form field is named by the path the
domain names it with in its errors (``delivery.delivered_on``), so every
error lands beside its field. The commands, rules and scope are the API's."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.commands import Command
from ledger.directory import Post
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import (
    AcceptGuidance,
    DeliverGuidanceOpinion,
    IssueGuidanceOpinion,
    MarkTypicalGuidance,
    RecordCommitment,
    RecordGuidanceEffect,
    RecordGuidanceFollowUp,
    RecordInterview,
    RecordSimpleGuidance,
    RegisterGuidanceRecord,
    StartGuidance,
    TerminateGuidance,
    TrackCommitment,
)
from ledger.guidance.values import (
    ADMONITION_METHODS,
    INTERVIEW_METHODS,
    Addressee,
    AddresseeKind,
    Commitment,
    CommitmentItem,
    Delivery,
    DeliveryMethod,
    FollowUpVisit,
    GuidanceState,
    Interview,
    InterviewKind,
    ItemStatus,
    Matter,
    SimpleForm,
    SimpleSituation,
    Stage,
    TerminationReason,
    VisitMethod,
    Way,
)
from ledger.history import describe
from ledger.identifiers import mask_personal
from ledger.matters import authority_of
from ledger.risk_points.values import RecordKind
from ledger.scope import Reach, scope_for, sees
from ledger.values import CST, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.guidance import guidance_view
from ledger_http.web.pages import (
    PAGE,
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

STALE = "您提交时该行政指导已有新的办理记录（{message}）。您填写的内容未保存；以下是当前状态，请核对后重新办理。"
ITEM_ROWS = 5  # blank rows of a 整改承诺书 form


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


def _moment(v: dict[str, Any], name: str) -> Any:
    moment = local_time(name, _text(v, name))
    if moment is None:
        raise InvalidInput.one(name, "required", "请填写时间")
    return moment


def _choice(v: dict[str, Any], name: str, enum: Any, what: str) -> Any:
    try:
        return enum(_text(v, name))
    except ValueError:
        raise InvalidInput.one(name, "required", f"请选择{what}") from None


def _lines(v: dict[str, Any], name: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in _text(v, name).splitlines() if line.strip())


def _items(v: dict[str, Any], prefix: str, *, fixed: tuple[CommitmentItem, ...] = ()) -> tuple[CommitmentItem, ...]:
    """The rows of a 整改承诺书 (blank rows skipped; tracked rows keep their text)."""
    out, errors = [], []
    count = len(fixed) or ITEM_ROWS
    for i in range(count):
        base = f"{prefix}[{i}]"
        description = fixed[i].description if fixed else _text(v, f"{base}.description")
        if not description and not fixed:
            continue
        try:
            due = fixed[i].due_on if fixed else _day(v, f"{base}.due_on")
            status = _choice(v, f"{base}.status", ItemStatus, "整改状态") if fixed else ItemStatus.OPEN
        except InvalidInput as e:
            errors.append(e)
            continue
        out.append(CommitmentItem(description=description, due_on=due, status=status,
                                  evidence=_text(v, f"{base}.evidence")))
    if errors:
        raise InvalidInput([fe for e in errors for fe in e.errors])
    return tuple(out)


# -------------------------------------------------------------------- steps


@dataclass(frozen=True)
class Field:
    """One field of a step's form; ``name`` is the path the domain's errors use."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, date, datetime, select, radio, items, tracking
    options: Callable[[AdministrativeGuidance], list[tuple[str, str]]] | None = None
    hint: str = ""


def _enum(enum: Any) -> Callable[[AdministrativeGuidance], list[tuple[str, str]]]:
    return lambda g: [(m.value, m.label) for m in enum]


@dataclass(frozen=True)
class Step:
    title: str
    button: str
    fields: tuple[Field, ...]
    build: Callable[[UUID, dict[str, Any], AdministrativeGuidance], Command]
    applies: Callable[[AdministrativeGuidance], bool]
    note: str = ""
    danger: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def _open(g: AdministrativeGuidance) -> bool:
    return g.state in (GuidanceState.STARTED, GuidanceState.GIVEN)


def _given(g: AdministrativeGuidance) -> bool:
    return g.state in (GuidanceState.GIVEN, GuidanceState.ACCEPTED)


def _officers(g: AdministrativeGuidance) -> list[tuple[str, str]]:
    return [(o.id, o.name) for o in g.officers]


STEPS: dict[str, Step] = {
    "opinion": Step(
        "行政指导意见书", "出具意见书",
        (Field("problem_of", "关于你（单位）存在的……问题", hint="如：食品经营许可证到期未延续"),
         Field("problems", "存在问题", "textarea"), Field("opinion", "指导意见", "textarea"),
         Field("contact_person", "指导联系人"), Field("contact_phone", "联系电话")),
        lambda gid, v, g: IssueGuidanceOpinion(
            guidance_id=gid, problem_of=_text(v, "problem_of"), problems=_text(v, "problems"),
            opinion=_text(v, "opinion"), contact_person=_text(v, "contact_person"),
            contact_phone=_text(v, "contact_phone")),
        lambda g: _open(g) and g.way is Way.WRITTEN and g.opinion is None,
        note="出具即按本单位年度顺序编号；意见书送达后行政指导即为已实施。",
    ),
    "delivery": Step(
        "送达意见书", "登记送达",
        (Field("delivery.delivered_on", "送达日期", "date"),
         Field("delivery.method", "送达方式", "radio", _enum(DeliveryMethod)),
         Field("delivery.receiver", "受送达人（签收人）")),
        lambda gid, v, g: DeliverGuidanceOpinion(guidance_id=gid, delivery=Delivery(
            delivered_on=_day(v, "delivery.delivered_on"),
            method=_choice(v, "delivery.method", DeliveryMethod, "送达方式"),
            receiver=_text(v, "delivery.receiver"))),
        lambda g: _open(g) and g.opinion is not None and g.delivery is None,
    ),
    "record": Step(
        "行政指导登记文书", "填写登记文书",
        (Field("guided_at", "指导时间", "datetime"), Field("place", "指导地点"),
         Field("content", "指导内容（事项）", "textarea")),
        lambda gid, v, g: RegisterGuidanceRecord(guidance_id=gid, guided_at=_moment(v, "guided_at"),
                                                 place=_text(v, "place"), content=_text(v, "content")),
        lambda g: g.state is not GuidanceState.TERMINATED and g.way is Way.WRITTEN and g.opinion is not None
        and g.record is None,
        note="登记文书另行编号，由本单位留存；指导人员、指导对象取自本次行政指导，效益、效果可事后登记。",
    ),
    "simple": Step(
        "简易形式行政指导", "登记",
        (Field("simple.at", "指导时间", "datetime"), Field("form", "形式", "radio", _enum(SimpleForm)),
         Field("situation", "适用情形", "radio", _enum(SimpleSituation)),
         Field("officer", "指导人员", "select", _officers), Field("simple.content", "指导内容", "textarea")),
        lambda gid, v, g: RecordSimpleGuidance(
            guidance_id=gid, at=_moment(v, "simple.at"), form=_choice(v, "form", SimpleForm, "形式"),
            situation=_choice(v, "situation", SimpleSituation, "适用情形"), officer=_text(v, "officer"),
            content=_text(v, "simple.content")),
        lambda g: g.state is GuidanceState.STARTED and g.way is Way.SIMPLE and g.simple is None,
        note="口头、电话、短信/微信、发放材料等简易形式，仍须登记时间、人员、对象和内容。",
    ),
    "interview": Step(
        "约谈", "登记约谈",
        (Field("interview.kind", "约谈形式", "radio", _enum(InterviewKind)),
         Field("interview.held_at", "约谈时间", "datetime"), Field("interview.place", "约谈地点"),
         Field("interview.participants", "被约谈人员", "textarea", hint="每行一人（姓名、单位、职务）"),
         Field("interview.problems", "指出的问题", "textarea"), Field("interview.requirements", "提出的要求", "textarea")),
        lambda gid, v, g: RecordInterview(guidance_id=gid, interview=Interview(
            kind=_choice(v, "interview.kind", InterviewKind, "约谈形式"), held_at=_moment(v, "interview.held_at"),
            place=_text(v, "interview.place"), participants=_lines(v, "interview.participants"),
            problems=_text(v, "interview.problems"), requirements=_text(v, "interview.requirements"))),
        lambda g: _open(g) and g.method in INTERVIEW_METHODS and g.interview is None,
    ),
    "commitment": Step(
        "整改承诺书", "登记整改承诺书",
        (Field("commitment.signed_on", "承诺日期", "date"), Field("commitment.items", "整改事项", "items")),
        lambda gid, v, g: RecordCommitment(guidance_id=gid, commitment=Commitment(
            signed_on=_day(v, "commitment.signed_on"), items=_items(v, "commitment.items"))),
        lambda g: _open(g) and g.method in ADMONITION_METHODS and g.commitment is None,
        note="逐项填写整改事项和期限（空行不计）；之后在“跟踪整改”中更新状态和证据。",
    ),
    "tracking": Step(
        "跟踪整改承诺事项", "保存跟踪情况",
        (Field("items", "整改事项", "tracking"),),
        lambda gid, v, g: TrackCommitment(guidance_id=gid, items=_items(v, "items", fixed=g.commitment.items)),
        lambda g: g.state is not GuidanceState.TERMINATED and g.commitment is not None,
    ),
    "accept": Step(
        "相对人接受行政指导", "登记接受", (),
        lambda gid, v, g: AcceptGuidance(guidance_id=gid),
        lambda g: g.state is GuidanceState.GIVEN,
        note="相对人表示接受本次行政指导。",
    ),
    "terminate": Step(
        "终止行政指导", "终止",
        (Field("reason", "终止原因", "radio", _enum(TerminationReason)),),
        lambda gid, v, g: TerminateGuidance(guidance_id=gid, reason=_choice(v, "reason", TerminationReason, "终止原因")),
        _open,
        note="行政指导遵循自愿原则：终止只记录原因和时间，不影响相对人的任何合法权益，也不作为此后任何决定的依据。",
        danger=True,
    ),
    "effect": Step(
        "指导取得的效益、效果", "登记效果",
        (Field("effect", "效益、效果", "textarea"),),
        lambda gid, v, g: RecordGuidanceEffect(guidance_id=gid, effect=_text(v, "effect")),
        _given,
        note="可多次登记，以最后一次为准；登记簿“指导结果”一栏取自这里。",
    ),
    "follow-up": Step(
        "回访", "保存回访记录",
        (Field("visit.on", "回访日期", "date"), Field("visit.method", "回访方式", "radio", _enum(VisitMethod)),
         Field("visit.findings", "回访情况", "textarea")),
        lambda gid, v, g: RecordGuidanceFollowUp(guidance_id=gid, visit=FollowUpVisit(
            on=_day(v, "visit.on"), method=_choice(v, "visit.method", VisitMethod, "回访方式"),
            findings=_text(v, "visit.findings"))),
        _given,
    ),
    "typical": Step(
        "标记为典型事例", "标记",
        (Field("reason", "理由", "textarea", hint="供年度总结使用"),),
        lambda gid, v, g: MarkTypicalGuidance(guidance_id=gid, reason=_text(v, "reason")),
        lambda g: _given(g) and g.typical is None,
    ),
}


def next_steps(user: AuthUser, g: AdministrativeGuidance, *, head: bool = False) -> list[tuple[str, str, bool]]:
    """(slug, title, danger) of the steps open to this user now: officers of
    the guidance's unit only, the typical mark its head only (the domain
    refuses anyone else)."""
    if user.role is not Role.UNIT_STAFF or user.unit != g.unit:
        return []
    return [(slug, s.title, s.danger) for slug, s in STEPS.items() if s.applies(g) and (head or slug != "typical")]


def _is_head(request: AnyRequest, user: AuthUser) -> bool:
    return request.app.state.ledger.get_user(user.username, for_update=False).post is Post.HEAD


# ------------------------------------------------------------------ loading


def _visible(request: AnyRequest, user: AuthUser, guidance_id: UUID) -> AdministrativeGuidance:
    guidance = request.app.state.ledger.get_guidance(guidance_id)
    if not sees(user.role, user.unit, Reach.CASES, [guidance.unit]):
        raise GuidanceNotFound(f"没有编号为{guidance_id}的行政指导")
    return guidance


def _timeline(request: AnyRequest, g: AdministrativeGuidance, masks: bool) -> list[dict[str, Any]]:
    ledger, views = request.app.state.ledger, request.app.state.views
    individual = g.addressee is not None and g.addressee.kind is AddresseeKind.INDIVIDUAL
    mask = (lambda d: mask_personal(d, individual=individual)) if masks else None
    return entries([describe(e) for e in ledger.history(g.id)], views.case_chain(g.id), masked=mask)


def _not_found(request: AnyRequest, user: AuthUser) -> Template:
    return page(request, user, "message.html", status=404, title="行政指导不存在",
                message="没有该行政指导，或您无权查看。")


async def guidance_page(request: AnyRequest, user: AuthUser, guidance_id: UUID, *, banner: str | None = None,
                        status: int = 200) -> Template:
    try:
        g = await in_thread(_visible, request, user, guidance_id)
    except NotFound:
        return _not_found(request, user)
    scope = scope_for(user.role, user.unit, Reach.CASES)
    events = await in_thread(_timeline, request, g, scope.masks_ids)
    documents = await in_thread(_documents_section, request, g)
    head = await in_thread(_is_head, request, user)
    return page(request, user, "guidance.html", status=status, g=guidance_view(g, scope), events=events,
                actions=next_steps(user, g, head=head), banner=banner, sealed=sum(1 for e in events if e["chain"]),
                admonition=g.method in ADMONITION_METHODS, guidance_documents=documents,
                can_order=user.role is Role.UNIT_STAFF and user.unit == g.unit and _open(g)
                and g.method in ADMONITION_METHODS,
                risk=await risk_box(request, user, RecordKind.GUIDANCE, g.id, (g.unit,)))


def _documents_section(request: AnyRequest, g: AdministrativeGuidance) -> Any:
    """The documents the guidance can issue and has issued (the documents
    slice's section), or None where that slice does not draw them."""
    try:
        from ledger_http.web.guidance_documents import guidance_documents_section
    except ImportError:
        return None
    return guidance_documents_section(request, g)


# -------------------------------------------------------------------- pages


def _start_context(request: AnyRequest, user: AuthUser) -> dict[str, Any]:
    state = request.app.state
    catalogue = state.ledger.matter_catalogue(authority_of(user.unit), for_update=False)
    return {
        # the unit's catalogue of guidance matters in force today (seed 001 附件1)
        "matters": catalogue.items_on(datetime.now(CST).date()) if catalogue is not None else [],
        "officers": [(u.username, u.display_name) for u in staff_by_unit(state).get(user.unit, [])],
        "methods": state.ledger.guidance_methods(user.unit),
        "kinds": list(AddresseeKind), "stages": list(Stage), "ways": list(Way),
    }


def start_command(v: dict[str, Any]) -> StartGuidance:
    way = _choice(v, "way", Way, "行政指导形式")
    name = _text(v, "addressee.name")
    addressee = None
    if way is Way.WRITTEN or name or _text(v, "addressee.id_number"):
        addressee = Addressee(
            kind=_choice(v, "addressee.kind", AddresseeKind, "相对人类型"), name=name,
            id_number=_text(v, "addressee.id_number"), address=_text(v, "addressee.address"),
            contact=_text(v, "addressee.contact"), phone=_text(v, "addressee.phone"))
    officers = v.get("officers") or ()
    return StartGuidance(
        way=way, addressee=addressee,
        officers=tuple([officers] if isinstance(officers, str) else officers),
        matter=Matter(text=_text(v, "matter.text"), catalogue_ref=_text(v, "matter.catalogue_ref")),
        method=_text(v, "method"), stage=_choice(v, "stage", Stage, "执法阶段"), legal_basis=_text(v, "legal_basis"))


LIST_FILTERS = ("unit", "state", "way", "method", "open", "typical")


class GuidancePages(Controller):
    path = "/w/guidance"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def listing(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        q = request.query_params
        filters = {k: str(q.get(k) or "").strip()[:80] for k in LIST_FILTERS}
        try:
            number = max(1, int(q.get("page") or 1))
        except ValueError:
            number = 1
        await caught_up(request, "guidance")
        rows = await in_thread(
            request.app.state.views.guidance_list, scope, unit=filters["unit"] or None, state=filters["state"] or None,
            way=filters["way"] or None, method=filters["method"] or None, open_only=filters["open"] == "1",
            typical=True if filters["typical"] == "1" else None, limit=PAGE + 1, offset=(number - 1) * PAGE)
        return page(request, user, "guidance_list.html", rows=rows[:PAGE], more=len(rows) > PAGE, number=number,
                    filters=filters, states=list(GuidanceState), ways=list(Way),
                    can_start=user.role is Role.UNIT_STAFF, unit_locked=scope.unit is not None)

    @get("/new")
    async def start_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        if user.role is not Role.UNIT_STAFF:
            return page(request, user, "message.html", status=403, title="无权办理",
                        message="行政指导由执法单位人员启动。")
        context = await in_thread(_start_context, request, user)
        return page(request, user, "guidance_new.html", values={"way": "written", "officers": [user.username]},
                    errors={}, key=uuid.uuid4(), **context)

    @post("/new")
    async def start(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = form_values(form)
        ref = _text(values, "matter.catalogue_ref")
        if ref and not _text(values, "legal_basis"):  # a catalogue matter brings its 指导依据 (shown, then saved)
            matters = (await in_thread(_start_context, request, user))["matters"]
            basis = next((m.item.basis for m in matters if m.ref == ref), "")
            values["legal_basis"] = basis
        try:
            result = remember(request, await in_thread(run_command, request.app.state, user, start_command(values),
                                                       form_key(form)))
        except InvalidInput as e:
            context = await in_thread(_start_context, request, user)
            officers = values.get("officers") or []
            values["officers"] = [officers] if isinstance(officers, str) else officers
            return page(request, user, "guidance_new.html", status=422, values=values, errors=field_errors(e),
                        key=form.get("idempotency_key"), **context)
        except LedgerError as e:
            context = await in_thread(_start_context, request, user)
            return page(request, user, "guidance_new.html", status=409, values=values, errors={"": e.message},
                        key=uuid.uuid4(), **context)
        return Redirect(path=f"/w/guidance/{result['case_id']}")

    @get("/{guidance_id:uuid}")
    async def show(self, request: AnyRequest, guidance_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await guidance_page(request, user, guidance_id)

    @get("/{guidance_id:uuid}/{step:str}")
    async def step_form(self, request: AnyRequest, guidance_id: FromPath[UUID], step: FromPath[str]) -> Template:
        user = page_user(request)
        if step not in STEPS:
            return _not_found(request, user)
        return await self._form(request, user, guidance_id, step)

    @post("/{guidance_id:uuid}/{step:str}")
    async def run_step(self, request: AnyRequest, guidance_id: FromPath[UUID], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        if step not in STEPS:
            return _not_found(request, user)
        return await run_declared_step(
            request, user, guidance_id, STEPS[step].build, visible=_visible, stale=STALE, back=f"/w/guidance/{guidance_id}",
            record_page=lambda **shown: guidance_page(request, user, guidance_id, **shown),
            form_page=lambda *shown: self._form(request, user, guidance_id, step, *shown),
            not_found=lambda: _not_found(request, user))

    async def _form(self, request: AnyRequest, user: AuthUser, guidance_id: UUID, step: str, status: int = 200,
                    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                    key: Any = None) -> Template:
        try:
            g = await in_thread(_visible, request, user, guidance_id)
        except NotFound:
            return _not_found(request, user)
        spec = STEPS[step]
        scope = scope_for(user.role, user.unit, Reach.CASES)
        fields = [(f, f.options(g) if f.options else []) for f in spec.fields]
        if values is None:  # a fresh form: the act's time is now, to the second (an act recorded as it happens)
            now = datetime.now(CST).strftime("%Y-%m-%dT%H:%M:%S")
            values = {f.name: now for f in spec.fields if f.kind == "datetime"}
        values = dict(values)
        if step == "tracking" and g.commitment is not None and not values:
            for i, item in enumerate(g.commitment.items):
                values[f"items[{i}].status"] = item.status.value
                values[f"items[{i}].evidence"] = item.evidence
        return page(request, user, "guidance_step.html", status=status, g=guidance_view(g, scope), step=step,
                    spec=spec, fields=fields, values=values, errors=errors or {}, key=key or uuid.uuid4(),
                    item_rows=range(ITEM_ROWS), statuses=list(ItemStatus),
                    items=g.commitment.items if g.commitment else ())
