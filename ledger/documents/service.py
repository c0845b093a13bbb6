"""Issuing a case's documents: draw the paper from the case as it is now
(masked for the reader as on screen), lay it out with the unit's template
(a per-unit folder overrides the built-in ones), render it, hash it, and
record ``DocumentIssued`` on the case in the same step. The file goes back
to the caller; the ledger keeps only its SHA-256 (verification by hash:
``projections/documents``).

Templates: ``LEDGER_TEMPLATES`` (a folder) may hold a unit's own Word
templates, ``<unit>/<kind>.docx`` or ``<unit>/<layout>.docx`` (edited in
Word/WPS from the built-in ones), its own HTML layouts for PDF,
``<unit>/<kind>.html`` or ``<unit>/<layout>.html`` (copies of the built-in
``form.html``/``letter.html``; ``{% include "_paper.css" %}`` still finds the
built-in styles), and ``<unit>/文号.txt`` with the prefix of the unit's
letter numbers (e.g. 皋司发). The unit is the paper's (the issuing unit
printed in its header).

``issue_paper`` is the one step every issuing command shares (a case's
here, a guidance's in ``ledger.documents.guidance``): footer, template,
render, hash, the ``IssuedDocument`` to record."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from ledger.case import GuidanceCase
from ledger.case.commands import CaseCommand
from ledger.case.values import DocumentFormat, DocumentKind, IssuedDocument
from ledger.commanding import Result
from ledger.commands import Context
from ledger.documents import Paper, drawing
from ledger.envelope import Envelope
from ledger.errors import InvalidInput, LedgerError, WrongState
from ledger.history import describe, event_label
from ledger.scope import Reach, scope_for
from ledger.supervision import ReversalReview
from ledger.supervision.service import SupervisionCommands
from ledger.values import Role

BUILT_IN = Path(__file__).resolve().parent / "templates"
MEDIA = {DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         DocumentFormat.PDF: "application/pdf"}


class IssueDocument(CaseCommand, frozen=True, kw_only=True):
    """出具 one of the case's documents; ``about``: the penalty decision of a
    reversal's statement or letter (default: the latest)."""

    kind: DocumentKind
    format: DocumentFormat
    about: str = ""


class Issued(msgspec.Struct, frozen=True, kw_only=True):
    result: Result
    body: bytes
    filename: str
    media_type: str
    issued: IssuedDocument


def template_for(unit: str, kind: DocumentKind, layout: str, suffix: str) -> Path:
    """The unit's own template for this kind or layout, else the built-in one."""
    root = os.environ.get("LEDGER_TEMPLATES")
    if root:
        for name in (f"{kind.value}{suffix}", f"{layout}{suffix}"):
            candidate = Path(root) / unit / name
            if candidate.is_file():
                return candidate
    return BUILT_IN / f"{layout}{suffix}"


def number_prefix(unit: str) -> str:
    root = os.environ.get("LEDGER_TEMPLATES")
    path = Path(root) / unit / "文号.txt" if root else None
    return path.read_text(encoding="utf-8").strip() if path is not None and path.is_file() else ""


def paper_code(paper: Paper) -> str:
    """12 hex digits of the SHA-256 of what the paper says (its footer aside)."""
    return hashlib.sha256(msgspec.json.encode(msgspec.structs.replace(paper, footer=""))).hexdigest()[:12]


def footer(case: GuidanceCase, code: str) -> str:
    number = str(case.application_number) if case.application_number else "未编号"
    return f"申请表编号 {number}\n文书码 {code}"


SUFFIX = {DocumentFormat.DOCX: ".docx", DocumentFormat.PDF: ".html"}


def render(paper: Paper, fmt: DocumentFormat, template: Path) -> bytes:
    if fmt is DocumentFormat.DOCX:
        from ledger.documents.docx import render_docx

        return render_docx(paper, template)
    from ledger.documents.pdf import render_pdf

    return render_pdf(paper, template)


def issue_paper(
    paper: Paper, kind: DocumentKind, fmt: DocumentFormat, unit: str, drawn_to_version: int,
    footer_of: Callable[[str], str], about: str = "",
) -> tuple[bytes, IssuedDocument]:
    """The file of ``paper`` and what its issue records: the footer (from
    the paper's code) added, laid out on ``unit``'s template for ``kind``
    (else the built-in one of its layout), rendered and hashed."""
    code = paper_code(paper)
    paper = msgspec.structs.replace(paper, footer=footer_of(code))
    template = template_for(unit, kind, paper.layout.value, SUFFIX[fmt])
    body = render(paper, fmt, template)
    issued = IssuedDocument(
        kind=kind, format=fmt, template=template.name,
        template_version=hashlib.sha256(template.read_bytes()).hexdigest()[:16],
        sha256=hashlib.sha256(body).hexdigest(), drawn_to_version=drawn_to_version, about=about.strip(),
        paper_code=code,
    )
    return body, issued


