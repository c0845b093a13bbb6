"""Agency-initiated administrative guidance (行政指导, seeds 001, 002 ch.3, 004).

Unlike the guidance *case* (ledger.case), nobody books it: an officer of an
enforcement unit starts it in the course of the unit's work. One aggregate is
one act of guidance to one addressee: started → given (the 意见书 delivered,
a simple act recorded, or an interview held) → the party's answer (accepted,
or terminated with the reason) → its effect, follow-up visits, a typical-case
mark.

Public methods decide (every rule, every computed value, then one ``@event``
call); the ``@event`` methods only evolve, so old records always replay. The
module's import name and the class name are the stored topics: never move them.

Guidance is voluntary (seed 001 二(二) 自愿原则). A termination records only
*why* and *when* it ended (``End``): no flag on the party, no counter, no score —
nothing a later decision about the party could read as "did not cooperate".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec
from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.guidance.values import (
    ADMONITION_METHODS,
    INTERVIEW_METHODS,
    SEED_METHODS,
    Addressee,
    AddresseeKind,
    Commitment,
    CommitmentItem,
    CorrectionOrder,
    Delivery,
    End,
    FollowUpVisit,
    GuidanceOpinion,
    GuidanceRecord,
    GuidanceState,
    Interview,
    InterviewKind,
    ItemStatus,
    Matter,
    Officer,
    SimpleGuidance,
    Stage,
    TerminationReason,
    TypicalMark,
    Way,
)
from ledger.identifiers import validate_phone, validate_resident_id, validate_uscc
from ledger.inputs import blank
from ledger.numbering import DEFAULT_NUMBER_FORMAT, FormCounter
from ledger.values import CST, Envelope, FormKind, FormNumber, Role, Struct, check_instant

ENDED = frozenset({GuidanceState.ACCEPTED, GuidanceState.TERMINATED})


class GuidanceNotFound(NotFound):
    code = "guidance_not_found"


class GuidanceEventRef(Struct):
    """What the guidance remembers of each of its events (for later corrections)."""

    version: int
    name: str
    unit: str


class AdministrativeGuidance(CopiedByContainers, Aggregate):
    """One act of administrative guidance, given by one unit to one addressee."""

    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            aggregate.history = (
                *aggregate.history,
                GuidanceEventRef(
                    version=self.originator_version,
                    name=type(self).__name__,
                    unit=self.envelope.actor.unit,  # type: ignore[attr-defined]
                ),
            )

    class Created(Event, Aggregate.Created):
        pass

    # -------------------------------------------------------------------- start

    @classmethod
    def start(
        cls,
        envelope: Envelope,
        *,
        way: Way,
        addressee: Addressee | None,
        officers: tuple[Officer, ...],
        matter: Matter,
        method: str,
        stage: Stage,
        legal_basis: str,
        methods: tuple[str, ...] = SEED_METHODS,
    ) -> AdministrativeGuidance:
        """启动: by an officer of the unit, with officers of that unit only.
        ``methods``: the authority's list of methods (the seeds' by default).
        Every invalid field is reported at once."""
        _require_officer(envelope)
        errors: list[InvalidInput] = []

        def collect(fn: Any) -> Any:
            try:
                return fn()
            except InvalidInput as e:
                errors.append(e)
                return None

        checked = collect(lambda: _checked_addressee(addressee, way, envelope))
        if not officers:
            errors.append(InvalidInput.one("officers", "required", "至少指定一名指导人员"))
        ids = [o.id for o in officers]
        if len(set(ids)) != len(ids):
            errors.append(InvalidInput.one("officers", "duplicate", "指导人员重复"))
        for i, o in enumerate(officers):
            if o.unit != envelope.actor.unit:
                errors.append(
                    InvalidInput.one(
                        f"officers[{i}]", "other_unit", f"{o.name}属于{o.unit}，指导人员须为本单位（{envelope.actor.unit}）人员"
                    )
                )
        collect(lambda: _required("matter.text", matter.text, "指导事项"))
        if method not in methods:
            errors.append(InvalidInput.one("method", "unknown_method", f"“{method}”不在本单位的行政指导方式之中"))
        collect(lambda: _required("legal_basis", legal_basis, "法律依据"))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        return cls(
            envelope=envelope,
            unit=envelope.actor.unit,
            way=way,
            addressee=checked,
            officers=tuple(officers),
            matter=Matter(text=matter.text.strip(), catalogue_ref=matter.catalogue_ref.strip()),
            method=method,
            stage=stage,
            legal_basis=legal_basis.strip(),
        )

    @event("Started")
    def __init__(
        self,
        envelope: Envelope,
        unit: str,
        way: Way,
        addressee: Addressee | None,
        officers: tuple[Officer, ...],
        matter: Matter,
        method: str,
        stage: Stage,
        legal_basis: str,
    ) -> None:
        self.history: tuple[GuidanceEventRef, ...] = ()
        self.unit = unit
        self.started_by = envelope.actor.id
        self.started_at = envelope.business_time
        self.state = GuidanceState.STARTED
        self.state_since = envelope.business_time
        self.way = way
        self.addressee = addressee
        self.officers = officers
        self.matter = matter
        self.method = method
        self.stage = stage
        self.legal_basis = legal_basis
        self.opinion: GuidanceOpinion | None = None
        self.delivery: Delivery | None = None
        self.record: GuidanceRecord | None = None
        self.simple: SimpleGuidance | None = None
        self.interview: Interview | None = None
        self.commitment: Commitment | None = None
        self.end: End | None = None
        self.effect: str | None = None
        self.follow_ups: tuple[FollowUpVisit, ...] = ()
        self.typical: TypicalMark | None = None
        self.correction: CorrectionOrder | None = None
        self.documents: tuple[IssuedDocument, ...] = ()

    # ----------------------------------------------------------- the written way

    def issue_opinion(
        self,
        envelope: Envelope,
        counter: FormCounter,
        *,
        problem_of: str,
        problems: str,
        opinion: str,
        contact_person: str,
        contact_phone: str,
        number_format: str = DEFAULT_NUMBER_FORMAT,
    ) -> FormNumber:
        """行政指导意见书 (seed 004 附件1), numbered per unit and year in the
        unit's format (``number_format``, its text kept in the event)."""
        self._check_open(envelope, "出具行政指导意见书")
        self._require_way(Way.WRITTEN, "行政指导意见书")
        if self.opinion is not None:
            raise WrongState(f"已出具行政指导意见书（{self.opinion.number}）", code="opinion_exists")
        _series(counter, envelope, FormKind.GUIDANCE_OPINION)
        errors: list[InvalidInput] = []
        for field, value, label in (
            ("problem_of", problem_of, "存在的…问题"),
            ("problems", problems, "存在问题"),
            ("opinion", opinion, "指导意见"),
            ("contact_person", contact_person, "指导联系人"),
        ):
            try:
                _required(field, value, label)
            except InvalidInput as e:
                errors.append(e)
        phone = ""
        try:
            phone = validate_phone(contact_phone, "contact_phone")
        except InvalidInput as e:
            errors.append(e)
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        number = counter.issue(envelope, self.id, number_format)
        self._opinion_issued(
            envelope=envelope,
            opinion=GuidanceOpinion(
                number=number,
                problem_of=problem_of.strip(),
                problems=problems.strip(),
                opinion=opinion.strip(),
                contact_person=contact_person.strip(),
                contact_phone=phone,
                issued_on=_day(envelope),
            ),
        )
        return number

    @event("OpinionIssued")
    def _opinion_issued(self, envelope: Envelope, opinion: GuidanceOpinion) -> None:
        self.opinion = opinion

    def deliver(self, envelope: Envelope, delivery: Delivery) -> None:
        """送达: never before the 意见书, never after today; once."""
        self._check_open(envelope, "送达")
        if self.opinion is None:
            raise InvalidInput.one("delivery", "no_opinion", "尚未出具行政指导意见书，不能送达")
        if self.delivery is not None:
            raise WrongState(f"意见书已于{self.delivery.delivered_on.isoformat()}送达", code="already_delivered")
        if delivery.delivered_on < self.opinion.issued_on:
            raise InvalidInput.one(
                "delivery.delivered_on", "before_opinion", f"送达日期早于意见书日期（{self.opinion.issued_on.isoformat()}）"
            )
        if delivery.delivered_on > _day(envelope):
            raise InvalidInput.one("delivery.delivered_on", "in_future", "送达日期晚于办理时间")
        _required("delivery.receiver", delivery.receiver, "受送达人（签收人）")
        self._delivered(
            envelope=envelope, delivery=msgspec.structs.replace(delivery, receiver=delivery.receiver.strip())
        )

    @event("OpinionDelivered")
    def _delivered(self, envelope: Envelope, delivery: Delivery) -> None:
        self.delivery = delivery
        self._advance(envelope, GuidanceState.GIVEN)

    def register(
        self,
        envelope: Envelope,
        counter: FormCounter,
        *,
        guided_at: datetime,
        place: str,
        content: str,
        number_format: str = DEFAULT_NUMBER_FORMAT,
    ) -> FormNumber:
        """行政指导登记文书 (seed 004 附件2; seed 001 行政指导文书), its own number,
        kept by the unit after the 意见书 is issued."""
        self._check_open(envelope, "填写行政指导登记文书", allow_ended=True)
        self._require_way(Way.WRITTEN, "行政指导登记文书")
        if self.opinion is None:
            raise WrongState("须先出具行政指导意见书，再填写登记文书", code="no_opinion")
        if self.record is not None:
            raise WrongState(f"已填写行政指导登记文书（{self.record.number}）", code="record_exists")
        _series(counter, envelope, FormKind.GUIDANCE_RECORD)
        _instant("guided_at", guided_at, self.started_at, envelope)
        _required("place", place, "指导地点")
        _required("content", content, "指导内容（事项）")
        number = counter.issue(envelope, self.id, number_format)
        self._registered(
            envelope=envelope,
            record=GuidanceRecord(
                number=number, guided_at=guided_at.astimezone(CST), place=place.strip(), content=content.strip()
            ),
        )
        return number

    @event("RecordRegistered")
    def _registered(self, envelope: Envelope, record: GuidanceRecord) -> None:
        self.record = record

    # ------------------------------------------------------------ the simple way

    def record_simple(self, envelope: Envelope, simple: SimpleGuidance) -> None:
        """口头、电话、短信/微信、发放材料 (seed 004 四(二)): still recorded, with the situation."""
        self._check_open(envelope, "登记简易形式行政指导")
        self._require_way(Way.SIMPLE, "简易形式的记录")
        if self.simple is not None:
            raise WrongState("简易形式的行政指导已登记", code="simple_exists")
        _instant("simple.at", simple.at, self.started_at, envelope)
        if simple.officer.id not in {o.id for o in self.officers}:
            raise InvalidInput.one("simple.officer", "not_an_officer", f"{simple.officer.name}不是本次行政指导的指导人员")
        _required("simple.content", simple.content, "指导内容")
        self._simple_recorded(
            envelope=envelope,
            simple=msgspec.structs.replace(simple, at=simple.at.astimezone(CST), content=simple.content.strip()),
        )

    @event("SimpleGuidanceRecorded")
    def _simple_recorded(self, envelope: Envelope, simple: SimpleGuidance) -> None:
        self.simple = simple
        self._advance(envelope, GuidanceState.GIVEN)

    # ---------------------------------------------------------------- interview

    def hold_interview(self, envelope: Envelope, interview: Interview) -> None:
        """约谈 (seed 002 第十三条; seed 004 四(四)), for an interview method only."""
        self._check_open(envelope, "登记约谈")
        if self.method not in INTERVIEW_METHODS:
            raise InvalidInput.one("method", "not_an_interview", f"行政指导方式为“{self.method}”，不是约谈")
        if self.interview is not None:
            raise WrongState("约谈已登记", code="interview_exists")
        _instant("interview.held_at", interview.held_at, self.started_at, envelope)
        _required("interview.place", interview.place, "约谈地点")
        participants = tuple(p.strip() for p in interview.participants if not blank(p))
        if not participants:
            raise InvalidInput.one("interview.participants", "required", "须列出参加约谈的人员")
        if interview.kind is InterviewKind.COLLECTIVE and len(participants) < 2:
            raise InvalidInput.one("interview.participants", "collective_needs_two", "集中约谈至少有两名被约谈人员")
        _required("interview.problems", interview.problems, "指出的问题")
        _required("interview.requirements", interview.requirements, "提出的要求")
        self._interview_held(
            envelope=envelope,
            interview=msgspec.structs.replace(
                interview,
                held_at=interview.held_at.astimezone(CST),
                place=interview.place.strip(),
                participants=participants,
                problems=interview.problems.strip(),
                requirements=interview.requirements.strip(),
            ),
        )

    @event("InterviewHeld")
    def _interview_held(self, envelope: Envelope, interview: Interview) -> None:
        self.interview = interview
        self._advance(envelope, GuidanceState.GIVEN)

    # -------------------------------------------------------- 整改承诺书 (劝导警示)

    def record_commitment(self, envelope: Envelope, commitment: Commitment) -> None:
        """整改承诺书: recorded once (劝导警示/规劝); tracked with ``track_commitment``."""
        self._check_open(envelope, "登记整改承诺书")
        if self.method not in ADMONITION_METHODS:
            raise InvalidInput.one("method", "not_admonition", f"行政指导方式为“{self.method}”，不签订整改承诺书")
        if self.commitment is not None:
            raise WrongState("整改承诺书已登记，请跟踪其整改事项", code="commitment_exists")
        if commitment.signed_on > _day(envelope):
            raise InvalidInput.one("commitment.signed_on", "in_future", "承诺日期晚于办理时间")
        if commitment.signed_on < self.started_at.astimezone(CST).date():
            raise InvalidInput.one("commitment.signed_on", "before_start", "承诺日期早于行政指导启动日期")
        items = _checked_items(commitment.items, commitment.signed_on, "commitment.items", "承诺日期")
        self._commitment_recorded(envelope=envelope, commitment=msgspec.structs.replace(commitment, items=items))

    @event("CommitmentRecorded")
    def _commitment_recorded(self, envelope: Envelope, commitment: Commitment) -> None:
        self.commitment = commitment
        self._advance(envelope, GuidanceState.GIVEN)

    def track_commitment(self, envelope: Envelope, items: tuple[CommitmentItem, ...]) -> None:
        """跟踪整改: the items again, with their statuses (the same items, in order)."""
        self._check_open(envelope, "跟踪整改承诺事项", allow_ended=True)
        if self.commitment is None:
            raise WrongState("尚未登记整改承诺书", code="no_commitment")
        if [i.description.strip() for i in items] != [i.description for i in self.commitment.items]:
            raise InvalidInput.one("items", "items_changed", "跟踪时整改事项须与承诺书一致（只更新状态和证据）")
        checked = _checked_items(items, self.commitment.signed_on, "commitment.items", "承诺日期")
        tracked = msgspec.structs.replace(self.commitment, items=checked)
        if tracked == self.commitment:
            raise InvalidInput.one("items", "unchanged", "整改事项的状态没有变化")
        self._commitment_tracked(envelope=envelope, commitment=tracked)

    @event("CommitmentTracked")
    def _commitment_tracked(self, envelope: Envelope, commitment: Commitment) -> None:
        self.commitment = commitment

    # -------------------------------------------------- 责令改正通知书 (劝导警示)

    def order_correction(
        self,
        envelope: Envelope,
        counter: FormCounter,
        *,
        problems: str,
        legal_basis: str,
        items: tuple[str, ...],
        due_on: date,
        number_format: str = DEFAULT_NUMBER_FORMAT,
    ) -> FormNumber:
        """责令改正通知书 (seed 001 (四) 劝导警示: 下达责令改正通知书、签订整改承诺书),
        numbered per unit and year. Like the 整改承诺书 it is a way of giving
        the guidance (which is then given); once per guidance, while it is
        open; its items are followed up with ``track_correction``."""
        self._check_open(envelope, "下达责令改正通知书")
        if self.method not in ADMONITION_METHODS:
            raise InvalidInput.one("method", "not_admonition", f"行政指导方式为“{self.method}”，不下达责令改正通知书")
        if self.correction is not None:
            raise WrongState(f"已下达责令改正通知书（{self.correction.number}），请跟踪其整改事项", code="correction_exists")
        _series(counter, envelope, FormKind.CORRECTION_ORDER)
        today = _day(envelope)
        errors: list[InvalidInput] = []
        for field, value, label in (("problems", problems, "存在的问题"), ("legal_basis", legal_basis, "法律依据")):
            try:
                _required(field, value, label)
            except InvalidInput as e:
                errors.append(e)
        listed = tuple(CommitmentItem(description=text, due_on=due_on) for text in items if not blank(text))
        if not listed:
            errors.append(InvalidInput.one("items", "required", "至少列出一项责令改正的事项"))
        if due_on < today:
            errors.append(
                InvalidInput.one("due_on", "before_issue", f"改正期限早于通知书日期（{today.isoformat()}）")
            )
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        number = counter.issue(envelope, self.id, number_format)
        self._correction_ordered(
            envelope=envelope,
            order=CorrectionOrder(
                number=number,
                issued_on=today,
                problems=problems.strip(),
                legal_basis=legal_basis.strip(),
                items=_checked_items(listed, today, "items", "通知书日期", "before_issue"),
                due_on=due_on,
            ),
        )
        return number

    @event("CorrectionOrdered")
    def _correction_ordered(self, envelope: Envelope, order: CorrectionOrder) -> None:
        self.correction = order
        self._advance(envelope, GuidanceState.GIVEN)

    def track_correction(self, envelope: Envelope, items: tuple[CommitmentItem, ...]) -> None:
        """跟踪责令改正事项, as the 整改承诺书's: the same items in order, with
        their statuses and evidence (also after the guidance was accepted)."""
        self._check_open(envelope, "跟踪责令改正事项", allow_ended=True)
        if self.correction is None:
            raise WrongState("尚未下达责令改正通知书", code="no_correction")
        if [i.description.strip() for i in items] != [i.description for i in self.correction.items]:
            raise InvalidInput.one("items", "items_changed", "跟踪时改正事项须与通知书一致（只更新状态和证据）")
        checked = _checked_items(items, self.correction.issued_on, "items", "通知书日期", "before_issue")
        tracked = msgspec.structs.replace(self.correction, items=checked)
        if tracked == self.correction:
            raise InvalidInput.one("items", "unchanged", "改正事项的状态没有变化")
        self._correction_tracked(envelope=envelope, order=tracked)

    @event("CorrectionTracked")
    def _correction_tracked(self, envelope: Envelope, order: CorrectionOrder) -> None:
        self.correction = order

    # ------------------------------------------------------ the answer and the end

    def accept(self, envelope: Envelope) -> None:
        """The party accepts the guidance (once it was given)."""
        self._check_open(envelope, "登记接受行政指导")
        if self.state is not GuidanceState.GIVEN:
            raise WrongState(self._not_given(), code="not_given")
        self._ended(envelope=envelope, end=End(at=envelope.business_time, accepted=True))

    def terminate(self, envelope: Envelope, reason: TerminationReason) -> None:
        """终止 (seed 004 四(三)): the party refused, asked to stop, or made it
        impossible. Only the reason and the time are kept — guidance is
        voluntary, so nothing here may ever count against the party."""
        self._check_open(envelope, "终止行政指导")
        self._ended(envelope=envelope, end=End(at=envelope.business_time, accepted=False, reason=reason))

    @event("Ended")
    def _ended(self, envelope: Envelope, end: End) -> None:
        self.end = end
        self._advance(envelope, GuidanceState.ACCEPTED if end.accepted else GuidanceState.TERMINATED)

    def record_effect(self, envelope: Envelope, effect: str) -> None:
        """指导取得的效益、效果, recorded later (again to revise it)."""
        self._check_open(envelope, "登记指导效果", allow_ended=True)
        self._require_given("登记指导效果")
        _required("effect", effect, "指导取得的效益、效果")
        if effect.strip() == self.effect:
            raise InvalidInput.one("effect", "unchanged", "效果与已登记的相同")
        self._effect_recorded(envelope=envelope, effect=effect.strip())

    @event("EffectRecorded")
    def _effect_recorded(self, envelope: Envelope, effect: str) -> None:
        self.effect = effect

    def follow_up(self, envelope: Envelope, visit: FollowUpVisit) -> None:
        """回访: after the guidance was given (also after it was accepted)."""
        self._check_open(envelope, "登记回访", allow_ended=True)
        self._require_given("回访")
        if visit.on > _day(envelope):
            raise InvalidInput.one("visit.on", "in_future", "回访日期晚于办理时间")
        given_on = self.given_at.astimezone(CST).date() if self.given_at else None
        if given_on and visit.on < given_on:
            raise InvalidInput.one("visit.on", "before_guidance", f"回访日期早于实施行政指导的日期（{given_on.isoformat()}）")
        _required("visit.findings", visit.findings, "回访情况")
        self._followed_up(envelope=envelope, visit=msgspec.structs.replace(visit, findings=visit.findings.strip()))

    @event("FollowedUp")
    def _followed_up(self, envelope: Envelope, visit: FollowUpVisit) -> None:
        self.follow_ups = (*self.follow_ups, visit)

    def mark_typical(self, envelope: Envelope, reason: str, *, by_head: bool) -> None:
        """典型事例 for the year-end summary (seed 004 五(三)), marked by the
        unit's head (``by_head``: the directory's post of the marking officer)."""
        self._check_open(envelope, "标记典型事例", allow_ended=True)
        if not by_head:
            raise NotAllowed("典型事例由本单位负责人标记", code="not_unit_head")
        self._require_given("标记典型事例")
        if self.typical is not None:
            raise WrongState(f"已由{self.typical.by_name}标记为典型事例", code="already_typical")
        _required("reason", reason, "标记理由")
        actor = envelope.actor
        mark = TypicalMark(by=actor.id, by_name=actor.name, on=_day(envelope), reason=reason.strip())
        self._marked_typical(envelope=envelope, mark=mark)

    @event("MarkedTypical")
    def _marked_typical(self, envelope: Envelope, mark: TypicalMark) -> None:
        self.typical = mark

    # ---------------------------------------------------------------- documents

    def check_issuer(self, envelope: Envelope) -> None:
        """Who may issue the guidance's paper: those who may read it and work
        on paper — its unit's staff, the registrar, dispatcher and supervisor;
        not the auditor or the administrator (asked before anything is drawn)."""
        role = envelope.actor.role
        if role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed(f"{role.label}不能出具文书", code="read_only_role")
        if role is Role.UNIT_STAFF and envelope.actor.unit != self.unit:
            raise NotAllowed(f"本行政指导由{self.unit}实施，{envelope.actor.unit}不能出具其文书", code="other_unit")

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """出具文书 (``ledger.documents``), in any state, by an issuer
        ``check_issuer`` admits. What it was drawn up to must be this
        guidance's present."""
        self.check_issuer(envelope)
        if issued.drawn_to_version != self.version:
            raise Conflict(f"文书依据第{issued.drawn_to_version}版制作，行政指导当前为第{self.version}版，请重新出具",
                           current_version=self.version)
        if len(issued.sha256) != 64:
            raise InvalidInput.one("sha256", "invalid", "文件摘要应为64位十六进制")
        if envelope.business_time < self.state_since:
            raise InvalidInput.one("business_time", "before_previous_step", "办理时间早于上一环节")
        self._document_issued(envelope=envelope, issued=issued, unit=self.unit)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: the guidance's (the issuer may be of another): the
        # documents view scopes the issue by it without reading the guidance
        self.documents = (*self.documents, issued)

    # ------------------------------------------------------------------ reading

    @property
    def given_at(self) -> datetime | None:
        """When the guidance was given: the act's own time (delivery, simple act, interview)."""
        if self.delivery is not None:
            return datetime.combine(self.delivery.delivered_on, datetime.min.time(), CST)
        if self.simple is not None:
            return self.simple.at
        if self.interview is not None:
            return self.interview.held_at
        if self.commitment is not None:
            return datetime.combine(self.commitment.signed_on, datetime.min.time(), CST)
        if self.correction is not None:
            return datetime.combine(self.correction.issued_on, datetime.min.time(), CST)
        return None

    # ------------------------------------------------------------------ helpers

    def _check_open(self, envelope: Envelope, step: str, *, allow_ended: bool = False) -> None:
        _require_officer(envelope)
        if envelope.actor.unit != self.unit:
            raise NotAllowed(f"本行政指导由{self.unit}实施，{envelope.actor.unit}不能办理", code="other_unit")
        if self.state is GuidanceState.TERMINATED or (self.state in ENDED and not allow_ended):
            raise WrongState(f"行政指导{self.state.label}，不能{step}", code="ended")
        if envelope.business_time < self.state_since:
            raise InvalidInput.one(
                "business_time",
                "before_previous_step",
                f"办理时间早于上一环节（{self.state.label}，{self.state_since.isoformat(timespec='minutes')}）",
            )

    def _require_way(self, way: Way, what: str) -> None:
        if self.way is not way:
            raise InvalidInput.one("way", "wrong_way", f"本次行政指导采用{self.way.label}，没有{what}")

    def _require_given(self, step: str) -> None:
        if self.state is GuidanceState.STARTED:
            raise WrongState(f"{self._not_given()}，不能{step}", code="not_given")

    def _not_given(self) -> str:
        if self.way is Way.WRITTEN:
            return "行政指导意见书尚未送达" if self.opinion is not None else "尚未出具行政指导意见书"
        return "尚未登记简易形式的行政指导"

    def _advance(self, envelope: Envelope, state: GuidanceState) -> None:
        self.state = state
        self.state_since = envelope.business_time


