"""A case's and an administrative guidance's documents over HTTP: what can
be issued and what was issued; issuing one as DOCX or PDF (recorded on the
case or the guidance, the file's SHA-256 in ``X-Content-SHA256``); and
verifying a file by its hash — which case or guidance, which events, when
and by whom it was issued, or that the ledger never issued it."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, QueryParameter

from ledger.case.values import CASE_DOCUMENTS, GUIDANCE_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.documents import guidance_papers
from ledger.documents.drawing import available
from ledger.documents.guidance import IssueGuidanceDocument
from ledger.documents.service import Issued, IssueDocument
from ledger.errors import InvalidInput
from ledger_http.common.commanding import AnyRequest, context_of
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from projections.runner import wait_for as wait_for_views


def issue(state: Any, user: Any, case_id: UUID, kind: DocumentKind, fmt: DocumentFormat, about: str = "") -> Issued:
    """Issue a document as ``user`` (shared by the API and the workbench)."""
    ctx = context_of(user)
    return state.ledger.issue_document(ctx, IssueDocument(case_id=case_id, kind=kind, format=fmt, about=about))


def issue_for_guidance(state: Any, user: Any, guidance_id: UUID, kind: DocumentKind, fmt: DocumentFormat) -> Issued:
    """Issue a guidance's document as ``user`` (shared by the API and the workbench)."""
    ctx = context_of(user)
    return state.ledger.issue_guidance_document(ctx, IssueGuidanceDocument(guidance_id=guidance_id, kind=kind, format=fmt))


def kind_of(kind: str, kinds: tuple[DocumentKind, ...]) -> DocumentKind:
    """A path's document kind, among those of a case or of a guidance."""
    if kind not in {k.value for k in kinds}:
        raise InvalidInput.one("kind", "unknown_kind", f"没有该文书：{kind}")
    return DocumentKind(kind)


def file_response(issued: Issued) -> Response[bytes]:
    return Response(issued.body, media_type=issued.media_type, headers={
        "X-Content-SHA256": issued.issued.sha256,
        "X-Ledger-Notification": str(issued.result.notification_id),
        "Content-Disposition": f"attachment; filename*=UTF-8''{_quoted(issued.filename)}",
    })


