"""The supervision feedback's lists as Excel workbooks (seed 003 四), on the
project's one XLSX writer (``projections.workbook``), within the reader's
scope exactly as the pages list them:

- ``/w/feedback/forms/xlsx``: the 附件5 feedback forms (one problem each) with
  their month, source, description, suggestion, 审核/制表, due day and whether
  late, and the letters made from them (``?month=YYYY-MM`` to take one month);
- ``/w/suggestion-letters/xlsx``: the 整改建议书 — the objections to reversed
  penalties among them — with the addressed unit, the reply due, the answer and
  the verification (``?state=`` as on the list page).

Neither list holds a resident ID or a mobile number: nothing to mask."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Response, get
from litestar.response import Template

from ledger.feedback.values import LetterState
from ledger.scope import Reach
from ledger_http.common.reading import xlsx_response
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, caught_up, in_thread, page_scope, page_user
from projections.workbook import DAY, INSTANT, INTEGER, Column, Sheet, workbook_bytes

VIEW = "feedback"
EVERY = 1_000_000  # an export takes the whole list, not a page of it

FORMS = Sheet("建议意见反馈表", (
    Column("seq", "序号", INTEGER), Column("month", "月份"), Column("unit", "单位"),
    Column("source_label", "情况来源"), Column("source_detail", "具体联系点、监督员、结对企业、信箱（邮箱）、其他"),
    Column("category_label", "问题类型"), Column("problem", "问题描述"), Column("suggestion", "建议意见"),
    Column("reviewer", "审核"), Column("clerk", "制表"), Column("filled_on", "填表日期", DAY),
    Column("due_on", "报送期限", DAY), Column("late_label", "是否逾期"), Column("letter_numbers", "整改建议书编号")),
    title="行政执法监督建议意见反馈表汇总")
LETTERS = Sheet("整改建议书", (
    Column("seq", "序号", INTEGER), Column("number", "编号"), Column("unit", "被建议整改单位"),
    Column("supervising_unit", "制发单位"), Column("source_label", "来源"), Column("decision_number", "处罚决定书文号"),
    Column("follows_number", "前次建议书"), Column("problems", "存在的问题"), Column("suggestions", "整改建议"),
    Column("issued_at", "制发时间", INSTANT), Column("reply_due", "答复期限", DAY), Column("state_label", "状态"),
    Column("answered_at", "答复时间", INSTANT), Column("reply", "答复意见"), Column("measures", "整改措施"),
    Column("verified_at", "核实整改到位时间", INSTANT)),
    title="行政执法监督问题整改建议书台账")
MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


def _numbered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for i, r in enumerate(rows, 1):
        r["seq"] = i
        if "late" in r:
            r["late_label"] = "逾期" if r["late"] else "按期"
    return rows


def form_rows(views: Any, scope: Any, month: str | None) -> list[dict[str, Any]]:
    return _numbered(views.feedback_forms(scope, month=month, limit=EVERY))


def letter_rows(views: Any, scope: Any, state: str | None) -> list[dict[str, Any]]:
    return _numbered(views.suggestion_letters(scope, state=state, limit=EVERY))


class FeedbackExportPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/feedback/forms/xlsx")
    async def forms(self, request: AnyRequest) -> Response[bytes] | Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        month = str(request.query_params.get("month") or "")
        month = month if MONTH.match(month) else None
        await caught_up(request, VIEW)
        rows = await in_thread(form_rows, request.app.state.views, scope, month)
        name = f"建议意见反馈表{('-' + month) if month else ''}"
        data = await in_thread(workbook_bytes, FORMS, rows, title=FORMS.title or name)
        return xlsx_response(data, name, "feedback-forms", {})

    @get("/suggestion-letters/xlsx")
    async def letters(self, request: AnyRequest) -> Response[bytes] | Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        state = str(request.query_params.get("state") or "")
        state = state if state in LetterState._value2member_map_ else None
        await caught_up(request, VIEW)
        rows = await in_thread(letter_rows, request.app.state.views, scope, state)
        data = await in_thread(workbook_bytes, LETTERS, rows, title=LETTERS.title or "整改建议书")
        return xlsx_response(data, "整改建议书", "suggestion-letters", {})
