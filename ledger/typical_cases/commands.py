"""The typical-case commands: 推荐 (the unit's head); 开始评选, 评选, 结束评选
(the reviewer of the 法治政府建设领导小组办公室)."""

from __future__ import annotations

from uuid import UUID

from ledger.commands import Command
from ledger.typical_cases.values import Distinction, RecordKind


class ProposeTypicalCase(Command, frozen=True, kw_only=True):
    """``kind`` + ``record_id`` name the record (a case, a guidance, a mediation)."""

    kind: RecordKind
    record_id: UUID
    distinction: Distinction
    reason: str


class OpenTypicalCaseReview(Command, frozen=True, kw_only=True):
    year: int
    expected_version: int | None = None


class DecideTypicalCase(Command, frozen=True, kw_only=True):
    year: int
    proposal_id: UUID
    selected: bool
    reason: str
    expected_version: int | None = None


class CloseTypicalCaseRound(Command, frozen=True, kw_only=True):
    year: int
    expected_version: int | None = None
