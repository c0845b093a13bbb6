"""Wire types: msgspec Structs in and out.

The body of each case command is its command Struct without ``case_id``
(taken from the path), generated here so the two never drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    BookGuidance,
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
from ledger.case.values import (
    Applicant,
    Assignment,
    CaseState,
    Channel,
    Contact,
    FollowUp,
    Opinion,
    Rating,
    Rectification,
    Referral,
    ServiceForm,
    ServiceType,
    Urgency,
)
from ledger.catalogue.commands import (
    AmendListItem,
    PublishCatalogueEdition,
    RepealCatalogueEdition,
    RepealListItem,
    SetLegalReviewPolicy,
)
from ledger.directory.commands import AssignUser, RegisterUnit, RegisterUser
from ledger.supervision.commands import (
    AnswerObjection,
    ConfirmReversal,
    DeclareMajorDecision,
    FileMajorDecision,
    ObjectToReversal,
)
from ledger.values import Due, Reversal


def command_body(command: type[msgspec.Struct], name: str, exclude: tuple[str, ...] = ("case_id",)) -> type[msgspec.Struct]:
    fields: list[Any] = []
    for f in msgspec.structs.fields(command):
        if f.name in exclude:
            continue
        fields.append((f.name, f.type) if f.required else (f.name, f.type, f.default))
    return msgspec.defstruct(name, fields, kw_only=True, frozen=True, forbid_unknown_fields=True)


BookBody = command_body(BookGuidance, "BookGuidanceBody")
AcceptBody = command_body(AcceptCase, "AcceptCaseBody")
RefuseBody = command_body(RefuseCase, "RefuseCaseBody")
DispatchBody = command_body(DispatchCase, "DispatchCaseBody")
ServeBody = command_body(RecordService, "RecordServiceBody")
RateBody = command_body(RateService, "RateServiceBody")
FollowUpBody = command_body(RecordFollowUp, "RecordFollowUpBody")
RectificationBody = command_body(TrackRectification, "TrackRectificationBody")
RevokeBody = command_body(RevokePenalty, "RevokePenaltyBody")
RemakeBody = command_body(RemakePenalty, "RemakePenaltyBody")
WithdrawBody = command_body(WithdrawCase, "WithdrawCaseBody")
ArchiveBody = command_body(ArchiveCase, "ArchiveCaseBody")
CorrectBody = command_body(CorrectRecord, "CorrectRecordBody")
AnnotateBody = command_body(AnnotateCase, "AnnotateCaseBody")
YearScheduleBody = command_body(RecordYearSchedule, "RecordYearScheduleBody")
UnitBody = command_body(RegisterUnit, "RegisterUnitBody")
UserBody = command_body(RegisterUser, "RegisterUserBody")
AssignBody = command_body(AssignUser, "AssignUserBody", exclude=("username",))


class CommandResult(msgspec.Struct):
    """``notification_id``: pass it as ``?wait_for=`` to a read to see your write."""

    case_id: UUID | None
    version: int | None
    notification_id: int
    number: str | None = None
    record_id: UUID | None = None  # the review a reversal opened, a filing, a catalogue
    pending: bool = False  # a grant waiting for another administrator's confirmation


class CaseView(msgspec.Struct):
    id: UUID
    version: int
    state: CaseState
    state_label: str
    applied_at: datetime
    applicant: Applicant
    contact: Contact
    service_types: tuple[ServiceType, ...]
    needs: str
    notes: str
    channel: Channel
    urgency: Urgency
    application_number: str | None
    due: Due | None
    refusal_reason: str | None
    refusal_notice: str | None
    referral: Referral | None
    assignments: tuple[Assignment, ...]
    lead_unit: str | None
    service_form: ServiceForm | None
    agreed_time: datetime | None
    opinion: Opinion | None
    rating: Rating | None
    follow_ups: tuple[FollowUp, ...]
    rectifications: tuple[Rectification, ...]
    reversals: tuple[Reversal, ...]
    withdrawal_reason: str | None
    archive_number: str | None
    corrections: int
    annotations: int


# Bounded, so that no login can make the server hold megabytes (usernames
# are at most 32 characters; passwords are hashed whole by argon2).
Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Password = Annotated[str, msgspec.Meta(max_length=256)]


class LoginBody(msgspec.Struct, forbid_unknown_fields=True):
    username: Username
    password: Password


class PasswordBody(msgspec.Struct, forbid_unknown_fields=True):
    new_password: Password
    current_password: Password | None = None  # required to change one's own
    username: Username | None = None  # an administrator may reset someone else's


class TokenResponse(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    username: str
    role: str
    unit: str
    must_change_password: bool = False  # after a reset: only /auth/password is open until then


class DueResponse(msgspec.Struct):
    deadline_class: str
    start: datetime
    target: datetime
    limit: datetime
    provisional: bool
    assumed_years: tuple[int, ...]
    assumed: str | None = None  # what a provisional deadline assumed (statutory days rest; 调休 unknown)

# four lists and supervision (authority, version, review and filing ids come from the path)
PublishEditionBody = command_body(PublishCatalogueEdition, "PublishCatalogueEditionBody", exclude=("authority",))
AmendItemBody = command_body(AmendListItem, "AmendListItemBody", exclude=("authority", "version"))
RepealItemBody = command_body(RepealListItem, "RepealListItemBody", exclude=("authority", "version"))
RepealEditionBody = command_body(RepealCatalogueEdition, "RepealCatalogueEditionBody", exclude=("authority", "version"))
LegalReviewBody = command_body(SetLegalReviewPolicy, "SetLegalReviewPolicyBody", exclude=("authority",))
ConfirmReviewBody = command_body(ConfirmReversal, "ConfirmReversalBody", exclude=("review_id",))
ObjectionBody = command_body(ObjectToReversal, "ObjectToReversalBody", exclude=("review_id",))
AnswerBody = command_body(AnswerObjection, "AnswerObjectionBody", exclude=("review_id",))
DeclareFilingBody = command_body(DeclareMajorDecision, "DeclareMajorDecisionBody", exclude=())
FileFilingBody = command_body(FileMajorDecision, "FileMajorDecisionBody", exclude=("filing_id",))
