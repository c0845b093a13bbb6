"""The supervision network of seed 003 (皋司发〔2021〕15号 一–三): enterprise
contact points (企业联系点), invited supervisors (特邀行政执法监督员), the
pairing of 司法所 staff with enterprises (结对), and the reports the first two
make, filed by the 司法所 (立档建册) and forwarded to the 司法局.

Who does what: a town's (镇（街道）) 司法所 — its staff are unit staff of a
unit of kind 司法所 — nominates, pairs, records visits and files reports; the
司法局 (a supervisor) records the year's quotas (附件1), approves and plaques
contact points, appoints and renews supervisors, and adjusts or removes them.

A 司法所's ``OfficeRoster`` is the index of the enterprises and people it has
in the network: it counts the seats taken in each year's quota and refuses a
pairing with an enterprise that is a contact point or an invited
supervisor's employer (三: 不得重复), and the other way round. It changes in
the same atomic save as the record that joins or leaves, so two nominations
racing for the last seat cannot both win.

The module's import name and the class names are the stored topics: never
move them. Public methods decide; the ``@event`` methods only assign.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import FieldError, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.identifiers import validate_phone, validate_resident_id, validate_uscc
from ledger.inputs import blank
from ledger.network.values import (
    ActKind,
    ContactPointState,
    Enterprise,
    PairingState,
    ReportSource,
    SupervisorCategory,
    SupervisorState,
    Term,
    TownQuota,
    Visit,
    term_end,
)
from ledger.numbering import DEFAULT_NUMBER_FORMAT, LEDGER_NAMESPACE, FormCounter
from ledger.values import CST, Envelope, FormKind, Role, Struct

MAX_TEXT = 200
MAX_LONG_TEXT = 2000


class NetworkNotFound(NotFound):
    code = "network_record_not_found"


# ------------------------------------------------------------------ who may

def require_bureau(envelope: Envelope, what: str) -> None:
    """The 司法局's acts (its 行政执法协调监督科): a supervisor's."""
    if envelope.actor.role not in (Role.SUPERVISOR, Role.SYSTEM):
        raise NotAllowed(f"{what}由司法局执法监督人员办理", code="bureau_only")


def require_office(envelope: Envelope, office: str, what: str) -> None:
    """The 司法所's acts: its own staff's."""
    actor = envelope.actor
    if actor.role is Role.SYSTEM:
        return
    if actor.role is not Role.UNIT_STAFF or actor.unit != office:
        raise NotAllowed(f"{what}由{office}的工作人员办理", code="office_only")


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _text(field: str, value: str, label: str, errors: list[FieldError], limit: int = MAX_TEXT) -> None:
    if blank(value):
        errors.append(FieldError(field, "required", f"{label}不能为空"))
    elif len(value.strip()) > limit:
        errors.append(FieldError(field, "too_long", f"{label}不超过{limit}个字"))


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors)


def _collect(errors: list[FieldError], check, *args) -> str:  # type: ignore[no-untyped-def]
    try:
        return check(*args)
    except InvalidInput as e:
        errors.extend(e.errors)
        return ""


def name_key(name: str) -> str:
    """An enterprise's name as compared: without spaces, brackets half-width
    (如皋市（长江）化工有限公司 and 如皋市(长江)化工有限公司 are one firm)."""
    return re.sub(r"\s+", "", name or "").replace("（", "(").replace("）", ")")


def checked_enterprise(enterprise: Enterprise, field: str, errors: list[FieldError]) -> Enterprise:
    """附件2/附件4's fields, every problem appended to ``errors``; the
    enterprise as stored (trimmed, the USCC compacted, the phone in E.164)."""
    _text(f"{field}.name", enterprise.name, "企业名称", errors)
    _text(f"{field}.address", enterprise.address, "企业地址", errors)
    _text(f"{field}.legal_rep", enterprise.legal_rep, "法人代表", errors, 50)
    uscc = _collect(errors, validate_uscc, enterprise.uscc, f"{field}.uscc")
    phone = _collect(errors, validate_phone, enterprise.contact, f"{field}.contact")
    return Enterprise(name=enterprise.name.strip(), uscc=uscc, address=enterprise.address.strip(),
                      legal_rep=enterprise.legal_rep.strip(), contact=phone)


# ------------------------------------------------------------------ quotas

class NetworkQuota(CopiedByContainers, Aggregate):
    """One year's quotas (附件1): per town, its 司法所, the contact points and
    the invited supervisors by category. Recorded by the 司法局; revised when
    the numbers change (seats already taken stay taken)."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"network-quota/{year}")

    @classmethod
    def record(cls, envelope: Envelope, year: int, quotas: tuple[TownQuota, ...]) -> NetworkQuota:
        require_bureau(envelope, "名额分配")
        if not 2000 <= year <= 2100:
            raise InvalidInput.one("year", "bad_year", "年度应在2000至2100之间")
        return cls(envelope=envelope, year=year, quotas=_checked_quotas(quotas))

    @event("Recorded")
    def __init__(self, envelope: Envelope, year: int, quotas: tuple[TownQuota, ...]) -> None:
        self.year = year
        self.quotas = quotas

    def revise(self, envelope: Envelope, quotas: tuple[TownQuota, ...]) -> None:
        require_bureau(envelope, "名额分配")
        checked = _checked_quotas(quotas)
        if checked == self.quotas:
            raise InvalidInput.one("quotas", "unchanged", "名额分配没有变化")
        self._revised(envelope=envelope, year=self.year, quotas=checked)

    @event("Revised")
    def _revised(self, envelope: Envelope, year: int, quotas: tuple[TownQuota, ...]) -> None:
        self.quotas = quotas

    def of_office(self, office: str) -> TownQuota | None:
        return next((q for q in self.quotas if q.office == office), None)