def _checked_items(
    items: tuple[CommitmentItem, ...], since: date, field: str, since_label: str, code: str = "before_commitment"
) -> tuple[CommitmentItem, ...]:
    """The items of a 整改承诺书 or a 责令改正通知书, stripped: at least one,
    each described, none due before ``since``, a done one with its evidence."""
    if not items:
        raise InvalidInput.one(field, "required", "至少列出一项整改事项")
    checked = []
    for i, item in enumerate(items):
        _required(f"{field}[{i}].description", item.description, "整改事项")
        if item.due_on < since:
            raise InvalidInput.one(f"{field}[{i}].due_on", code, f"整改期限早于{since_label}")
        if item.status is ItemStatus.DONE and blank(item.evidence):
            raise InvalidInput.one(f"{field}[{i}].evidence", "required", "已整改事项须写明整改证据")
        checked.append(msgspec.structs.replace(item, description=item.description.strip(), evidence=item.evidence.strip()))
    return tuple(checked)


def _required(field: str, value: str, label: str) -> None:
    if blank(value):
        raise InvalidInput.one(field, "required", f"{label}不能为空")


def _require_officer(envelope: Envelope) -> None:
    if envelope.actor.role is not Role.UNIT_STAFF:
        raise NotAllowed(f"{envelope.actor.role.label}不能办理行政指导，应由执法单位人员办理", code="role_not_allowed")


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _series(counter: FormCounter, envelope: Envelope, kind: FormKind) -> None:
    if counter.unit != envelope.actor.unit or counter.kind is not kind or counter.year != _day(envelope).year:
        raise InvalidInput.one("number", "wrong_series", f"{kind.label}须由本单位按年度编号")


