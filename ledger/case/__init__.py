"""The guidance case (指导服务 case, S0 §三): booking to archive.

Public methods *decide*: they check every rule, compute every value and then
call one private ``@event`` method, which only *evolves* the state by
assigning fields. Evolve never checks, raises or reads the clock, so an old
case always replays even after a rule has been tightened.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from eventsourcing.domain import Aggregate, event

from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Assignment,
    CaseState,
    Channel,
    CompletenessCheck,
    Contact,
    FieldChange,
    FollowUp,
    Grade,
    IssuedDocument,
    Opinion,
    Rating,
    RatingMethod,
    Rectification,
    RectificationStatus,
    Referral,
    ServiceForm,
    ServiceType,
    UnitEntry,
    Urgency,
)
from ledger.catalogue import FourListsCatalogue
from ledger.copying import CopiedByContainers
from ledger.errors import Conflict, Incomplete, InvalidInput, NotAllowed, WrongState
from ledger.identifiers import IDENTIFIER_FIELDS, validate_phone, validate_resident_id, validate_uscc
from ledger.inputs import blank
from ledger.numbering import FormCounter
from ledger.scope import UNMASKED_ROLES
from ledger.values import (
    CST,
    DeadlineClass,
    Due,
    Envelope,
    FormNumber,
    FourList,
    Person,
    Reversal,
    Role,
    Struct,
    check_instant,
)
from ledger.workdays import WorkCalendarView, compute_due

TERMINAL = frozenset({CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.ARCHIVED})
AFTER_SERVICE = (CaseState.SERVED, CaseState.RATED)
MIN_EXPLANATION_CHARS = 10

# What a correction may change, per corrected event: the field path and how to
# validate the new value. Paths start with an attribute of the case.
CORRECTABLE: dict[str, tuple[str, ...]] = {
    "Applied": (
        "applicant.name",
        "applicant.address",
        "applicant.id_number",
        "contact.name",
        "contact.phone",
        "needs",
        "notes",
    ),
    "Refused": ("refusal_notice", "referral.body", "referral.how_to_reach"),
    "Served": ("opinion.place", "opinion.content", "opinion.findings", "opinion.advice"),
    "Rated": ("rating.comments",),
}


class EventRef(Struct):
    """What the case remembers of each of its events, for corrections."""

    version: int
    name: str
    unit: str
    at: datetime | None = None  # its business time (a document's date)


def _required(field: str, value: str, label: str) -> None:
    if blank(value):
        raise InvalidInput.one(field, "required", f"{label}不能为空")


class GuidanceCase(CopiedByContainers, Aggregate):
    """One booking of the guidance service and everything done about it."""

    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            # Every event of a case is remembered by version, name and unit,
            # so that a correction can name the event it corrects.
            aggregate.history = (
                *aggregate.history,
                EventRef(
                    version=self.originator_version,
                    name=type(self).__name__,
                    unit=self.envelope.actor.unit,  # type: ignore[attr-defined]
                    at=self.envelope.business_time,  # type: ignore[attr-defined]
                ),
            )

    class Created(Event, Aggregate.Created):
        pass

    # ------------------------------------------------------------------ booking

    @classmethod
    def book(
        cls,
        envelope: Envelope,
        *,
        applicant: Applicant,
        contact: Contact,
        service_types: tuple[ServiceType, ...],
        needs: str,
        notes: str = "",
        channel: Channel,
        urgency: Urgency = Urgency.NORMAL,
    ) -> GuidanceCase:
        """预约申请: registered by the registrar (S0 §三.1, annex 1)."""
        _require_role(envelope, Role.REGISTRAR)
        errors: list[InvalidInput] = []
        checked_applicant, checked_contact = applicant, contact

        def collect(fn: Any) -> Any:
            try:
                return fn()
            except InvalidInput as e:
                errors.append(e)
                return None

        collect(lambda: _required("applicant.name", applicant.name, "申请单位/个人"))
        collect(lambda: _required("applicant.address", applicant.address, "地址"))
        collect(lambda: _required("contact.name", contact.name, "联系人"))
        collect(lambda: _required("needs", needs, "需求简述"))
        number = collect(lambda: _validate_id_number(applicant.kind, applicant.id_number, envelope))
        phone = collect(lambda: validate_phone(contact.phone, "contact.phone"))
        if not service_types:
            errors.append(InvalidInput.one("service_types", "required", "请至少选择一项预约服务类型"))
        elif len(set(service_types)) != len(service_types):
            errors.append(InvalidInput.one("service_types", "duplicate", "预约服务类型重复"))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        checked_applicant = msgspec.structs.replace(
            applicant, id_number=number, name=applicant.name.strip(), address=applicant.address.strip()
        )
        checked_contact = msgspec.structs.replace(contact, phone=phone, name=contact.name.strip())
        return cls(
            envelope=envelope,
            applicant=checked_applicant,
            contact=checked_contact,
            service_types=tuple(service_types),
            needs=needs.strip(),
            notes=notes.strip(),
            channel=channel,
            urgency=urgency,
        )

    @event("Applied")
    def __init__(
        self,
        envelope: Envelope,
        applicant: Applicant,
        contact: Contact,
        service_types: tuple[ServiceType, ...],
        needs: str,
        notes: str,
        channel: Channel,
        urgency: Urgency,
    ) -> None:
        self.history: tuple[EventRef, ...] = ()
        self.state = CaseState.APPLIED
        self.applied_at = envelope.business_time
        self.state_since = envelope.business_time
        self.applicant = applicant
        self.contact = contact
        self.service_types = service_types
        self.needs = needs
        self.notes = notes
        self.channel = channel
        self.urgency = urgency
        self.application_number: FormNumber | None = None
        self.due: Due | None = None
        self.refusal_reason: str | None = None
        self.refusal_notice: str | None = None
        self.referral: Referral | None = None
        self.assignments: tuple[Assignment, ...] = ()
        self.lead_unit: str | None = None
        self.service_form: ServiceForm | None = None
        self.agreed_time: datetime | None = None
        self.opinion: Opinion | None = None
        self.rating: Rating | None = None
        self.follow_ups: tuple[FollowUp, ...] = ()
        self.rectifications: tuple[Rectification, ...] = ()
        self.reversals: tuple[Reversal, ...] = ()
        self.withdrawal_reason: str | None = None
        self.archive_number: FormNumber | None = None
        self.corrections = 0
        self.annotations = 0
        self.documents: tuple[IssuedDocument, ...] = ()

    # --------------------------------------------------------------- acceptance

    def accept(
        self, envelope: Envelope, deadline_class: DeadlineClass, counter: FormCounter, calendar: WorkCalendarView
    ) -> FormNumber:
        """受理: number annex 1 and compute the due time(s) from acceptance."""
        self._check_step(envelope, (CaseState.APPLIED,), "受理")
        _require_role(envelope, Role.REGISTRAR)
        due = compute_due(envelope.business_time, deadline_class, calendar)
        number = counter.issue(envelope, self.id)
        self._accepted(envelope=envelope, form_number=number, deadline_class=deadline_class, due=due)
        return number

    @event("Accepted")
    def _accepted(self, envelope: Envelope, form_number: FormNumber, deadline_class: DeadlineClass, due: Due) -> None:
        self._advance(envelope, CaseState.ACCEPTED)
        self.application_number = form_number
        self.due = due

    def refuse(self, envelope: Envelope, reason: str, notice: str, referral: Referral) -> None:
        """不予受理: out of scope; one-time notice of everything, and a referral."""
        self._check_step(envelope, (CaseState.APPLIED,), "不予受理")
        _require_role(envelope, Role.REGISTRAR)
        _required("reason", reason, "不予受理理由")
        _required("notice", notice, "一次性告知内容")
        _required("referral.body", referral.body, "指引的受理机关")
        _required("referral.how_to_reach", referral.how_to_reach, "指引机关的联系方式")
        self._refused(envelope=envelope, reason=reason.strip(), notice=notice.strip(), referral=referral)

    @event("Refused")
    def _refused(self, envelope: Envelope, reason: str, notice: str, referral: Referral) -> None:
        self._advance(envelope, CaseState.REFUSED)
        self.refusal_reason = reason
        self.refusal_notice = notice
        self.referral = referral

    def recompute_deadline(self, envelope: Envelope, calendar: WorkCalendarView) -> bool:
        """After a year's schedule is recorded: recompute a provisional due time.
        Returns whether an event was triggered."""
        if self.state in TERMINAL or self.due is None or not self.due.provisional:
            return False
        due = compute_due(self.due.start, self.due.deadline_class, calendar)
        if due == self.due:
            return False
        self._deadline_recomputed(envelope=envelope, due=due, previous=self.due)
        return True

    @event("DeadlineRecomputed")
    def _deadline_recomputed(self, envelope: Envelope, due: Due, previous: Due) -> None:
        self.due = due

    # ----------------------------------------------------------------- dispatch

    def dispatch(
        self,
        envelope: Envelope,
        assignments: tuple[Assignment, ...],
        form: ServiceForm,
        lead_unit: str | None = None,
        agreed_time: datetime | None = None,
        redispatch_reason: str | None = None,
    ) -> None:
        """统筹派单: units and staff, a lead unit for a joint service, form and time."""
        self._check_step(envelope, (CaseState.ACCEPTED, CaseState.DISPATCHED), "派单")
        _require_role(envelope, Role.DISPATCHER)
        if self.state is CaseState.DISPATCHED and blank(redispatch_reason):
            raise InvalidInput.one("redispatch_reason", "required", "重新派单必须说明理由")
        if not assignments:
            raise InvalidInput.one("assignments", "required", "至少指派一个执法单位")
        units = [a.unit for a in assignments]
        if len(set(units)) != len(units):
            raise InvalidInput.one("assignments", "duplicate_unit", "同一单位被重复指派")
        for i, a in enumerate(assignments):
            _required(f"assignments[{i}].unit", a.unit, "执法单位")
            if not a.staff:
                raise InvalidInput.one(f"assignments[{i}].staff", "required", f"{a.unit}未匹配服务人员")
        if form is ServiceForm.JOINT_VISIT and len(units) < 2:
            raise InvalidInput.one("form", "joint_needs_units", "联合上门服务至少需要两个单位")
        if len(units) > 1 and lead_unit not in units:
            raise InvalidInput.one("lead_unit", "lead_unit_required", "多个单位联合服务时须指定牵头单位，且牵头单位须在指派单位之中")
        if form.is_visit and agreed_time is None:
            raise InvalidInput.one("agreed_time", "required", "上门服务须约定具体时间")
        if agreed_time is not None:
            _require_aware("agreed_time", agreed_time)
            if agreed_time < self.applied_at:
                raise InvalidInput.one("agreed_time", "before_application", "约定时间早于申请时间")
        self._dispatched(
            envelope=envelope,
            assignments=tuple(assignments),
            form=form,
            lead_unit=lead_unit if len(units) > 1 else units[0],
            agreed_time=agreed_time,
            redispatch_reason=redispatch_reason.strip() if redispatch_reason else None,
        )

    @event("Dispatched")
    def _dispatched(
        self,
        envelope: Envelope,
        assignments: tuple[Assignment, ...],
        form: ServiceForm,
        lead_unit: str | None,
        agreed_time: datetime | None,
        redispatch_reason: str | None,
    ) -> None:
        self._advance(envelope, CaseState.DISPATCHED)
        self.assignments = assignments
        self.service_form = form
        self.lead_unit = lead_unit
        self.agreed_time = agreed_time

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(a.unit for a in self.assignments)

    @property
    def is_joint(self) -> bool:
        return len(self.assignments) > 1

    # ------------------------------------------------------------------ service

    def serve(
        self,
        envelope: Envelope,
        counter: FormCounter,
        *,
        place: str,
        content: str,
        findings: str,
        advice: str,
        staff: tuple[Person, ...],
        on_site: bool,
        unit_entries: tuple[UnitEntry, ...] = (),
        applicant_signed: bool = True,
    ) -> FormNumber:
        """指导服务: the opinion (annex 2); a joint visit gives one consolidated
        opinion, written by the lead unit, with an entry per unit."""
        self._check_step(envelope, (CaseState.DISPATCHED,), "填写指导服务意见书")
        _require_role(envelope, Role.UNIT_STAFF)
        if envelope.actor.unit not in self.units:
            raise NotAllowed(f"{envelope.actor.unit}不是本案指派的服务单位", code="unit_not_assigned")
        if self.is_joint and envelope.actor.unit != self.lead_unit:
            raise NotAllowed("联合服务的意见书由牵头单位统一出具", code="lead_unit_only")
        if counter.unit != envelope.actor.unit:
            raise InvalidInput.one("number", "wrong_series", "意见书编号须由出具单位编号")
        for field, value, label in (
            ("place", place, "服务地点"),
            ("content", content, "服务内容"),
            ("findings", findings, "现场情况及发现问题"),
            ("advice", advice, "整改建议及指导意见"),
        ):
            _required(field, value, label)
        if not staff:
            raise InvalidInput.one("staff", "required", "服务人员不能为空")
        if on_site and self.service_form is ServiceForm.BY_PHONE:
            raise InvalidInput.one("on_site", "phone_service_not_on_site", "电话回复的服务不能登记为现场服务")
        if self.is_joint:
            entry_units = [e.unit for e in unit_entries]
            if sorted(entry_units) != sorted(self.units):
                raise InvalidInput.one(
                    "unit_entries", "joint_entries", f"联合服务意见书须为每个指派单位各列一项：{'、'.join(self.units)}"
                )
            for i, e in enumerate(unit_entries):
                _required(f"unit_entries[{i}].findings", e.findings, "该单位发现的问题")
                _required(f"unit_entries[{i}].advice", e.advice, "该单位的指导意见")
        elif unit_entries:
            raise InvalidInput.one("unit_entries", "not_joint", "非联合服务不分单位填写意见")
        number = counter.issue(envelope, self.id)
        opinion = Opinion(
            number=number,
            service_time=envelope.business_time,
            place=place.strip(),
            content=content.strip(),
            findings=findings.strip(),
            advice=advice.strip(),
            staff=tuple(staff),
            on_site=on_site,
            unit_entries=tuple(unit_entries),
            applicant_signed=applicant_signed,
        )
        self._served(envelope=envelope, opinion=opinion)
        return number

    @event("Served")
    def _served(self, envelope: Envelope, opinion: Opinion) -> None:
        self._advance(envelope, CaseState.SERVED)
        self.opinion = opinion

    # ------------------------------------------------------------------- rating

    def rate(
        self,
        envelope: Envelope,
        counter: FormCounter,
        *,
        response: Grade,
        attitude: Grade,
        usefulness: Grade,
        result: Grade,
        comments: str,
        method: RatingMethod,
    ) -> FormNumber:
        """反馈评价 (annex 3). Without a visit, or when the applicant was absent,
        the registrar rates by phone follow-up (电话回访)."""
        self._check_step(envelope, (CaseState.SERVED,), "满意度评价")
        assert self.opinion is not None
        if method is RatingMethod.PHONE_FOLLOW_UP:
            _require_role(envelope, Role.REGISTRAR)
        else:
            visited = self.service_form is not None and self.service_form.is_visit
            if not visited or not self.opinion.on_site or not self.opinion.applicant_signed:
                raise InvalidInput.one(
                    "method", "phone_follow_up_required", "非上门服务或服务对象未到现场的，应由登记人员电话回访评价"
                )
            self._require_registrar_or_assigned(envelope)
        number = counter.issue(envelope, self.id)
        rating = Rating(
            number=number,
            response=response,
            attitude=attitude,
            usefulness=usefulness,
            result=result,
            comments=comments.strip(),
            method=method,
            rated_on=envelope.business_time.astimezone(CST).date(),
        )
        self._rated(envelope=envelope, rating=rating)
        return number

    @event("Rated")
    def _rated(self, envelope: Envelope, rating: Rating) -> None:
        self._advance(envelope, CaseState.RATED)
        self.rating = rating

    # ------------------------------------------------ follow-up and rectification

    def follow_up(self, envelope: Envelope, follow_up: FollowUp) -> None:
        """回访: by the serving unit's staff (or the registrar)."""
        self._check_step(envelope, AFTER_SERVICE, "回访")
        self._require_registrar_or_assigned(envelope)
        _required("findings", follow_up.findings, "回访情况")
        assert self.opinion is not None
        if follow_up.on > envelope.business_time.astimezone(CST).date():
            raise InvalidInput.one("follow_up.on", "in_future", "回访日期晚于办理时间")
        if follow_up.on < self.opinion.service_time.astimezone(CST).date():
            raise InvalidInput.one("follow_up.on", "before_service", "回访日期早于服务日期")
        self._followed_up(envelope=envelope, follow_up=follow_up)

    @event("FollowedUp")
    def _followed_up(self, envelope: Envelope, follow_up: FollowUp) -> None:
        self.follow_ups = (*self.follow_ups, follow_up)

    def track_rectification(self, envelope: Envelope, rectification: Rectification) -> None:
        """跟踪整改落实情况. Tracking the same penalty decision again replaces
        its items (with their new statuses)."""
        self._check_step(envelope, AFTER_SERVICE, "跟踪整改")
        _require_role(envelope, Role.UNIT_STAFF)
        self._require_assigned(envelope)
        if not rectification.items:
            raise InvalidInput.one("items", "required", "至少列出一项整改事项")
        served_on = self.opinion.service_time.astimezone(CST).date() if self.opinion else None
        for i, item in enumerate(rectification.items):
            _required(f"items[{i}].description", item.description, "整改事项")
            if served_on and item.due_on < served_on:
                raise InvalidInput.one(f"items[{i}].due_on", "before_service", "整改期限早于服务日期")
            if item.status is RectificationStatus.DONE and blank(item.evidence):
                raise InvalidInput.one(f"items[{i}].evidence", "required", "已整改事项须写明整改证据")
        self._rectification_tracked(envelope=envelope, rectification=rectification)

    @event("RectificationTracked")
    def _rectification_tracked(self, envelope: Envelope, rectification: Rectification) -> None:
        others = tuple(r for r in self.rectifications if r.penalty_decision != rectification.penalty_decision)
        self.rectifications = (*others, rectification)

    # ---------------------------------------------------------- penalty reversal

    def revoke_penalty(self, envelope: Envelope, reversal: Reversal, catalogue: FourListsCatalogue | None) -> None:
        """撤销行政处罚 under the no-penalty list (or lift a coercive measure
        under the no-coercive-measure list); ``catalogue`` is the issuing
        authority's (None if it has published none)."""
        self._check_reversal(envelope, reversal, (FourList.NO_PENALTY, FourList.NO_COERCIVE_MEASURE), "撤销")
        if reversal.new_sanction:
            raise InvalidInput.one("new_sanction", "not_for_revocation", "撤销处罚不应有新的处罚内容")
        _check_against_catalogue(envelope, reversal, catalogue)
        self._penalty_revoked(envelope=envelope, reversal=reversal)

    @event("PenaltyRevoked")
    def _penalty_revoked(self, envelope: Envelope, reversal: Reversal) -> None:
        self.reversals = (*self.reversals, reversal)

    def remake_penalty(self, envelope: Envelope, reversal: Reversal, catalogue: FourListsCatalogue | None) -> None:
        """重新作出行政处罚决定 under the lighter or mitigated list."""
        self._check_reversal(envelope, reversal, (FourList.LIGHTER, FourList.MITIGATED), "重新作出")
        _required("new_sanction", reversal.new_sanction or "", "重新作出的处罚内容")
        _check_against_catalogue(envelope, reversal, catalogue)
        self._penalty_remade(envelope=envelope, reversal=reversal)

    @event("PenaltyRemade")
    def _penalty_remade(self, envelope: Envelope, reversal: Reversal) -> None:
        self.reversals = (*self.reversals, reversal)

    def _check_reversal(
        self, envelope: Envelope, reversal: Reversal, lists: tuple[FourList, ...], verb: str
    ) -> None:
        self._check_step(envelope, AFTER_SERVICE, f"{verb}行政处罚")
        _require_role(envelope, Role.UNIT_STAFF)
        decision = reversal.decision
        if envelope.actor.unit != decision.issuing_unit:
            raise NotAllowed("只有作出原处罚决定的单位可以撤销或重新作出该决定", code="issuing_unit_only")
        _required("decision.number", decision.number, "原处罚决定书文号")
        if any(r.decision.number == decision.number for r in self.reversals):
            raise WrongState(f"处罚决定{decision.number}已撤销或重新作出，不能重复处理", code="already_reversed")
        if decision.decided_on > envelope.business_time.astimezone(CST).date():
            raise InvalidInput.one("decision.decided_on", "in_future", "原处罚决定日期晚于本次处理日期")
        if reversal.cited.list not in lists:
            allowed = "、".join(x.label for x in lists)
            raise InvalidInput.one("cited.list", "list_mismatch", f"{verb}处罚应依据{allowed}")
        _required("cited.catalogue_version", reversal.cited.catalogue_version, "清单版本")
        _required("cited.item_number", reversal.cited.item_number, "清单事项序号")
        if not reversal.conditions_met or any(blank(c) for c in reversal.conditions_met):
            raise InvalidInput.one("conditions_met", "required", "须写明符合的适用条件")
        _required("outcome", reversal.outcome, "处理结果")
        if reversal.major and blank(reversal.new_decision_number):
            raise InvalidInput.one("new_decision_number", "required", "重大行政处罚决定须填写新决定书文号（用于备案）")
        if len((reversal.explanation or "").strip()) < MIN_EXPLANATION_CHARS:
            raise InvalidInput.one(
                "explanation", "explanation_required", f"必须书面说明具体情况（不少于{MIN_EXPLANATION_CHARS}个字）"
            )

    # ----------------------------------------------------------- other endings

    def withdraw(self, envelope: Envelope, reason: str) -> None:
        """撤回: the applicant withdraws or declines guidance (voluntary; never
        counted against them). Recorded by the registrar."""
        if self.state in TERMINAL:
            raise WrongState(f"案件{self.state.label}，不能撤回", code="wrong_state")
        self._check_time(envelope)
        _require_role(envelope, Role.REGISTRAR)
        _required("reason", reason, "撤回原因")
        self._withdrawn(envelope=envelope, reason=reason.strip())

    @event("Withdrawn")
    def _withdrawn(self, envelope: Envelope, reason: str) -> None:
        self._advance(envelope, CaseState.WITHDRAWN)
        self.withdrawal_reason = reason

    def completeness(self) -> tuple[CompletenessCheck, ...]:
        """What archiving checks (所有资料统一反馈归档，全程可追溯)."""
        if self.state in (CaseState.REFUSED, CaseState.WITHDRAWN):
            return (CompletenessCheck(item="终止原因已记录", ok=bool(self.refusal_reason or self.withdrawal_reason)),)
        return (
            CompletenessCheck(item="指导服务申请表已编号", ok=self.application_number is not None),
            CompletenessCheck(item="指导服务意见书已填写", ok=self.opinion is not None),
            CompletenessCheck(item="服务满意度评价表已填写", ok=self.rating is not None),
            CompletenessCheck(
                item="整改事项已跟踪完毕",
                ok=all(i.status is RectificationStatus.DONE for r in self.rectifications for i in r.items),
            ),
        )

    def archive(self, envelope: Envelope, counter: FormCounter) -> FormNumber:
        """回访归档: numbered, after a completeness check."""
        self._check_step(envelope, (CaseState.RATED, CaseState.REFUSED, CaseState.WITHDRAWN), "归档")
        _require_role(envelope, Role.REGISTRAR)
        checks = self.completeness()
        missing = [c.item for c in checks if not c.ok]
        if missing:
            raise Incomplete(f"材料不完整，不能归档：{'、'.join(missing)}", code="incomplete_file")
        number = counter.issue(envelope, self.id)
        self._archived(envelope=envelope, archive_number=number, checks=checks)
        return number

    @event("Archived")
    def _archived(self, envelope: Envelope, archive_number: FormNumber, checks: tuple[CompletenessCheck, ...]) -> None:
        self._advance(envelope, CaseState.ARCHIVED)
        self.archive_number = archive_number

    # ------------------------------------------------ corrections and annotations

    def correct(self, envelope: Envelope, corrects_version: int, changes: tuple[FieldChange, ...]) -> None:
        """更正: a new event that names the event it corrects, what changes and
        why (``envelope.basis``). The corrected event is never touched."""
        role = envelope.actor.role
        if role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed(f"{role.label}不能更正案件记录", code="read_only_role")
        # An identifier is corrected only by those who read it in full: for
        # anyone else, "unchanged" would tell whether a guess matches.
        if role not in UNMASKED_ROLES and any(ch.field in IDENTIFIER_FIELDS for ch in changes):
            raise NotAllowed("证件号码只能由登记受理人员更正", code="identifier_correction_not_allowed")
        _required("basis", envelope.basis or "", "更正理由")
        ref = next((r for r in self.history if r.version == corrects_version), None)
        if ref is None:
            raise InvalidInput.one("corrects_version", "no_such_event", f"本案没有第{corrects_version}号事件")
        allowed = CORRECTABLE.get(ref.name, ())
        if not allowed:
            raise InvalidInput.one("corrects_version", "not_correctable", f"{ref.name}事件没有可更正的字段")
        if envelope.actor.unit != ref.unit:
            raise NotAllowed("只能由原记录单位更正", code="recording_unit_only")
        if not changes:
            raise InvalidInput.one("changes", "required", "至少更正一个字段")
        checked: list[FieldChange] = []
        for i, change in enumerate(changes):
            if change.field not in allowed:
                raise InvalidInput.one(
                    f"changes[{i}].field", "not_correctable", f"{ref.name}事件可更正的字段为：{'、'.join(allowed)}"
                )
            new = self._validate_correction(change.field, change.new, envelope, f"changes[{i}].new")
            old = str(self._get_path(change.field))
            if new == old:
                raise InvalidInput.one(f"changes[{i}].new", "unchanged", "更正后的值与原值相同")
            checked.append(FieldChange(field=change.field, old=old, new=new))
        self._corrected(
            envelope=envelope, corrects_version=corrects_version, corrects_event=ref.name, changes=tuple(checked)
        )

    @event("Corrected")
    def _corrected(
        self, envelope: Envelope, corrects_version: int, corrects_event: str, changes: tuple[FieldChange, ...]
    ) -> None:
        for change in changes:
            self._set_path(change.field, change.new)
        self.corrections += 1

    def annotate(self, envelope: Envelope, note: str, about_version: int | None = None) -> None:
        """批注: a remark on the file, accepted in any state (also after archiving)."""
        role = envelope.actor.role
        if role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed(f"{role.label}不能批注案件", code="read_only_role")
        if role is Role.UNIT_STAFF:
            self._require_assigned(envelope)
        _required("note", note, "批注内容")
        if about_version is not None and not any(r.version == about_version for r in self.history):
            raise InvalidInput.one("about_version", "no_such_event", f"本案没有第{about_version}号事件")
        self._annotated(envelope=envelope, note=note.strip(), about_version=about_version)

    @event("Annotated")
    def _annotated(self, envelope: Envelope, note: str, about_version: int | None) -> None:
        self.annotations += 1

    # ------------------------------------------------------------------ documents

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """出具文书: in any state (the file index after archiving too) by
        those who work on the case; what was drawn up to must be this case's
        present (a document drawn from an older state is drawn again)."""
        role = envelope.actor.role
        if role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed(f"{role.label}不能出具文书", code="read_only_role")
        if role is Role.UNIT_STAFF:
            self._require_assigned(envelope)
        if issued.drawn_to_version != self.version:
            raise Conflict(f"文书依据第{issued.drawn_to_version}版制作，案件当前为第{self.version}版，请重新出具",
                           current_version=self.version)
        if len(issued.sha256) != 64:
            raise InvalidInput.one("sha256", "invalid", "文件摘要应为64位十六进制")
        self._check_time(envelope)
        self._document_issued(envelope=envelope, issued=issued)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument) -> None:
        self.documents = (*self.documents, issued)

    # ------------------------------------------------------------------ helpers

    def _check_step(self, envelope: Envelope, states: tuple[CaseState, ...], step: str) -> None:
        if self.state is CaseState.ARCHIVED:
            raise WrongState("案件已归档，只接受更正和批注", code="archived")
        if self.state not in states:
            wanted = "或".join(s.label for s in states)
            raise WrongState(f"案件当前状态为“{self.state.label}”，{step}要求状态为“{wanted}”", code="wrong_state")
        self._check_time(envelope)

    def _check_time(self, envelope: Envelope) -> None:
        if envelope.business_time < self.applied_at:
            raise InvalidInput.one("business_time", "before_application", "办理时间早于预约申请时间")
        if envelope.business_time < self.state_since:
            raise InvalidInput.one(
                "business_time",
                "before_previous_step",
                f"办理时间早于上一环节（{self.state.label}，{self.state_since.isoformat(timespec='minutes')}）",
            )

    def _require_assigned(self, envelope: Envelope) -> None:
        if envelope.actor.unit not in self.units:
            raise NotAllowed(f"{envelope.actor.unit}不是本案指派的服务单位", code="unit_not_assigned")

    def _require_registrar_or_assigned(self, envelope: Envelope) -> None:
        if envelope.actor.role is Role.REGISTRAR:
            return
        _require_role(envelope, Role.UNIT_STAFF)
        self._require_assigned(envelope)

    def _advance(self, envelope: Envelope, state: CaseState) -> None:
        self.state = state
        self.state_since = envelope.business_time

    def _validate_correction(self, path: str, value: str, envelope: Envelope, field: str) -> str:
        if path == "applicant.id_number":
            return _validate_id_number(self.applicant.kind, value, envelope, field)
        if path == "contact.phone":
            return validate_phone(value, field)
        if path == "notes":  # optional at booking, so it may be cleared
            return (value or "").strip()
        _required(field, value, path)
        return value.strip()

    def _get_path(self, path: str) -> Any:
        obj: Any = self
        for part in path.split("."):
            obj = getattr(obj, part)
        return obj

    def _set_path(self, path: str, value: str) -> None:
        head, *rest = path.split(".")
        if not rest:
            setattr(self, head, value)
        else:
            setattr(self, head, msgspec.structs.replace(getattr(self, head), **{rest[0]: value}))


def _check_against_catalogue(envelope: Envelope, reversal: Reversal, catalogue: FourListsCatalogue | None) -> None:
    if catalogue is None:
        raise InvalidInput.one(
            "cited.catalogue_version",
            "no_catalogue",
            f"{reversal.decision.issuing_unit}尚未发布四张清单，无法引用清单事项，请先发布清单",
        )
    catalogue.check_reversal(envelope, reversal)


def _require_role(envelope: Envelope, *roles: Role) -> None:
    if envelope.actor.role not in roles:
        names = "、".join(r.label for r in roles)
        raise NotAllowed(f"{envelope.actor.role.label}不能办理此事项，应由{names}办理", code="role_not_allowed")


def _require_aware(field: str, value: datetime) -> None:
    check_instant(field, value)


def _validate_id_number(kind: ApplicantKind, value: str, envelope: Envelope, field: str = "applicant.id_number") -> str:
    """Organisations and 个体工商户 give a USCC; individuals a resident ID."""
    if kind is ApplicantKind.INDIVIDUAL:
        return validate_resident_id(value, envelope.business_time.astimezone(CST).date(), field)
    return validate_uscc(value, field)
