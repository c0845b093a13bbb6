"""Commands: what a user asks the ledger to do, as data (imperative names).

Every command on an existing case names the case and may carry the version
the client last saw (``expected_version``): if the case has moved on since,
the command is refused with a conflict instead of being merged silently.
``business_time`` is when the act happened (default: now); ``basis`` is the
legal basis or reason for the step, kept in the event's audit envelope.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import msgspec

from ledger.values import (
    Actor,
    Applicant,
    Assignment,
    Channel,
    Contact,
    DeadlineClass,
    FieldChange,
    FollowUp,
    Grade,
    Person,
    RatingMethod,
    Rectification,
    Referral,
    Reversal,
    Role,
    ServiceForm,
    ServiceType,
    UnitEntry,
    Urgency,
)
from ledger.catalogue import Edition, ListItem
from ledger.directory import UnitKind
from ledger.workdays import YearSchedule


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Who is asking, and under which request id (for the audit envelope)."""

    actor: Actor
    request_id: str


class Command(msgspec.Struct, frozen=True, kw_only=True):
    business_time: datetime | None = None
    basis: str | None = None


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


class RecordYearSchedule(Command, frozen=True, kw_only=True):
    schedule: YearSchedule


class RegisterUnit(Command, frozen=True, kw_only=True):
    name: str
    kind: UnitKind


class RegisterUser(Command, frozen=True, kw_only=True):
    username: str
    display_name: str
    role: Role
    unit: str


class AssignUser(Command, frozen=True, kw_only=True):
    username: str
    role: Role
    unit: str


class RecordPasswordSet(Command, frozen=True, kw_only=True):
    """A password was set (its hash is a credential, not in the log)."""

    username: str


class ConfirmGrant(Command, frozen=True, kw_only=True):
    """A second administrator confirms a proposed role (or a new account)."""

    username: str


class SetUserActive(Command, frozen=True, kw_only=True):
    username: str
    active: bool


# ---------------------------------------------------------- four lists (四张清单)


class PublishCatalogueEdition(Command, frozen=True, kw_only=True):
    """发布 an edition of ``authority``'s four lists."""

    authority: str
    edition: Edition


class AmendListItem(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    item: ListItem
    effective_from: date


class RepealListItem(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    list_code: str
    number: str
    effective_from: date
    reason: str


class RepealCatalogueEdition(Command, frozen=True, kw_only=True):
    authority: str
    version: str
    effective_from: date
    reason: str


class SetLegalReviewPolicy(Command, frozen=True, kw_only=True):
    authority: str
    required: bool


# ------------------------------------------------------------------ supervision


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


class FileMajorDecision(Command, frozen=True, kw_only=True):
    filing_id: UUID
    filed_on: date
    reference: str