def _checked_quotas(quotas: tuple[TownQuota, ...]) -> tuple[TownQuota, ...]:
    errors: list[FieldError] = []
    if not quotas:
        errors.append(FieldError("quotas", "required", "至少填写一个镇（街道）的名额"))
    towns: set[str] = set()
    offices: set[str] = set()
    out = []
    for i, q in enumerate(quotas):
        f = f"quotas[{i}]"
        _text(f"{f}.town", q.town, "镇（街道）", errors, 50)
        _text(f"{f}.office", q.office, "司法所", errors, 100)
        if q.town.strip() in towns:
            errors.append(FieldError(f"{f}.town", "duplicate", f"镇（街道）“{q.town}”重复"))
        if q.office.strip() in offices:
            errors.append(FieldError(f"{f}.office", "duplicate", f"{q.office}重复：每个镇（街道）一个司法所"))
        towns.add(q.town.strip())
        offices.add(q.office.strip())
        for name, label in (("contact_points", "企业联系点"), ("enterprise", "企业负责人或员工"),
                            ("deputy", "非公职市人大代表或政协委员"), ("counsel", "企业法律顾问")):
            value = getattr(q, name)
            if not 0 <= value <= 999:
                errors.append(FieldError(f"{f}.{name}", "bad_count", f"{label}名额应为0至999之间的整数"))
        out.append(TownQuota(town=q.town.strip(), office=q.office.strip(), contact_points=q.contact_points,
                             enterprise=q.enterprise, deputy=q.deputy, counsel=q.counsel))
    _raise(errors)
    return tuple(out)


# ------------------------------------------------------------------ the roster

CONTACT_POINT, SUPERVISOR, PAIRING = "contact_point", "supervisor", "pairing"


class Member(Struct):
    """One record of a 司法所 in the network: its kind, the year whose seat
    it holds (0: none — a pairing), the seat (``contact_point`` or a
    supervisor's category) and the enterprise it is about (a supervisor's
    employer), by USCC (may be empty for an employer) and name."""

    holder: UUID
    kind: str
    year: int
    seat: str
    uscc: str
    name: str