def _instant(field: str, value: datetime, start: datetime, envelope: Envelope) -> None:
    """A time of the act: aware, not before the guidance started, not after now."""
    check_instant(field, value)
    # forms give acts to the second (or minute): an act in the very second the
    # guidance was started is not before it
    if value < start.replace(microsecond=0):
        raise InvalidInput.one(field, "before_start", "时间早于行政指导启动时间")
    if value > envelope.business_time:
        raise InvalidInput.one(field, "in_future", "时间晚于办理时间")


def _checked_addressee(addressee: Addressee | None, way: Way, envelope: Envelope) -> Addressee | None:
    """The written way needs a fully identified addressee; the simple way may
    omit the identifier (a question answered at the counter), but one given
    is checked. Collects every bad field."""
    if addressee is None:
        if way is Way.WRITTEN:
            raise InvalidInput.one("addressee", "required", "书面行政指导须填写行政相对人")
        return None
    errors: list[InvalidInput] = []
    number, phone = addressee.id_number, addressee.phone
    if blank(addressee.name):
        errors.append(InvalidInput.one("addressee.name", "required", "行政相对人名称（姓名）不能为空"))
    if way is Way.WRITTEN and blank(addressee.address):
        errors.append(InvalidInput.one("addressee.address", "required", "书面行政指导须填写行政相对人地址"))
    if not blank(addressee.id_number) or way is Way.WRITTEN:
        try:
            if addressee.kind is AddresseeKind.INDIVIDUAL:
                number = validate_resident_id(addressee.id_number, _day(envelope), "addressee.id_number")
            else:
                number = validate_uscc(addressee.id_number, "addressee.id_number")
        except InvalidInput as e:
            errors.append(e)
    if not blank(addressee.phone):
        try:
            phone = validate_phone(addressee.phone, "addressee.phone")
        except InvalidInput as e:
            errors.append(e)
    if errors:
        raise InvalidInput([fe for e in errors for fe in e.errors])
    return Addressee(
        kind=addressee.kind,
        name=addressee.name.strip(),
        id_number=number.strip() if number else "",
        address=addressee.address.strip(),
        contact=addressee.contact.strip(),
        phone=phone or "",
    )