def _quoted(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def documents_of(state: Any, user: Any, case_id: UUID, scope: Any) -> dict[str, Any]:
    """What the case can issue now, and what it issued (newest first)."""
    ctx = context_of(user)
    case = state.ledger.case_for_documents(ctx, case_id)
    kinds = available(case, state.ledger.letters_of(case))
    return {
        "case_id": str(case_id),
        "version": case.version,
        "available": [{"kind": k.value, "label": k.label, "formats": [f.value for f in DocumentFormat]} for k in kinds],
        "issued": state.views.documents_issued(scope, case_id=case_id),
    }


def guidance_documents_of(state: Any, user: Any, guidance_id: UUID, scope: Any) -> dict[str, Any]:
    """What the guidance can issue now, and what it issued (newest first)."""
    ctx = context_of(user)
    guidance = state.ledger.guidance_for_documents(ctx, guidance_id)
    return {
        "guidance_id": str(guidance_id),
        "version": guidance.version,
        "available": [{"kind": k.value, "label": k.label, "formats": [f.value for f in DocumentFormat],
                       "number": guidance_papers.number_of(guidance, k)} for k in guidance_papers.available(guidance)],
        "issued": state.views.documents_issued(scope, case_id=guidance_id),  # the column holds either id
    }


VERIFY_WAIT_SECONDS = 2.0


def verification(state: Any, scope: Any, sha256: str) -> dict[str, Any]:
    """By the file's SHA-256 (64 hex digits), or by the 文书码 (12) printed
    in a paper copy's footer."""
    digest = sha256.strip().lower()
    if len(digest) not in (12, 64) or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput.one("sha256", "invalid", "应为文件的SHA-256摘要（64位十六进制）或页脚的文书码（12位）")
    def lookup() -> list[dict[str, Any]]:
        return (state.views.documents_issued(scope, sha256=digest) if len(digest) == 64
                else state.views.documents_issued(scope, paper_code=digest))

    found = lookup()
    if not found:
        # A file issued a moment ago (its event saved, the documents view a
        # few milliseconds behind) is not "never issued": look again once the
        # view has reached the log's head (bounded; a real miss costs that wait).
        head = state.ledger.recorder.max_notification_id() or 0
        if wait_for_views(state.settings, ("documents",), head, VERIFY_WAIT_SECONDS):
            found = lookup()
    return {"sha256": digest, "issued": bool(found), "issues": found,
            "message": "该文件由本账本出具" if found else "本账本从未出具该文件（或您无权查看其案件或行政指导）"}


class DocumentController(Controller):
    path = "/"
    tags = ["documents"]

    @get("/cases/{case_id:uuid}/documents", responses=ERRORS, operation_id="listCaseDocuments", sync_to_thread=True)
    def list_documents(self, request: AnyRequest, case_id: FromPath[UUID],
                       wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)) -> dict[str, Any]:
        """The documents the case can issue now, and those it issued."""
        scope = scope_of(request)
        wait_for_reads(request, ("documents", "cases"), wait_for)
        return documents_of(request.app.state, request.user, case_id, scope)

    @get("/cases/{case_id:uuid}/documents/{kind:str}", responses=ERRORS, operation_id="issueCaseDocument",
         sync_to_thread=True)
    def issue_document(
        self, request: AnyRequest, case_id: FromPath[UUID], kind: FromPath[str],
        format: str = QueryParameter(name="format", default="pdf", pattern="^(docx|pdf)$"),
        about: str = QueryParameter(name="about", default="", max_length=100,
                                    description="the penalty decision of a reversal's statement or letter"),
    ) -> Response[bytes]:
        """Issue a document (recorded on the case as DocumentIssued) and return the file."""
        scope_of(request)
        return file_response(issue(request.app.state, request.user, case_id, kind_of(kind, CASE_DOCUMENTS),
                                   DocumentFormat(format), about))

    @get("/guidance/{guidance_id:uuid}/documents", responses=ERRORS, operation_id="listGuidanceDocuments",
         sync_to_thread=True)
    def list_guidance_documents(
        self, request: AnyRequest, guidance_id: FromPath[UUID],
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> dict[str, Any]:
        """The documents an administrative guidance can issue now (意见书, 登记文书, 责令改正通知书), and those it issued."""
        scope = scope_of(request)
        wait_for_reads(request, ("documents",), wait_for)
        return guidance_documents_of(request.app.state, request.user, guidance_id, scope)

    @get("/guidance/{guidance_id:uuid}/documents/{kind:str}", responses=ERRORS, operation_id="issueGuidanceDocument",
         sync_to_thread=True)
    def issue_guidance_document(
        self, request: AnyRequest, guidance_id: FromPath[UUID], kind: FromPath[str],
        format: str = QueryParameter(name="format", default="pdf", pattern="^(docx|pdf)$"),
    ) -> Response[bytes]:
        """Issue a guidance's document (recorded on the guidance as DocumentIssued) and return the file."""
        scope_of(request)
        return file_response(issue_for_guidance(request.app.state, request.user, guidance_id,
                                                kind_of(kind, GUIDANCE_DOCUMENTS), DocumentFormat(format)))

    @get("/documents/verify", responses=ERRORS, operation_id="verifyDocument", sync_to_thread=True)
    def verify(self, request: AnyRequest, sha256: str = QueryParameter(name="sha256", max_length=80)) -> dict[str, Any]:
        """Which case or guidance, when and by whom a file with this SHA-256 was issued — or never."""
        return verification(request.app.state, scope_of(request), sha256)

    @post("/documents/verify", responses=ERRORS, operation_id="verifyDocumentFile", status_code=200)
    async def verify_file(self, request: AnyRequest) -> dict[str, Any]:
        """The same for an uploaded file (the raw body, or a form's ``file`` field)."""
        scope = scope_of(request)
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            part = (await request.form()).get("file")
            body = await part.read() if isinstance(part, UploadFile) else b""
        else:
            body = await request.body()
        if not body:
            raise InvalidInput.one("file", "no_file", "请上传要核验的文件")
        return verification(request.app.state, scope, hashlib.sha256(body).hexdigest())