class OfficeRoster(CopiedByContainers, Aggregate):
    """A 司法所's members of the network (see the module's docstring)."""

    @staticmethod
    def create_id(office: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"network-roster/{office}")

    @event("Started")
    def __init__(self, envelope: Envelope, office: str) -> None:
        self.office = office
        self.members: dict[UUID, Member] = {}

    def seats_taken(self, year: int, seat: str, *, besides: UUID | None = None) -> int:
        return sum(1 for m in self.members.values() if m.year == year and m.seat == seat and m.holder != besides)

    def clash(self, kind: str, uscc: str, name: str, field: str, *, besides: UUID | None = None) -> FieldError | None:
        """Why an enterprise may not join as ``kind``: it is already a contact
        point (again, or paired), paired (as a contact point or a supervisor's
        employer), or a supervisor's employer (paired) — 三: 结对企业与企业联系点、
        特邀行政执法监督员所在企业不得重复."""
        key = name_key(name)
        for m in self.members.values():
            if m.holder == besides:
                continue
            same = (uscc and m.uscc == uscc) or (key and name_key(m.name) == key)
            if not same:
                continue
            if kind == PAIRING and m.kind == CONTACT_POINT:
                return FieldError(field, "overlaps_contact_point", f"“{m.name}”是企业联系点，结对企业与企业联系点不得重复")
            if kind == PAIRING and m.kind == SUPERVISOR:
                return FieldError(field, "overlaps_supervisor", f"“{m.name}”是特邀行政执法监督员所在企业，结对企业与其不得重复")
            if kind == PAIRING and m.kind == PAIRING:
                return FieldError(field, "already_paired", f"“{m.name}”已与本所人员结对")
            if m.kind == PAIRING:
                return FieldError(field, "overlaps_pairing", f"“{m.name}”是本所的结对企业，结对企业与企业联系点、特邀监督员所在企业不得重复")
            if kind == CONTACT_POINT and m.kind == CONTACT_POINT:
                return FieldError(field, "already_contact_point", f"“{m.name}”已是企业联系点")
        return None

    def join(self, envelope: Envelope, member: Member) -> None:
        self._joined(envelope=envelope, member=member)

    @event("Joined")
    def _joined(self, envelope: Envelope, member: Member) -> None:
        self.members = {**self.members, member.holder: member}

    def leave(self, envelope: Envelope, holder: UUID) -> None:
        if holder in self.members:
            self._left(envelope=envelope, holder=holder)

    @event("Left")
    def _left(self, envelope: Envelope, holder: UUID) -> None:
        self.members = {k: v for k, v in self.members.items() if k != holder}


def _quota_error(field: str, quota: TownQuota, year: int, label: str, allowed: int, taken: int) -> FieldError:
    return FieldError(field, "quota_exceeded",
                      f"{quota.town}{year}年度{label}名额为{allowed}个，已提名{taken}个，名额已满")


# ------------------------------------------------------------------ contact points

