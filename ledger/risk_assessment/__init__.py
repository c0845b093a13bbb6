"""The periodic assessment report of the legal-risk prevention (seed 002
第二十一条 行政执法机关应当定期对法律风险防控制度的落实情况进行分析评估，形成报告),
modelled on the quarterly 登记簿 reports (``ledger.register_reports``):

- ``AssessmentSchedule`` — an authority's setting (uuid5 of the authority):
  quarterly or yearly, and how many days after a period the report is due, in
  working or calendar days (``ScheduleSet``; the default until one is set:
  quarterly, 15 working days). Set by the administrator or the supervision
  department, who oversee the reporting.
- ``RiskAssessmentReport`` — one authority's report of one period (uuid5 of
  the authority and the period): ``Submitted`` once the period is over, by the
  authority's own staff, as a snapshot — the four sections (the first three
  drawn by the server from the views, never typed by a client; the 总结评估
  written by the authority) and their SHA-256 (``values.canonical``) — with the
  deadline it was measured against and whether it was late.

An authority is a unit (as for the risk points, ``ledger.risk_points``).
Public methods decide; ``@event`` methods only assign.
"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import Conflict, FieldError, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.inputs import blank
from ledger.numbering import LEDGER_NAMESPACE
from ledger.register_reports.values import ReportDue
from ledger.risk_assessment.values import (
    MAX_DUE_DAYS,
    Period,
    PeriodKind,
    Schedule,
    Sections,
    Snapshot,
    Summary,
    assessment_due,
    sections_sha256,
    snapshot_sha256,
)
from ledger.values import CST, Actor, Envelope, Role
from ledger.workdays import WorkCalendarView

SHA256 = re.compile(r"[0-9a-f]{64}")
SCHEDULERS = frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.SYSTEM})
MAX_TEXT = 5000


class RiskAssessmentNotFound(NotFound):
    code = "risk_assessment_not_found"


class AssessmentSchedule(CopiedByContainers, Aggregate):
    """How often an authority assesses its risk prevention, and when a report is due."""

    @staticmethod
    def create_id(authority: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"risk-assessment-schedule/{authority}")

    @classmethod
    def start(cls, envelope: Envelope, authority: str) -> AssessmentSchedule:
        _require_scheduler(envelope)
        if blank(authority):
            raise InvalidInput.one("authority", "required", "请填写执法机关（单位）")
        return cls(envelope=envelope, authority=authority.strip())

    @event("Started")
    def __init__(self, envelope: Envelope, authority: str) -> None:
        self.authority = authority
        self.schedule = Schedule()

    def set(self, envelope: Envelope, schedule: Schedule) -> None:
        """设定: applies to the reports submitted from now on."""
        _require_scheduler(envelope)
        if not 1 <= schedule.due_days <= MAX_DUE_DAYS:
            raise InvalidInput.one("due_days", "out_of_range", f"报送期限应为1至{MAX_DUE_DAYS}日")
        if schedule == self.schedule and self.version > 1:
            raise InvalidInput.one("period", "unchanged", "设置没有变化")
        self._set(envelope=envelope, schedule=schedule)

    @event("ScheduleSet")
    def _set(self, envelope: Envelope, schedule: Schedule) -> None:
        self.schedule = schedule


class RiskAssessmentReport(CopiedByContainers, Aggregate):
    """One authority's assessment report of one period, as submitted."""

    def issues_copy(self, actor: Actor) -> bool:
        """Whose download is the authority's official copy: its own staff's."""
        return actor.role is Role.UNIT_STAFF and actor.unit == self.authority

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """The submitted report printed as the authority's official copy
        (ledger.documents.risk_assessment)."""
        if not self.issues_copy(envelope.actor):
            raise NotAllowed(f"只有{self.authority}的执法人员可以出具本机关分析评估报告的正式文本", code="role_not_allowed")
        self._document_issued(envelope=envelope, issued=issued, unit=self.authority)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: the authority, by which the documents view scopes the issue
        self.documents = (*getattr(self, "documents", ()), issued)

    @staticmethod
    def create_id(authority: str, period: Period) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"risk-assessment/{authority}/{period.key}")

    @classmethod
    def submit(
        cls,
        envelope: Envelope,
        calendar: WorkCalendarView,
        *,
        existing: RiskAssessmentReport | None,
        authority: str,
        period: Period,
        schedule: Schedule,
        sections: Sections,
        summary: Summary,
        seen_sha256: str | None = None,
    ) -> RiskAssessmentReport:
        """报送: by the authority's own staff, once the period is over, once
        (``seen_sha256``: the ``sections_sha256`` of the sections the submitter saw)."""
        actor = envelope.actor
        if actor.role is not Role.UNIT_STAFF:
            raise NotAllowed(f"{actor.role.label}不能报送分析评估报告，应由本机关执法人员报送", code="role_not_allowed")
        if authority != actor.unit:
            raise InvalidInput.one("authority", "other_unit",
                                   f"只能报送本单位（{actor.unit}）的分析评估报告，不能为“{authority}”报送")
        check_period(period)
        if period.kind is not schedule.period:
            raise InvalidInput.one("period", "wrong_kind", f"{authority}按{schedule.period.label}进行分析评估，"
                                                            f"不能报送{period.label}的报告")
        today = envelope.business_time.astimezone(CST).date()
        if today <= period.last_day:
            raise InvalidInput.one("period", "period_not_over",
                                   f"{period.label}至{period.last_day:%Y年%m月%d日}结束，尚未结束，不能报送该期的分析评估报告")
        if existing is not None:
            raise WrongState(f"{period.label}的分析评估报告已于"
                             f"{existing.snapshot.submitted_at.astimezone(CST):%Y年%m月%d日}报送", code="already_submitted")
        summary = _checked(summary)
        if seen_sha256 is not None and seen_sha256.strip().lower() != sections_sha256(sections):
            raise Conflict("报告的基本情况、实施防控或对比分析在您查看之后已有变化（SHA-256 不同），请刷新页面核对后再报送")
        sha256 = snapshot_sha256(authority, period, sections, summary)
        due = assessment_due(period, schedule, calendar)
        snapshot = Snapshot(sections=sections, summary=summary, sha256=sha256, submitted_at=envelope.business_time,
                            submitted_by=actor.name)
        return cls(envelope=envelope, authority=authority, period=period, snapshot=snapshot, due=due,
                   late=envelope.business_time > due.due_at)

    @event("Submitted")
    def __init__(self, envelope: Envelope, authority: str, period: Period, snapshot: Snapshot, due: ReportDue,
                 late: bool) -> None:
        self.authority = authority
        self.period = period
        self.snapshot = snapshot
        self.due = due
        self.late = late


