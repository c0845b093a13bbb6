"""Legal review before major enforcement decisions (重大行政执法决定法制审核,
seed 003 七) and credit-repair guidance after a penalty (信用修复, seed 003 十).

- ``ReviewThreshold``: what a "large fine" (较大数额罚款) is for one authority,
  per party kind; recorded by the administrator or the supervision
  department. Without one, ``values.DEFAULT_*`` apply.
- ``LegalReview``: an enforcement unit's request to review one draft
  decision, in rounds. A reviewer of the same unit who is neither the
  requester nor one of the case officers passes it, passes it with changes or
  fails it, with reasons; after a fail (or changes) the unit resubmits, a new
  round citing the previous one. A passed review is cited (``Cited``) by the
  one decision made on it — ``ledger.supervision.MajorDecisionFiling.declare``
  and a major reversal of a case (``ledger.case``) cannot be recorded without
  (未经审核或者审核未通过的，不得作出执法决定).
- ``CreditRepair``: a firm's request for guidance on repairing its credit
  record after a penalty, the guidance given and the outcome.

Public methods decide; ``@event`` methods only assign. This module's name and
its classes are stored topics: never move them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import FieldError, InvalidInput, NotAllowed, WrongState
from ledger.identifiers import validate_uscc
from ledger.inputs import blank, money_problem
from ledger.legal_review.values import (
    CITABLE,
    DEFAULT_INDIVIDUAL_YUAN,
    DEFAULT_ORGANISATION_YUAN,
    DEFAULT_SOURCE,
    RESUBMITTABLE,
    DraftDecision,
    MajorKind,
    PartyKind,
    RepairOutcome,
    RepairState,
    ReviewOutcome,
    ReviewRound,
    ReviewState,
)
from ledger.numbering import DEFAULT_NUMBER_FORMAT, LEDGER_NAMESPACE, FormCounter
from ledger.values import CST, Envelope, FormKind, FormNumber, Person, Role

# a unit that has not set a format of its own for the series numbers its reviews so
LEGAL_REVIEW_FORMAT = "法审〔{year}〕{seq}号"


def review_number_format(unit_format: str) -> str:
    """The unit's pattern for 法制审核, or 法审〔{year}〕{seq}号 when it has none."""
    return LEGAL_REVIEW_FORMAT if unit_format == DEFAULT_NUMBER_FORMAT else unit_format

MAX_TEXT = 4000


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _text(errors: list[FieldError], field: str, value: str, label: str) -> str:
    if blank(value):
        errors.append(FieldError(field, "required", f"{label}不能为空"))
        return ""
    if len(value.strip()) > MAX_TEXT:
        errors.append(FieldError(field, "too_long", f"{label}不超过{MAX_TEXT}字"))
        return ""
    return value.strip()


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(errors)


def _require_unit_staff(envelope: Envelope, unit: str, what: str) -> None:
    if envelope.actor.role is not Role.UNIT_STAFF or envelope.actor.unit != unit:
        raise NotAllowed(f"只有{unit}的执法人员可以{what}", code="issuing_unit_only")


# ----------------------------------------------------------------- threshold


