"""The guidance case's commands: load → decide → save, each a few lines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.case import GuidanceCase
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    BookGuidance,
    CaseCommand,
    CorrectRecord,
    DispatchCase,
    RateService,
    RecordFollowUp,
    RecordService,
    RefuseCase,
    RemakePenalty,
    RevokePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.catalogue.service import CatalogueCommands
from ledger.commanding import MAX_ATTEMPTS, Decision, Result, _backoff, _only
from ledger.commands import Context
from ledger.errors import CaseNotFound, Conflict, InvalidInput
from ledger.legal_review import LegalReview, require_review
from ledger.scope import sees_case
from ledger.supervision import MajorDecisionFiling, ReversalReview
from ledger.values import CST, Envelope, FormKind, Reversal


class CaseCommands(CatalogueCommands):
    def book(self, ctx: Context, cmd: BookGuidance) -> Result:
        envelope = self._envelope(ctx, cmd)
        case = GuidanceCase.book(
            envelope,
            applicant=cmd.applicant,
            contact=cmd.contact,
            service_types=cmd.service_types,
            needs=cmd.needs,
            notes=cmd.notes,
            channel=cmd.channel,
            urgency=cmd.urgency,
        )
        recordings = self.save(case)
        return Result(case_id=case.id, version=case.version, notification_id=recordings[-1].notification.id)

    def accept(self, ctx: Context, cmd: AcceptCase) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            calendar = self.calendar(for_update=False)  # before the counter's turn: it may query the store
            counter = self._counter(env, FormKind.APPLICATION)
            if calendar.pending_events:  # a store's first acceptance seeds the calendar: one thread at a time
                calendar = self.calendar(for_update=False)
            number = case.accept(env, cmd.deadline_class, counter, self._view(calendar))
            assert case.due is not None
            indexes = [self._provisional_index(year) for year in case.due.assumed_years]
            for index in indexes:
                index.add(case.id)
            seeded = [calendar] if calendar.pending_events else []
            return [counter, *indexes, *seeded], str(number)

        return self._on_case(ctx, cmd, decide)

    def refuse(self, ctx: Context, cmd: RefuseCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.refuse(env, cmd.reason, cmd.notice, cmd.referral)))

    def dispatch(self, ctx: Context, cmd: DispatchCase) -> Result:
        return self._on_case(
            ctx,
            cmd,
            lambda case, env: _only(
                case.dispatch(
                    env,
                    cmd.assignments,
                    cmd.form,
                    lead_unit=cmd.lead_unit,
                    agreed_time=cmd.agreed_time,
                    redispatch_reason=cmd.redispatch_reason,
                )
            ),
        )

    def serve(self, ctx: Context, cmd: RecordService) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.OPINION)
            number = case.serve(
                env,
                counter,
                place=cmd.place,
                content=cmd.content,
                findings=cmd.findings,
                advice=cmd.advice,
                staff=cmd.staff,
                on_site=cmd.on_site,
                unit_entries=cmd.unit_entries,
                applicant_signed=cmd.applicant_signed,
            )
            return [counter], str(number)

        return self._on_case(ctx, cmd, decide)

    def rate(self, ctx: Context, cmd: RateService) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.RATING)
            number = case.rate(
                env,
                counter,
                response=cmd.response,
                attitude=cmd.attitude,
                usefulness=cmd.usefulness,
                result=cmd.result,
                comments=cmd.comments,
                method=cmd.method,
            )
            return [counter], str(number)

        return self._on_case(ctx, cmd, decide)

    def follow_up(self, ctx: Context, cmd: RecordFollowUp) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.follow_up(env, cmd.follow_up)))

    def track_rectification(self, ctx: Context, cmd: TrackRectification) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.track_rectification(env, cmd.rectification)))

    def revoke_penalty(self, ctx: Context, cmd: RevokePenalty) -> Result:
        reversal = _trimmed(cmd.reversal)

        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            case.revoke_penalty(env, reversal, self.catalogue(reversal.decision.issuing_unit))
            return self._under_review(case, env, reversal), None

        result = self._on_case(ctx, cmd, decide)
        return msgspec.structs.replace(result, record_id=ReversalReview.create_id(cmd.case_id, reversal.decision.number))

    def remake_penalty(self, ctx: Context, cmd: RemakePenalty) -> Result:
        reversal = _trimmed(cmd.reversal)

        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            case.remake_penalty(env, reversal, self.catalogue(reversal.decision.issuing_unit))
            return self._under_review(case, env, reversal), None

        result = self._on_case(ctx, cmd, decide)
        return msgspec.structs.replace(result, record_id=ReversalReview.create_id(cmd.case_id, reversal.decision.number))

    def _under_review(self, case: GuidanceCase, env: Envelope, reversal: Reversal) -> list[Aggregate]:
        """Every reversal enters the supervisors' review queue in the same save;
        a major one also opens its 15-day filing."""
        opened: list[Aggregate] = [
            ReversalReview(
                envelope=env,
                case_id=case.id,
                case_version=case.version,
                decision_number=reversal.decision.number,
                issuing_unit=reversal.decision.issuing_unit,
            )
        ]
        if not reversal.major:
            return opened
        # a major reversal is made only on a passed legal review, which it cites in this save
        review = require_review(self.legal_review_or_none(reversal.legal_review_id))
        review.check_citable(env.actor.unit, "legal_review_id", reversal.new_decision_number)
        reviewer = review.current.reviewer_id
        if reversal.legal_reviewer is not None and reversal.legal_reviewer.id != reviewer:
            raise InvalidInput.one("legal_reviewer", "reviewer_mismatch", "法制审核人员与所引用的法制审核的审核人不一致")
        if not self.exists(MajorDecisionFiling.create_id(env.actor.unit, reversal.new_decision_number)):
            kind = "撤销" if reversal.new_sanction is None else "重新作出"
            opened.append(
                MajorDecisionFiling.declare(
                    env,
                    self._view(self.calendar(for_update=False)),
                    decision_number=reversal.new_decision_number,
                    decided_on=env.business_time.astimezone(CST).date(),
                    party=case.applicant.name,
                    summary=f"{kind}{reversal.decision.number}：{reversal.new_sanction or reversal.outcome}",
                    case_id=case.id,
                    legal_review=review,
                )
            )
        else:
            review.cite(env, reversal.new_decision_number)
        opened.append(review)
        return opened

    def legal_review_or_none(self, review_id: UUID | None) -> LegalReview | None:
        """A legal review a decision cites (``None``: no id, or no such review)."""
        if review_id is None:
            return None
        try:
            review = self.repository.get(review_id)
        except AggregateNotFoundError:
            return None
        return review if isinstance(review, LegalReview) else None

    def withdraw(self, ctx: Context, cmd: WithdrawCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.withdraw(env, cmd.reason)))

    def archive(self, ctx: Context, cmd: ArchiveCase) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.ARCHIVE)
            return [counter], str(case.archive(env, counter))

        return self._on_case(ctx, cmd, decide)

    def correct(self, ctx: Context, cmd: CorrectRecord) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.correct(env, cmd.corrects_version, cmd.changes)))

    def annotate(self, ctx: Context, cmd: AnnotateCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.annotate(env, cmd.note, cmd.about_version)))

    def get_case(self, case_id: UUID, *, version: int | None = None) -> GuidanceCase:
        return self._get_case(case_id, version=version)

    def case_as_of(self, case_id: UUID, moment: datetime) -> GuidanceCase:
        """The case as the ledger knew it at ``moment`` (recording time)."""
        version = None
        for e in self.events.get(case_id):
            if e.timestamp > moment:
                break
            version = e.originator_version
        if version is None:
            raise CaseNotFound(f"{moment.isoformat()}时尚未登记该案件")
        return self._get_case(case_id, version=version)

    def history(self, case_id: UUID) -> list[Any]:
        """Every event of a case, oldest first."""
        events = list(self.events.get(case_id))
        if not events:
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return events

    def _get_case(self, case_id: UUID, *, version: int | None = None) -> GuidanceCase:
        try:
            case = self.repository.get(case_id, version=version)
        except AggregateNotFoundError:
            raise CaseNotFound(f"没有编号为{case_id}的案件") from None
        if not isinstance(case, GuidanceCase):
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return case

    def _current_case(self, case_id: UUID, *, cached: bool = True) -> GuidanceCase:
        """The case for a command (a copy), as the store has it now."""
        try:
            case = self._get_fresh(case_id, cached=cached)
        except AggregateNotFoundError:
            raise CaseNotFound(f"没有编号为{case_id}的案件") from None
        if not isinstance(case, GuidanceCase):
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return case

    def _visible_case(self, ctx: Context, case: GuidanceCase) -> GuidanceCase:
        """Visibility before any rule: a case the actor may not read is
        answered as unknown (404), so commands reveal no more than reads."""
        if not sees_case(ctx.actor.role, ctx.actor.unit, case.units):
            raise CaseNotFound(f"没有编号为{case.id}的案件")
        return case

    def _load_case(self, ctx: Context, cmd: CaseCommand) -> GuidanceCase:
        case = self._visible_case(ctx, self._current_case(cmd.case_id))
        if cmd.expected_version is not None and cmd.expected_version != case.version:
            raise Conflict(
                f"案件已被他人修改（您看到的是第{cmd.expected_version}版，当前为第{case.version}版），请刷新后重试",
                current_version=case.version,
            )
        return case

    def _on_case(
        self, ctx: Context, cmd: CaseCommand, decide: Callable[[GuidanceCase, Envelope], Decision]
    ) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            case = self._load_case(ctx, cmd)
            loaded_version = case.version
            envelope = self._envelope(ctx, cmd)
            try:
                others, number = decide(case, envelope)
                recordings = self._save_numbered(case, *others)
            except RecordConflictError:
                self._end_attempt()
                current = self._current_case(cmd.case_id, cached=False).version
                if current != loaded_version:
                    raise Conflict(
                        f"案件已被他人同时修改（当前为第{current}版），本次操作未保存，请刷新后重试",
                        current_version=current,
                    ) from None
                _backoff(attempt)  # only a shared counter or index moved on: decide again
                continue
            finally:
                self._end_attempt()
            return Result(
                case_id=case.id,
                version=case.version,
                notification_id=recordings[-1].notification.id,
                number=number,
            )
        raise Conflict("编号分配繁忙，请稍后重试")


def _trimmed(reversal: Reversal) -> Reversal:
    """Numbers as typed may carry stray spaces; the review's and the filing's
    ids are derived from them, so they are stored trimmed."""
    decision, cited = reversal.decision, reversal.cited
    return msgspec.structs.replace(
        reversal,
        decision=msgspec.structs.replace(decision, number=decision.number.strip(), issuing_unit=decision.issuing_unit.strip()),
        cited=msgspec.structs.replace(
            cited,
            catalogue_version=cited.catalogue_version.strip(),
            item_number=cited.item_number.strip(),
            list_code=cited.list_code.strip(),
        ),
        new_decision_number=reversal.new_decision_number.strip(),
    )


# Which method takes which command (ledger.application.COMMANDS merges them).
HANDLERS = {
    BookGuidance: CaseCommands.book,
    AcceptCase: CaseCommands.accept,
    RefuseCase: CaseCommands.refuse,
    DispatchCase: CaseCommands.dispatch,
    RecordService: CaseCommands.serve,
    RateService: CaseCommands.rate,
    RecordFollowUp: CaseCommands.follow_up,
    TrackRectification: CaseCommands.track_rectification,
    RevokePenalty: CaseCommands.revoke_penalty,
    RemakePenalty: CaseCommands.remake_penalty,
    WithdrawCase: CaseCommands.withdraw,
    ArchiveCase: CaseCommands.archive,
    CorrectRecord: CaseCommands.correct,
    AnnotateCase: CaseCommands.annotate,
}
