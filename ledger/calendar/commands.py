"""The working-day calendar's commands."""

from __future__ import annotations

from ledger.commands import Command
from ledger.workdays import YearSchedule


class RecordYearSchedule(Command, frozen=True, kw_only=True):
    schedule: YearSchedule
