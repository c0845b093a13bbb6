"""The quarterly register report's commands: load → decide → save."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.commanding import MAX_ATTEMPTS, LedgerBase, Result, _backoff
from ledger.commands import Command, Context
from ledger.errors import Conflict, InvalidInput
from ledger.register_reports import (
    QuarterReportIndex,
    RegisterConsolidation,
    RegisterConsolidationNotFound,
    RegisterReport,
    RegisterReportNotFound,
)
from ledger.register_reports.commands import (
    ConsolidateRegisterReports,
    CorrectRegisterReport,
    ForwardRegisterConsolidation,
    ReceiveRegisterReport,
    ReturnRegisterReport,
    SubmitRegisterReport,
)
from ledger.register_reports.values import DayCounting, ReportDue, explain, report_due
from ledger.scope import Reach, sees
from ledger.values import Envelope


class RegisterReportCommands(LedgerBase):
    @property
    def report_counting(self) -> DayCounting:
        """Working or calendar days (``LEDGER_REPORT_DAYS``, default working days)."""
        return DayCounting(self.settings.report_days)

    # ------------------------------------------------------------ the unit

    def submit_register_report(self, ctx: Context, cmd: SubmitRegisterReport) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            report, index = self._decide_submission(ctx, cmd)
            try:
                recordings = self.save(report, index)
            except RecordConflictError:
                # another unit listed its report first (the index moved on), or this
                # unit's report was just submitted by a colleague: decide again
                _backoff(attempt)
                continue
            return Result(case_id=None, record_id=report.id, version=report.version,
                          notification_id=recordings[-1].notification.id)
        raise Conflict("报送繁忙，请稍后重试")

    def check_register_submission(self, ctx: Context, cmd: SubmitRegisterReport) -> ReportDue:
        """The submission's own decision on copies, saving nothing: the rules
        that do not depend on the register (role, unit, quarter over, a second
        submission) refuse it before the register is read."""
        report, _ = self._decide_submission(ctx, cmd, check_only=True)
        return report.due

    def _decide_submission(
        self, ctx: Context, cmd: SubmitRegisterReport, *, check_only: bool = False
    ) -> tuple[RegisterReport, QuarterReportIndex]:
        envelope = self._submission_envelope(ctx, cmd)
        existing = self._report_or_none(RegisterReport.create_id(cmd.unit, cmd.year, cmd.quarter)) \
            if 2000 <= cmd.year <= 2100 else None
        lines, xlsx = (cmd.lines, cmd.xlsx_sha256 or "0" * 64) if check_only else (cmd.lines, cmd.xlsx_sha256)
        report = RegisterReport.submit(
            envelope, self._view(self.calendar(for_update=False)), self.report_counting, existing=existing,
            unit=cmd.unit, year=cmd.year, quarter=cmd.quarter, lines=lines, xlsx_sha256=xlsx,
            seen_sha256=None if check_only else cmd.register_sha256,
        )
        index = self._index(cmd.year, cmd.quarter)
        index.add(report.id)
        return report, index

    def correct_register_report(self, ctx: Context, cmd: CorrectRegisterReport) -> Result:
        envelope = self._submission_envelope(ctx, cmd)
        report = self._load_report(ctx, cmd.report_id, cmd.expected_version)
        number = report.correct(envelope, corrects=cmd.corrects, reason=cmd.reason, lines=cmd.lines,
                                xlsx_sha256=cmd.xlsx_sha256, seen_sha256=cmd.register_sha256)
        return self._saved_record(report, number)

    def check_register_correction(self, ctx: Context, cmd: CorrectRegisterReport) -> None:
        """The correction's rules that do not depend on the register, on a copy, saving nothing."""
        envelope = self._submission_envelope(ctx, cmd)
        report = self._load_report(ctx, cmd.report_id, cmd.expected_version)
        try:
            report.correct(envelope, corrects=cmd.corrects, reason=cmd.reason, lines=(), xlsx_sha256="0" * 64)
        except InvalidInput as e:
            if {f.code for f in e.errors} != {"unchanged"}:  # an empty register may well differ later
                raise

    # ---------------------------------------------------------- the office

    def receive_register_report(self, ctx: Context, cmd: ReceiveRegisterReport) -> Result:
        envelope = self._envelope(ctx, cmd)
        report = self._load_report(ctx, cmd.report_id, cmd.expected_version, submitted=True)
        return self._saved_record(report, report.receive(envelope, cmd.version))

    def return_register_report(self, ctx: Context, cmd: ReturnRegisterReport) -> Result:
        envelope = self._envelope(ctx, cmd)
        report = self._load_report(ctx, cmd.report_id, cmd.expected_version, submitted=True)
        return self._saved_record(report, report.return_(envelope, cmd.reason, cmd.version))

    def consolidate_register_reports(self, ctx: Context, cmd: ConsolidateRegisterReports) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            calendar, counting = self._view(self.calendar(for_update=False)), self.report_counting
            reports = self._quarter_reports(cmd.year, cmd.quarter) if 2000 <= cmd.year <= 2100 else ()
            cid = RegisterConsolidation.create_id(envelope.actor.unit, cmd.year, cmd.quarter)
            try:
                consolidation = self._get_fresh(cid)
            except AggregateNotFoundError:
                consolidation = RegisterConsolidation.consolidate(
                    envelope, calendar, counting, year=cmd.year, quarter=cmd.quarter, reports=reports)
            else:
                consolidation.reconsolidate(envelope, calendar, counting, reports=reports, reason=cmd.reason)
            try:
                recordings = self.save(consolidation)
            except RecordConflictError:
                _backoff(attempt)  # a colleague consolidated at the same moment: decide again on theirs
                continue
            return Result(case_id=None, record_id=consolidation.id, version=consolidation.version,
                          notification_id=recordings[-1].notification.id, number=str(consolidation.round))
        raise Conflict("汇总繁忙，请稍后重试")

    def forward_register_consolidation(self, ctx: Context, cmd: ForwardRegisterConsolidation) -> Result:
        envelope = self._envelope(ctx, cmd)
        consolidation = self._load_consolidation(ctx, cmd.consolidation_id, cmd.expected_version)
        consolidation.forward(envelope, forwarded_on=cmd.forwarded_on, platform_ref=cmd.platform_ref)
        result = self._saved(None, consolidation)
        return msgspec.structs.replace(result, record_id=consolidation.id)

    # ------------------------------------------------------------------ reads

    def register_report_due(self, year: int, quarter: int) -> ReportDue:
        """When the units' registers of a quarter are due, on the calendar as recorded now."""
        return report_due(year, quarter, self.report_counting, self._view(self.calendar(for_update=False)))

    def explain_report_due(self, due: ReportDue, what: str = "报送期限") -> tuple[str, ...]:
        """How ``due`` is counted, day by day (the page's 为什么是这一天)."""
        return explain(due, self._view(self.calendar(for_update=False)), what)

    def get_register_report(self, report_id: UUID) -> RegisterReport:
        report = self._report_or_none(report_id)
        if report is None:
            raise RegisterReportNotFound(f"没有编号为{report_id}的登记簿报送")
        return report

    def get_register_consolidation(self, consolidation_id: UUID) -> RegisterConsolidation:
        try:
            consolidation = self.repository.get(consolidation_id)
        except AggregateNotFoundError:
            consolidation = None
        if not isinstance(consolidation, RegisterConsolidation):
            raise RegisterConsolidationNotFound(f"没有编号为{consolidation_id}的登记簿汇总")
        return consolidation

    # ---------------------------------------------------------------- helpers

    def _submission_envelope(self, ctx: Context, cmd: Command) -> Envelope:
        # A submission happens when the ledger records it: a business time
        # typed by the client would let a late report pass as on time.
        if cmd.business_time is not None:
            raise InvalidInput.one("business_time", "not_allowed", "报送时间以系统记录的时间为准，不能另行填写")
        return self._envelope(ctx, cmd)

    def _report_or_none(self, report_id: UUID) -> RegisterReport | None:
        try:
            report = self._get_fresh(report_id)
        except AggregateNotFoundError:
            return None
        return report if isinstance(report, RegisterReport) else None

    def _load_report(self, ctx: Context, report_id: UUID, expected: int | None, *, submitted: bool = False) -> RegisterReport:
        """A report for a command (a copy). Another unit's staff are answered
        as if it did not exist; for the office, an id with no submission
        behind it is a report not (yet) submitted."""
        report = self._report_or_none(report_id)
        if report is None or not sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, [report.unit]):
            if submitted and report is None and _reads_every_unit(ctx):
                raise InvalidInput.one("report_id", "not_submitted", "该登记簿尚未报送，不能接收或退回")
            raise RegisterReportNotFound(f"没有编号为{report_id}的登记簿报送")
        _expect(report, expected, "登记簿报送")
        return report

    def _load_consolidation(self, ctx: Context, consolidation_id: UUID, expected: int | None) -> RegisterConsolidation:
        try:
            consolidation = self._get_fresh(consolidation_id)
        except AggregateNotFoundError:
            consolidation = None
        if not isinstance(consolidation, RegisterConsolidation) or not _reads_every_unit(ctx):
            raise RegisterConsolidationNotFound(f"没有编号为{consolidation_id}的登记簿汇总")
        _expect(consolidation, expected, "登记簿汇总")
        return consolidation

    def _index(self, year: int, quarter: int) -> QuarterReportIndex:
        try:
            return self._get_fresh(QuarterReportIndex.create_id(year, quarter))
        except AggregateNotFoundError:
            return QuarterReportIndex(year=year, quarter=quarter)

    def _quarter_reports(self, year: int, quarter: int) -> tuple[RegisterReport, ...]:
        try:
            index = self._get_fresh(QuarterReportIndex.create_id(year, quarter), copy=False)
        except AggregateNotFoundError:
            return ()
        return tuple(self._get_fresh(i, copy=False) for i in index.report_ids)

    def _saved_record(self, aggregate: Any, number: int) -> Result:
        try:
            recordings = self.save(aggregate)
        except RecordConflictError:
            raise Conflict("登记簿报送已被他人同时办理，请刷新后重试") from None
        return Result(case_id=None, record_id=aggregate.id, version=aggregate.version,
                      notification_id=recordings[-1].notification.id, number=str(number))


def _reads_every_unit(ctx: Context) -> bool:
    """The office, supervisors and auditors (every unit's reports and the
    consolidations); a unit's staff read only their own unit's reports."""
    return sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, ())


def _expect(aggregate: Any, expected: int | None, what: str) -> None:
    if expected is not None and expected != aggregate.version:
        raise Conflict(f"{what}已被他人办理（您看到的是第{expected}版，当前为第{aggregate.version}版），请刷新后重试",
                       current_version=aggregate.version)


# Which method takes which command (ledger.application.COMMANDS merges them).
HANDLERS: dict[type, Callable[..., Result]] = {
    SubmitRegisterReport: RegisterReportCommands.submit_register_report,
    CorrectRegisterReport: RegisterReportCommands.correct_register_report,
    ReceiveRegisterReport: RegisterReportCommands.receive_register_report,
    ReturnRegisterReport: RegisterReportCommands.return_register_report,
    ConsolidateRegisterReports: RegisterReportCommands.consolidate_register_reports,
    ForwardRegisterConsolidation: RegisterReportCommands.forward_register_consolidation,
}
