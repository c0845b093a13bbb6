"""Administrative guidance's commands (启动, 意见书, 送达, 登记文书, 简易形式, 约谈,
整改承诺书, 接受/终止, 效果, 回访, 典型事例)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ledger.commands import Command
from ledger.guidance.platform import ExportedAct
from ledger.guidance.values import (
    Addressee,
    Commitment,
    CommitmentItem,
    Delivery,
    FollowUpVisit,
    Interview,
    Matter,
    SimpleForm,
    SimpleSituation,
    Stage,
    TerminationReason,
    Way,
)


class GuidanceCommand(Command, frozen=True, kw_only=True):
    guidance_id: UUID
    expected_version: int | None = None


class StartGuidance(Command, frozen=True, kw_only=True):
    """``officers``: usernames from the directory, of the starting officer's unit."""

    way: Way
    addressee: Addressee | None = None
    officers: tuple[str, ...]
    matter: Matter
    method: str
    stage: Stage
    legal_basis: str


class IssueGuidanceOpinion(GuidanceCommand, frozen=True, kw_only=True):
    problem_of: str
    problems: str
    opinion: str
    contact_person: str
    contact_phone: str


class DeliverGuidanceOpinion(GuidanceCommand, frozen=True, kw_only=True):
    delivery: Delivery


class RegisterGuidanceRecord(GuidanceCommand, frozen=True, kw_only=True):
    guided_at: datetime
    place: str
    content: str


class RecordSimpleGuidance(GuidanceCommand, frozen=True, kw_only=True):
    """``officer``: the username of the officer who gave it (one of the guidance's)."""

    at: datetime
    form: SimpleForm
    situation: SimpleSituation
    officer: str
    content: str


class RecordInterview(GuidanceCommand, frozen=True, kw_only=True):
    interview: Interview


class RecordCommitment(GuidanceCommand, frozen=True, kw_only=True):
    commitment: Commitment


class TrackCommitment(GuidanceCommand, frozen=True, kw_only=True):
    items: tuple[CommitmentItem, ...]


class IssueCorrectionOrder(GuidanceCommand, frozen=True, kw_only=True):
    """责令改正通知书 (劝导警示/规劝): ``items`` what must be corrected, all by ``due_on``."""

    problems: str
    legal_basis: str
    items: tuple[str, ...]
    due_on: date


class TrackCorrectionOrder(GuidanceCommand, frozen=True, kw_only=True):
    """跟踪责令改正事项: the order's items again, with their statuses and evidence."""

    items: tuple[CommitmentItem, ...]


class AcceptGuidance(GuidanceCommand, frozen=True, kw_only=True):
    pass


class TerminateGuidance(GuidanceCommand, frozen=True, kw_only=True):
    reason: TerminationReason


class RecordGuidanceEffect(GuidanceCommand, frozen=True, kw_only=True):
    effect: str


class RecordGuidanceFollowUp(GuidanceCommand, frozen=True, kw_only=True):
    visit: FollowUpVisit


class MarkTypicalGuidance(GuidanceCommand, frozen=True, kw_only=True):
    reason: str


class RecordPlatformExport(Command, frozen=True, kw_only=True):
    """导出报送: the acts (id and version) a platform export file holds, its
    format and SHA-256 (``ledger.guidance.platform``)."""

    unit: str | None = None
    acts: tuple[ExportedAct, ...]
    format: str
    sha256: str
