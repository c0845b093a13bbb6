"""The quarterly report of the 行政指导事项登记簿 (seed 004 六): "各单位、科室每季度
开始5日内根据上季度行政指导工作情况，填写《行政指导事项登记簿》报局办公室，局办公室
汇总后于3日内通过协同平台报市人社局法规科。"

- ``RegisterReport`` — one unit's report of one quarter (uuid5 of unit, year,
  quarter). Its versions are snapshots of the register as submitted (the lines,
  their SHA-256 over the canonical form of ``ledger.register_reports.values``,
  the SHA-256 of the XLSX drawn from them): ``Submitted`` (version 1), then
  ``Corrected`` (a new version citing the one it replaces — after the office
  returned it, or on the unit's own initiative with a reason). The office
  ``Received`` or ``Returned`` (with the reason) the latest version.
- ``RegisterConsolidation`` — the office's consolidation of one quarter (uuid5
  of the office's unit, year, quarter): which units' received versions it
  includes (``Consolidated``, again ``Reconsolidated`` with a reason when the
  received versions changed), due upward 3 days after it, and ``Forwarded``
  with the platform's reference.
- ``QuarterReportIndex`` — the reports of one quarter (uuid5 of year and
  quarter), saved with each first submission, so a consolidation finds every
  report without reading a projection.

**Who is the office (局办公室).** The directory knows roles and units, and no
unit kind named 办公室. The seed's office is the bureau's coordinating desk:
it receives what the units send, puts it together and reports upward. In this
ledger that desk is the coordination office (``UnitKind.COORDINATION``,
行政执法协调监督部门) whose people hold the registrar's and the dispatcher's
roles — they already receive the bookings and coordinate the units. So the
office's acts (receive, return, consolidate, forward) belong to the roles in
``OFFICE_ROLES``; the consolidation is keyed by the acting user's unit. Units
report through their own staff (``Role.UNIT_STAFF``), for their own unit only.
Supervisors and auditors read everything and act on nothing here.

The deadline a submission is measured against is decided when it is made
(``late``; ``ReportDue.provisional`` when it assumed a year's schedule); a
quarter's report not yet submitted is measured against the deadline on the
calendar as recorded when it is read.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.inputs import blank
from ledger.numbering import LEDGER_NAMESPACE
from ledger.register_reports.values import (
    ConsolidatedReport,
    DayCounting,
    Forwarding,
    RegisterLine,
    ReportDue,
    ReportState,
    ReportVersion,
    Snapshot,
    consolidation_sha256,
    forward_due,
    period_label,
    quarter_last_day,
    report_due,
    snapshot_sha256,
)
from ledger.values import CST, Envelope, Role
from ledger.workdays import WorkCalendarView

OFFICE_ROLES = frozenset({Role.REGISTRAR, Role.DISPATCHER})
SHA256 = re.compile(r"[0-9a-f]{64}")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class RegisterReportNotFound(NotFound):
    code = "register_report_not_found"


class RegisterConsolidationNotFound(NotFound):
    code = "register_consolidation_not_found"


class RegisterReport(CopiedByContainers, Aggregate):
    """One unit's quarterly report of its 行政指导事项登记簿, in versions."""

    @staticmethod
    def create_id(unit: str, year: int, quarter: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"register-report/{unit}/{year}/{quarter}")

    @classmethod
    def submit(
        cls,
        envelope: Envelope,
        calendar: WorkCalendarView,
        counting: DayCounting,
        *,
        existing: RegisterReport | None,
        unit: str,
        year: int,
        quarter: int,
        lines: tuple[RegisterLine, ...],
        xlsx_sha256: str,
        seen_sha256: str | None = None,
    ) -> RegisterReport:
        """报送: by the unit's own staff, once the quarter is over, once per
        quarter (``existing``: the quarter's report if one was submitted —
        a second submission is a correction, ``correct``)."""
        _require_unit_staff(envelope)
        check_period(year, quarter)
        if blank(unit) or unit != envelope.actor.unit:
            raise InvalidInput.one(
                "unit", "other_unit", f"只能报送本单位（{envelope.actor.unit}）的登记簿，不能为“{unit}”报送")
        last = quarter_last_day(year, quarter)
        if _day(envelope) <= last:
            raise InvalidInput.one(
                "quarter", "quarter_not_over",
                f"{period_label(year, quarter)}至{last:%Y年%m月%d日}结束，尚未结束，不能报送该季度的登记簿")
        if existing is not None:
            latest = existing.latest
            raise InvalidInput.one(
                "quarter", "already_submitted",
                f"{period_label(year, quarter)}的登记簿已于{latest.submitted_at.astimezone(CST):%Y年%m月%d日}报送"
                f"（第{latest.number}版）；再次报送须作为更正，写明更正的版本和理由")
        snapshot = _snapshot(unit, year, quarter, lines, xlsx_sha256, seen_sha256)
        due = report_due(year, quarter, counting, calendar)
        return cls(envelope=envelope, unit=unit, year=year, quarter=quarter, snapshot=snapshot, due=due,
                   late=envelope.business_time > due.due_at)

    @event("Submitted")
    def __init__(
        self, envelope: Envelope, unit: str, year: int, quarter: int, snapshot: Snapshot, due: ReportDue, late: bool
    ) -> None:
        self.unit = unit
        self.year = year
        self.quarter = quarter
        self.due = due
        self.late = late
        self.versions: tuple[ReportVersion, ...] = (
            ReportVersion(number=1, snapshot=snapshot, submitted_at=envelope.business_time,
                          submitted_by=envelope.actor.name),
        )
        self.state = ReportState.SUBMITTED

    # ------------------------------------------------------------ corrections

    def correct(
        self,
        envelope: Envelope,
        *,
        corrects: int,
        reason: str,
        lines: tuple[RegisterLine, ...],
        xlsx_sha256: str,
        seen_sha256: str | None = None,
    ) -> int:
        """更正: a new version citing the latest one. After a return the
        office's reason stands (the unit may add its own); otherwise the unit
        corrects on its own initiative and says why. Returns the new version."""
        _require_unit_staff(envelope)
        if envelope.actor.unit != self.unit:
            raise NotAllowed(f"本登记簿由{self.unit}报送，{envelope.actor.unit}不能更正", code="other_unit")
        latest = self.latest
        if corrects != latest.number:
            raise InvalidInput.one("corrects", "not_latest", f"只能更正最新的第{latest.number}版")
        if self.state is not ReportState.RETURNED and blank(reason):
            raise InvalidInput.one("reason", "required", "登记簿未被退回，主动更正须写明更正理由")
        _not_before(envelope, latest.submitted_at, f"第{latest.number}版报送")
        snapshot = _snapshot(self.unit, self.year, self.quarter, lines, xlsx_sha256, seen_sha256)
        if snapshot.sha256 == latest.snapshot.sha256:
            raise InvalidInput.one(
                "lines", "unchanged",
                f"登记簿与第{latest.number}版完全相同（SHA-256 一致），请先补正有关的指导记录，再报送更正版本")
        self._corrected(envelope=envelope, version=latest.number + 1, corrects=corrects, reason=reason.strip(),
                        after_return=self.state is ReportState.RETURNED, snapshot=snapshot)
        return latest.number + 1

    @event("Corrected")
    def _corrected(
        self, envelope: Envelope, version: int, corrects: int, reason: str, after_return: bool, snapshot: Snapshot
    ) -> None:
        self.versions = (*self.versions, ReportVersion(
            number=version, snapshot=snapshot, submitted_at=envelope.business_time, submitted_by=envelope.actor.name,
            corrects=corrects, reason=reason))
        self.state = ReportState.SUBMITTED

    # ------------------------------------------------------------ the office

    def receive(self, envelope: Envelope, version: int | None = None) -> int:
        """接收 the latest version (``version``: the one the office looked at)."""
        latest = self._office_step(envelope, version, "接收")
        if self.state is ReportState.RECEIVED:
            raise WrongState(f"第{latest.number}版已于{latest.received_at.astimezone(CST):%Y年%m月%d日}接收"
                             if latest.received_at else "已接收", code="already_received")
        if self.state is ReportState.RETURNED:
            raise WrongState(f"第{latest.number}版已退回，待{self.unit}更正后再接收", code="returned")
        self._received(envelope=envelope, version=latest.number)
        return latest.number

    @event("Received")
    def _received(self, envelope: Envelope, version: int) -> None:
        self.versions = (*self.versions[:-1], _replace(self.versions[-1], received_at=envelope.business_time,
                                                       received_by=envelope.actor.name))
        self.state = ReportState.RECEIVED

    def return_(self, envelope: Envelope, reason: str, version: int | None = None) -> int:
        """退回 the latest version with the reason (also after receiving it,
        e.g. when consolidating shows a mistake); the unit then corrects it."""
        latest = self._office_step(envelope, version, "退回")
        if self.state is ReportState.RETURNED:
            raise WrongState(f"第{latest.number}版已退回，待{self.unit}更正", code="returned")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "退回须写明理由")
        self._returned(envelope=envelope, version=latest.number, reason=reason.strip())
        return latest.number

    @event("Returned")
    def _returned(self, envelope: Envelope, version: int, reason: str) -> None:
        self.versions = (*self.versions[:-1], _replace(self.versions[-1], returned_at=envelope.business_time,
                                                       returned_by=envelope.actor.name, return_reason=reason))
        self.state = ReportState.RETURNED

    def _office_step(self, envelope: Envelope, version: int | None, step: str) -> ReportVersion:
        _require_office(envelope, f"{step}登记簿")
        latest = self.latest
        if version is not None and version != latest.number:
            raise InvalidInput.one("version", "not_latest",
                                   f"第{version}版已由第{latest.number}版更正，请{step}最新版本" if version < latest.number
                                   else f"没有第{version}版（最新为第{latest.number}版）")
        _not_before(envelope, latest.submitted_at, f"第{latest.number}版报送")
        return latest

    # ---------------------------------------------------------------- reading

    @property
    def latest(self) -> ReportVersion:
        return self.versions[-1]

    @property
    def first_submitted_at(self) -> datetime:
        return self.versions[0].submitted_at

    def numbered(self, number: int) -> ReportVersion:
        """Version ``number`` of the report (1 is the first submission)."""
        for v in self.versions:
            if v.number == number:
                return v
        raise InvalidInput.one("version", "unknown_version", f"没有第{number}版（共{len(self.versions)}版）")