class ContactPoint(CopiedByContainers, Aggregate):
    """行政执法监督企业联系点 (seed 003 一, 附件2)."""

    @classmethod
    def nominate(cls, envelope: Envelope, year: int, quota: TownQuota, roster: OfficeRoster,
                 enterprise: Enterprise) -> ContactPoint:
        require_office(envelope, quota.office, "企业联系点的提名")
        errors: list[FieldError] = []
        firm = checked_enterprise(enterprise, "enterprise", errors)
        _raise(errors)
        clash = roster.clash(CONTACT_POINT, firm.uscc, firm.name, "enterprise.name")
        if clash:
            raise InvalidInput([clash])
        taken = roster.seats_taken(year, CONTACT_POINT)
        if taken >= quota.contact_points:
            raise InvalidInput([_quota_error("enterprise", quota, year, "企业联系点", quota.contact_points, taken)])
        point = cls(envelope=envelope, year=year, town=quota.town, office=quota.office, enterprise=firm)
        roster.join(envelope, Member(holder=point.id, kind=CONTACT_POINT, year=year, seat=CONTACT_POINT,
                                     uscc=firm.uscc, name=firm.name))
        return point

    @event("Nominated")
    def __init__(self, envelope: Envelope, year: int, town: str, office: str, enterprise: Enterprise) -> None:
        self.year = year
        self.town = town
        self.office = office
        self.enterprise = enterprise
        self.state = ContactPointState.NOMINATED
        self.nominated_on = _day(envelope)
        self.plaqued_on: date | None = None
        self.reason: str | None = None

    def plaque(self, envelope: Envelope, plaqued_on: date) -> None:
        """审核通过并挂牌 (then published)."""
        require_bureau(envelope, "企业联系点的审核挂牌")
        if self.state is not ContactPointState.NOMINATED:
            raise WrongState(f"企业联系点{self.state.label}，不能挂牌", code="not_nominated")
        if plaqued_on > _day(envelope):
            raise InvalidInput.one("plaqued_on", "in_future", "挂牌日期不能晚于今天")
        if plaqued_on < self.nominated_on:
            raise InvalidInput.one("plaqued_on", "before_nomination", f"挂牌日期早于提名日期（{self.nominated_on.isoformat()}）")
        self._plaqued(envelope=envelope, plaqued_on=plaqued_on)

    @event("Plaqued")
    def _plaqued(self, envelope: Envelope, plaqued_on: date) -> None:
        self.state = ContactPointState.PLAQUED
        self.plaqued_on = plaqued_on

    def reject(self, envelope: Envelope, reason: str, roster: OfficeRoster) -> None:
        require_bureau(envelope, "企业联系点的审核")
        if self.state is not ContactPointState.NOMINATED:
            raise WrongState(f"企业联系点{self.state.label}，不能退回", code="not_nominated")
        _reason(reason)
        self._rejected(envelope=envelope, reason=reason.strip())
        roster.leave(envelope, self.id)

    @event("Rejected")
    def _rejected(self, envelope: Envelope, reason: str) -> None:
        self.state = ContactPointState.REJECTED
        self.reason = reason

    def adjust(self, envelope: Envelope, enterprise: Enterprise, reason: str, roster: OfficeRoster) -> None:
        """动态调整: the enterprise's details changed (its address, its legal
        representative…), with the reason."""
        require_bureau(envelope, "企业联系点的动态调整")
        self._require_current("调整")
        errors: list[FieldError] = []
        firm = checked_enterprise(enterprise, "enterprise", errors)
        if blank(reason):
            errors.append(FieldError("reason", "required", "调整原因不能为空"))
        _raise(errors)
        if firm == self.enterprise:
            raise InvalidInput.one("enterprise", "unchanged", "企业信息没有变化")
        clash = roster.clash(CONTACT_POINT, firm.uscc, firm.name, "enterprise.name", besides=self.id)
        if clash:
            raise InvalidInput([clash])
        self._adjusted(envelope=envelope, enterprise=firm, reason=reason.strip())
        roster.join(envelope, Member(holder=self.id, kind=CONTACT_POINT, year=self.year, seat=CONTACT_POINT,
                                     uscc=firm.uscc, name=firm.name))

    @event("Adjusted")
    def _adjusted(self, envelope: Envelope, enterprise: Enterprise, reason: str) -> None:
        self.enterprise = enterprise
        self.reason = reason

    def remove(self, envelope: Envelope, reason: str, roster: OfficeRoster) -> None:
        """动态调整: no longer a contact point (its seat is free again)."""
        require_bureau(envelope, "企业联系点的撤销")
        self._require_current("撤销")
        _reason(reason)
        self._removed(envelope=envelope, reason=reason.strip())
        roster.leave(envelope, self.id)

    @event("Removed")
    def _removed(self, envelope: Envelope, reason: str) -> None:
        self.state = ContactPointState.REMOVED
        self.reason = reason

    def _require_current(self, what: str) -> None:
        if self.state not in (ContactPointState.NOMINATED, ContactPointState.PLAQUED):
            raise WrongState(f"企业联系点{self.state.label}，不能{what}", code="not_current")


def _reason(reason: str) -> None:
    if blank(reason) or len(reason.strip()) > MAX_LONG_TEXT:
        raise InvalidInput.one("reason", "required", f"原因不能为空，且不超过{MAX_LONG_TEXT}个字")


# ------------------------------------------------------------------ invited supervisors

def _mobile(value: str, field: str, errors: list[FieldError]) -> str:
    phone = _collect(errors, validate_phone, value, field)
    # 附件3 asks for a 手机号码: a mainland mobile is +86 and eleven digits from 1
    if phone and not re.fullmatch(r"\+861\d{10}", phone):
        errors.append(FieldError(field, "not_mobile", "手机号码应为11位大陆手机号"))
        return ""
    return phone


