"""The audit log: one row per event of the ledger — who did what, when (both
business and recording time), on what basis, to which case."""

from __future__ import annotations

from typing import Any

from ledger.history import event_label
from ledger.store.sql import Cursor, Table
from projections.cases import iso
from projections.runner import Header

AUDIT = Table(
    name="audit_log",
    columns=(
        ("notification_id", "BIGINT"),
        ("recorded_at", "TEXT"),
        ("business_time", "TEXT"),
        ("actor_id", "TEXT"),
        ("actor_name", "TEXT"),
        ("role", "TEXT"),
        ("unit", "TEXT"),
        ("aggregate", "TEXT"),
        ("aggregate_id", "TEXT"),
        ("case_id", "TEXT"),
        ("version", "BIGINT"),
        ("action", "TEXT"),
        ("basis", "TEXT"),
        ("request_id", "TEXT"),
    ),
    key=("notification_id",),
    # (aggregate, aggregate_id): the directory's units and users, read from here
    indexes=(("case_id",), ("actor_id",), ("unit",), ("action",), ("recorded_at",), ("aggregate", "aggregate_id")),
)

AGGREGATE_NAMES = {
    "GuidanceCase": "case",
    "FormCounter": "form_counter",
    "WorkCalendar": "calendar",
    "ProvisionalDeadlines": "provisional_index",
    "Unit": "unit",
    "User": "user",
    "AdminRoster": "admin_roster",
    "FourListsCatalogue": "catalogue",
    "ReversalReview": "reversal_review",
    "MajorDecisionFiling": "major_filing",
    "GuidanceMatterCatalogue": "guidance_matters",
    "AdministrativeGuidance": "guidance", "PlatformExport": "platform_export",
    "RegisterReport": "register_report", "QuarterReportIndex": "register_report_index",
    "RegisterConsolidation": "register_consolidation",
    "SuggestionBox": "feedback_box", "FeedbackForm": "feedback_form", "SuggestionLetter": "suggestion_letter",
    "NetworkQuota": "network_quota", "OfficeRoster": "network_roster", "ContactPoint": "contact_point", "InvitedSupervisor": "invited_supervisor", "Pairing": "pairing", "NetworkReport": "network_report",  # noqa: E501
    "ReviewThreshold": "review_threshold", "LegalReview": "legal_review", "CreditRepair": "credit_repair",
    "TypicalCaseRound": "typical_round",
    "AssessmentSchedule": "risk_assessment_schedule", "RiskAssessmentReport": "risk_assessment",
    "RiskPointRegister": "risk_points", "RiskPointCitations": "risk_citations",
    "AdministrativeMediation": "mediation", "MediationDeadline": "mediation_deadline", "MediationRightNotice": "mediation_right_notice",  # noqa: E501
}

_CLASS_OF = {short: cls for cls, short in AGGREGATE_NAMES.items()}


def action_label(action: str | None, aggregate: str | None) -> str:
    """An audit row's event in the clerks' words (by its aggregate's class
    where two aggregates share an event's name)."""
    return event_label(action or "", _CLASS_OF.get(aggregate or "", aggregate or ""))


def audit_row(notification_id: int, recorded_at: str, header: Header) -> tuple[Any, ...]:
    # topic: "ledger.case:GuidanceCase.Served"
    aggregate_class, _, action = header.topic.rpartition(":")[2].rpartition(".")
    aggregate = AGGREGATE_NAMES.get(aggregate_class, aggregate_class)
    env = header.envelope
    actor = env.actor if env is not None else None
    return (
        notification_id,
        recorded_at,
        iso(env.business_time) if env is not None else None,
        actor.id if actor else None,
        actor.name if actor else None,
        actor.role.value if actor else None,
        actor.unit if actor else None,
        aggregate,
        header.originator_id,
        header.originator_id if aggregate == "case" else None,
        header.originator_version,
        action,
        env.basis if env is not None else None,
        env.request_id if env is not None else None,
    )


class AuditProjection:
    name = "audit"
    tables = (AUDIT,)
    headers_only = True  # the envelope is all it needs

    @staticmethod
    def wants(topic: str) -> bool:
        return True

    def fold_all(self, rows: dict[int, tuple[Any, ...]], items: list[tuple[int, str, Any]]) -> None:
        for n, r, e in items:
            rows[n] = audit_row(n, r, e)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        cur.insert_rows(AUDIT, [audit_row(n, r, e) for n, r, e in items], suffix)
