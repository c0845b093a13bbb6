"""The ledger: one eventsourcing ``Application`` over every aggregate, so
that there is one totally ordered notification log, composed of each slice's
service (``ledger/<slice>/service.py``) over ``ledger.commanding.LedgerBase``.

Each command method is load → decide → save. The aggregates that change
together (a case, the counter that numbered its form, an index, a review)
are saved in one atomic ``save``. A version conflict on a case someone else
changed is reported as ``Conflict``; a conflict only on a shared counter or
index means another request took the next number first, so the command is
decided again.

Commands are dispatched by their type: ``Ledger.execute(ctx, command)`` looks
the handler up in ``COMMANDS``, the union of the slices' ``HANDLERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ledger.calendar.service import HANDLERS as CALENDAR
from ledger.calendar.service import CalendarCommands
from ledger.case.service import HANDLERS as CASE
from ledger.catalogue.service import HANDLERS as CATALOGUE
from ledger.commanding import MAX_ATTEMPTS, Result
from ledger.commands import Command, Context
from ledger.directory.service import HANDLERS as DIRECTORY
from ledger.directory.service import DirectoryCommands
from ledger.documents.feedback import FeedbackDocumentCommands
from ledger.documents.guidance import GuidanceDocumentCommands
from ledger.documents.mediation import MediationDocumentCommands
from ledger.documents.network_papers import NetworkDocumentCommands
from ledger.documents.risk_assessment import RiskAssessmentDocumentCommands
from ledger.documents.risk_points import RiskPointDocumentCommands
from ledger.documents.service import DocumentCommands
from ledger.envelope import SYSTEM_ACTOR
from ledger.feedback.service import HANDLERS as FEEDBACK
from ledger.guidance.exports import HANDLERS as PLATFORM
from ledger.guidance.exports import PlatformExportCommands
from ledger.guidance.service import HANDLERS as GUIDANCE
from ledger.guidance.service import GuidanceCommands
from ledger.legal_review.service import HANDLERS as LEGAL_REVIEW
from ledger.legal_review.service import LegalReviewCommands
from ledger.matters.service import HANDLERS as MATTERS
from ledger.mediation.service import HANDLERS as MEDIATION
from ledger.network.service import HANDLERS as NETWORK
from ledger.network.service import NetworkCommands
from ledger.register_reports.service import HANDLERS as REGISTER_REPORTS
from ledger.register_reports.service import RegisterReportCommands
from ledger.risk_assessment.service import HANDLERS as RISK_ASSESSMENT
from ledger.risk_points.service import HANDLERS as RISK_POINTS
from ledger.settings import APP_NAME
from ledger.supervision.service import HANDLERS as SUPERVISION
from ledger.typical_cases.service import HANDLERS as TYPICAL_CASES
from ledger.typical_cases.service import TypicalCaseCommands

__all__ = ["COMMANDS", "MAX_ATTEMPTS", "SYSTEM_ACTOR", "Ledger", "Result"]


class Ledger(DocumentCommands, MediationDocumentCommands, GuidanceDocumentCommands, FeedbackDocumentCommands, NetworkDocumentCommands, CalendarCommands, GuidanceCommands,
             PlatformExportCommands, LegalReviewCommands, NetworkCommands, DirectoryCommands, RegisterReportCommands,
             RiskPointDocumentCommands, TypicalCaseCommands,
             RiskAssessmentDocumentCommands):
    """The guidance-service case ledger: every slice's commands and reads
    (the case, catalogue and supervision services come in through the
    documents' and the calendar's bases, which build on them)."""

    name = APP_NAME  # chooses the event table; the library would default it to the class name

    def execute(self, ctx: Context, command: Command) -> Result:
        """Run ``command`` through the one handler of its type."""
        try:
            handler = COMMANDS[type(command)]
        except KeyError:
            raise TypeError(f"no handler for {type(command).__name__}") from None
        return handler(self, ctx, command)


def _merged(*tables: dict[type, Callable[..., Any]]) -> dict[type, Callable[..., Result]]:
    merged: dict[type, Callable[..., Result]] = {}
    for table in tables:
        for command, handler in table.items():
            if command in merged:
                raise TypeError(f"{command.__name__} has two handlers")
            merged[command] = handler
    return merged


COMMANDS = _merged(CASE, CATALOGUE, SUPERVISION, DIRECTORY, CALENDAR, GUIDANCE, MATTERS, REGISTER_REPORTS, PLATFORM, FEEDBACK, NETWORK,
                   LEGAL_REVIEW, RISK_POINTS, TYPICAL_CASES, MEDIATION, RISK_ASSESSMENT)
