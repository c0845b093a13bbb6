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


def _body(command: type[msgspec.Struct], name: str, exclude: tuple[str, ...] = ("case_id",)) -> type[msgspec.Struct]:
    fields: list[Any] = []
    for f in msgspec.structs.fields(command):
        if f.name in exclude:
            continue
        fields.append((f.name, f.type) if f.required else (f.name, f.type, f.default))
    return msgspec.defstruct(name, fields, kw_only=True, frozen=True, forbid_unknown_fields=True)


BookBody = _body(BookGuidance, "BookGuidanceBody")
AcceptBody = _body(AcceptCase, "AcceptCaseBody")
RefuseBody = _body(RefuseCase, "RefuseCaseBody")
DispatchBody = _body(DispatchCase, "DispatchCaseBody")
ServeBody = _body(RecordService, "RecordServiceBody")
RateBody = _body(RateService, "RateServiceBody")
FollowUpBody = _body(RecordFollowUp, "RecordFollowUpBody")
RectificationBody = _body(TrackRectification, "TrackRectificationBody")
RevokeBody = _body(RevokePenalty, "RevokePenaltyBody")
RemakeBody = _body(RemakePenalty, "RemakePenaltyBody")
WithdrawBody = _body(WithdrawCase, "WithdrawCaseBody")
ArchiveBody = _body(ArchiveCase, "ArchiveCaseBody")
CorrectBody = _body(CorrectRecord, "CorrectRecordBody")
AnnotateBody = _body(AnnotateCase, "AnnotateCaseBody")
YearScheduleBody = _body(RecordYearSchedule, "RecordYearScheduleBody")
UnitBody = _body(RegisterUnit, "RegisterUnitBody")
UserBody = _body(RegisterUser, "RegisterUserBody")
AssignBody = _body(AssignUser, "AssignUserBody", exclude=("username",))


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
PublishEditionBody = _body(PublishCatalogueEdition, "PublishCatalogueEditionBody", exclude=("authority",))
AmendItemBody = _body(AmendListItem, "AmendListItemBody", exclude=("authority", "version"))
RepealItemBody = _body(RepealListItem, "RepealListItemBody", exclude=("authority", "version"))
RepealEditionBody = _body(RepealCatalogueEdition, "RepealCatalogueEditionBody", exclude=("authority", "version"))
LegalReviewBody = _body(SetLegalReviewPolicy, "SetLegalReviewPolicyBody", exclude=("authority",))
ConfirmReviewBody = _body(ConfirmReversal, "ConfirmReversalBody", exclude=("review_id",))
ObjectionBody = _body(ObjectToReversal, "ObjectToReversalBody", exclude=("review_id",))
AnswerBody = _body(AnswerObjection, "AnswerObjectionBody", exclude=("review_id",))
DeclareFilingBody = _body(DeclareMajorDecision, "DeclareMajorDecisionBody", exclude=())
FileFilingBody = _body(FileMajorDecision, "FileMajorDecisionBody", exclude=("filing_id",))
