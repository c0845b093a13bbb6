"""The working-day calendar as data in the ledger, and the index of cases whose
deadline was computed without a year's schedule (so they can be recomputed
when the schedule is recorded)."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed
from ledger.numbering import LEDGER_NAMESPACE
from ledger.values import Envelope, Role
from ledger.workdays import WorkCalendarView, YearSchedule

CALENDAR_ID = uuid5(LEDGER_NAMESPACE, "work-calendar")


class WorkCalendar(CopiedByContainers, Aggregate):
    """All recorded year schedules. Recording a year again supersedes the
    earlier record of that year (e.g. a notice published late or amended)."""

    @staticmethod
    def create_id() -> UUID:
        return CALENDAR_ID

    @event("Started")
    def __init__(self) -> None:
        self.schedules: dict[int, YearSchedule] = {}

    def record_year(self, envelope: Envelope, schedule: YearSchedule) -> None:
        if envelope.actor.role not in (Role.ADMINISTRATOR, Role.SYSTEM):
            raise NotAllowed("只有系统管理员可以登记工作日安排", code="calendar_admin_only")
        if not 2000 <= schedule.year <= 2100:
            raise InvalidInput.one("year", "year_out_of_range", "年份应在2000至2100之间")
        schedule.check()
        if self.schedules.get(schedule.year) == schedule:
            raise InvalidInput.one("year", "unchanged", f"{schedule.year}年的工作日安排已登记且内容相同")
        self._year_recorded(envelope=envelope, schedule=schedule, supersedes=schedule.year in self.schedules)

    @event("YearScheduleRecorded")
    def _year_recorded(self, envelope: Envelope, schedule: YearSchedule, supersedes: bool) -> None:
        self.schedules = {**self.schedules, schedule.year: schedule}

    def view(self) -> WorkCalendarView:
        return WorkCalendarView(self.schedules)


class ProvisionalDeadlines(CopiedByContainers, Aggregate):
    """Cases whose deadline assumed Monday–Friday for one year."""

    @staticmethod
    def create_id(year: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"provisional-deadlines/{year}")

    @event("Started")
    def __init__(self, year: int) -> None:
        self.year = year
        self.case_ids: tuple[UUID, ...] = ()

    def add(self, case_id: UUID) -> None:
        if case_id not in self.case_ids:
            self._added(case_id=case_id)

    @event("CaseAdded")
    def _added(self, case_id: UUID) -> None:
        self.case_ids = (*self.case_ids, case_id)

    def resolve(self, envelope: Envelope, case_ids: tuple[UUID, ...]) -> None:
        if case_ids:
            self._resolved(envelope=envelope, case_ids=case_ids)

    @event("CasesResolved")
    def _resolved(self, envelope: Envelope, case_ids: tuple[UUID, ...]) -> None:
        self.case_ids = tuple(c for c in self.case_ids if c not in case_ids)