class InvitedSupervisor(CopiedByContainers, Aggregate):
    """特邀行政执法监督员 (seed 003 二, 附件3): nominated by a 司法所 within its
    town's quota for the category, appointed by the 司法局 with a numbered
    聘任书 for a one-year term, renewed term after term, or dismissed."""

    @classmethod
    def nominate(cls, envelope: Envelope, year: int, quota: TownQuota, roster: OfficeRoster, *,
                 category: SupervisorCategory, name: str, id_number: str, employer: str, employer_uscc: str,
                 mobile: str) -> InvitedSupervisor:
        require_office(envelope, quota.office, "特邀行政执法监督员的提名")
        errors: list[FieldError] = []
        _text("name", name, "姓名", errors, 50)
        rid = _collect(errors, validate_resident_id, id_number, _day(envelope), "id_number")
        _text("employer", employer, "所在单位", errors)
        uscc = _collect(errors, validate_uscc, employer_uscc, "employer_uscc") if not blank(employer_uscc) else ""
        phone = _mobile(mobile, "mobile", errors)
        _raise(errors)
        clash = roster.clash(SUPERVISOR, uscc, employer, "employer")
        if clash:
            raise InvalidInput([clash])
        allowed, taken = quota.supervisors(category), roster.seats_taken(year, category.value)
        if taken >= allowed:
            raise InvalidInput([_quota_error("category", quota, year, f"特邀监督员（{category.label}）", allowed, taken)])
        supervisor = cls(envelope=envelope, year=year, town=quota.town, office=quota.office, category=category,
                         name=name.strip(), id_number=rid, employer=employer.strip(), employer_uscc=uscc,
                         mobile=phone)
        roster.join(envelope, Member(holder=supervisor.id, kind=SUPERVISOR, year=year, seat=category.value,
                                     uscc=uscc, name=employer.strip()))
        return supervisor

    @event("Nominated")
    def __init__(self, envelope: Envelope, year: int, town: str, office: str, category: SupervisorCategory,
                 name: str, id_number: str, employer: str, employer_uscc: str, mobile: str) -> None:
        self.year = year
        self.town = town
        self.office = office
        self.category = category
        self.name = name
        self.id_number = id_number
        self.employer = employer
        self.employer_uscc = employer_uscc
        self.mobile = mobile
        self.nominated_on = _day(envelope)
        self.terms: tuple[Term, ...] = ()
        self.ended = False
        self.reason: str | None = None
        self.documents: tuple[IssuedDocument, ...] = ()

    @property
    def term(self) -> Term | None:
        return self.terms[-1] if self.terms else None

    def status_on(self, day: date) -> SupervisorState:
        if self.ended:
            return SupervisorState.ENDED
        if self.term is None:
            return SupervisorState.NOMINATED
        return SupervisorState.APPOINTED if day <= self.term.end else SupervisorState.EXPIRED

    def in_term_on(self, day: date) -> bool:
        return not self.ended and any(t.start <= day <= t.end for t in self.terms)

    def appoint(self, envelope: Envelope, counter: FormCounter, term_start: date,
                number_format: str = DEFAULT_NUMBER_FORMAT) -> Term:
        """聘任: the first term from ``term_start``, with its numbered 聘任书."""
        require_bureau(envelope, "特邀行政执法监督员的聘任")
        if self.status_on(_day(envelope)) is not SupervisorState.NOMINATED:
            raise WrongState("该监督员已聘任或已解聘", code="not_nominated")
        if term_start < self.nominated_on:
            raise InvalidInput.one("term_start", "before_nomination", f"聘期开始日期早于提名日期（{self.nominated_on.isoformat()}）")
        _letter_series(counter, envelope)
        term = Term(start=term_start, end=term_end(term_start), letter=counter.issue(envelope, self.id, number_format))
        self._appointed(envelope=envelope, term=term)
        return term

    @event("Appointed")
    def _appointed(self, envelope: Envelope, term: Term) -> None:
        self.terms = (*self.terms, term)

    def renew(self, envelope: Envelope, counter: FormCounter, number_format: str = DEFAULT_NUMBER_FORMAT) -> Term:
        """续聘: the next term, from the day after the current one ends, with a
        new 聘任书 — up to and including the term's last day; once it has
        passed, the supervisor has expired and is not renewed."""
        require_bureau(envelope, "特邀行政执法监督员的续聘")
        today = _day(envelope)
        state = self.status_on(today)
        if state is SupervisorState.EXPIRED and self.term is not None:
            raise InvalidInput.one("supervisor_id", "term_expired",
                                   f"聘期已于{self.term.end.isoformat()}届满，不能续聘（可重新提名）")
        if state is not SupervisorState.APPOINTED or self.term is None:
            raise WrongState(f"该监督员{state.label}，不能续聘", code="not_appointed")
        if today < self.term.start:
            raise InvalidInput.one("supervisor_id", "term_not_started", "本届聘期尚未开始，不能续聘")
        _letter_series(counter, envelope)
        start = date.fromordinal(self.term.end.toordinal() + 1)
        term = Term(start=start, end=term_end(start), letter=counter.issue(envelope, self.id, number_format))
        self._renewed(envelope=envelope, term=term)
        return term

    @event("Renewed")
    def _renewed(self, envelope: Envelope, term: Term) -> None:
        self.terms = (*self.terms, term)

    def dismiss(self, envelope: Envelope, reason: str, roster: OfficeRoster) -> None:
        """不予聘任 or 解聘, with the reason (the seat is free again)."""
        require_bureau(envelope, "特邀行政执法监督员的解聘")
        if self.ended:
            raise WrongState("该监督员已解聘", code="already_ended")
        _reason(reason)
        self._dismissed(envelope=envelope, reason=reason.strip())
        roster.leave(envelope, self.id)

    @event("Dismissed")
    def _dismissed(self, envelope: Envelope, reason: str) -> None:
        self.ended = True
        self.reason = reason

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """The 聘任书 of one of the terms printed (``ledger.documents.network_papers``):
        the 司法局 issues it (由司法局统一发放); a dismissed supervisor's is no longer issued."""
        require_bureau(envelope, "聘任书")
        if self.ended:
            raise WrongState("该监督员已解聘，不再出具聘任书", code="already_ended")
        if not self.terms:
            raise WrongState("该监督员尚未聘任，没有聘任书", code="not_appointed")
        self._document_issued(envelope=envelope, issued=issued, unit=self.office)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: the supervisor's 司法所, by which the documents view scopes the issue
        # (its staff may verify the letter they hand over)
        self.documents = (*self.documents, issued)


