"""The assessment report's commands: 设定 (the schedule), 报送 (the authority).

``sections`` of a submission are what the server drew from the views
(``ledger_http``), never what a client sends: the API's body leaves them out.
``sections_sha256`` is the hash of the sections the submitter looked at; a
report whose sections changed since is refused (409) rather than submitted unseen."""

from __future__ import annotations

from ledger.commands import Command
from ledger.register_reports.values import DayCounting
from ledger.risk_assessment.values import DEFAULT_DUE_DAYS, Basics, Comparison, Period, PeriodKind, Sections, Summary

EMPTY = Sections(basics=Basics(), measures=(), comparison=Comparison(before_label=""))


class SetAssessmentSchedule(Command, frozen=True, kw_only=True):
    authority: str
    period: PeriodKind
    due_days: int = DEFAULT_DUE_DAYS
    counting: DayCounting = DayCounting.WORKING


class SubmitRiskAssessment(Command, frozen=True, kw_only=True):
    authority: str
    period: Period
    summary: Summary
    sections_sha256: str | None = None
    sections: Sections = EMPTY
