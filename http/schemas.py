"""Wire types: msgspec Structs in and out.

The body of each case command is its command Struct without ``case_id``
(taken from the path), generated here so the two never drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from ledger import commands as c
from ledger.values import (
    Applicant,
    Assignment,
    CaseState,
    Channel,
    Contact,
    Due,
    FollowUp,
    Opinion,
    Rating,
    Rectification,
    Referral,
    Reversal,
    ServiceForm,
    ServiceType,
    Urgency,
)


def _body(command: type[msgspec.Struct], name: str, exclude: tuple[str, ...] = ("case_id",)) -> type[msgspec.Struct]:
    fields: list[Any] = []
    for f in msgspec.structs.fields(command):
        if f.name in exclude:
            continue
        fields.append((f.name, f.type) if f.required else (f.name, f.type, f.default))
    return msgspec.defstruct(name, fields, kw_only=True, frozen=True, forbid_unknown_fields=True)


BookBody = _body(c.BookGuidance, "BookGuidanceBody")
AcceptBody = _body(c.AcceptCase, "AcceptCaseBody")
RefuseBody = _body(c.RefuseCase, "RefuseCaseBody")
DispatchBody = _body(c.DispatchCase, "DispatchCaseBody")
ServeBody = _body(c.RecordService, "RecordServiceBody")
RateBody = _body(c.RateService, "RateServiceBody")
FollowUpBody = _body(c.RecordFollowUp, "RecordFollowUpBody")
RectificationBody = _body(c.TrackRectification, "TrackRectificationBody")
RevokeBody = _body(c.RevokePenalty, "RevokePenaltyBody")
RemakeBody = _body(c.RemakePenalty, "RemakePenaltyBody")
WithdrawBody = _body(c.WithdrawCase, "WithdrawCaseBody")
ArchiveBody = _body(c.ArchiveCase, "ArchiveCaseBody")
CorrectBody = _body(c.CorrectRecord, "CorrectRecordBody")
AnnotateBody = _body(c.AnnotateCase, "AnnotateCaseBody")
YearScheduleBody = _body(c.RecordYearSchedule, "RecordYearScheduleBody")
UnitBody = _body(c.RegisterUnit, "RegisterUnitBody")
UserBody = _body(c.RegisterUser, "RegisterUserBody")
AssignBody = _body(c.AssignUser, "AssignUserBody", exclude=("username",))


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
PublishEditionBody = _body(c.PublishCatalogueEdition, "PublishCatalogueEditionBody", exclude=("authority",))
AmendItemBody = _body(c.AmendListItem, "AmendListItemBody", exclude=("authority", "version"))
RepealItemBody = _body(c.RepealListItem, "RepealListItemBody", exclude=("authority", "version"))
RepealEditionBody = _body(c.RepealCatalogueEdition, "RepealCatalogueEditionBody", exclude=("authority", "version"))
LegalReviewBody = _body(c.SetLegalReviewPolicy, "SetLegalReviewPolicyBody", exclude=("authority",))
ConfirmReviewBody = _body(c.ConfirmReversal, "ConfirmReversalBody", exclude=("review_id",))
ObjectionBody = _body(c.ObjectToReversal, "ObjectToReversalBody", exclude=("review_id",))
AnswerBody = _body(c.AnswerObjection, "AnswerObjectionBody", exclude=("review_id",))
DeclareFilingBody = _body(c.DeclareMajorDecision, "DeclareMajorDecisionBody", exclude=())
FileFilingBody = _body(c.FileMajorDecision, "FileMajorDecisionBody", exclude=("filing_id",))
