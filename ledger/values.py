"""Value types shared by the slices (the kernel); each slice keeps its own
in ``ledger/<slice>/values.py``.

Enum *values* are stored in events forever, so they are stable English codes;
the Chinese wording that clerks see comes from ``label``. Structs are frozen
msgspec Structs so that they are immutable, hashable and decode into exactly
the same values they were encoded from.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import msgspec

# China Standard Time. A fixed offset (not a ZoneInfo) so that stored business
# times decode back to an identical tzinfo; China has no daylight saving time.
CST = timezone(timedelta(hours=8))


# The ledger's time range: anything outside is a typing mistake, and the
# arithmetic of deadlines and time zones must never overflow on it.
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


def check_instant(field: str, value: datetime) -> datetime:
    """An aware datetime within the ledger's range, or InvalidInput."""
    from ledger.errors import InvalidInput

    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.one(field, "naive_datetime", "时间必须带时区，例如 2026-11-22T09:30:00+08:00")
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise InvalidInput.one(field, "out_of_range", f"时间应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间")
    return value


def local_instant(field: str, value: datetime) -> datetime:
    """A time typed by a clerk: without a zone it means China Standard Time;
    then range-checked like ``check_instant``."""
    return check_instant(field, value if value.tzinfo is not None else value.replace(tzinfo=CST))


class LabelledEnum(enum.StrEnum):
    """A str enum whose members carry a Chinese label."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


class Role(LabelledEnum):
    REGISTRAR = "registrar", "登记受理人员"
    DISPATCHER = "dispatcher", "统筹派单人员"
    UNIT_STAFF = "unit_staff", "执法单位人员"
    SUPERVISOR = "supervisor", "执法监督人员"
    AUDITOR = "auditor", "审计人员"
    ADMINISTRATOR = "administrator", "系统管理员"
    SYSTEM = "system", "系统"


class DeadlineClass(LabelledEnum):
    """S0 §三.4: consultation 1 working day, general 3–5, urgent 24 hours."""

    CONSULTATION = "consultation", "咨询服务需求（1个工作日）"
    GENERAL = "general", "一般服务需求（3至5个工作日）"
    URGENT = "urgent", "紧急需求（24小时内响应）"


class FourList(LabelledEnum):
    """The usual four lists (四张清单); places may configure others later."""

    NO_PENALTY = "no_penalty", "不予处罚清单"
    LIGHTER = "lighter", "从轻处罚清单"
    MITIGATED = "mitigated", "减轻处罚清单"
    NO_COERCIVE_MEASURE = "no_coercive_measure", "不予实施行政强制措施清单"


class FormKind(LabelledEnum):
    APPLICATION = "application", "指导服务申请表"
    OPINION = "opinion", "指导服务意见书"
    RATING = "rating", "服务满意度评价表"
    ARCHIVE = "archive", "归档"
    SUGGESTION_LETTER = "suggestion_letter", "行政执法监督问题整改建议书"
    GUIDANCE_OPINION = "guidance_opinion", "行政指导意见书"
    GUIDANCE_RECORD = "guidance_record", "行政指导登记文书"
    CORRECTION_ORDER = "correction_order", "责令改正通知书"
    APPOINTMENT_LETTER = "appointment_letter", "特邀行政执法监督员聘任书"
    LEGAL_REVIEW = "legal_review", "法制审核"  # ledger.legal_review: numbered on request (法审〔2026〕3号)
    MEDIATION = "mediation", "行政调解"  # ledger.mediation: numbered on acceptance (受理)


class Struct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    """Base of the domain's value objects."""


class Actor(Struct):
    """Who acts: the authenticated user, in a role, for a unit."""

    id: str
    name: str
    role: Role
    unit: str


class Envelope(Struct):
    """The audit envelope every event carries.

    ``business_time`` is when the act happened in the world (e.g. when the
    service was given); the event's own ``timestamp`` is when the ledger
    recorded it. ``basis`` is the legal basis or the reason, where the step has one.
    """

    actor: Actor
    request_id: str
    business_time: datetime
    basis: str | None = None


class Person(Struct):
    id: str
    name: str


class FormNumber(Struct, omit_defaults=True):
    """A gap-free number of one series: per issuing unit, form kind and year.

    ``text``: the number as printed when it was issued, in the unit's format
    of that time (e.g. 临人社行指〔2026〕3号; ``ledger.numbering``); a later
    change of the format leaves it as it was. Empty on numbers issued in the
    default format before formats existed (and omitted from the stored
    JSON then, so those events encode as before): they read 2026年第3号."""

    unit: str
    kind: FormKind
    year: int
    seq: int
    text: str = ""

    def __str__(self) -> str:
        return self.text or f"{self.year}年第{self.seq}号"


class Due(Struct):
    """When a case must be served. ``target`` and ``limit`` differ only for
    general needs (3 and 5 working days). ``provisional`` means a year the
    period touches had no recorded schedule, so Monday–Friday was assumed."""

    deadline_class: DeadlineClass
    start: datetime
    target: datetime
    limit: datetime
    provisional: bool
    assumed_years: tuple[int, ...] = ()


class PenaltyDecision(Struct):
    """The earlier decision being revoked or remade."""

    number: str
    decided_on: date
    issuing_unit: str
    four_lists_applied: bool


class ListItemCited(Struct):
    """The catalogue item a reversal applies. ``list_code`` names the list in
    the authority's catalogue when a place defines its own lists; empty means
    the standard list of that kind (code = the kind's value)."""

    list: FourList
    catalogue_version: str
    item_number: str
    list_code: str = ""

    @property
    def code(self) -> str:
        return self.list_code or self.list.value


class Reversal(Struct):
    """A penalty revoked (撤销) or remade (重新作出) under the four lists."""

    decision: PenaltyDecision
    cited: ListItemCited
    conditions_met: tuple[str, ...]
    outcome: str
    explanation: str
    legal_reviewer: Person | None = None
    new_sanction: str | None = None
    # the fine of the remade decision, checked against the item's statutory range
    new_fine_yuan: Decimal | None = None
    # a major decision (较大数额罚款、责令停产停业、吊销许可证照…): legal review
    # is mandatory and the decision is filed with supervision within 15 days
    major: bool = False
    # the document number of the new (revoking or remade) decision
    new_decision_number: str = ""
    # a major decision cites its passed 法制审核 (ledger.legal_review.LegalReview)
    legal_review_id: UUID | None = None
