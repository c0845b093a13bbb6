"""The working-day calendar's commands."""

from __future__ import annotations

from ledger.workdays import YearSchedule
from ledger.commands import Command


class RecordYearSchedule(Command, frozen=True, kw_only=True):
    schedule: YearSchedule
