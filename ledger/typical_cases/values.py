"""Value types of the typical and excellent cases (典型案例、优秀案例, seed 002
第二十九条、第三十一条): which kind of record a proposal names, what it is
proposed as, what the selection may read of the record, and a proposal with
the reviewer's decision."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ledger.values import LabelledEnum, Struct


class RecordKind(LabelledEnum):
    """The kinds of record a unit may propose (named by kind + id)."""

    CASE = "case", "指导服务（预约案件）"
    GUIDANCE = "guidance", "行政指导"
    MEDIATION = "mediation", "行政调解"


class Distinction(LabelledEnum):
    """第三十一条: 优秀案例评选, 典型案例推广."""

    TYPICAL = "typical", "典型案例"
    EXCELLENT = "excellent", "优秀案例"


class RoundState(LabelledEnum):
    COLLECTING = "collecting", "接受推荐"
    REVIEWING = "reviewing", "评选中"
    CLOSED = "closed", "评选结束，结果已公布"


class CaseSummary(Struct):
    """What the selection may read of the proposed record — and nothing else:
    its number, what it was about, the units that handled it, the day it was
    finished and (guidance) the unit head's 典型事例 mark. No party's name or
    identifier, and no word about how the party answered: a record that ended
    in a refusal is never proposed, so there is nothing of a refusal to carry."""

    kind: RecordKind
    record_id: UUID
    reference: str  # the number the record is known by (申请表编号, 意见书号…)
    title: str  # what it was about
    units: tuple[str, ...]
    finished_on: date
    head_mark: str = ""  # guidance: the reason the unit head marked it 典型事例


class RecordFacts(Struct):
    """The proposed record as the service read it, for the proposal's rules
    (never stored: only ``summary`` is). ``unfinished``: why the record is not
    finished yet (empty when it is); ``refused_by_party``: it ended because the
    party refused, withdrew or asked to stop (guidance or mediation is
    voluntary, and such a record is never made "typical" against the party)."""

    summary: CaseSummary
    unfinished: str = ""
    refused_by_party: bool = False


class Proposal(Struct):
    """One proposal in a year's round and the reviewer's decision on it."""

    id: UUID
    summary: CaseSummary
    unit: str  # the proposing unit
    distinction: Distinction
    reason: str
    proposed_by: str
    proposed_at: datetime
    selected: bool | None = None
    decision_reason: str = ""
    decided_by: str = ""
    decided_at: datetime | None = None
