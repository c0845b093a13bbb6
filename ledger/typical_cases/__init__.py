"""Typical and excellent cases (seed 002 第二十九条 各行政执法单位……积极争创
服务型行政执法先进典型; 第三十一条 市法治政府建设领导小组办公室要定期开展服务型行政
执法优秀案例评选活动，对典型案例予以推广).

One aggregate, ``TypicalCaseRound`` — the selection round of one year (uuid5 of
the year): a unit proposes one of its finished records (a booked guidance case,
an act of administrative guidance, a mediation — by kind and id) as a 典型案例 or
优秀案例 with its reason (``Proposed``; the round is ``Started`` by the year's
first proposal, in the same save); the reviewer opens the review (no more
proposals: ``ReviewOpened``), decides on each proposal — selected or not, with
the reason (``Decided``) — and closes the round, publishing the list of the
selected (``Closed``, which names them).

**Which year.** A record belongs to the round of the year it was finished in
(a case's 归档, a guidance's acceptance, a mediation's closing), so a record
has exactly one round, and the round itself keeps a record from being proposed
twice.

**Who proposes.** The unit that handled the record, through its head
(``Post.HEAD``, 单位负责人): recommending the unit's work to the city is the
unit's act, and the head already speaks for the unit's typical cases of guidance
(seed 004 五(三), ``AdministrativeGuidance.mark_typical``).

**Who selects: the 法治政府建设领导小组办公室's reviewer.** The directory has no
unit kind for the leading group's office, and none is needed: the office sits in
the 司法局 and its 第三十条 work (督促检查、考核评价 of every unit's service-type
enforcement) is what the ledger's supervisors (``Role.SUPERVISOR``,
执法监督人员) already do — they read every unit's records. So the reviewer is a
supervisor (``REVIEWER_ROLE``), the smallest honest model; a post or a new role
would add a permission nobody else needs.

**Refusal never counts against the party.** Guidance and mediation are
voluntary. A record that ended because the party refused, withdrew or asked to
stop (a terminated guidance, a withdrawn case, a mediation ended by a party) is
refused as a proposal with the reason and nothing is written; only finished
records can be proposed (they cannot end in a refusal later), and a proposal
carries a ``CaseSummary`` that has no field for how the party answered — so
nothing about a refusal is readable by the selection.

Public methods decide; ``@event`` methods only assign.
"""

from __future__ import annotations

from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed, NotFound, WrongState
from ledger.inputs import blank
from ledger.numbering import LEDGER_NAMESPACE
from ledger.typical_cases.values import (
    CaseSummary,
    Distinction,
    Proposal,
    RecordFacts,
    RecordKind,
    RoundState,
)
from ledger.values import Envelope, Role

REVIEWER_ROLE = Role.SUPERVISOR
MAX_REASON = 2000


class TypicalRoundNotFound(NotFound):
    code = "typical_round_not_found"


def proposal_id(kind: RecordKind, record_id: UUID) -> UUID:
    """A proposal's id: one per record, for good."""
    return uuid5(LEDGER_NAMESPACE, f"typical-case/{kind.value}/{record_id}")