class ReviewThreshold(CopiedByContainers, Aggregate):
    """较大数额罚款的标准 of one authority (the fines that must be reviewed)."""

    @staticmethod
    def create_id(unit: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"legal-review-threshold/{unit}")

    @classmethod
    def start(cls, envelope: Envelope, unit: str) -> ReviewThreshold:
        return cls._create(cls.Started, id=cls.create_id(unit), envelope=envelope, unit=unit)

    @event("Started")
    def __init__(self, envelope: Envelope, unit: str) -> None:
        self.unit = unit
        self.individual_yuan = DEFAULT_INDIVIDUAL_YUAN
        self.organisation_yuan = DEFAULT_ORGANISATION_YUAN
        self.source = DEFAULT_SOURCE

    def set(self, envelope: Envelope, individual_yuan: Decimal, organisation_yuan: Decimal, source: str) -> None:
        """设定: by the administrator or the supervision department, citing where the standard comes from."""
        if envelope.actor.role not in (Role.ADMINISTRATOR, Role.SUPERVISOR):
            raise NotAllowed("较大数额罚款标准由系统管理员或执法监督部门设定", code="threshold_setter_only")
        errors: list[FieldError] = []
        for field, amount in (("individual_yuan", individual_yuan), ("organisation_yuan", organisation_yuan)):
            problem = money_problem(amount)
            if problem is not None:
                errors.append(FieldError(field, *problem))
            elif amount <= 0:
                errors.append(FieldError(field, "not_positive", "标准金额应大于0"))
        source = _text(errors, "source", source, "标准依据（文件名称、文号）")
        _raise(errors)
        self._set(envelope=envelope, individual_yuan=individual_yuan, organisation_yuan=organisation_yuan, source=source)

    @event("Set")
    def _set(self, envelope: Envelope, individual_yuan: Decimal, organisation_yuan: Decimal, source: str) -> None:
        self.individual_yuan = individual_yuan
        self.organisation_yuan = organisation_yuan
        self.source = source

    def for_party(self, kind: PartyKind) -> Decimal:
        return self.individual_yuan if kind is PartyKind.INDIVIDUAL else self.organisation_yuan


def threshold_for(threshold: ReviewThreshold | None, kind: PartyKind) -> Decimal:
    """The authority's standard, or the default when it recorded none."""
    if threshold is not None:
        return threshold.for_party(kind)
    return DEFAULT_INDIVIDUAL_YUAN if kind is PartyKind.INDIVIDUAL else DEFAULT_ORGANISATION_YUAN


def review_required(draft: DraftDecision, threshold: Decimal) -> bool:
    """Seed 003 七: every 责令停产停业 and 暂扣/吊销 needs review; a fine only from the threshold up."""
    if draft.kind is not MajorKind.FINE:
        return True
    return draft.amount_yuan is not None and draft.amount_yuan >= threshold


def checked_draft(draft: DraftDecision, prefix: str = "draft.") -> DraftDecision:
    """The draft with its texts trimmed, or every field's error at once."""
    errors: list[FieldError] = []
    party = _text(errors, f"{prefix}party", draft.party, "当事人")
    code = (draft.party_code or "").strip()
    if draft.party_kind is PartyKind.ORGANISATION:
        if not code:
            errors.append(FieldError(f"{prefix}party_code", "required", "法人或者其他组织须填写统一社会信用代码"))
        else:
            try:
                code = validate_uscc(code, f"{prefix}party_code")
            except InvalidInput as e:
                errors += e.errors
    facts = _text(errors, f"{prefix}facts", draft.facts, "违法事实")
    basis = _text(errors, f"{prefix}legal_basis", draft.legal_basis, "法律依据")
    proposed = _text(errors, f"{prefix}proposed", draft.proposed, "拟作出的决定")
    amount = draft.amount_yuan
    if draft.kind is MajorKind.FINE:
        if amount is None:
            errors.append(FieldError(f"{prefix}amount_yuan", "required", "罚款须填写拟罚款金额"))
        elif (problem := money_problem(amount)) is not None:
            errors.append(FieldError(f"{prefix}amount_yuan", *problem))
        elif amount <= 0:
            errors.append(FieldError(f"{prefix}amount_yuan", "not_positive", "拟罚款金额应大于0"))
    elif amount is not None and (problem := money_problem(amount)) is not None:
        errors.append(FieldError(f"{prefix}amount_yuan", *problem))  # a fine alongside the order, if any
    _raise(errors)
    return DraftDecision(party=party, party_kind=draft.party_kind, facts=facts, legal_basis=basis, proposed=proposed,
                         kind=draft.kind, amount_yuan=amount, party_code=code)


# -------------------------------------------------------------------- review


