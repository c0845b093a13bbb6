"""The working-day calendar's commands: recording a year, recomputing provisional deadlines."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.calendar.commands import RecordYearSchedule
from ledger.case import GuidanceCase
from ledger.case.service import CaseCommands
from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Context
from ledger.errors import Conflict
from ledger.values import DeadlineClass, Due, Envelope, Struct
from ledger.workcalendar import ProvisionalDeadlines, WorkCalendar
from ledger.workdays import compute_due


class DeadlineChange(Struct):
    """A provisional deadline that recording a year's schedule recomputes."""

    case_id: UUID
    application_number: str  # 申请表编号: a provisional deadline is set at acceptance
    previous: Due
    due: Due


class CalendarCommands(CaseCommands):
    def record_year_schedule(self, ctx: Context, cmd: RecordYearSchedule) -> Result:
        """Record a year's official schedule and recompute every provisional
        deadline that assumed Monday–Friday for that year, in one save."""
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            calendar, index, changes = self._decide_year(envelope, cmd, cached=attempt == 0)
            try:
                recordings = self.save(calendar, index, *(case for case, _ in changes))
            except RecordConflictError:
                _backoff(attempt)
                continue
            return Result(case_id=None, version=calendar.version, notification_id=recordings[-1].notification.id)
        raise Conflict("登记工作日安排时发生并发冲突，请重试")

    def year_schedule_effects(self, ctx: Context, cmd: RecordYearSchedule) -> list[DeadlineChange]:
        """What ``record_year_schedule`` would recompute, saving nothing: the
        same decision on copies (so the same refusals), for a confirmation step."""
        _, _, changes = self._decide_year(self._envelope(ctx, cmd), cmd, cached=True)
        return [DeadlineChange(case_id=case.id, application_number=str(case.application_number),
                               previous=previous, due=case.due) for case, previous in changes]

    def provisional_cases(self, year: int) -> tuple[UUID, ...]:
        """The cases whose deadline still assumes Monday–Friday for ``year``."""
        return self._provisional_index(year).case_ids

    def _decide_year(
        self, envelope: Envelope, cmd: RecordYearSchedule, *, cached: bool
    ) -> tuple[WorkCalendar, ProvisionalDeadlines, list[tuple[GuidanceCase, Due]]]:
        year = cmd.schedule.year
        calendar = self.calendar(cached=cached)  # after a conflict: from the store
        calendar.record_year(envelope, cmd.schedule)
        view = calendar.view()
        index = self._provisional_index(year)
        changes: list[tuple[GuidanceCase, Due]] = []
        resolved: list[UUID] = []
        for case_id in index.case_ids:
            case = self._get_case(case_id)
            previous = case.due
            if case.recompute_deadline(envelope, view):
                changes.append((case, previous))
            if case.due is None or year not in case.due.assumed_years:
                resolved.append(case_id)
        index.resolve(envelope, tuple(resolved))
        return calendar, index, changes

    def ensure_calendar(self) -> WorkCalendar:
        """Save the seeded calendar if nothing is recorded yet (``ledger migrate``)."""
        calendar = self.calendar()
        if calendar.pending_events:
            try:
                self.save(calendar)
            except RecordConflictError:
                return self.calendar()  # another process seeded it first
        return calendar

    def due(self, start: datetime, deadline_class: DeadlineClass) -> Due:
        """The due time(s) of a need accepted at ``start`` (what ``ledger due`` prints)."""
        return compute_due(start, deadline_class, self._view(self.calendar(for_update=False)))


HANDLERS = {RecordYearSchedule: CalendarCommands.record_year_schedule}