class QuarterReportIndex(CopiedByContainers, Aggregate):
    """Every unit report of one quarter, in order of first submission."""

    @staticmethod
    def create_id(year: int, quarter: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"register-reports/{year}/{quarter}")

    @event("Started")
    def __init__(self, year: int, quarter: int) -> None:
        self.year = year
        self.quarter = quarter
        self.report_ids: tuple[UUID, ...] = ()

    def add(self, report_id: UUID) -> None:
        if report_id not in self.report_ids:
            self._listed(report_id=report_id)

    @event("ReportListed")
    def _listed(self, report_id: UUID) -> None:
        self.report_ids = (*self.report_ids, report_id)


class RegisterConsolidation(CopiedByContainers, Aggregate):
    """The office's consolidation of one quarter's unit reports, and its
    forwarding upward (通过协同平台报送)."""

    @staticmethod
    def create_id(office: str, year: int, quarter: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"register-consolidation/{office}/{year}/{quarter}")

    @classmethod
    def consolidate(
        cls,
        envelope: Envelope,
        calendar: WorkCalendarView,
        counting: DayCounting,
        *,
        year: int,
        quarter: int,
        reports: tuple[RegisterReport, ...],
    ) -> RegisterConsolidation:
        """汇总 the quarter's received reports (their received versions)."""
        _require_office(envelope, "汇总登记簿")
        check_period(year, quarter)
        included = _received(year, quarter, reports)
        office = envelope.actor.unit
        return cls(envelope=envelope, office=office, year=year, quarter=quarter, reports=included,
                   sha256=consolidation_sha256(office, year, quarter, included),
                   due=forward_due(_day(envelope), counting, calendar))

    @event("Consolidated")
    def __init__(
        self, envelope: Envelope, office: str, year: int, quarter: int, reports: tuple[ConsolidatedReport, ...],
        sha256: str, due: ReportDue,
    ) -> None:
        self.office = office
        self.year = year
        self.quarter = quarter
        self.round = 1
        self._consolidated(envelope, reports, sha256, due)

    def _consolidated(self, envelope: Envelope, reports: tuple[ConsolidatedReport, ...], sha256: str,
                      due: ReportDue) -> None:
        self.reports = reports
        self.sha256 = sha256
        self.due = due
        self.consolidated_at = envelope.business_time
        self.consolidated_by = envelope.actor.name
        self.forwarding: Forwarding | None = None

    def reconsolidate(
        self,
        envelope: Envelope,
        calendar: WorkCalendarView,
        counting: DayCounting,
        *,
        reports: tuple[RegisterReport, ...],
        reason: str,
    ) -> int:
        """汇总 again, when the received versions changed (a late report, a
        correction), with the reason; if the earlier one was forwarded, the new
        one is forwarded again."""
        self._require_own_office(envelope, "重新汇总")
        included = _received(self.year, self.quarter, reports)
        if included == self.reports:
            raise InvalidInput.one("reports", "unchanged", "已接收的登记簿与上次汇总相同，无需重新汇总")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "重新汇总须写明理由（如补报、更正）")
        _not_before(envelope, self.consolidated_at, "上次汇总")
        self._reconsolidated(envelope=envelope, round=self.round + 1, reports=included,
                             sha256=consolidation_sha256(self.office, self.year, self.quarter, included),
                             due=forward_due(_day(envelope), counting, calendar), reason=reason.strip())
        return self.round

    @event("Reconsolidated")
    def _reconsolidated(self, envelope: Envelope, round: int, reports: tuple[ConsolidatedReport, ...], sha256: str,
                        due: ReportDue, reason: str) -> None:
        self.round = round
        self._consolidated(envelope, reports, sha256, due)

    def forward(self, envelope: Envelope, *, forwarded_on: date, platform_ref: str) -> None:
        """报送上级 (通过协同平台): once per consolidation, with the platform's reference."""
        self._require_own_office(envelope, "上报汇总登记簿")
        if self.forwarding is not None:
            raise WrongState(f"本次汇总已于{self.forwarding.forwarded_on:%Y年%m月%d日}上报"
                             f"（{self.forwarding.platform_ref}）", code="already_forwarded")
        errors = []
        if forwarded_on > _day(envelope):
            errors.append(InvalidInput.one("forwarded_on", "in_future", "上报日期晚于今天"))
        elif forwarded_on < self.consolidated_at.astimezone(CST).date():
            errors.append(InvalidInput.one("forwarded_on", "before_consolidation",
                                           f"上报日期早于汇总日期（{self.consolidated_at.astimezone(CST):%Y年%m月%d日}）"))
        if blank(platform_ref):
            errors.append(InvalidInput.one("platform_ref", "required", "请填写协同平台的报送编号（回执号）"))
        if errors:
            raise InvalidInput([fe for e in errors for fe in e.errors])
        self._forwarded(envelope=envelope, round=self.round, forwarding=Forwarding(
            forwarded_on=forwarded_on, platform_ref=platform_ref.strip(), by=envelope.actor.name,
            late=forwarded_on > self.due.due_on))

    @event("Forwarded")
    def _forwarded(self, envelope: Envelope, round: int, forwarding: Forwarding) -> None:
        self.forwarding = forwarding

    def _require_own_office(self, envelope: Envelope, step: str) -> None:
        _require_office(envelope, step)
        if envelope.actor.unit != self.office:
            raise NotAllowed(f"本汇总由{self.office}办理，{envelope.actor.unit}不能{step}", code="other_office")