def _letter_series(counter: FormCounter, envelope: Envelope) -> None:
    if (counter.unit != envelope.actor.unit or counter.kind is not FormKind.APPOINTMENT_LETTER
            or counter.year != _day(envelope).year):
        raise InvalidInput.one("number", "wrong_series", "聘任书须由本单位按年度编号")


# ------------------------------------------------------------------ pairings

class Pairing(CopiedByContainers, Aggregate):
    """结对 (seed 003 三, 附件4): one of a 司法所's staff with one enterprise,
    its visits and the legal needs collected (法治需求)."""

    @classmethod
    def pair(cls, envelope: Envelope, roster: OfficeRoster, *, staff_id: str, staff_name: str, staff_unit: str,
             enterprise: Enterprise) -> Pairing:
        office = roster.office
        require_office(envelope, office, "结对")
        errors: list[FieldError] = []
        if staff_unit != office:
            errors.append(FieldError("staff", "not_office_staff", f"{staff_name}不是{office}的工作人员"))
        firm = checked_enterprise(enterprise, "enterprise", errors)
        _raise(errors)
        clash = roster.clash(PAIRING, firm.uscc, firm.name, "enterprise.name")
        if clash:
            raise InvalidInput([clash])
        pairing = cls(envelope=envelope, office=office, staff_id=staff_id, staff_name=staff_name, enterprise=firm)
        roster.join(envelope, Member(holder=pairing.id, kind=PAIRING, year=0, seat="", uscc=firm.uscc, name=firm.name))
        return pairing

    @event("Paired")
    def __init__(self, envelope: Envelope, office: str, staff_id: str, staff_name: str, enterprise: Enterprise) -> None:
        self.office = office
        self.staff_id = staff_id
        self.staff_name = staff_name
        self.enterprise = enterprise
        self.paired_on = _day(envelope)
        self.state = PairingState.ACTIVE
        self.visits: tuple[Visit, ...] = ()
        self.reason: str | None = None

    def record_visit(self, envelope: Envelope, visit: Visit) -> None:
        require_office(envelope, self.office, "走访记录")
        if self.state is not PairingState.ACTIVE:
            raise WrongState("结对已解除", code="pairing_ended")
        errors: list[FieldError] = []
        if visit.visited_on > _day(envelope):
            errors.append(FieldError("visit.visited_on", "in_future", "走访日期不能晚于今天"))
        elif visit.visited_on < self.paired_on:
            errors.append(FieldError("visit.visited_on", "before_pairing", f"走访日期早于结对日期（{self.paired_on.isoformat()}）"))
        _text("visit.summary", visit.summary, "走访情况", errors, MAX_LONG_TEXT)
        for i, need in enumerate(visit.needs):
            _text(f"visit.needs[{i}]", need, "法治需求", errors, MAX_TEXT)
        _raise(errors)
        self._visited(envelope=envelope, visit=Visit(visited_on=visit.visited_on, summary=visit.summary.strip(),
                                                     needs=tuple(n.strip() for n in visit.needs)))

    @event("Visited")
    def _visited(self, envelope: Envelope, visit: Visit) -> None:
        self.visits = (*self.visits, visit)

    def end(self, envelope: Envelope, reason: str, roster: OfficeRoster) -> None:
        require_office(envelope, self.office, "解除结对")
        if self.state is not PairingState.ACTIVE:
            raise WrongState("结对已解除", code="pairing_ended")
        _reason(reason)
        self._ended(envelope=envelope, reason=reason.strip())
        roster.leave(envelope, self.id)

    @event("Ended")
    def _ended(self, envelope: Envelope, reason: str) -> None:
        self.state = PairingState.ENDED
        self.reason = reason


