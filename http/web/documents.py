"""Documents in the workbench: the case page's 出具文书 buttons (each a small
form: the file comes back as a download and the issue is recorded on the
case), the list of what was issued, and 文书核验 — a file handed in is
looked up by its SHA-256."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath
from litestar.response import Template

from ledger.case.values import DocumentFormat, DocumentKind
from ledger.errors import CaseNotFound, InvalidInput, LedgerError
from ledger.scope import Reach
from ledger_http.documents import file_response, issue, verification
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page, page_scope, page_user


class DocumentPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @post("/cases/{case_id:uuid}/documents/{kind:str}")
    async def issue(self, request: AnyRequest, case_id: FromPath[UUID], kind: FromPath[str]) -> Response[bytes] | Template:
        user = page_user(request)
        form = await request.form()
        fmt = str(form.get("format") or "pdf")
        if kind not in DocumentKind._value2member_map_ or fmt not in DocumentFormat._value2member_map_:
            return page(request, user, "message.html", status=404, title="没有该文书", message="没有该文书或格式。",
                        case_id=case_id)
        try:
            issued = await in_thread(issue, request.app.state, user, case_id, DocumentKind(kind), DocumentFormat(fmt),
                                     str(form.get("about") or ""))
        except CaseNotFound:
            return page(request, user, "message.html", status=404, title="案件不存在", message="没有该案件，或您无权查看。")
        except LedgerError as e:
            return page(request, user, "message.html", status=409, title="不能出具", message=e.message, case_id=case_id)
        # the file comes back instead of a page: remember its position, so the
        # case page lists this issue when the user returns to it
        request.set_session({**request.session, "n": issued.result.notification_id})
        return file_response(issued)

    @get("/documents/verify")
    async def verify_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        page_scope(user, Reach.CASES)
        return page(request, user, "documents_verify.html", result=None, errors={})

    @post("/documents/verify")
    async def verify(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        form = await request.form()
        part = form.get("file")
        body = await part.read() if isinstance(part, UploadFile) else b""
        typed = str(form.get("sha256") or "").strip()
        if not body and not typed:
            return page(request, user, "documents_verify.html", status=422, result=None,
                        errors={"file": "请选择要核验的文件，或填写其SHA-256摘要"})
        try:
            result: dict[str, Any] = await in_thread(verification, request.app.state, scope,
                                                     hashlib.sha256(body).hexdigest() if body else typed)
        except InvalidInput as e:
            return page(request, user, "documents_verify.html", status=422, result=None,
                        errors={"sha256": e.errors[0].message})
        return page(request, user, "documents_verify.html", result=result, errors={},
                    filename=part.filename if isinstance(part, UploadFile) else "")
