"""Supervision's commands: reviewing reversed penalties, the 15-day filings."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.case import GuidanceCase
from ledger.case.service import CaseCommands
from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Context
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.scope import Reach, sees
from ledger.supervision import MajorDecisionFiling, ReversalReview
from ledger.supervision.commands import (
    AnswerObjection,
    ConfirmReversal,
    DeclareMajorDecision,
    FileMajorDecision,
    ObjectToReversal,
    ReviewMajorDecisionFiling,
)
from ledger.values import FormKind


class SupervisionCommands(CaseCommands):
    def confirm_reversal(self, ctx: Context, cmd: ConfirmReversal) -> Result:
        review = self._visible_review(ctx, cmd.review_id)
        review.confirm(self._envelope(ctx, cmd), cmd.comment)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def object_to_reversal(self, ctx: Context, cmd: ObjectToReversal) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            review = self._visible_review(ctx, cmd.review_id)
            try:
                counter = self._counter(envelope, FormKind.SUGGESTION_LETTER)
                letter = review.object(envelope, counter, cmd.problems, cmd.suggestions, cmd.reply_due)
                recordings = self._save_numbered(review, counter)
            except RecordConflictError:
                self._end_attempt()
                if self.review(cmd.review_id).version != review.version - 1:
                    raise Conflict("该审查已被他人同时处理，请刷新后重试") from None
                _backoff(attempt)  # only the letter counter moved on
                continue
            finally:
                self._end_attempt()  # the counter's turn ends with the attempt, refused or not
            return Result(
                case_id=review.case_id,
                version=review.version,
                notification_id=recordings[-1].notification.id,
                number=str(letter),
                record_id=review.id,
            )
        raise Conflict("编号分配繁忙，请稍后重试")

    def answer_objection(self, ctx: Context, cmd: AnswerObjection) -> Result:
        review = self._visible_review(ctx, cmd.review_id)
        review.answer(self._envelope(ctx, cmd), cmd.reply, cmd.measures)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def _visible_review(self, ctx: Context, review_id: UUID) -> ReversalReview:
        """A review for a command: one the actor may not see is answered as
        unknown (404), before any rule of the review speaks."""
        review = self.review(review_id)
        if not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [review.issuing_unit]):
            raise NotFound(f"没有编号为{review_id}的处罚撤销审查", code="review_not_found")
        return review

    def review(self, review_id: UUID) -> ReversalReview:
        try:
            review = self.repository.get(review_id)
        except AggregateNotFoundError:
            review = None
        if not isinstance(review, ReversalReview):
            raise NotFound(f"没有编号为{review_id}的处罚撤销审查", code="review_not_found")
        return review

    def review_history(self, review_id: UUID) -> list[Any]:
        """A reversal as supervision sees it: the case's reversal event, every
        review step and, for a major decision, its filing; oldest first."""
        review = self.review(review_id)
        reversals = [
            e for e in self.history(review.case_id)
            if isinstance(e, (GuidanceCase.PenaltyRevoked, GuidanceCase.PenaltyRemade))
            and e.reversal.decision.number == review.decision_number
        ]
        events = [*reversals, *self.events.get(review_id)]
        for e in reversals:
            if e.reversal.major:
                events += self.events.get(MajorDecisionFiling.create_id(review.issuing_unit, e.reversal.new_decision_number))
        return sorted(events, key=lambda e: e.timestamp)

    def declare_major_decision(self, ctx: Context, cmd: DeclareMajorDecision) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(MajorDecisionFiling.create_id(envelope.actor.unit, cmd.decision_number.strip())):
            raise InvalidInput.one("decision_number", "duplicate", f"处罚决定{cmd.decision_number}已登记备案事项")
        if cmd.case_id is not None:
            self._visible_case(ctx, self._get_case(cmd.case_id))
        review = self.legal_review_or_none(cmd.legal_review_id)
        filing = MajorDecisionFiling.declare(
            envelope,
            self._view(self.calendar(for_update=False)),
            decision_number=cmd.decision_number,
            decided_on=cmd.decided_on,
            party=cmd.party,
            summary=cmd.summary,
            case_id=cmd.case_id,
            legal_review=review,
        )
        assert review is not None  # declare refuses a decision without its review
        return msgspec.structs.replace(self._saved(cmd.case_id, filing, review), record_id=filing.id)

    def file_major_decision(self, ctx: Context, cmd: FileMajorDecision) -> Result:
        try:
            filing = self.repository.get(cmd.filing_id)
        except AggregateNotFoundError:
            filing = None
        if not isinstance(filing, MajorDecisionFiling) or not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [filing.unit]):
            raise NotFound(f"没有编号为{cmd.filing_id}的备案事项", code="filing_not_found")
        filing.file(self._envelope(ctx, cmd), cmd.filed_on, cmd.reference)
        return msgspec.structs.replace(self._saved(None, filing), record_id=filing.id)

    def review_major_decision_filing(self, ctx: Context, cmd: ReviewMajorDecisionFiling) -> Result:
        filing = self._visible_filing(ctx, cmd.filing_id)
        filing.review_filing(self._envelope(ctx, cmd), cmd.outcome, cmd.finding)
        return msgspec.structs.replace(self._saved(None, filing), record_id=filing.id)

    def _visible_filing(self, ctx: Context, filing_id: UUID) -> MajorDecisionFiling:
        try:
            filing = self.repository.get(filing_id)
        except AggregateNotFoundError:
            filing = None
        if not isinstance(filing, MajorDecisionFiling) or not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [filing.unit]):
            raise NotFound(f"没有编号为{filing_id}的备案事项", code="filing_not_found")
        return filing


HANDLERS = {
    ConfirmReversal: SupervisionCommands.confirm_reversal,
    ObjectToReversal: SupervisionCommands.object_to_reversal,
    AnswerObjection: SupervisionCommands.answer_objection,
    DeclareMajorDecision: SupervisionCommands.declare_major_decision,
    FileMajorDecision: SupervisionCommands.file_major_decision,
    ReviewMajorDecisionFiling: SupervisionCommands.review_major_decision_filing,
}