def issued_file(result: Result, body: bytes, issued: IssuedDocument) -> Issued:
    return Issued(result=result, body=body, issued=issued, media_type=MEDIA[issued.format],
                  filename=f"{issued.kind.label}-{issued.sha256[:8]}.{issued.format.value}")


class DocumentCommands(SupervisionCommands):
    def issue_document(self, ctx: Context, cmd: IssueDocument) -> Issued:
        """Draw, render and record one document (see the module's docstring)."""
        out: dict[str, Any] = {}

        def decide(case: GuidanceCase, env: Envelope) -> tuple[list[Any], None]:
            paper = self.draw_document(ctx, case, cmd.kind, cmd.about)
            body, issued = issue_paper(paper, cmd.kind, cmd.format, paper.unit or env.actor.unit, case.version,
                                       lambda code: footer(case, code), cmd.about)
            case.issue_document(env, issued)
            out.update(body=body, issued=issued)
            return [], None

        result = self._on_case(ctx, cmd, decide)
        return issued_file(result, out["body"], out["issued"])

    def draw_document(self, ctx: Context, case: GuidanceCase, kind: DocumentKind, about: str = "") -> Paper:
        """The paper of ``kind`` as the case stands, masked for ``ctx``'s role."""
        masked = scope_for(ctx.actor.role, ctx.actor.unit, Reach.CASES).masks_ids
        if kind is DocumentKind.APPLICATION:
            return drawing.application(case, masked)
        if kind is DocumentKind.OPINION:
            return drawing.opinion(case, masked)
        if kind is DocumentKind.RATING:
            return drawing.rating(case, masked)
        if kind is DocumentKind.REFUSAL_NOTICE:
            refuser = next((r.unit for r in case.history if r.name == "Refused"), ctx.actor.unit)
            return drawing.refusal_notice(case, masked, refuser)
        if kind is DocumentKind.REVERSAL_STATEMENT:
            reversal = drawing._reversal(case, about)
            return drawing.reversal_statement(case, masked, reversal.decision.number, self.cited_item(reversal))
        if kind is DocumentKind.SUGGESTION_LETTER:
            letter = self.latest_letter(case, about)
            return drawing.suggestion_letter(letter, number_prefix(letter.supervising_unit))
        if kind is DocumentKind.FILE_INDEX:
            return drawing.file_index(case, masked, self._index_entries(case))
        raise InvalidInput.one("kind", "unknown_kind", f"没有该文书：{kind}")

    def latest_letter(self, case: GuidanceCase, about: str = "") -> drawing.Letter:
        """The latest 整改建议书 on one of the case's reversals (``about``: its decision)."""
        numbers = [r.decision.number for r in case.reversals if not about or r.decision.number == about.strip()]
        found: list[drawing.Letter] = []
        for number in numbers:
            review_id = ReversalReview.create_id(case.id, number)
            if not self.exists(review_id):
                continue
            review = self.review(review_id)
            for e in self.review_history(review_id):
                if type(e).__name__ == "Objected":
                    found.append(drawing.Letter(
                        number=e.letter, problems=e.problems, suggestions=e.suggestions, reply_due=e.reply_due,
                        issued_at=e.envelope.business_time, supervising_unit=e.envelope.actor.unit,
                        decision_number=number, issuing_unit=review.issuing_unit))
        if not found:
            raise WrongState("本案尚未制发整改建议书", code="no_letter")
        return max(found, key=lambda x: (x.issued_at, x.number.seq))

    def letters_of(self, case: GuidanceCase) -> int:
        """How many 整改建议书 the case's reversals have had (from the reviews'
        state, without reading their events: the case page asks every time)."""
        ids = (ReversalReview.create_id(case.id, r.decision.number) for r in case.reversals)
        return sum(len(self.review(i).letters) for i in ids if self.exists(i))

    def cited_item(self, reversal: Any) -> Any:
        """The catalogue item a reversal cites, as it stood on the original
        decision date (None if the catalogue no longer resolves it)."""
        catalogue = self.catalogue(reversal.decision.issuing_unit)
        if catalogue is None:
            return None
        cited = reversal.cited
        try:
            return catalogue.item_on(cited.catalogue_version, cited.code, cited.item_number, reversal.decision.decided_on)
        except LedgerError:
            return None

    def _index_entries(self, case: GuidanceCase) -> list[tuple[str, str, str]]:
        """The file's records and documents, in order, up to the case's version."""
        entries = []
        for e in self.history(case.id):
            if e.originator_version > case.version:
                break
            v = describe(e)
            what = event_label(v.event, v.aggregate)
            if v.event == "DocumentIssued":
                issued = e.issued
                what = f"出具{issued.kind.label}（{issued.format.value.upper()}，摘要{issued.sha256[:12]}）"
            who = v.actor_name or "系统"
            entries.append((drawing.day(v.business_time), what, f"{who}，{Role(v.role).label if v.role else ''}".rstrip("，")))
        return entries

    def case_for_documents(self, ctx: Context, case_id: UUID) -> GuidanceCase:
        """The case as a reader sees it (unknown when not visible)."""
        return self._visible_case(ctx, self._current_case(case_id))


