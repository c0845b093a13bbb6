"""Supervision's commands: reviewing reversals, major-decision filings."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.commands import Command
from ledger.legal_review.values import FilingReviewOutcome


class ConfirmReversal(Command, frozen=True, kw_only=True):
    review_id: UUID
    comment: str = ""


class ObjectToReversal(Command, frozen=True, kw_only=True):
    """制发整改建议书."""

    review_id: UUID
    problems: str
    suggestions: str
    reply_due: date


class AnswerObjection(Command, frozen=True, kw_only=True):
    review_id: UUID
    reply: str
    measures: str = ""


class DeclareMajorDecision(Command, frozen=True, kw_only=True):
    """登记一件重大行政处罚决定 (to be filed within 15 days)."""

    decision_number: str
    decided_on: date
    party: str
    summary: str
    case_id: UUID | None = None
    # the passed 法制审核 this decision is made on (ledger.legal_review): required
    legal_review_id: UUID | None = None


class FileMajorDecision(Command, frozen=True, kw_only=True):
    filing_id: UUID
    filed_on: date
    reference: str


class ReviewMajorDecisionFiling(Command, frozen=True, kw_only=True):
    """备案审查 of a filed major decision."""

    filing_id: UUID
    outcome: FilingReviewOutcome
    finding: str = ""
