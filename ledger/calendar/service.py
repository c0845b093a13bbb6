"""The working-day calendar's commands: recording a year, recomputing provisional deadlines."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from ledger.calendar.commands import RecordYearSchedule
from ledger.case.service import CaseCommands
from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Context
from ledger.errors import Conflict
from ledger.values import DeadlineClass, Due
from ledger.workcalendar import WorkCalendar
from ledger.workdays import compute_due


class CalendarCommands(CaseCommands):
    def record_year_schedule(self, ctx: Context, cmd: RecordYearSchedule) -> Result:
        """Record a year's official schedule and recompute every provisional
        deadline that assumed Monday–Friday for that year, in one save."""
        year = cmd.schedule.year
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            calendar = self.calendar(cached=attempt == 0)  # after a conflict: from the store
            calendar.record_year(envelope, cmd.schedule)
            view = calendar.view()
            index = self._provisional_index(year)
            changed: list[Aggregate] = []
            resolved: list[UUID] = []
            for case_id in index.case_ids:
                case = self._get_case(case_id)
                if case.recompute_deadline(envelope, view):
                    changed.append(case)
                if case.due is None or year not in case.due.assumed_years:
                    resolved.append(case_id)
            index.resolve(envelope, tuple(resolved))
            try:
                recordings = self.save(calendar, index, *changed)
            except RecordConflictError:
                _backoff(attempt)
                continue
            return Result(case_id=None, version=calendar.version, notification_id=recordings[-1].notification.id)
        raise Conflict("登记工作日安排时发生并发冲突，请重试")

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