# ------------------------------------------------------------------ helpers


def check_period(year: int, quarter: int) -> None:
    errors = []
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors.append(InvalidInput.one("year", "out_of_range", f"年份应在{FIRST_YEAR}年至{LAST_YEAR}年之间"))
    if quarter not in (1, 2, 3, 4):
        errors.append(InvalidInput.one("quarter", "out_of_range", "季度应为1至4"))
    if errors:
        raise InvalidInput([fe for e in errors for fe in e.errors])


def _require_unit_staff(envelope: Envelope) -> None:
    if envelope.actor.role is not Role.UNIT_STAFF:
        raise NotAllowed(f"{envelope.actor.role.label}不能报送登记簿，应由本单位执法人员报送", code="role_not_allowed")


def _require_office(envelope: Envelope, step: str) -> None:
    if envelope.actor.role not in OFFICE_ROLES:
        raise NotAllowed(f"{envelope.actor.role.label}不能{step}，应由办公室（登记受理、统筹派单人员）办理",
                         code="office_only")


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _not_before(envelope: Envelope, moment: datetime, what: str) -> None:
    if envelope.business_time < moment:
        raise InvalidInput.one("business_time", "before_previous_step",
                               f"办理时间早于{what}（{moment.astimezone(CST):%Y-%m-%d %H:%M}）")