class TypicalCaseRound(CopiedByContainers, Aggregate):
    """The yearly selection round of typical and excellent cases."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"typical-cases/{year}")

    @classmethod
    def start(cls, envelope: Envelope, year: int) -> TypicalCaseRound:
        """The round of ``year``, started by its first proposal (saved with it)."""
        return cls(envelope=envelope, year=year)

    @event("Started")
    def __init__(self, envelope: Envelope, year: int) -> None:
        self.year = year
        self.state = RoundState.COLLECTING
        self.proposals: tuple[Proposal, ...] = ()

    # ------------------------------------------------------------- proposing

    def propose(self, envelope: Envelope, facts: RecordFacts, *, distinction: Distinction, reason: str,
                by_head: bool) -> UUID:
        """推荐: by the head of a unit that handled the finished record; returns the proposal's id."""
        actor = envelope.actor
        summary = facts.summary
        if actor.role is not Role.UNIT_STAFF:
            raise NotAllowed(f"{actor.role.label}不能推荐典型案例，应由办理案件的单位推荐", code="role_not_allowed")
        if actor.unit not in summary.units:
            raise NotAllowed(f"该案件由{'、'.join(summary.units)}办理，{actor.unit}不能推荐", code="other_unit")
        if not by_head:
            raise NotAllowed("典型案例由本单位负责人推荐", code="not_unit_head")
        if facts.refused_by_party:
            raise InvalidInput.one(
                "record_id", "refused_by_party",
                "当事人拒绝、撤回或者要求停止的指导、调解不能推荐为典型案例：接受指导和调解是自愿的，"
                "拒绝不能作为对当事人不利的典型")
        if facts.unfinished:
            raise InvalidInput.one("record_id", "not_finished", f"该案件不能推荐：{facts.unfinished}")
        if summary.finished_on.year != self.year:
            raise InvalidInput.one("record_id", "other_year",
                                   f"该案件于{summary.finished_on:%Y年%m月%d日}办结，属于{summary.finished_on.year}年度评选")
        pid = proposal_id(summary.kind, summary.record_id)
        for p in self.proposals:
            if p.id == pid:
                raise WrongState(f"该案件已由{p.unit}于{p.proposed_at:%Y年%m月%d日}推荐为{p.distinction.label}",
                                 code="already_proposed")
        if self.state is not RoundState.COLLECTING:
            raise WrongState(f"{self.year}年度评选已{'开始' if self.state is RoundState.REVIEWING else '结束'}，不再接受推荐",
                             code="round_not_collecting")
        _reason(reason, "推荐理由")
        self._proposed(envelope=envelope, proposal=Proposal(
            id=pid, summary=summary, unit=actor.unit, distinction=distinction, reason=reason.strip(),
            proposed_by=actor.name, proposed_at=envelope.business_time))
        return pid

    @event("Proposed")
    def _proposed(self, envelope: Envelope, proposal: Proposal) -> None:
        self.proposals = (*self.proposals, proposal)

    # ------------------------------------------------------------- selecting

    def open_review(self, envelope: Envelope) -> None:
        """开始评选: no more proposals this year."""
        _require_reviewer(envelope, "开始评选")
        if self.state is not RoundState.COLLECTING:
            raise WrongState(f"{self.year}年度评选已{self.state.label}", code="already_open")
        self._review_opened(envelope=envelope)

    @event("ReviewOpened")
    def _review_opened(self, envelope: Envelope) -> None:
        self.state = RoundState.REVIEWING

    def decide(self, envelope: Envelope, proposal: UUID, *, selected: bool, reason: str) -> None:
        """评选: selected or not, with the reason either way; once per proposal."""
        _require_reviewer(envelope, "评选典型案例")
        if self.state is RoundState.COLLECTING:
            raise WrongState(f"{self.year}年度评选尚未开始，请先开始评选（停止接受推荐）", code="not_reviewing")
        if self.state is RoundState.CLOSED:
            raise WrongState(f"{self.year}年度评选已结束", code="round_closed")
        found = self.proposal(proposal)
        if found.selected is not None:
            raise WrongState(f"该推荐已评为{'入选' if found.selected else '未入选'}", code="already_decided")
        _reason(reason, "评选意见")
        self._decided(envelope=envelope, proposal=proposal, selected=selected, reason=reason.strip())

    @event("Decided")
    def _decided(self, envelope: Envelope, proposal: UUID, selected: bool, reason: str) -> None:
        self.proposals = tuple(
            msgspec.structs.replace(p, selected=selected, decision_reason=reason, decided_by=envelope.actor.name,
                                    decided_at=envelope.business_time) if p.id == proposal else p
            for p in self.proposals)

    def close(self, envelope: Envelope) -> tuple[UUID, ...]:
        """评选结束: every proposal decided; publishes the selected (returned)."""
        _require_reviewer(envelope, "结束评选")
        if self.state is not RoundState.REVIEWING:
            raise WrongState(f"{self.year}年度评选{self.state.label}，不能结束", code="not_reviewing")
        open_ = [p for p in self.proposals if p.selected is None]
        if open_:
            raise InvalidInput.one("proposals", "undecided", f"尚有{len(open_)}件推荐未评选，请逐件评选后再结束")
        selected = tuple(p.id for p in self.proposals if p.selected)
        self._closed(envelope=envelope, selected=selected)
        return selected

    @event("Closed")
    def _closed(self, envelope: Envelope, selected: tuple[UUID, ...]) -> None:
        self.state = RoundState.CLOSED

    # ---------------------------------------------------------------- reading

    def proposal(self, proposal: UUID) -> Proposal:
        for p in self.proposals:
            if p.id == proposal:
                return p
        raise InvalidInput.one("proposal_id", "unknown_proposal", f"{self.year}年度评选中没有该推荐")

    @property
    def selected(self) -> tuple[Proposal, ...]:
        return tuple(p for p in self.proposals if p.selected)


def _require_reviewer(envelope: Envelope, step: str) -> None:
    if envelope.actor.role is not REVIEWER_ROLE:
        raise NotAllowed(f"{envelope.actor.role.label}不能{step}，应由法治政府建设领导小组办公室的评审人员（{REVIEWER_ROLE.label}）办理",
                         code="reviewer_only")


def _reason(text: str, label: str) -> None:
    if blank(text):
        raise InvalidInput.one("reason", "required", f"请填写{label}")
    if len(text.strip()) > MAX_REASON:
        raise InvalidInput.one("reason", "too_long", f"{label}不超过{MAX_REASON}个字")


__all__ = ["REVIEWER_ROLE", "CaseSummary", "Distinction", "Proposal", "RecordFacts", "RecordKind", "RoundState",
           "TypicalCaseRound", "TypicalRoundNotFound", "proposal_id"]
