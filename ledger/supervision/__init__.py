"""Supervision (执法监督, seed 003): reviewing every reversed penalty, and the
15-day filing of major penalty decisions (§七).

- ``ReversalReview``: opened in the same atomic save as every
  ``PenaltyRevoked``/``PenaltyRemade``; a supervisor confirms it, or objects
  with a numbered 行政执法监督问题整改建议书 that the issuing unit must answer;
  the supervisor then confirms or objects again.
- ``MajorDecisionFiling``: a major penalty decision must be filed (备案) within
  15 days of being made; opened by a major reversal or declared by the unit,
  either only on a passed legal review (``ledger.legal_review.LegalReview``,
  cited in the same save); once filed, the supervisor's 备案审查 finds it in
  order or finds problems that call for a 整改建议书.
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.inputs import blank
from ledger.legal_review import LegalReview, require_review
from ledger.legal_review.values import FilingReviewOutcome
from ledger.numbering import LEDGER_NAMESPACE, FormCounter
from ledger.values import CST, Envelope, FormNumber, LabelledEnum, Role
from ledger.workdays import WorkCalendarView

FILING_DAYS = 15  # 作出之日起15日内 (calendar days: 行政处罚法 Art. 85 makes only 2/3/5/7日 working days)


class ReviewStatus(LabelledEnum):
    PENDING = "pending", "待审查"
    OBJECTED = "objected", "已发整改建议书，待单位答复"
    ANSWERED = "answered", "单位已答复，待复核"
    CONFIRMED = "confirmed", "审查通过"


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _text(field: str, value: str, label: str) -> str:
    if blank(value):
        raise InvalidInput.one(field, "required", f"{label}不能为空")
    return value.strip()


def _require_supervisor(envelope: Envelope) -> None:
    if envelope.actor.role is not Role.SUPERVISOR:
        raise NotAllowed(f"{envelope.actor.role.label}不能审查撤销或重新作出的处罚决定，应由执法监督人员办理", code="supervisor_only")


def _require_unit_staff_of(envelope: Envelope, unit: str, what: str) -> None:
    if envelope.actor.role is not Role.UNIT_STAFF or envelope.actor.unit != unit:
        raise NotAllowed(f"只有{unit}的执法人员可以{what}", code="issuing_unit_only")


def filing_due(decided_on: date, calendar: WorkCalendarView) -> date:
    """The last day to file: 15 days after the decision (the day itself not
    counted); a last day that is a rest day moves to the next working day
    (the general rule on periods, 民法典 Art. 203)."""
    due = decided_on + timedelta(days=FILING_DAYS)
    while not calendar.is_workday(due):
        due += timedelta(days=1)
    return due


class ReversalReview(CopiedByContainers, Aggregate):
    """The supervision review of one reversed penalty decision."""

    @staticmethod
    def create_id(case_id: UUID, decision_number: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"reversal-review/{case_id}/{decision_number}")

    @event("Opened")
    def __init__(self, envelope: Envelope, case_id: UUID, case_version: int, decision_number: str, issuing_unit: str) -> None:
        self.case_id = case_id
        self.case_version = case_version
        self.decision_number = decision_number
        self.issuing_unit = issuing_unit
        self.status = ReviewStatus.PENDING
        self.letters: tuple[FormNumber, ...] = ()
        self.reply_due: date | None = None

    def confirm(self, envelope: Envelope, comment: str) -> None:
        """审查通过."""
        _require_supervisor(envelope)
        if self.status not in (ReviewStatus.PENDING, ReviewStatus.ANSWERED):
            raise WrongState(f"审查状态为“{self.status.label}”，不能确认", code="wrong_state")
        self._confirmed(envelope=envelope, comment=comment.strip())

    @event("Confirmed")
    def _confirmed(self, envelope: Envelope, comment: str) -> None:
        self.status = ReviewStatus.CONFIRMED

    def object(self, envelope: Envelope, counter: FormCounter, problems: str, suggestions: str, reply_due: date) -> FormNumber:
        """制发《行政执法监督问题整改建议书》: numbered per supervising unit and year."""
        _require_supervisor(envelope)
        if self.status not in (ReviewStatus.PENDING, ReviewStatus.ANSWERED):
            raise WrongState(f"审查状态为“{self.status.label}”，不能再发整改建议书", code="wrong_state")
        problems = _text("problems", problems, "存在的问题")
        suggestions = _text("suggestions", suggestions, "整改建议")
        if reply_due <= _day(envelope):
            raise InvalidInput.one("reply_due", "not_in_future", "答复期限应晚于今天")
        letter = counter.issue(envelope, self.id)
        self._objected(envelope=envelope, letter=letter, problems=problems, suggestions=suggestions, reply_due=reply_due)
        return letter

    @event("Objected")
    def _objected(self, envelope: Envelope, letter: FormNumber, problems: str, suggestions: str, reply_due: date) -> None:
        self.status = ReviewStatus.OBJECTED
        self.letters = (*self.letters, letter)
        self.reply_due = reply_due

    def answer(self, envelope: Envelope, reply: str, measures: str) -> None:
        """The issuing unit answers the letter (整改情况)."""
        _require_unit_staff_of(envelope, self.issuing_unit, "答复整改建议书")
        if self.status is not ReviewStatus.OBJECTED:
            raise WrongState(f"审查状态为“{self.status.label}”，没有待答复的整改建议书", code="wrong_state")
        self._answered(envelope=envelope, reply=_text("reply", reply, "答复意见"), measures=measures.strip())

    @event("Answered")
    def _answered(self, envelope: Envelope, reply: str, measures: str) -> None:
        self.status = ReviewStatus.ANSWERED


class MajorDecisionFiling(CopiedByContainers, Aggregate):
    """重大行政处罚决定备案: due 15 days after the decision."""

    @staticmethod
    def create_id(unit: str, decision_number: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"major-filing/{unit}/{decision_number}")

    @classmethod
    def declare(
        cls,
        envelope: Envelope,
        calendar: WorkCalendarView,
        *,
        decision_number: str,
        decided_on: date,
        party: str,
        summary: str,
        case_id: UUID | None = None,
        legal_review: LegalReview | None = None,
        review_field: str = "legal_review_id",
    ) -> MajorDecisionFiling:
        """登记: only on a passed legal review, which this decision then cites
        (未经审核或者审核未通过的，不得作出执法决定)."""
        unit = envelope.actor.unit
        _require_unit_staff_of(envelope, unit, "登记本单位的重大行政处罚决定")
        decision_number = _text("decision_number", decision_number, "处罚决定书文号")
        if decided_on > _day(envelope):
            raise InvalidInput.one("decided_on", "in_future", "处罚决定日期晚于今天")
        party, summary = _text("party", party, "当事人"), _text("summary", summary, "处罚内容")
        require_review(legal_review, review_field).cite(envelope, decision_number, review_field)
        return cls(
            envelope=envelope,
            unit=unit,
            decision_number=decision_number,
            decided_on=decided_on,
            due_on=filing_due(decided_on, calendar),
            party=party,
            summary=summary,
            case_id=case_id,
        )

    @event("Required")
    def __init__(
        self,
        envelope: Envelope,
        unit: str,
        decision_number: str,
        decided_on: date,
        due_on: date,
        party: str,
        summary: str,
        case_id: UUID | None,
    ) -> None:
        self.unit = unit
        self.decision_number = decision_number
        self.decided_on = decided_on
        self.due_on = due_on
        self.filed_on: date | None = None
        self.filing_review: FilingReviewOutcome | None = None

    def file(self, envelope: Envelope, filed_on: date, reference: str) -> None:
        """报送备案 (e.g. through the province's supervision platform)."""
        _require_unit_staff_of(envelope, self.unit, "报送本单位重大行政处罚决定备案")
        if self.filed_on is not None:
            raise WrongState(f"该决定已于{self.filed_on}备案", code="already_filed")
        if filed_on < self.decided_on:
            raise InvalidInput.one("filed_on", "before_decision", "备案日期早于处罚决定日期")
        if filed_on > _day(envelope):
            raise InvalidInput.one("filed_on", "in_future", "备案日期晚于今天")
        self._filed(envelope=envelope, filed_on=filed_on, reference=_text("reference", reference, "备案编号或报送凭证"), late=filed_on > self.due_on)

    @event("Filed")
    def _filed(self, envelope: Envelope, filed_on: date, reference: str, late: bool) -> None:
        self.filed_on = filed_on

    def review_filing(self, envelope: Envelope, outcome: FilingReviewOutcome, finding: str) -> None:
        """备案审查: the supervisor reads the filed decision; problems found lead
        to a 整改建议书 (issued from the feedback slice's letters, citing this
        filing in its problems)."""
        if envelope.actor.role is not Role.SUPERVISOR:
            raise NotAllowed(f"{envelope.actor.role.label}不能进行备案审查，应由执法监督人员办理", code="supervisor_only")
        if self.filed_on is None:
            raise WrongState("该决定尚未报送备案，不能审查", code="not_filed")
        if self.filing_review is not None:
            raise WrongState(f"该备案已审查（{self.filing_review.label}）", code="already_reviewed")
        if outcome is FilingReviewOutcome.LETTER or not blank(finding):
            finding = _text("finding", finding, "审查发现的问题")
        self._filing_reviewed(envelope=envelope, outcome=outcome, finding=finding.strip())

    @event("FilingReviewed")
    def _filing_reviewed(self, envelope: Envelope, outcome: FilingReviewOutcome, finding: str) -> None:
        self.filing_review = outcome
