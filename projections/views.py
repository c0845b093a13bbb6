"""The views of one store, as one object (what the HTTP app and the CLI
hold): each slice's queries (``projections/<slice>/queries.py``) and the
audit log's. Queries only; nothing here changes a view."""

from __future__ import annotations

from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.audit import AUDIT, AuditProjection
from projections.cases import CasesProjection
from projections.cases.queries import CaseQueries
from projections.documents import DOCUMENTS, DocumentsProjection
from projections.feedback import FeedbackProjection
from projections.feedback.queries import FeedbackQueries
from projections.guidance import GuidanceProjection
from projections.guidance.queries import GuidanceQueries
from projections.legal_review import LegalReviewProjection
from projections.legal_review.queries import LegalReviewQueries
from projections.mediation import MediationProjection
from projections.mediation.queries import MediationQueries
from projections.network import NetworkProjection
from projections.network.queries import NetworkQueries
from projections.register_reports import RegisterReportsProjection
from projections.register_reports.queries import RegisterReportQueries
from projections.risk_assessment import RiskAssessmentProjection
from projections.risk_assessment.queries import RiskAssessmentQueries
from projections.risk_points import RiskPointsProjection
from projections.risk_points.queries import RiskPointQueries
from projections.runner import ensure_tables
from projections.seal import SealProjection, case_positions
from projections.supervision import SupervisionProjection
from projections.supervision.queries import SupervisionQueries
from projections.typical_cases import TypicalCasesProjection
from projections.typical_cases.queries import TypicalCaseQueries


class Views(RiskAssessmentQueries, MediationQueries, TypicalCaseQueries, RiskPointQueries, LegalReviewQueries, NetworkQueries, FeedbackQueries, GuidanceQueries, CaseQueries, SupervisionQueries, RegisterReportQueries):
    """Queries over the views of one store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.db = ViewDB(settings, replica=True)  # on the read replica, if any (LEDGER_READ_DSN)
        conn = self.db.connect()
        try:
            with self.db.transaction(conn) as cur:
                ensure_tables(cur, CasesProjection())
                ensure_tables(cur, AuditProjection())
                ensure_tables(cur, SupervisionProjection())
                ensure_tables(cur, SealProjection())
                ensure_tables(cur, DocumentsProjection())
                ensure_tables(cur, GuidanceProjection())
                ensure_tables(cur, RegisterReportsProjection())
                ensure_tables(cur, FeedbackProjection())
                ensure_tables(cur, NetworkProjection())
                ensure_tables(cur, LegalReviewProjection())
                ensure_tables(cur, MediationProjection())
                ensure_tables(cur, RiskPointsProjection())
                ensure_tables(cur, TypicalCasesProjection())
                ensure_tables(cur, RiskAssessmentProjection())
            self.db.wait_for_replica(conn)  # the tables just made, on the replica the queries read
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()

    def audit(
        self,
        scope: Scope,
        *,
        actor_id: str | None = None,
        unit: str | None = None,
        case_id: str | None = None,
        action: str | None = None,
        recorded_from: str | None = None,
        recorded_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        where, params = ["1=1"], []
        if scope.aggregates is not None:
            where.append(f"aggregate IN ({', '.join(['%s'] * len(scope.aggregates))})")
            params += list(scope.aggregates)
        for column, value in (("actor_id", actor_id), ("unit", unit), ("case_id", case_id), ("action", action)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if recorded_from:
            where.append("recorded_at >= %s")
            params.append(self.db.utc_key(recorded_from))
        if recorded_to:
            where.append("recorded_at < %s")
            params.append(self.db.utc_key(recorded_to))
        with self.db.reading() as cur:
            return cur.dicts(
                f"SELECT * FROM {AUDIT.name} WHERE {' AND '.join(where)} "
                f"ORDER BY notification_id{' DESC' if newest_first else ''} LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )

    def case_chain(self, case_id: Any) -> dict[int, tuple[int, str]]:
        """A case's events' positions in the sealed chain (``projections.seal``);
        the caller has checked the case is visible to the reader."""
        with self.db.reading() as cur:
            return case_positions(cur, case_id)

    def documents_issued(self, scope: Scope, *, sha256: str | None = None, case_id: Any = None,
                         paper_code: str | None = None) -> list[dict[str, Any]]:
        """Documents issued (newest first), by the file's SHA-256 or by case
        (``case_id``: a case's or a guidance's id), within the case scope: a
        reader learns of a document only if they may read its case or guidance."""
        where, params = [], []
        if sha256:
            where.append("d.sha256 = %s")
            params.append(sha256.lower())
        if paper_code:
            where.append("d.paper_code = %s")
            params.append(paper_code.lower())
        if case_id:
            where.append("d.case_id = %s")
            params.append(str(case_id))
        if scope.unit is not None:  # a guidance's unit (its row names it); a case's units, from the registry's
            where.append("(d.owner_unit = %s OR EXISTS (SELECT 1 FROM registry_unit k WHERE k.case_id = d.case_id AND k.unit = %s))")
            params += [scope.unit, scope.unit]
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT d.* FROM {DOCUMENTS.name} d WHERE {' AND '.join(where) or '1=1'} ORDER BY d.notification_id DESC LIMIT 200",
                params,
            )
            chains: dict[str, dict[int, tuple[int, str]]] = {}
            for r in rows:  # the notification id of the last record it was drawn from, once sealed
                chain = chains.setdefault(r["case_id"], case_positions(cur, r["case_id"]))
                r["drawn_to_notification"] = chain.get(int(r["drawn_to_version"]), (None,))[0]
                # a guidance's document names the guidance, not a case
                r["guidance_id"] = r["case_id"] if r["subject"] == "guidance" else None
                if r["guidance_id"]:
                    r["case_id"] = None
                # a supervision letter's or feedback form's (ledger.feedback)
                r["letter_id"] = r["case_id"] if r["subject"] == "suggestion_letter" else None
                r["form_id"] = r["case_id"] if r["subject"] == "feedback_form" else None
                r["supervisor_id"] = r["case_id"] if r["subject"] == "invited_supervisor" else None
                r["mediation_id"] = r["case_id"] if r["subject"] == "mediation" else None  # ledger.mediation
                # a published risk-point list (ledger.risk_points): the authority's register
                r["risk_register_id"] = r["case_id"] if r["subject"] == "risk_points" else None
                r["assessment_id"] = r["case_id"] if r["subject"] == "risk_assessment" else None  # its report
                if any(r[k] for k in ("letter_id", "form_id", "supervisor_id", "mediation_id", "risk_register_id",
                                      "assessment_id")):
                    r["case_id"] = None
            return rows

    def aggregate_ids(self, aggregate: str) -> list[str]:
        """Ids of the aggregates of one kind (e.g. ``unit``, ``user``) the log has seen."""
        with self.db.reading() as cur:
            return [r[0] for r in cur.execute(
                f"SELECT DISTINCT aggregate_id FROM {AUDIT.name} WHERE aggregate = %s ORDER BY aggregate_id",
                (aggregate,),
            ).fetchall()]
