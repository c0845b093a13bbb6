"""Administrative mediation's commands (启动, 同意, 受理/不予受理, 告知权利, 笔录,
现场调查/听证, 协议书, 终止, 撤回同意), the authority's period and the notice
of the right to apply for mediation (第十五条)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ledger.commands import Command
from ledger.mediation.values import (
    Agreement,
    Consent,
    Investigation,
    Notice,
    NoticeMethod,
    Party,
    Procedure,
    Referral,
    RightsNotice,
    RightSource,
    StartWay,
    Statement,
)


class MediationCommand(Command, frozen=True, kw_only=True):
    mediation_id: UUID
    expected_version: int | None = None


class StartMediation(Command, frozen=True, kw_only=True):
    """``source``: what it arose from (a case, a complaint, a decision), free text."""

    way: StartWay
    procedure: Procedure
    parties: tuple[Party, ...]
    matter: str
    dispute: str
    legal_basis: str = ""
    source: str = ""


class RecordMediationConsent(MediationCommand, frozen=True, kw_only=True):
    consent: Consent


class WithdrawMediationConsent(MediationCommand, frozen=True, kw_only=True):
    """A party withdraws its consent: the mediation ends, pointing to ``referral``."""

    party: int
    reason: str = ""
    referral: Referral
    body: str
    contact: str


class AcceptMediation(MediationCommand, frozen=True, kw_only=True):
    """受理; ``notice`` required in the general procedure."""

    notice: Notice | None = None


class DeclineMediation(MediationCommand, frozen=True, kw_only=True):
    reasons: str


class NotifyMediationRights(MediationCommand, frozen=True, kw_only=True):
    rights: RightsNotice


class RecordMediationSession(MediationCommand, frozen=True, kw_only=True):
    """``mediators``: usernames from the directory."""

    held_at: datetime
    place: str
    mediators: tuple[str, ...]
    invited: tuple[str, ...] = ()
    statements: tuple[Statement, ...]
    disputes: str
    course: str
    recorder: str = ""


class RecordMediationInvestigation(MediationCommand, frozen=True, kw_only=True):
    investigation: Investigation


class ConcludeMediationAgreement(MediationCommand, frozen=True, kw_only=True):
    agreement: Agreement


class EndMediation(MediationCommand, frozen=True, kw_only=True):
    """经调解无法达成协议: ended, pointing to 行政复议, 诉讼 or 仲裁."""

    referral: Referral
    body: str
    contact: str
    explanation: str


class SetMediationDeadline(Command, frozen=True, kw_only=True):
    """An authority's period from 受理 to 结案 in working days (``None``: none)."""

    authority: str
    working_days: int | None = None


class GiveMediationRightNotice(Command, frozen=True, kw_only=True):
    """第十五条: the notice of the right to apply for mediation, for one source
    (``ref``: the decision's number, the complaint's, or the case's id)."""

    source: RightSource
    ref: str
    party: str
    given_on: date
    method: NoticeMethod
    content: str
