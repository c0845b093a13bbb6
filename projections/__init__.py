"""Read models rebuilt from the ledger's one notification log.

- ``cases``: the registry (台账), its unit/service-type rows and the work queues
- ``audit``: one row per event — who did what, when, on what basis
- ``seal``: the SHA-256 chain over the stored events (tamper evidence)
- ``supervision``: reversed penalties under review, major-decision filings
- ``documents``: the documents issued, by the SHA-256 of their files
- ``guidance``: the acts of agency-initiated guidance (行政指导), for its list and the 登记簿
- ``register_reports``: the units' quarterly reports of the 登记簿, the office's consolidations
- ``network``: contact points, invited supervisors, pairings, their reports, the quotas
- ``legal_review``: legal reviews of major decisions with their rounds, the filings' reviews, credit repairs
- ``risk_points``: the legal-risk points' editions, solicitations, citations, handled warnings
- ``typical_cases``: the yearly rounds of typical and excellent cases and their proposals
- ``risk_assessment``: the authorities' assessment settings and submitted reports (第二十一条)
- ``mediation``: administrative mediations (行政调解) and the notices of the right to mediation
- ``feedback``: suggestion boxes and their checks, feedback forms, every 整改建议书 with its state

``runner.Runner`` keeps a view up to date exactly once; ``rebuild`` rebuilds
it into fresh tables and swaps them in, or folds it as of a past moment;
``views.Views`` answers queries.
"""

from projections.audit import AuditProjection
from projections.cases import CasesProjection
from projections.documents import DocumentsProjection
from projections.feedback import FeedbackProjection
from projections.guidance import GuidanceProjection
from projections.legal_review import LegalReviewProjection
from projections.mediation import MediationProjection
from projections.network import NetworkProjection
from projections.register_reports import RegisterReportsProjection
from projections.risk_points import RiskPointsProjection
from projections.seal import SealProjection
from projections.supervision import SupervisionProjection
from projections.risk_assessment import RiskAssessmentProjection
from projections.typical_cases import TypicalCasesProjection

PROJECTIONS = {
    "cases": CasesProjection,
    "audit": AuditProjection,
    "seal": SealProjection,
    "supervision": SupervisionProjection,
    "documents": DocumentsProjection,
    "guidance": GuidanceProjection,
    "register_reports": RegisterReportsProjection,
    "feedback": FeedbackProjection,
    "network": NetworkProjection,
    "legal_review": LegalReviewProjection,
    "mediation": MediationProjection,
    "risk_points": RiskPointsProjection,
    "typical_cases": TypicalCasesProjection,
    "risk_assessment": RiskAssessmentProjection,
}
# what `ledger rebuild <view>` accepts
VIEW_ALIASES = {"registry": "cases", "queues": "cases", "cases": "cases", "audit": "audit", "seal": "seal",
                "supervision": "supervision", "reviews": "supervision",
                "documents": "documents", "guidance": "guidance",
                "register_reports": "register_reports", "register-reports": "register_reports",
                "feedback": "feedback", "suggestion-letters": "feedback",
                "network": "network",
                "legal_review": "legal_review", "legal-reviews": "legal_review", "credit-repairs": "legal_review",
                "mediation": "mediation", "mediations": "mediation",
                "risk_points": "risk_points", "risk-points": "risk_points",
                "typical_cases": "typical_cases", "typical-cases": "typical_cases",
                "risk_assessment": "risk_assessment", "risk-assessments": "risk_assessment"}