class LegalReview(CopiedByContainers, Aggregate):
    """法制审核 of one draft major decision, in rounds."""

    @classmethod
    def request(
        cls,
        envelope: Envelope,
        *,
        id: UUID,
        draft: DraftDecision,
        officers: tuple[Person, ...],
        threshold: Decimal,
        case_id: UUID | None = None,
    ) -> LegalReview:
        """申请法制审核: by the unit's staff, with the draft. A fine below the
        unit's threshold may be reviewed too; it is then marked not required."""
        unit = envelope.actor.unit
        _require_unit_staff(envelope, unit, "申请本单位执法决定的法制审核")
        errors: list[FieldError] = []
        try:
            draft = checked_draft(draft)
        except InvalidInput as e:
            errors += e.errors
        cleaned = []
        for i, officer in enumerate(officers):
            if blank(officer.id) or blank(officer.name):
                errors.append(FieldError(f"officers[{i}]", "required", "承办人员须填写编号和姓名"))
            else:
                cleaned.append(Person(id=officer.id.strip(), name=officer.name.strip()))
        _raise(errors)
        if envelope.actor.id not in {p.id for p in cleaned}:  # the requester is an officer of the case
            cleaned.insert(0, Person(id=envelope.actor.id, name=envelope.actor.name))
        return cls._create(
            cls.Requested,
            id=id,
            envelope=envelope,
            unit=unit,
            draft=draft,
            officers=tuple(cleaned),
            case_id=case_id,
            threshold_yuan=threshold,
            required=review_required(draft, threshold),
        )

    @event("Requested")
    def __init__(
        self,
        envelope: Envelope,
        unit: str,
        draft: DraftDecision,
        officers: tuple[Person, ...],
        case_id: UUID | None,
        threshold_yuan: Decimal,
        required: bool,
    ) -> None:
        self.unit = unit
        self.officers = officers
        self.case_id = case_id
        self.required = required
        self.state = ReviewState.PENDING
        self.rounds: tuple[ReviewRound, ...] = (ReviewRound(number=1, draft=draft, requested_by=envelope.actor.id),)
        self.cited_by: str | None = None
        self.number: FormNumber | None = None  # 法审〔2026〕3号: ``Numbered`` (reviews before it had none)

    def give_number(self, envelope: Envelope, counter: FormCounter, number_format: str = LEGAL_REVIEW_FORMAT) -> FormNumber:
        """The review's short number in its unit's 法制审核 series, given once on
        request (in the same save): pages and decisions cite it instead of the id."""
        if self.number is not None:
            raise WrongState(f"该法制审核已编号为{self.number}", code="already_numbered")
        if counter.unit != self.unit or counter.kind is not FormKind.LEGAL_REVIEW:
            raise InvalidInput.one("number", "wrong_series", "法制审核须由送审单位按年度编号")
        number = counter.issue(envelope, self.id, number_format)
        self._numbered(envelope=envelope, number=number)
        return number

    @event("Numbered")
    def _numbered(self, envelope: Envelope, number: FormNumber) -> None:
        self.number = number

    @property
    def label(self) -> str:
        """How a page names the review: its number, or (before numbers) a short id."""
        return str(self.number) if self.number is not None else f"法制审核{str(self.id)[:8]}"

    @property
    def current(self) -> ReviewRound:
        return self.rounds[-1]

    def review(self, envelope: Envelope, outcome: ReviewOutcome, opinion: str, changes: str = "") -> None:
        """审核: by another of the unit's staff, never the case's officers."""
        _require_unit_staff(envelope, self.unit, "审核本单位的执法决定")
        if self.state is not ReviewState.PENDING:
            raise WrongState(f"该审核{self.state.label}，没有待审核的送审稿", code="wrong_state")
        officers = {p.id for p in self.officers} | {r.requested_by for r in self.rounds}
        if envelope.actor.id in officers:
            raise InvalidInput.one("reviewer", "own_case", "法制审核人员不能审核自己承办的案件（申请人或承办人员）")
        errors: list[FieldError] = []
        opinion = _text(errors, "opinion", opinion, "审核意见（理由）")
        if outcome is ReviewOutcome.PASSED_WITH_CHANGES:
            changes = _text(errors, "changes", changes, "修改意见")
        else:
            changes = changes.strip()
        _raise(errors)
        self._reviewed(envelope=envelope, round=self.current.number, outcome=outcome, opinion=opinion,
                       changes=changes)

    @event("Reviewed")
    def _reviewed(self, envelope: Envelope, round: int, outcome: ReviewOutcome, opinion: str, changes: str) -> None:
        last = self.rounds[-1]
        self.rounds = (*self.rounds[:-1], ReviewRound(number=last.number, draft=last.draft, requested_by=last.requested_by,
                                                        outcome=outcome, reviewer_id=envelope.actor.id))
        self.state = ReviewState(outcome.value)

    def resubmit(self, envelope: Envelope, draft: DraftDecision, response: str) -> None:
        """重新送审 after a fail or changes: a new round citing the previous one."""
        _require_unit_staff(envelope, self.unit, "重新送审本单位的执法决定")
        if self.cited_by is not None:
            raise WrongState(f"该审核已被{self.cited_by}引用，不能重新送审", code="already_cited")
        if self.state not in RESUBMITTABLE:
            raise WrongState(f"该审核{self.state.label}，不能重新送审", code="wrong_state")
        errors: list[FieldError] = []
        try:
            draft = checked_draft(draft)
        except InvalidInput as e:
            errors += e.errors
        response = _text(errors, "response", response, "对审核意见的处理说明")
        _raise(errors)
        self._resubmitted(envelope=envelope, round=self.current.number + 1, previous_round=self.current.number,
                          draft=draft, response=response)

    @event("Resubmitted")
    def _resubmitted(self, envelope: Envelope, round: int, previous_round: int, draft: DraftDecision,
                     response: str) -> None:
        self.rounds = (*self.rounds, ReviewRound(number=round, draft=draft, requested_by=envelope.actor.id))
        self.state = ReviewState.PENDING

    def check_citable(self, unit: str, field: str, decision_number: str | None = None) -> None:
        """Whether a decision of ``unit`` may be made on this review (nothing
        changes); the decision that already cites it may cite it again."""
        if self.unit != unit:
            raise InvalidInput.one(field, "other_unit", f"该法制审核属于{self.unit}，不能用于本单位的决定")
        if self.state not in CITABLE:
            raise InvalidInput.one(field, "not_passed", f"法制审核{self.state.label}，未经审核或者审核未通过的，不得作出决定")
        if self.cited_by is not None and self.cited_by != (decision_number or "").strip():
            raise InvalidInput.one(field, "already_cited", f"该法制审核已用于决定{self.cited_by}")

    def cite(self, envelope: Envelope, decision_number: str, field: str = "legal_review_id") -> None:
        """The decision made on this review (one review, one decision)."""
        self.check_citable(envelope.actor.unit, field, decision_number)
        if self.cited_by != decision_number.strip():
            self._cited(envelope=envelope, decision_number=decision_number.strip())

    @event("Cited")
    def _cited(self, envelope: Envelope, decision_number: str) -> None:
        self.cited_by = decision_number


