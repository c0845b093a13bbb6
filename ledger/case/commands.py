"""The guidance case's commands (预约, 受理, 派单, 服务, 评价, 回访, 整改, 撤销/重新作出, 撤回, 归档, 更正, 批注)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ledger.case.values import (
    Applicant,
    Assignment,
    Channel,
    Contact,
    FieldChange,
    FollowUp,
    Grade,
    RatingMethod,
    Rectification,
    Referral,
    ServiceForm,
    ServiceType,
    UnitEntry,
    Urgency,
)
from ledger.commands import Command
from ledger.values import DeadlineClass, FourList, Person, Reversal


class CaseCommand(Command, frozen=True, kw_only=True):
    case_id: UUID
    expected_version: int | None = None


class BookGuidance(Command, frozen=True, kw_only=True):
    applicant: Applicant
    contact: Contact
    service_types: tuple[ServiceType, ...]
    needs: str
    notes: str = ""
    channel: Channel
    urgency: Urgency = Urgency.NORMAL


class AcceptCase(CaseCommand, frozen=True, kw_only=True):
    deadline_class: DeadlineClass


class RefuseCase(CaseCommand, frozen=True, kw_only=True):
    reason: str
    notice: str
    referral: Referral


class DispatchCase(CaseCommand, frozen=True, kw_only=True):
    assignments: tuple[Assignment, ...]
    form: ServiceForm
    lead_unit: str | None = None
    agreed_time: datetime | None = None
    redispatch_reason: str | None = None


class RecordService(CaseCommand, frozen=True, kw_only=True):
    place: str
    content: str
    findings: str
    advice: str
    staff: tuple[Person, ...]
    on_site: bool
    unit_entries: tuple[UnitEntry, ...] = ()
    applicant_signed: bool = True


class RateService(CaseCommand, frozen=True, kw_only=True):
    response: Grade
    attitude: Grade
    usefulness: Grade
    result: Grade
    comments: str = ""
    method: RatingMethod


class RecordFollowUp(CaseCommand, frozen=True, kw_only=True):
    follow_up: FollowUp


class TrackRectification(CaseCommand, frozen=True, kw_only=True):
    rectification: Rectification


class RevokePenalty(CaseCommand, frozen=True, kw_only=True):
    reversal: Reversal


class RemakePenalty(CaseCommand, frozen=True, kw_only=True):
    reversal: Reversal


class WithdrawCase(CaseCommand, frozen=True, kw_only=True):
    reason: str


class ArchiveCase(CaseCommand, frozen=True, kw_only=True):
    pass


class CorrectRecord(CaseCommand, frozen=True, kw_only=True):
    """``basis`` says why; ``corrects_version`` names the corrected event."""

    corrects_version: int
    changes: tuple[FieldChange, ...]


class AnnotateCase(CaseCommand, frozen=True, kw_only=True):
    note: str
    about_version: int | None = None


# The command a cited list calls for: the no-penalty lists revoke, the
# lighter and mitigated lists remake (the case checks it again).
REVERSAL_COMMANDS: dict[FourList, type[RevokePenalty] | type[RemakePenalty]] = {
    FourList.NO_PENALTY: RevokePenalty,
    FourList.NO_COERCIVE_MEASURE: RevokePenalty,
    FourList.LIGHTER: RemakePenalty,
    FourList.MITIGATED: RemakePenalty,
}