def check_period(period: Period) -> None:
    errors = []
    if not 2000 <= period.year <= 2100:
        errors.append(FieldError("period.year", "out_of_range", "年份应在2000年至2100年之间"))
    if period.kind is PeriodKind.QUARTER and period.number not in (1, 2, 3, 4):
        errors.append(FieldError("period.number", "out_of_range", "季度应为1至4"))
    if period.kind is PeriodKind.YEAR and period.number != 0:
        errors.append(FieldError("period.number", "out_of_range", "年度报告不分季度（number 应为0）"))
    if errors:
        raise InvalidInput(errors)


def period_over(period: Period, today: date) -> bool:
    return today > period.last_day


def _checked(summary: Summary) -> Summary:
    errors = []
    for field, label in (("experience", "取得的经验"), ("problems", "存在问题"), ("suggestions", "意见建议")):
        text = getattr(summary, field)
        if blank(text):
            errors.append(FieldError(f"summary.{field}", "required", f"总结评估须写明{label}"))
        elif len(text.strip()) > MAX_TEXT:
            errors.append(FieldError(f"summary.{field}", "too_long", f"{label}不超过{MAX_TEXT}个字"))
    if errors:
        raise InvalidInput(errors)
    return Summary(experience=summary.experience.strip(), problems=summary.problems.strip(),
                   suggestions=summary.suggestions.strip())


def _require_scheduler(envelope: Envelope) -> None:
    if envelope.actor.role not in SCHEDULERS:
        raise NotAllowed("分析评估的周期和期限由系统管理员或执法监督部门设定", code="scheduler_only")