# ------------------------------------------------------------------ reports

class NetworkReport(CopiedByContainers, Aggregate):
    """A contact point's or an invited supervisor's report — on an
    enforcement act (行政许可/处罚/强制/征收/检查: the unit concerned, what
    happened) or an opinion or suggestion — filed by the 司法所 (立档建册) and
    forwarded to the 司法局 (及时向司法局反馈)."""

    @classmethod
    def file(cls, envelope: Envelope, source: ContactPoint | InvitedSupervisor, *, received_on: date,
             act_kind: ActKind, unit_concerned: str, happened: str, suggestion: str) -> NetworkReport:
        require_office(envelope, source.office, "情况的立档建册")
        if isinstance(source, ContactPoint):
            kind, name = ReportSource.CONTACT_POINT, source.enterprise.name
            if source.state is not ContactPointState.PLAQUED or (source.plaqued_on and received_on < source.plaqued_on):
                raise InvalidInput.one("source_id", "not_a_contact_point",
                                       f"“{name}”在{received_on.isoformat()}不是已挂牌的企业联系点")
        else:
            kind, name = ReportSource.SUPERVISOR, source.name
            if not source.in_term_on(received_on):
                term = source.term
                why = (f"聘期已于{term.end.isoformat()}届满" if term is not None and received_on > term.end and not source.ended
                       else "不在聘期内")
                raise InvalidInput.one("source_id", "supervisor_not_in_term",
                                       f"特邀监督员{name}{received_on.isoformat()}{why}，不能再报送情况")
        errors: list[FieldError] = []
        if received_on > _day(envelope):
            errors.append(FieldError("received_on", "in_future", "收到日期不能晚于今天"))
        if act_kind is not ActKind.OTHER:
            _text("unit_concerned", unit_concerned, "涉及的执法单位", errors)
        _text("happened", happened, "反映的情况", errors, MAX_LONG_TEXT)
        if len(suggestion or "") > MAX_LONG_TEXT:
            errors.append(FieldError("suggestion", "too_long", f"意见建议不超过{MAX_LONG_TEXT}个字"))
        _raise(errors)
        return cls(envelope=envelope, source=kind, source_id=source.id, source_name=name, office=source.office,
                   town=source.town, received_on=received_on, act_kind=act_kind,
                   unit_concerned=(unit_concerned or "").strip(), happened=happened.strip(),
                   suggestion=(suggestion or "").strip())

    @event("Filed")
    def __init__(self, envelope: Envelope, source: ReportSource, source_id: UUID, source_name: str, office: str,
                 town: str, received_on: date, act_kind: ActKind, unit_concerned: str, happened: str,
                 suggestion: str) -> None:
        self.source = source
        self.source_id = source_id
        self.source_name = source_name
        self.office = office
        self.town = town
        self.received_on = received_on
        self.act_kind = act_kind
        self.unit_concerned = unit_concerned
        self.happened = happened
        self.suggestion = suggestion
        self.filed_on = _day(envelope)
        self.forwarded_on: date | None = None

    def forward(self, envelope: Envelope) -> None:
        require_office(envelope, self.office, "向司法局反馈")
        if self.forwarded_on is not None:
            raise WrongState(f"已于{self.forwarded_on.isoformat()}反馈司法局", code="already_forwarded")
        self._forwarded(envelope=envelope, forwarded_on=_day(envelope))

    @event("Forwarded")
    def _forwarded(self, envelope: Envelope, forwarded_on: date) -> None:
        self.forwarded_on = forwarded_on
