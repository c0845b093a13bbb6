"""The legal-review slice's commands: the threshold, review rounds, credit repair."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.commands import Command
from ledger.legal_review.values import DraftDecision, RepairOutcome, ReviewOutcome
from ledger.values import Person


class SetReviewThreshold(Command, frozen=True, kw_only=True):
    """设定一个执法主体的较大数额罚款标准."""

    unit: str
    individual_yuan: Decimal
    organisation_yuan: Decimal
    source: str


class RequestLegalReview(Command, frozen=True, kw_only=True):
    """申请法制审核 with the draft decision."""

    draft: DraftDecision
    # the case's officers (承办人员) besides the requester: none of them may review
    officers: tuple[Person, ...] = ()
    case_id: UUID | None = None


class GiveLegalReviewOpinion(Command, frozen=True, kw_only=True):
    """审核: 通过 / 修改后通过 / 不通过, with reasons."""

    review_id: UUID
    outcome: ReviewOutcome
    opinion: str
    changes: str = ""


class ResubmitLegalReview(Command, frozen=True, kw_only=True):
    """重新送审 after a fail or changes."""

    review_id: UUID
    draft: DraftDecision
    response: str


class RequestCreditRepair(Command, frozen=True, kw_only=True):
    firm: str
    uscc: str
    decision_number: str
    requested_on: date
    request: str


class GuideCreditRepair(Command, frozen=True, kw_only=True):
    repair_id: UUID
    given_on: date
    officer: Person
    content: str


class ConcludeCreditRepair(Command, frozen=True, kw_only=True):
    repair_id: UUID
    outcome: RepairOutcome
    concluded_on: date
    reason: str = ""