def require_review(review: LegalReview | None, field: str = "legal_review_id") -> LegalReview:
    """A major decision names its review (未经审核的，不得作出)."""
    if review is None:
        raise InvalidInput.one(field, "legal_review_required",
                               "重大执法决定须先经法制审核：请填写审核通过的法制审核编号，未经审核或者审核未通过的，不得作出")
    return review


# -------------------------------------------------------------- credit repair


class CreditRepair(CopiedByContainers, Aggregate):
    """信用修复指导: a firm's request after a penalty, the guidance, the outcome."""

    @classmethod
    def request(
        cls,
        envelope: Envelope,
        *,
        id: UUID,
        firm: str,
        uscc: str,
        decision_number: str,
        requested_on: date,
        request: str,
    ) -> CreditRepair:
        """受理: recorded by the staff of the unit that imposed the penalty."""
        unit = envelope.actor.unit
        _require_unit_staff(envelope, unit, "受理本单位处罚决定的信用修复指导申请")
        errors: list[FieldError] = []
        firm = _text(errors, "firm", firm, "企业名称")
        try:
            code = validate_uscc(uscc, "uscc")
        except InvalidInput as e:
            errors += e.errors
            code = ""
        number = _text(errors, "decision_number", decision_number, "行政处罚决定书文号")
        text = _text(errors, "request", request, "申请事项")
        if requested_on > _day(envelope):
            errors.append(FieldError("requested_on", "in_future", "申请日期晚于今天"))
        _raise(errors)
        return cls._create(cls.Requested, id=id, envelope=envelope, unit=unit, firm=firm, uscc=code, decision_number=number,
                   requested_on=requested_on, request=text)

    @event("Requested")
    def __init__(self, envelope: Envelope, unit: str, firm: str, uscc: str, decision_number: str,
                 requested_on: date, request: str) -> None:
        self.unit = unit
        self.firm = firm
        self.uscc = uscc
        self.decision_number = decision_number
        self.requested_on = requested_on
        self.state = RepairState.REQUESTED
        self.guidance = 0

    def guide(self, envelope: Envelope, given_on: date, officer: Person, content: str) -> None:
        """指导企业提出信用修复书面申请 (may be given more than once)."""
        _require_unit_staff(envelope, self.unit, "指导信用修复")
        if self.state not in (RepairState.REQUESTED, RepairState.GUIDED):
            raise WrongState(f"该申请{self.state.label}，不能再记录指导", code="wrong_state")
        errors: list[FieldError] = []
        if blank(officer.id) or blank(officer.name):
            errors.append(FieldError("officer", "required", "须填写指导人员"))
        content = _text(errors, "content", content, "指导内容")
        if given_on < self.requested_on:
            errors.append(FieldError("given_on", "before_request", "指导日期早于申请日期"))
        elif given_on > _day(envelope):
            errors.append(FieldError("given_on", "in_future", "指导日期晚于今天"))
        _raise(errors)
        self._guided(envelope=envelope, given_on=given_on, officer=Person(id=officer.id.strip(), name=officer.name.strip()),
                     content=content)

    @event("Guided")
    def _guided(self, envelope: Envelope, given_on: date, officer: Person, content: str) -> None:
        self.state = RepairState.GUIDED
        self.guidance += 1

    def conclude(self, envelope: Envelope, outcome: RepairOutcome, concluded_on: date, reason: str) -> None:
        """办结: repaired (after guidance), not eligible (with the reason) or withdrawn."""
        _require_unit_staff(envelope, self.unit, "办结信用修复指导")
        if self.state not in (RepairState.REQUESTED, RepairState.GUIDED):
            raise WrongState(f"该申请{self.state.label}，不能再办结", code="wrong_state")
        errors: list[FieldError] = []
        if outcome is RepairOutcome.REPAIRED and self.state is not RepairState.GUIDED:
            errors.append(FieldError("outcome", "not_guided", "尚未记录指导，不能登记为已修复"))
        if outcome is RepairOutcome.NOT_ELIGIBLE:
            reason = _text(errors, "reason", reason, "不符合修复条件的理由")
        else:
            reason = reason.strip()
        if concluded_on < self.requested_on:
            errors.append(FieldError("concluded_on", "before_request", "办结日期早于申请日期"))
        elif concluded_on > _day(envelope):
            errors.append(FieldError("concluded_on", "in_future", "办结日期晚于今天"))
        _raise(errors)
        self._concluded(envelope=envelope, outcome=outcome, concluded_on=concluded_on, reason=reason)

    @event("Concluded")
    def _concluded(self, envelope: Envelope, outcome: RepairOutcome, concluded_on: date, reason: str) -> None:
        self.state = RepairState(outcome.value)
