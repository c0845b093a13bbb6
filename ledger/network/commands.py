"""The supervision network's commands (seed 003 一–三)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.commands import Command
from ledger.network.values import ActKind, Enterprise, ReportSource, SupervisorCategory, TownQuota, Visit


class RecordNetworkQuotas(Command, frozen=True, kw_only=True):
    """附件1: the year's quotas per town (again, to revise them)."""

    year: int
    quotas: tuple[TownQuota, ...]


class NominateContactPoint(Command, frozen=True, kw_only=True):
    """A 司法所 nominates an enterprise (附件2) within its town's quota of ``year`` (default: this year)."""

    enterprise: Enterprise
    year: int | None = None


class ContactPointCommand(Command, frozen=True, kw_only=True):
    contact_point_id: UUID
    expected_version: int | None = None


class PlaqueContactPoint(ContactPointCommand, frozen=True, kw_only=True):
    """审核通过并挂牌 on ``plaqued_on``: the contact point is then published."""

    plaqued_on: date


class RejectContactPoint(ContactPointCommand, frozen=True, kw_only=True):
    reason: str


class AdjustContactPoint(ContactPointCommand, frozen=True, kw_only=True):
    """动态调整: the enterprise's details as they are now, and why."""

    enterprise: Enterprise
    reason: str


class RemoveContactPoint(ContactPointCommand, frozen=True, kw_only=True):
    reason: str


class NominateSupervisor(Command, frozen=True, kw_only=True):
    """A 司法所 nominates an invited supervisor (附件3) within its town's quota for the category."""

    category: SupervisorCategory
    name: str
    id_number: str
    employer: str
    mobile: str
    employer_uscc: str = ""
    year: int | None = None


class SupervisorCommand(Command, frozen=True, kw_only=True):
    supervisor_id: UUID
    expected_version: int | None = None


class AppointSupervisor(SupervisorCommand, frozen=True, kw_only=True):
    """聘任 for a one-year term from ``term_start``, with a numbered 聘任书."""

    term_start: date


class RenewSupervisor(SupervisorCommand, frozen=True, kw_only=True):
    """续聘 for the next term (up to the current term's last day)."""


class DismissSupervisor(SupervisorCommand, frozen=True, kw_only=True):
    reason: str


class PairEnterprise(Command, frozen=True, kw_only=True):
    """结对: ``staff`` (a username of the caller's 司法所) with an enterprise (附件4)."""

    staff: str
    enterprise: Enterprise


class PairingCommand(Command, frozen=True, kw_only=True):
    pairing_id: UUID
    expected_version: int | None = None


class RecordPairingVisit(PairingCommand, frozen=True, kw_only=True):
    visit: Visit


class EndPairing(PairingCommand, frozen=True, kw_only=True):
    reason: str


class FileNetworkReport(Command, frozen=True, kw_only=True):
    """立档建册 a contact point's or supervisor's report received on ``received_on``."""

    source: ReportSource
    source_id: UUID
    received_on: date
    act_kind: ActKind
    happened: str
    unit_concerned: str = ""
    suggestion: str = ""


class ForwardNetworkReport(Command, frozen=True, kw_only=True):
    """及时向司法局反馈: the report is forwarded (today)."""

    report_id: UUID
    expected_version: int | None = None
