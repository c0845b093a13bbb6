"""The legal-review slice's commands: load → decide → save, each a few lines.
(The check that a major decision cites a passed review lives with the
decisions: ``CaseCommands._under_review`` and ``SupervisionCommands.declare_major_decision``.)"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.case.service import CaseCommands
from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Context
from ledger.directory import Unit
from ledger.errors import Conflict, InvalidInput, NotFound
from ledger.inputs import blank
from ledger.legal_review import CreditRepair, LegalReview, ReviewThreshold, review_number_format, threshold_for
from ledger.legal_review.commands import (
    ConcludeCreditRepair,
    GiveLegalReviewOpinion,
    GuideCreditRepair,
    RequestCreditRepair,
    RequestLegalReview,
    ResubmitLegalReview,
    SetReviewThreshold,
)
from ledger.scope import Reach, sees
from ledger.values import FormKind

WHAT = {LegalReview: ("法制审核", "legal_review_not_found"), CreditRepair: ("信用修复申请", "credit_repair_not_found")}


class LegalReviewCommands(CaseCommands):
    def set_review_threshold(self, ctx: Context, cmd: SetReviewThreshold) -> Result:
        envelope = self._envelope(ctx, cmd)
        unit = cmd.unit.strip()
        if blank(unit) or not self.exists(Unit.create_id(unit)):
            raise InvalidInput.one("unit", "unknown_unit", f"单位目录中没有“{unit}”")
        threshold = self.review_threshold(unit) or ReviewThreshold.start(envelope, unit)
        threshold.set(envelope, cmd.individual_yuan, cmd.organisation_yuan, cmd.source)
        return msgspec.structs.replace(self._saved(None, threshold), record_id=threshold.id)

    def review_threshold(self, unit: str) -> ReviewThreshold | None:
        try:
            found = self.repository.get(ReviewThreshold.create_id(unit))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, ReviewThreshold) else None

    def request_legal_review(self, ctx: Context, cmd: RequestLegalReview) -> Result:
        """申请法制审核, numbered in the unit's series (法审〔2026〕3号) in the same
        save; decided again when only the counter moved on (another request
        took the number first)."""
        if cmd.case_id is not None:
            self._visible_case(ctx, self._get_case(cmd.case_id))
        review_id = uuid.uuid4()
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            try:
                review = LegalReview.request(
                    envelope, id=review_id, draft=cmd.draft, officers=cmd.officers, case_id=cmd.case_id,
                    threshold=threshold_for(self.review_threshold(envelope.actor.unit), cmd.draft.party_kind),
                )
                counter = self._counter(envelope, FormKind.LEGAL_REVIEW)
                number = review.give_number(envelope, counter, review_number_format(
                    self.number_format(envelope.actor.unit, FormKind.LEGAL_REVIEW)))
                recordings = self._save_numbered(review, counter)
            except RecordConflictError:
                self._end_attempt()
                _backoff(attempt)
                continue
            finally:
                self._end_attempt()
            return Result(case_id=cmd.case_id, version=review.version, notification_id=recordings[-1].notification.id,
                          number=str(number), record_id=review.id)
        raise Conflict("法制审核编号分配繁忙，请稍后重试")

    def give_legal_review_opinion(self, ctx: Context, cmd: GiveLegalReviewOpinion) -> Result:
        envelope = self._envelope(ctx, cmd)
        review = self.legal_review_visible(ctx, LegalReview, cmd.review_id)
        review.review(envelope, cmd.outcome, cmd.opinion, cmd.changes)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def resubmit_legal_review(self, ctx: Context, cmd: ResubmitLegalReview) -> Result:
        envelope = self._envelope(ctx, cmd)
        review = self.legal_review_visible(ctx, LegalReview, cmd.review_id)
        review.resubmit(envelope, cmd.draft, cmd.response)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def request_credit_repair(self, ctx: Context, cmd: RequestCreditRepair) -> Result:
        repair = CreditRepair.request(
            self._envelope(ctx, cmd), id=uuid.uuid4(), firm=cmd.firm, uscc=cmd.uscc,
            decision_number=cmd.decision_number, requested_on=cmd.requested_on, request=cmd.request,
        )
        return msgspec.structs.replace(self._saved(None, repair), record_id=repair.id)

    def guide_credit_repair(self, ctx: Context, cmd: GuideCreditRepair) -> Result:
        envelope = self._envelope(ctx, cmd)
        repair = self.legal_review_visible(ctx, CreditRepair, cmd.repair_id)
        repair.guide(envelope, cmd.given_on, cmd.officer, cmd.content)
        return msgspec.structs.replace(self._saved(None, repair), record_id=repair.id)

    def conclude_credit_repair(self, ctx: Context, cmd: ConcludeCreditRepair) -> Result:
        envelope = self._envelope(ctx, cmd)
        repair = self.legal_review_visible(ctx, CreditRepair, cmd.repair_id)
        repair.conclude(envelope, cmd.outcome, cmd.concluded_on, cmd.reason)
        return msgspec.structs.replace(self._saved(None, repair), record_id=repair.id)

    def legal_review_visible(self, ctx: Context, kind: type, record_id: UUID):  # type: ignore[no-untyped-def]
        """A review or repair for a command or a read: one of another unit is
        answered as unknown (404) before any rule of it speaks."""
        what, code = WHAT[kind]
        try:
            found = self.repository.get(record_id)
        except AggregateNotFoundError:
            found = None
        if not isinstance(found, kind) or not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [found.unit]):
            raise NotFound(f"没有编号为{record_id}的{what}", code=code)
        return found

    def legal_review_history(self, ctx: Context, kind: type, record_id: UUID) -> list[Any]:
        """A review's or repair's events, oldest first (visible ones only)."""
        self.legal_review_visible(ctx, kind, record_id)
        return list(self.events.get(record_id))


HANDLERS = {
    SetReviewThreshold: LegalReviewCommands.set_review_threshold,
    RequestLegalReview: LegalReviewCommands.request_legal_review,
    GiveLegalReviewOpinion: LegalReviewCommands.give_legal_review_opinion,
    ResubmitLegalReview: LegalReviewCommands.resubmit_legal_review,
    RequestCreditRepair: LegalReviewCommands.request_credit_repair,
    GuideCreditRepair: LegalReviewCommands.guide_credit_repair,
    ConcludeCreditRepair: LegalReviewCommands.conclude_credit_repair,
}
