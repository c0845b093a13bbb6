"""Administrative mediation (行政调解, seed 002 第四章 第十五条–第十八条).

An officer of an enforcement unit starts it, on the unit's own initiative or
on a party's application, with two or more parties; it goes no further until
every party has consented (第十八条(一)). Then: 受理 (with the notice of time,
place and what to observe) or 不予受理 with the reasons; 调处 — the notice of
rights and procedure, sessions written down as numbered 行政调解笔录, an
on-site investigation or hearing where the facts are disputed; 结案 — a
行政调解协议书 signed or sealed by every party, or the end without agreement
with the way pointed to (行政复议, 诉讼 or 仲裁). A party may withdraw its
consent at any time, and that ends the mediation (自愿原则, 第十七条).

Public methods decide (every rule, every computed value, then one ``@event``
call); the ``@event`` methods only evolve, so old records always replay. The
module's import name and the class names are the stored topics
(``ledger.mediation:AdministrativeMediation.*``): never move them.

Also here: ``MediationDeadline`` (an authority's period for mediations, in
working days) and ``MediationRightNotice`` (第十五条: the notice of the right
to apply for mediation, given once per source).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.identifiers import validate_phone, validate_resident_id, validate_uscc
from ledger.inputs import blank
from ledger.mediation.values import (
    CLOSED_STATES,
    Acceptance,
    Agreement,
    Consent,
    Ending,
    EndReason,
    Investigation,
    MediationState,
    Mediator,
    NoticeMethod,
    Party,
    PartyKind,
    Procedure,
    Referral,
    Representative,
    RightsNotice,
    RightSource,
    Session,
    StartWay,
    Statement,
    Withdrawal,
)
from ledger.numbering import DEFAULT_NUMBER_FORMAT, LEDGER_NAMESPACE, FormCounter
from ledger.values import CST, Envelope, FormKind, Role, Struct, check_instant
from ledger.workdays import WorkCalendarView

MAX_DEADLINE_DAYS = 180


class MediationNotFound(NotFound):
    code = "mediation_not_found"


class MediationEventRef(Struct):
    version: int
    name: str
    unit: str


def _collect(errors: list[FieldError], fn: Any) -> Any:
    try:
        return fn()
    except InvalidInput as e:
        errors.extend(e.errors)
        return None


def _required(field: str, value: str, label: str) -> None:
    if blank(value):
        raise InvalidInput.one(field, "required", f"{label}不能为空")


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _require_officer(envelope: Envelope, what: str = "办理行政调解") -> None:
    if envelope.actor.role is not Role.UNIT_STAFF:
        raise NotAllowed(f"{envelope.actor.role.label}不能{what}，应由执法单位人员办理", code="role_not_allowed")


def checked_party(i: int, party: Party, today: date) -> Party:
    """One party, its identifier checked like a booking's (a USCC for an
    organisation or 个体工商户, a resident ID for a person); every bad field."""
    base = f"parties[{i}]"
    errors: list[FieldError] = []
    number, phone, rep = party.id_number, party.phone, party.representative
    if blank(party.name):
        errors.append(FieldError(f"{base}.name", "required", f"第{i + 1}方当事人名称（姓名）不能为空"))
    if party.kind is PartyKind.INDIVIDUAL:
        number = _collect(errors, lambda: validate_resident_id(party.id_number, today, f"{base}.id_number"))
    else:
        number = _collect(errors, lambda: validate_uscc(party.id_number, f"{base}.id_number"))
    if not blank(party.phone):
        phone = _collect(errors, lambda: validate_phone(party.phone, f"{base}.phone"))
    if party.kind is not PartyKind.INDIVIDUAL and (rep is None or blank(rep.name)):
        errors.append(FieldError(f"{base}.representative.name", "required",
                                 f"第{i + 1}方当事人为{party.kind.label}，须写明其法定代表人、负责人或委托代理人"))
    if rep is not None and not blank(rep.name):
        rep_phone = rep.phone
        if not blank(rep.phone):
            rep_phone = _collect(errors, lambda: validate_phone(rep.phone, f"{base}.representative.phone"))
        rep = Representative(name=rep.name.strip(), capacity=rep.capacity.strip() or "委托代理人",
                             phone=rep_phone or "")
    else:
        rep = None
    if errors:
        raise InvalidInput(errors)
    return Party(kind=party.kind, name=party.name.strip(), id_number=(number or "").strip(),
                 address=party.address.strip(), phone=phone or "", representative=rep)


def _instant(field: str, value: datetime, envelope: Envelope, since: datetime | None = None,
             since_label: str = "") -> datetime:
    check_instant(field, value)
    if value > envelope.business_time:
        raise InvalidInput.one(field, "in_future", "时间晚于办理时间")
    if since is not None and value < since.replace(microsecond=0):
        raise InvalidInput.one(field, "too_early", f"时间早于{since_label}")
    return value.astimezone(CST)


class AdministrativeMediation(CopiedByContainers, Aggregate):
    """One administrative mediation of one dispute between two or more parties."""

    class Event(Aggregate.Event):
        def apply(self, aggregate: Any) -> None:
            aggregate.history = (
                *aggregate.history,
                MediationEventRef(version=self.originator_version, name=type(self).__name__,
                                  unit=self.envelope.actor.unit),  # type: ignore[attr-defined]
            )

    class Created(Event, Aggregate.Created):
        pass

    # -------------------------------------------------------------------- start

    @classmethod
    def start(cls, envelope: Envelope, *, way: StartWay, procedure: Procedure, parties: tuple[Party, ...],
              matter: str, dispute: str, legal_basis: str = "", source: str = "") -> AdministrativeMediation:
        """启动 (第十八条(一)): by an officer, with two or more parties, every
        invalid field at once. Nothing goes on until every party consents."""
        _require_officer(envelope)
        errors: list[FieldError] = []
        today = _day(envelope)
        if len(parties) < 2:
            errors.append(FieldError("parties", "too_few", "行政调解至少须有两方当事人"))
        checked = [_collect(errors, lambda i=i, p=p: checked_party(i, p, today)) for i, p in enumerate(parties)]
        seen: set[str] = set()
        for i, p in enumerate(checked):
            if p is not None and p.id_number in seen:
                errors.append(FieldError(f"parties[{i}].id_number", "duplicate", "与前面一方当事人的证件号码相同"))
            elif p is not None:
                seen.add(p.id_number)
        _collect(errors, lambda: _required("matter", matter, "调解事项"))
        _collect(errors, lambda: _required("dispute", dispute, "争议纠纷简要情况"))
        if errors:
            raise InvalidInput(errors)
        return cls(envelope=envelope, unit=envelope.actor.unit, way=way, procedure=procedure,
                   parties=tuple(checked), matter=matter.strip(), dispute=dispute.strip(),
                   legal_basis=legal_basis.strip(), source=source.strip())

    @event("Started")
    def __init__(self, envelope: Envelope, unit: str, way: StartWay, procedure: Procedure,
                 parties: tuple[Party, ...], matter: str, dispute: str, legal_basis: str, source: str) -> None:
        self.history: tuple[MediationEventRef, ...] = ()
        self.unit = unit
        self.started_by = envelope.actor.id
        self.started_at = envelope.business_time
        self.state = MediationState.STARTED
        self.state_since = envelope.business_time
        self.way = way
        self.procedure = procedure
        self.parties = parties
        self.matter = matter
        self.dispute = dispute
        self.legal_basis = legal_basis
        self.source = source
        self.consents: tuple[Consent, ...] = ()
        self.acceptance: Acceptance | None = None
        self.rights: RightsNotice | None = None
        self.sessions: tuple[Session, ...] = ()
        self.investigations: tuple[Investigation, ...] = ()
        self.agreement: Agreement | None = None
        self.ending: Ending | None = None
        self.withdrawal: Withdrawal | None = None
        self.documents: tuple[IssuedDocument, ...] = ()

    # ------------------------------------------------------------------ consent

    def record_consent(self, envelope: Envelope, consent: Consent) -> None:
        """A party's consent, once, with when and how it was given."""
        self._check(envelope, "记录当事人同意", states=(MediationState.STARTED,))
        self._check_party("consent.party", consent.party)
        if any(c.party == consent.party for c in self.consents):
            raise WrongState(f"{self.parties[consent.party].name}的同意已记录", code="consent_exists")
        at = _instant("consent.given_at", consent.given_at, envelope)
        self._consented(envelope=envelope, consent=msgspec.structs.replace(consent, given_at=at,
                                                                            note=consent.note.strip()))

    @event("ConsentRecorded")
    def _consented(self, envelope: Envelope, consent: Consent) -> None:
        self.consents = (*self.consents, consent)

    def withdraw_consent(self, envelope: Envelope, party: int, reason: str, referral: Referral, body: str,
                         contact: str) -> None:
        """A party withdraws its consent — at any time while open — which
        ends the mediation, with the way pointed to (终止调解告知书)."""
        self._check(envelope, "撤回调解同意")
        self._check_party("party", party)
        if not any(c.party == party for c in self.consents):
            raise InvalidInput.one("party", "no_consent", f"{self.parties[party].name}尚未同意调解，无可撤回")
        errors: list[FieldError] = []
        _collect(errors, lambda: _required("body", body, "可申请的机关（机构）"))
        _collect(errors, lambda: _required("contact", contact, "途径（地址、电话）"))
        if errors:
            raise InvalidInput(errors)
        at = envelope.business_time
        self._withdrawn(envelope=envelope, withdrawal=Withdrawal(party=party, at=at, reason=reason.strip()),
                        ending=Ending(at=at, reason=EndReason.CONSENT_WITHDRAWN, referral=referral, body=body.strip(),
                                      contact=contact.strip(), explanation=reason.strip(), withdrawn_by=party))

    @event("ConsentWithdrawn")
    def _withdrawn(self, envelope: Envelope, withdrawal: Withdrawal, ending: Ending) -> None:
        self.withdrawal = withdrawal
        self.ending = ending
        self._advance(envelope, MediationState.ENDED)

    # --------------------------------------------------------------- acceptance

    def accept(self, envelope: Envelope, counter: FormCounter, calendar: WorkCalendarView, *,
               notice: Any, working_days: int | None, number_format: str = DEFAULT_NUMBER_FORMAT) -> str:
        """受理 (第十八条(二)), once every party has consented: numbered per unit
        and year; the notice of time, place and what to observe (the general
        procedure; the simple one settles on the spot); the due date on the
        working-day calendar where the authority sets a period."""
        self._check(envelope, "受理", states=(MediationState.STARTED,))
        self.require_every_consent()
        if counter.unit != envelope.actor.unit or counter.kind is not FormKind.MEDIATION \
                or counter.year != _day(envelope).year:
            raise InvalidInput.one("number", "wrong_series", "行政调解须由本单位按年度编号")
        checked = None
        if notice is not None or self.procedure is Procedure.GENERAL:
            if notice is None:
                raise InvalidInput.one("notice", "required", "一般程序须告知当事人调解的时间、地点和注意事项")
            errors: list[FieldError] = []
            _collect(errors, lambda: check_instant("notice.meet_at", notice.meet_at))
            if not errors and notice.meet_at < envelope.business_time.replace(microsecond=0):
                errors.append(FieldError("notice.meet_at", "in_past", "调解时间早于受理时间"))
            _collect(errors, lambda: _required("notice.place", notice.place, "调解地点"))
            _collect(errors, lambda: _required("notice.observe", notice.observe, "注意事项"))
            if errors:
                raise InvalidInput(errors)
            checked = msgspec.structs.replace(notice, meet_at=notice.meet_at.astimezone(CST),
                                              place=notice.place.strip(), observe=notice.observe.strip())
        due_on = due_date(_day(envelope), working_days, calendar) if working_days else None
        number = counter.issue(envelope, self.id, number_format)
        self._accepted(envelope=envelope, acceptance=Acceptance(
            accepted=True, at=envelope.business_time, notice=checked, number=number, due_on=due_on,
            working_days=working_days))
        return str(number)

    def decline(self, envelope: Envelope, reasons: str) -> None:
        """不予受理, with the reasons (no consent needed to decline)."""
        self._check(envelope, "作出不予受理决定", states=(MediationState.STARTED,))
        _required("reasons", reasons, "不予受理的理由")
        self._accepted(envelope=envelope, acceptance=Acceptance(accepted=False, at=envelope.business_time,
                                                                reasons=reasons.strip()))

    @event("AcceptanceDecided")
    def _accepted(self, envelope: Envelope, acceptance: Acceptance) -> None:
        self.acceptance = acceptance
        self._advance(envelope, MediationState.ACCEPTED if acceptance.accepted else MediationState.DECLINED)

    # ------------------------------------------------------------------- 调处

    def notify_rights(self, envelope: Envelope, rights: RightsNotice) -> None:
        """告知权利义务和程序 (第十八条(三)), once, before any session or agreement."""
        self._check(envelope, "告知权利义务", states=(MediationState.ACCEPTED, MediationState.MEDIATING))
        if self.rights is not None:
            raise WrongState("已告知当事人权利义务和程序", code="rights_given")
        at = _instant("rights.given_at", rights.given_at, envelope, self.acceptance.at if self.acceptance else None,
                      "受理时间")
        if rights.method not in {m.label for m in NoticeMethod}:
            raise InvalidInput.one("rights.method", "unknown", "请选择告知方式")
        _required("rights.content", rights.content, "告知内容")
        self._rights_given(envelope=envelope, rights=RightsNotice(given_at=at, method=rights.method,
                                                                  content=rights.content.strip()))

    @event("RightsNotified")
    def _rights_given(self, envelope: Envelope, rights: RightsNotice) -> None:
        self.rights = rights

    def hold_session(self, envelope: Envelope, *, held_at: datetime, place: str, mediators: tuple[Mediator, ...],
                     invited: tuple[str, ...], statements: tuple[Statement, ...], disputes: str, course: str,
                     recorder: str = "") -> int:
        """One sitting, as the next numbered 行政调解笔录: its mediators (from
        the directory), experts or other invited people, what each party
        stated, argued and evidenced, the points in dispute. Never after
        closing; never without every party's consent and the rights notice."""
        self._check(envelope, "制作行政调解笔录", states=(MediationState.ACCEPTED, MediationState.MEDIATING))
        self.require_every_consent()
        if self.rights is None:
            raise InvalidInput.one("rights", "not_given", "调解前须告知当事人依法享有的权利、遵循的程序及相关事项")
        errors: list[FieldError] = []
        since = self.sessions[-1].held_at if self.sessions else self.acceptance.at  # type: ignore[union-attr]
        at = _collect(errors, lambda: _instant("held_at", held_at, envelope, since,
                                               "上一次调解" if self.sessions else "受理时间"))
        _collect(errors, lambda: _required("place", place, "调解地点"))
        if not mediators:
            errors.append(FieldError("mediators", "required", "至少有一名调解人员"))
        ids = [m.id for m in mediators]
        if len(set(ids)) != len(ids):
            errors.append(FieldError("mediators", "duplicate", "调解人员重复"))
        by_party: dict[int, Statement] = {}
        for i, s in enumerate(statements):
            if not 0 <= s.party < len(self.parties):
                errors.append(FieldError(f"statements[{i}].party", "unknown_party", "没有该当事人"))
            elif s.party in by_party:
                errors.append(FieldError(f"statements[{i}].party", "duplicate", "同一当事人的陈述重复"))
            elif blank(s.statement):
                errors.append(FieldError(f"statements[{s.party}].statement", "required",
                                         f"{self.parties[s.party].name}的陈述不能为空"))
            else:
                by_party[s.party] = Statement(party=s.party, statement=s.statement.strip(),
                                              argument=s.argument.strip(), evidence=s.evidence.strip())
        for p, party in enumerate(self.parties):
            if p not in by_party and not any(f.field.startswith(f"statements[{p}]") for f in errors):
                errors.append(FieldError(f"statements[{p}].statement", "required", f"须记录{party.name}的陈述"))
        _collect(errors, lambda: _required("disputes", disputes, "争议焦点"))
        _collect(errors, lambda: _required("course", course, "调解经过"))
        if errors:
            raise InvalidInput(errors)
        number = len(self.sessions) + 1
        self._session_held(envelope=envelope, session=Session(
            number=number, held_at=at, place=place.strip(), mediators=tuple(mediators),
            invited=tuple(x.strip() for x in invited if not blank(x)),
            statements=tuple(by_party[p] for p in sorted(by_party)), disputes=disputes.strip(), course=course.strip(),
            recorder=recorder.strip()))
        return number

    @event("SessionHeld")
    def _session_held(self, envelope: Envelope, session: Session) -> None:
        self.sessions = (*self.sessions, session)
        self._advance(envelope, MediationState.MEDIATING)

    def investigate(self, envelope: Envelope, investigation: Investigation) -> None:
        """现场调查 or 听证 where the basic facts are disputed (general procedure)."""
        self._check(envelope, "登记现场调查或听证", states=(MediationState.ACCEPTED, MediationState.MEDIATING))
        if self.procedure is not Procedure.GENERAL:
            raise InvalidInput.one("kind", "simple_procedure", "简易程序当场调解，不进行现场调查或听证")
        errors: list[FieldError] = []
        at = _collect(errors, lambda: _instant("investigation.at", investigation.at, envelope,
                                               self.acceptance.at if self.acceptance else None, "受理时间"))
        _collect(errors, lambda: _required("investigation.place", investigation.place, "地点"))
        participants = tuple(p.strip() for p in investigation.participants if not blank(p))
        if not participants:
            errors.append(FieldError("investigation.participants", "required", "须列出参加人员"))
        _collect(errors, lambda: _required("investigation.findings", investigation.findings, "查明的情况"))
        if errors:
            raise InvalidInput(errors)
        self._investigated(envelope=envelope, investigation=msgspec.structs.replace(
            investigation, at=at, place=investigation.place.strip(), participants=participants,
            findings=investigation.findings.strip()))

    @event("Investigated")
    def _investigated(self, envelope: Envelope, investigation: Investigation) -> None:
        self.investigations = (*self.investigations, investigation)

    # -------------------------------------------------------------------- 结案

    def conclude(self, envelope: Envelope, agreement: Agreement) -> None:
        """行政调解协议书 (第十八条(四)): refused unless every party signed or
        sealed it; the general procedure after at least one session, the
        simple one on the day it started (当场)."""
        self._check(envelope, "签订行政调解协议书", states=(MediationState.ACCEPTED, MediationState.MEDIATING))
        self.require_every_consent()
        if self.rights is None:
            raise InvalidInput.one("rights", "not_given", "调解前须告知当事人依法享有的权利、遵循的程序及相关事项")
        if self.procedure is Procedure.GENERAL and not self.sessions:
            raise InvalidInput.one("sessions", "no_session", "一般程序须先制作行政调解笔录，再签订协议书")
        errors: list[FieldError] = []
        started_on = self.started_at.astimezone(CST).date()
        if agreement.signed_on > _day(envelope):
            errors.append(FieldError("agreement.signed_on", "in_future", "签订日期晚于办理时间"))
        elif agreement.signed_on < started_on:
            errors.append(FieldError("agreement.signed_on", "before_start", "签订日期早于启动日期"))
        elif self.procedure is Procedure.SIMPLE and agreement.signed_on != started_on:
            errors.append(FieldError("agreement.signed_on", "not_on_the_spot",
                                     f"简易程序须当场达成协议（{started_on.isoformat()}），否则请转为一般程序另行启动"))
        for field, value, label in (("agreement.matters", agreement.matters, "调解事项"),
                                    ("agreement.facts", agreement.facts, "查证的事实"),
                                    ("agreement.result", agreement.result, "调解结果"),
                                    ("agreement.performance", agreement.performance, "履行方式和期限")):
            _collect(errors, lambda f=field, v=value, lb=label: _required(f, v, lb))
        signed: dict[int, Any] = {}
        for s in agreement.signatures:
            if 0 <= s.party < len(self.parties) and not blank(s.signed_by):
                signed.setdefault(s.party, msgspec.structs.replace(s, signed_by=s.signed_by.strip()))
        for p, party in enumerate(self.parties):
            if p not in signed:
                errors.append(FieldError(f"agreement.signatures[{p}]", "unsigned",
                                         f"{party.name}尚未签名或盖章，协议书须经各方当事人签名或盖章"))
        if errors:
            raise InvalidInput(errors)
        self._concluded(envelope=envelope, agreement=msgspec.structs.replace(
            agreement, matters=agreement.matters.strip(), facts=agreement.facts.strip(),
            result=agreement.result.strip(), performance=agreement.performance.strip(),
            signatures=tuple(signed[p] for p in sorted(signed))))

    @event("AgreementConcluded")
    def _concluded(self, envelope: Envelope, agreement: Agreement) -> None:
        self.agreement = agreement
        self._advance(envelope, MediationState.AGREED)

    def end_without_agreement(self, envelope: Envelope, *, referral: Referral, body: str, contact: str,
                              explanation: str) -> None:
        """经调解无法达成协议: ended, pointing the parties to 行政复议, 诉讼 or 仲裁."""
        self._check(envelope, "终止调解", states=(MediationState.ACCEPTED, MediationState.MEDIATING))
        errors: list[FieldError] = []
        _collect(errors, lambda: _required("body", body, "可申请的机关（机构）"))
        _collect(errors, lambda: _required("contact", contact, "途径（地址、电话）"))
        _collect(errors, lambda: _required("explanation", explanation, "未能达成协议的情况"))
        if errors:
            raise InvalidInput(errors)
        self._ended(envelope=envelope, ending=Ending(at=envelope.business_time, reason=EndReason.NO_AGREEMENT,
                                                      referral=referral, body=body.strip(), contact=contact.strip(),
                                                      explanation=explanation.strip()))

    @event("Ended")
    def _ended(self, envelope: Envelope, ending: Ending) -> None:
        self.ending = ending
        self._advance(envelope, MediationState.ENDED)

    # ---------------------------------------------------------------- documents

    def check_issuer(self, envelope: Envelope) -> None:
        """Its unit's staff and the roles that read every unit's work on
        paper; not the auditor or the administrator."""
        role = envelope.actor.role
        if role in (Role.AUDITOR, Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed(f"{role.label}不能出具文书", code="read_only_role")
        if role is Role.UNIT_STAFF and envelope.actor.unit != self.unit:
            raise NotAllowed(f"本行政调解由{self.unit}办理，{envelope.actor.unit}不能出具其文书", code="other_unit")

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        self.check_issuer(envelope)
        if issued.drawn_to_version != self.version:
            raise Conflict(f"文书依据第{issued.drawn_to_version}版制作，行政调解当前为第{self.version}版，请重新出具",
                           current_version=self.version)
        if len(issued.sha256) != 64:
            raise InvalidInput.one("sha256", "invalid", "文件摘要应为64位十六进制")
        self._document_issued(envelope=envelope, issued=issued, unit=self.unit)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: the mediation's, so the documents view scopes it without reading the mediation
        self.documents = (*self.documents, issued)

    # ------------------------------------------------------------------ reading

    @property
    def number(self) -> str | None:
        a = self.acceptance
        return str(a.number) if a is not None and a.number is not None else None

    def consented(self, party: int) -> Consent | None:
        return next((c for c in self.consents if c.party == party), None)

    def missing_consents(self) -> list[int]:
        return [p for p in range(len(self.parties)) if self.consented(p) is None]

    def require_every_consent(self) -> None:
        missing = self.missing_consents()
        if missing:
            names = "、".join(self.parties[p].name for p in missing)
            raise InvalidInput.one("consents", "consent_missing", f"须征得每一方当事人同意，{names}尚未同意调解")

    # ------------------------------------------------------------------ helpers

    def _check(self, envelope: Envelope, step: str, states: tuple[MediationState, ...] | None = None) -> None:
        _require_officer(envelope)
        if envelope.actor.unit != self.unit:
            raise NotAllowed(f"本行政调解由{self.unit}办理，{envelope.actor.unit}不能办理", code="other_unit")
        if self.state in CLOSED_STATES:
            raise WrongState(f"行政调解{self.state.label}，已结案，不能{step}", code="closed")
        if states is not None and self.state not in states:
            raise WrongState(f"行政调解{self.state.label}，不能{step}", code="wrong_state")
        if envelope.business_time < self.state_since:
            raise InvalidInput.one("business_time", "before_previous_step",
                                   f"办理时间早于上一环节（{self.state_since.isoformat(timespec='minutes')}）")

    def _check_party(self, field: str, party: int) -> None:
        if not 0 <= party < len(self.parties):
            raise InvalidInput.one(field, "unknown_party", "没有该当事人")

    def _advance(self, envelope: Envelope, state: MediationState) -> None:
        self.state = state
        self.state_since = envelope.business_time


def due_date(accepted_on: date, working_days: int, calendar: WorkCalendarView) -> date:
    """The last day of a period of ``working_days`` after the acceptance day
    (the day itself excluded; it ends at the end of the Nth working day)."""
    return calendar.add_working_days(accepted_on, working_days)[0]


def overdue(due_on: date | None, today: date) -> bool:
    """Overdue only after the due day has passed (the due day itself is in time)."""
    return due_on is not None and today > due_on


# ------------------------------------------------------------ the authority's period


class MediationDeadline(CopiedByContainers, Aggregate):
    """An authority's period for a mediation, from 受理 to 结案, in working days
    (where it sets one; seed 002 names none)."""

    @staticmethod
    def create_id(authority: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"mediation-deadline/{authority}")

    @classmethod
    def start(cls, envelope: Envelope, authority: str) -> MediationDeadline:
        return cls._create(cls.Started, id=cls.create_id(authority), envelope=envelope, authority=authority)

    @event("Started")
    def __init__(self, envelope: Envelope, authority: str) -> None:
        self.authority = authority
        self.working_days: int | None = None

    def set(self, envelope: Envelope, working_days: int | None) -> None:
        actor = envelope.actor
        if actor.role not in (Role.ADMINISTRATOR, Role.SYSTEM) and not (
                actor.role is Role.UNIT_STAFF and actor.unit == self.authority):
            raise NotAllowed(f"只有{self.authority}的执法人员或系统管理员可以设置其行政调解期限", code="not_allowed")
        if working_days is not None and not 1 <= working_days <= MAX_DEADLINE_DAYS:
            raise InvalidInput.one("working_days", "out_of_range", f"调解期限应为1至{MAX_DEADLINE_DAYS}个工作日")
        if working_days == self.working_days:
            raise InvalidInput.one("working_days", "unchanged", "调解期限没有变化")
        self._set(envelope=envelope, working_days=working_days)

    @event("Set")
    def _set(self, envelope: Envelope, working_days: int | None) -> None:
        self.working_days = working_days


# ----------------------------------------------- 第十五条: the right to apply for mediation


class MediationRightNotice(CopiedByContainers, Aggregate):
    """The notice of the right to apply for mediation and how (第十五条), given
    once for one source: a major enforcement decision declared, a complaint
    received, a booked 纠纷化解 service served, or daily enforcement."""

    @staticmethod
    def create_id(source: RightSource, ref: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"mediation-right/{source.value}/{ref.strip()}")

    @classmethod
    def give(cls, envelope: Envelope, *, source: RightSource, ref: str, party: str, given_on: date,
             method: NoticeMethod, content: str) -> MediationRightNotice:
        _require_officer(envelope, "登记调解权利告知")
        errors: list[FieldError] = []
        _collect(errors, lambda: _required("ref", ref, "告知事由（决定文号、投诉编号或案件）"))
        _collect(errors, lambda: _required("party", party, "被告知的当事人"))
        _collect(errors, lambda: _required("content", content, "告知的权利和途径"))
        if given_on > _day(envelope):
            errors.append(FieldError("given_on", "in_future", "告知日期晚于办理时间"))
        if errors:
            raise InvalidInput(errors)
        return cls(envelope=envelope, unit=envelope.actor.unit, source=source, ref=ref.strip(), party=party.strip(),
                   given_on=given_on, method=method, content=content.strip())

    @event("Given")
    def __init__(self, envelope: Envelope, unit: str, source: RightSource, ref: str, party: str, given_on: date,
                 method: NoticeMethod, content: str) -> None:
        self.unit = unit
        self.source = source
        self.ref = ref
        self.party = party
        self.given_on = given_on
        self.method = method
        self.content = content
        self.given_by = envelope.actor.name
