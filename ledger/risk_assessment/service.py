"""The assessment report's commands: load → decide → save."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.commanding import LedgerBase, Result
from ledger.commands import Context
from ledger.errors import Conflict, InvalidInput
from ledger.register_reports.values import ReportDue, explain
from ledger.risk_assessment import AssessmentSchedule, RiskAssessmentNotFound, RiskAssessmentReport
from ledger.risk_assessment.commands import SetAssessmentSchedule, SubmitRiskAssessment
from ledger.risk_assessment.values import Period, Schedule, assessment_due
from ledger.scope import Reach, sees


class RiskAssessmentCommands(LedgerBase):
    def set_assessment_schedule(self, ctx: Context, cmd: SetAssessmentSchedule) -> Result:
        envelope = self._envelope(ctx, cmd)
        schedule = self._assessment_schedule_or_none(cmd.authority.strip()) or AssessmentSchedule.start(envelope, cmd.authority)
        schedule.set(envelope, Schedule(period=cmd.period, due_days=cmd.due_days, counting=cmd.counting))
        return msgspec.structs.replace(self._saved(None, schedule), record_id=schedule.id)

    def submit_risk_assessment(self, ctx: Context, cmd: SubmitRiskAssessment) -> Result:
        # A submission happens when the ledger records it: a typed business time
        # would let a late report pass as on time.
        if cmd.business_time is not None:
            raise InvalidInput.one("business_time", "not_allowed", "报送时间以系统记录的时间为准，不能另行填写")
        envelope = self._envelope(ctx, cmd)
        existing = self._assessment_or_none(RiskAssessmentReport.create_id(cmd.authority, cmd.period))
        report = RiskAssessmentReport.submit(
            envelope, self._view(self.calendar(for_update=False)), existing=existing, authority=cmd.authority,
            period=cmd.period, schedule=self.assessment_schedule(cmd.authority), sections=cmd.sections,
            summary=cmd.summary, seen_sha256=cmd.sections_sha256)
        try:
            recordings = self.save(report)
        except RecordConflictError:
            raise Conflict("该期分析评估报告刚由他人报送，请刷新后查看") from None
        return Result(case_id=None, record_id=report.id, version=report.version,
                      notification_id=recordings[-1].notification.id, number=cmd.period.key)

    # ------------------------------------------------------------------ reads

    def assessment_schedule(self, authority: str) -> Schedule:
        """The authority's setting (the default until one is set)."""
        found = self._assessment_schedule_or_none(authority)
        return found.schedule if found is not None else Schedule()

    def risk_assessment_due(self, authority: str, period: Period) -> ReportDue:
        """When ``period``'s report is due, on the calendar as recorded now."""
        return assessment_due(period, self.assessment_schedule(authority), self._view(self.calendar(for_update=False)))

    def explain_assessment_due(self, due: ReportDue) -> tuple[str, ...]:
        return explain(due, self._view(self.calendar(for_update=False)), "报送期限")

    def risk_assessment_visible(self, ctx: Context, report_id: UUID) -> RiskAssessmentReport:
        """A submitted report; another unit's staff are answered as if it did not exist."""
        report = self._assessment_or_none(report_id)
        if report is None or not sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, [report.authority]):
            raise RiskAssessmentNotFound(f"没有编号为{report_id}的分析评估报告")
        return report

    def _assessment_schedule_or_none(self, authority: str) -> AssessmentSchedule | None:
        try:
            found = self.repository.get(AssessmentSchedule.create_id(authority))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, AssessmentSchedule) else None

    def _assessment_or_none(self, report_id: UUID) -> RiskAssessmentReport | None:
        try:
            found = self._get_fresh(report_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, RiskAssessmentReport) else None


HANDLERS: dict[type, Callable[..., Result]] = {
    SetAssessmentSchedule: RiskAssessmentCommands.set_assessment_schedule,
    SubmitRiskAssessment: RiskAssessmentCommands.submit_risk_assessment,
}
