"""The typical-case commands: load → decide → save. The proposed record is
read here (a case, a guidance, a mediation) and handed to the round as
``RecordFacts``; the round keeps only its ``CaseSummary``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.case import GuidanceCase
from ledger.case.values import CaseState
from ledger.commanding import MAX_ATTEMPTS, LedgerBase, Result, _backoff
from ledger.commands import Context
from ledger.directory import Post, User
from ledger.errors import Conflict, NotFound
from ledger.guidance import AdministrativeGuidance
from ledger.guidance.values import GuidanceState
from ledger.mediation import AdministrativeMediation
from ledger.mediation.values import MediationState
from ledger.scope import Reach, sees
from ledger.typical_cases import TypicalCaseRound, TypicalRoundNotFound
from ledger.typical_cases.commands import (
    CloseTypicalCaseRound,
    DecideTypicalCase,
    OpenTypicalCaseReview,
    ProposeTypicalCase,
)
from ledger.typical_cases.values import CaseSummary, RecordFacts, RecordKind
from ledger.values import CST


class TypicalCaseCommands(LedgerBase):
    def propose_typical_case(self, ctx: Context, cmd: ProposeTypicalCase) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            facts = self.typical_record_facts(ctx, cmd.kind, cmd.record_id)
            year = facts.summary.finished_on.year
            round_ = self._round_or_none(year) or TypicalCaseRound.start(envelope, year)
            pid = round_.propose(envelope, facts, distinction=cmd.distinction, reason=cmd.reason,
                                 by_head=self._is_head(ctx))
            try:
                recordings = self.save(round_)
            except RecordConflictError:
                _backoff(attempt)  # another unit proposed at the same moment: decide again on the round as it is now
                continue
            return Result(case_id=None, version=round_.version, notification_id=recordings[-1].notification.id,
                          record_id=pid, number=str(year))
        raise Conflict("推荐繁忙，请稍后重试")

    def open_typical_case_review(self, ctx: Context, cmd: OpenTypicalCaseReview) -> Result:
        return self._on_round(ctx, cmd.year, cmd.expected_version, lambda r, env: r.open_review(env), cmd)

    def decide_typical_case(self, ctx: Context, cmd: DecideTypicalCase) -> Result:
        return self._on_round(ctx, cmd.year, cmd.expected_version,
                              lambda r, env: r.decide(env, cmd.proposal_id, selected=cmd.selected, reason=cmd.reason),
                              cmd, record_id=cmd.proposal_id)

    def close_typical_case_round(self, ctx: Context, cmd: CloseTypicalCaseRound) -> Result:
        return self._on_round(ctx, cmd.year, cmd.expected_version, lambda r, env: r.close(env), cmd)

    # ------------------------------------------------------------------ reads

    def typical_round(self, year: int) -> TypicalCaseRound:
        found = self._round_or_none(year)
        if found is None:
            raise TypicalRoundNotFound(f"{year}年度尚无典型案例推荐")
        return found

    def typical_record_facts(self, ctx: Context, kind: RecordKind, record_id: UUID) -> RecordFacts:
        """The record a proposal names, as the round's rules need it; a record
        the proposer may not read is answered as unknown (404)."""
        try:
            record = self.repository.get(record_id)
        except AggregateNotFoundError:
            record = None
        if kind is RecordKind.CASE and isinstance(record, GuidanceCase):
            facts = case_facts(record)
        elif kind is RecordKind.GUIDANCE and isinstance(record, AdministrativeGuidance):
            facts = guidance_facts(record)
        elif kind is RecordKind.MEDIATION and isinstance(record, AdministrativeMediation):
            facts = mediation_facts(record)
        else:
            facts = None
        if facts is None or not sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, facts.summary.units):
            raise NotFound(f"没有编号为{record_id}的{kind.label}", code="record_not_found")
        return facts

    # ---------------------------------------------------------------- helpers

    def _is_head(self, ctx: Context) -> bool:
        try:
            user = self.repository.get(User.create_id(ctx.actor.id))
        except AggregateNotFoundError:  # an actor the directory does not know (the console) is no head
            return False
        return isinstance(user, User) and user.post is Post.HEAD

    def _round_or_none(self, year: int) -> TypicalCaseRound | None:
        try:
            found = self._get_fresh(TypicalCaseRound.create_id(year))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, TypicalCaseRound) else None

    def _on_round(self, ctx: Context, year: int, expected: int | None, decide: Callable[[TypicalCaseRound, Any], Any],
                  cmd: Any, record_id: UUID | None = None) -> Result:
        envelope = self._envelope(ctx, cmd)
        round_ = self._round_or_none(year)
        if round_ is None:
            raise TypicalRoundNotFound(f"{year}年度尚无典型案例推荐")
        if expected is not None and expected != round_.version:
            raise Conflict(f"{year}年度评选已被他人办理（您看到的是第{expected}版，当前为第{round_.version}版），请刷新后重试",
                           current_version=round_.version)
        decide(round_, envelope)
        try:
            recordings = self.save(round_)
        except RecordConflictError:
            raise Conflict(f"{year}年度评选已被他人同时办理，请刷新后重试") from None
        return Result(case_id=None, version=round_.version, notification_id=recordings[-1].notification.id,
                      record_id=record_id or round_.id, number=str(year))


# ------------------------------------------------------- reading the records


def case_facts(case: GuidanceCase) -> RecordFacts:
    """A booked case is finished when archived after its service and rating; a
    withdrawn one (the applicant withdrew or declined guidance) is a refusal."""
    finished_on = case.state_since.astimezone(CST).date()
    summary = CaseSummary(
        kind=RecordKind.CASE, record_id=case.id, reference=str(case.application_number or ""),
        title=f"{'、'.join(t.label for t in case.service_types)}：{case.needs}", units=case.units,
        finished_on=finished_on)
    if case.withdrawal_reason is not None or case.state is CaseState.WITHDRAWN:
        return RecordFacts(summary=summary, refused_by_party=True)
    if case.state is CaseState.REFUSED or case.refusal_reason is not None:
        return RecordFacts(summary=summary, unfinished="不予受理的预约没有提供指导服务")
    if case.state is not CaseState.ARCHIVED:
        return RecordFacts(summary=summary, unfinished=f"案件{case.state.label}，归档后方可推荐")
    return RecordFacts(summary=summary)


def guidance_facts(guidance: AdministrativeGuidance) -> RecordFacts:
    """A guidance is finished when the party accepted it; terminated (refused,
    asked to stop, made impossible) is a refusal."""
    end = guidance.end
    finished_on = (end.at if end else guidance.started_at).astimezone(CST).date()
    number = guidance.opinion.number if guidance.opinion else guidance.record.number if guidance.record else ""
    summary = CaseSummary(
        kind=RecordKind.GUIDANCE, record_id=guidance.id, reference=str(number),
        title=f"{guidance.method}：{guidance.matter.text}", units=(guidance.unit,), finished_on=finished_on,
        head_mark=guidance.typical.reason if guidance.typical else "")
    if guidance.state is GuidanceState.TERMINATED:
        return RecordFacts(summary=summary, refused_by_party=True)
    if guidance.state is not GuidanceState.ACCEPTED:
        return RecordFacts(summary=summary, unfinished=f"行政指导{guidance.state.label}，当事人接受后方可推荐")
    return RecordFacts(summary=summary)


def mediation_facts(mediation: AdministrativeMediation) -> RecordFacts:
    """A mediation is finished when the parties signed the agreement. One that
    ended — a party withdrew its consent, or the parties did not agree — ended
    on the parties' free choice, which never counts against them: treated as a
    refusal. One the agency declined to accept was never mediated."""
    summary = CaseSummary(
        kind=RecordKind.MEDIATION, record_id=mediation.id, reference=mediation.number or "",
        title=mediation.matter, units=(mediation.unit,), finished_on=mediation.state_since.astimezone(CST).date())
    if mediation.state is MediationState.ENDED or mediation.withdrawal is not None:
        return RecordFacts(summary=summary, refused_by_party=True)
    if mediation.state is MediationState.DECLINED:
        return RecordFacts(summary=summary, unfinished="不予受理的调解申请没有进行调解")
    if mediation.state is not MediationState.AGREED:
        return RecordFacts(summary=summary, unfinished=f"行政调解{mediation.state.label}，达成调解协议后方可推荐")
    return RecordFacts(summary=summary)


HANDLERS: dict[type, Callable[..., Result]] = {
    ProposeTypicalCase: TypicalCaseCommands.propose_typical_case,
    OpenTypicalCaseReview: TypicalCaseCommands.open_typical_case_review,
    DecideTypicalCase: TypicalCaseCommands.decide_typical_case,
    CloseTypicalCaseRound: TypicalCaseCommands.close_typical_case_round,
}
