"""The documents issued: one row per ``DocumentIssued`` event — of a case or
of an administrative guidance (``subject``; ``case_id`` holds the one's or
the other's id) — which document, format, template and version, the file's
SHA-256, which version it was drawn up to, who issued it and when. A file
handed in is verified by looking its SHA-256 up here.

``owner_unit``: a guidance's unit (its event names it), by which the row is
scoped; a case's rows are scoped by the case's units in the registry."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import get_topic

from ledger.case import GuidanceCase
from ledger.feedback import FeedbackForm, SuggestionLetter
from ledger.guidance import AdministrativeGuidance
from ledger.mediation import AdministrativeMediation
from ledger.network import InvitedSupervisor
from ledger.risk_assessment import RiskAssessmentReport
from ledger.risk_points import RiskPointRegister
from ledger.store.sql import Cursor, Table
from projections.cases import iso

ISSUED_TOPIC = get_topic(GuidanceCase) + ".DocumentIssued"
GUIDANCE_ISSUED_TOPIC = get_topic(AdministrativeGuidance) + ".DocumentIssued"
# a letter's or a feedback form's (ledger.feedback): ``subject`` names which, ``owner_unit`` its unit
FEEDBACK_ISSUED = {get_topic(SuggestionLetter) + ".DocumentIssued": "suggestion_letter",
                   get_topic(FeedbackForm) + ".DocumentIssued": "feedback_form",
                   # an invited supervisor's 聘任书 (ledger.network): ``owner_unit`` its 司法所
                   get_topic(InvitedSupervisor) + ".DocumentIssued": "invited_supervisor",
                   # a mediation's 笔录, 协议书, 终止调解告知书 (ledger.mediation): ``owner_unit`` its unit
                   get_topic(AdministrativeMediation) + ".DocumentIssued": "mediation",
                   # an authority's published list of risk points (ledger.risk_points): ``owner_unit`` the authority
                   get_topic(RiskPointRegister) + ".DocumentIssued": "risk_points",
                   # an authority's assessment report (ledger.risk_assessment): ``owner_unit`` the authority
                   get_topic(RiskAssessmentReport) + ".DocumentIssued": "risk_assessment"}
TOPICS = frozenset({ISSUED_TOPIC, GUIDANCE_ISSUED_TOPIC, *FEEDBACK_ISSUED})

DOCUMENTS = Table(
    name="document_issue",
    columns=(
        ("notification_id", "BIGINT"),
        ("sha256", "TEXT"),
        ("case_id", "TEXT"),
        ("version", "BIGINT"),
        ("drawn_to_version", "BIGINT"),
        ("kind", "TEXT"),
        ("format", "TEXT"),
        ("template", "TEXT"),
        ("template_version", "TEXT"),
        ("about", "TEXT"),
        ("paper_code", "TEXT"),
        ("actor_id", "TEXT"),
        ("actor_name", "TEXT"),
        ("role", "TEXT"),
        ("unit", "TEXT"),
        ("issued_at", "TEXT"),
        ("recorded_at", "TEXT"),
        ("subject", "TEXT"),  # case | guidance
        ("owner_unit", "TEXT"),  # a guidance's unit ('' for a case)
    ),
    key=("notification_id",),
    indexes=(("sha256",), ("case_id",), ("paper_code",)),
)


def issue_row(notification_id: int, recorded_at: str, event: Any) -> tuple[Any, ...]:
    issued, env = event.issued, event.envelope
    guidance = isinstance(event, AdministrativeGuidance.DocumentIssued)
    feedback = FEEDBACK_ISSUED.get(get_topic(type(event)))
    return (
        notification_id, issued.sha256, str(event.originator_id), event.originator_version, issued.drawn_to_version,
        issued.kind.value, issued.format.value, issued.template, issued.template_version, issued.about, issued.paper_code,
        env.actor.id, env.actor.name, env.actor.role.value, env.actor.unit, iso(env.business_time), recorded_at,
        feedback or ("guidance" if guidance else "case"), event.unit if guidance or feedback else "",
    )


class DocumentsProjection:
    name = "documents"
    tables = (DOCUMENTS,)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic in TOPICS

    def fold_all(self, rows: dict[int, tuple[Any, ...]], items: list[tuple[int, str, Any]]) -> None:
        for n, r, e in items:
            rows[n] = issue_row(n, r, e)

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        cur.insert_rows(DOCUMENTS, [issue_row(n, r, e) for n, r, e in items], suffix)