def _replace(version: ReportVersion, **changes: Any) -> ReportVersion:
    return msgspec.structs.replace(version, **changes)


def _snapshot(unit: str, year: int, quarter: int, lines: tuple[RegisterLine, ...], xlsx_sha256: str,
              seen_sha256: str | None) -> Snapshot:
    """The snapshot of ``lines``; refused when the lines are not one register
    (序号 1…n) or differ from what the submitter looked at (``seen_sha256``)."""
    for i, line in enumerate(lines):
        if line.seq != i + 1:
            raise InvalidInput.one(f"lines[{i}].seq", "bad_sequence", f"第{i + 1}行的序号应为{i + 1}")
    if not SHA256.fullmatch(xlsx_sha256 or ""):
        raise InvalidInput.one("xlsx_sha256", "invalid", "登记簿文件的 SHA-256 应为64位十六进制字符")
    sha256 = snapshot_sha256(unit, year, quarter, lines)
    if seen_sha256 is not None and seen_sha256.strip().lower() != sha256:
        raise Conflict("登记簿在您查看之后已有变化（SHA-256 不同），请刷新页面核对后再报送")
    return Snapshot(lines=lines, sha256=sha256, xlsx_sha256=xlsx_sha256)


def _received(year: int, quarter: int, reports: tuple[RegisterReport, ...]) -> tuple[ConsolidatedReport, ...]:
    """The received versions among ``reports`` (by unit), or the refusal when none is."""
    included = tuple(sorted(
        (ConsolidatedReport(report_id=r.id, unit=r.unit, version=r.latest.number, sha256=r.latest.snapshot.sha256,
                            lines=len(r.latest.snapshot.lines))
         for r in reports if r.state is ReportState.RECEIVED and (r.year, r.quarter) == (year, quarter)),
        key=lambda c: c.unit))
    if not included:
        raise InvalidInput.one("reports", "none_received",
                               f"{period_label(year, quarter)}尚无已接收的单位登记簿，不能汇总（请先接收各单位报送的登记簿）")
    return included
