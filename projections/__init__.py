"""Read models rebuilt from the ledger's one notification log.

- ``cases``: the registry (台账), its unit/service-type rows and the work queues
- ``audit``: one row per event — who did what, when, on what basis
- ``seal``: the SHA-256 chain over the stored events (tamper evidence)
- ``supervision``: reversed penalties under review, major-decision filings
- ``documents``: the documents issued, by the SHA-256 of their files
- ``guidance``: the acts of agency-initiated guidance (行政指导), for its list and the 登记簿

``runner.Runner`` keeps a view up to date exactly once; ``rebuild`` rebuilds
it into fresh tables and swaps them in, or folds it as of a past moment;
``views.Views`` answers queries.
"""

from projections.audit import AuditProjection
from projections.cases import CasesProjection
from projections.documents import DocumentsProjection
from projections.guidance import GuidanceProjection
from projections.seal import SealProjection
from projections.supervision import SupervisionProjection

PROJECTIONS = {
    "cases": CasesProjection,
    "audit": AuditProjection,
    "seal": SealProjection,
    "supervision": SupervisionProjection,
    "documents": DocumentsProjection,
    "guidance": GuidanceProjection,
}
# what `ledger rebuild <view>` accepts
VIEW_ALIASES = {"registry": "cases", "queues": "cases", "cases": "cases", "audit": "audit", "seal": "seal",
                "supervision": "supervision", "reviews": "supervision",
                "documents": "documents", "guidance": "guidance"}
