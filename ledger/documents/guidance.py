"""Issuing an administrative guidance's documents (意见书, 登记文书, 责令改正通知书):
the same step as a case's (``ledger.documents.service.issue_paper``) —
draw the paper from the guidance as it is now, masked for the reader as on
screen, lay it out on the unit's template, render, hash — and record
``AdministrativeGuidance.DocumentIssued`` in the same save. The file goes back
to the caller; the ledger keeps its SHA-256 (``projections/documents``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.case.values import GUIDANCE_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.commanding import Decision
from ledger.commands import Context
from ledger.documents import Paper, guidance_papers
from ledger.documents.service import Issued, issue_paper, issued_file
from ledger.envelope import Envelope
from ledger.errors import InvalidInput
from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import GuidanceCommand
from ledger.guidance.service import GuidanceCommands
from ledger.scope import Reach, scope_for, sees


class IssueGuidanceDocument(GuidanceCommand, frozen=True, kw_only=True):
    """出具 one of the guidance's documents as DOCX or PDF."""

    kind: DocumentKind
    format: DocumentFormat


class GuidanceDocumentCommands(GuidanceCommands):
    def issue_guidance_document(self, ctx: Context, cmd: IssueGuidanceDocument) -> Issued:
        """Draw, render and record one document of the guidance."""
        out: dict[str, Any] = {}

        def decide(guidance: AdministrativeGuidance, env: Envelope) -> Decision:
            self._visible(ctx, guidance).check_issuer(env)
            paper = self.draw_guidance_document(ctx, guidance, cmd.kind)
            body, issued = issue_paper(paper, cmd.kind, cmd.format, guidance.unit, guidance.version,
                                       lambda code: guidance_papers.footer(guidance, cmd.kind, code))
            guidance.issue_document(env, issued)
            out.update(body=body, issued=issued)
            return [], None

        result = self._on_guidance(ctx, cmd, decide)
        return issued_file(result, out["body"], out["issued"])

    def draw_guidance_document(self, ctx: Context, guidance: AdministrativeGuidance, kind: DocumentKind) -> Paper:
        """The paper of ``kind`` as the guidance stands, masked for ``ctx``'s role."""
        if kind not in GUIDANCE_DOCUMENTS:
            raise InvalidInput.one("kind", "unknown_kind", f"行政指导没有该文书：{kind.label}")
        masked = scope_for(ctx.actor.role, ctx.actor.unit, Reach.CASES).masks_ids
        return guidance_papers.DRAW[kind](guidance, masked)

    def guidance_for_documents(self, ctx: Context, guidance_id: UUID) -> AdministrativeGuidance:
        """The guidance as a reader sees it (unknown when not visible)."""
        return self._visible(ctx, self.get_guidance(guidance_id))

    def _visible(self, ctx: Context, guidance: AdministrativeGuidance) -> AdministrativeGuidance:
        # the guidance's unit scopes it (the starting unit's staff, and the
        # roles that read every unit's); anyone else is answered as unknown
        if not sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, [guidance.unit]):
            raise GuidanceNotFound(f"没有编号为{guidance.id}的行政指导")
        return guidance
