"""Supervision in the workbench: what waits for supervisors (reversals to
review, letters not answered in time, major decisions not filed in time),
the review list of reversed penalties filtered as ``GET /supervision/reversals``
filters it, with its CSV and Excel export of exactly what the filters select,
and a review's page — 审查通过, 制发整改建议书, and the issuing unit's 答复."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import InvalidInput, LedgerError, NotAllowed, NotFound
from ledger.history import describe, event_label
from ledger.scope import Reach, Scope, sees
from ledger.supervision import ReviewStatus
from ledger.supervision.commands import AnswerObjection, ConfirmReversal, ObjectToReversal
from ledger.values import CST, FourList, Role
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import run_command
from ledger_http.common.reading import attachment, csv_response, xlsx_response
from ledger_http.web.pages import (
    PAGE,
    PAGE_HEADERS,
    AnyRequest,
    PageRefused,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)
from ledger_http.web.registry import unit_names
from projections import workbook
from projections.supervision.export import reversals_csv

# the review list's filters, named as GET /supervision/reversals names them
FILTERS = ("unit", "list", "item", "status", "from", "to")
EXPORT_ROWS = 1_000_000  # as the API's export: every matching row


def a_date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", "请填写日期（年-月-日）") from None


def reviewed_reversal(ledger: Any, review: Any) -> tuple[Any, Any]:
    """The reversal under review as the case recorded it, and the catalogue
    item it cites as it stood on the original decision date (None if the
    catalogue no longer resolves it: the page says so)."""
    case = ledger.get_case(review.case_id)
    reversal = next((r for r in case.reversals if r.decision.number == review.decision_number), None)
    return reversal, ledger.cited_item(reversal) if reversal is not None else None


def read_filters(query: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The review list's filters as typed (to show them again) and their
    problems; ``to`` is the last day shown (inclusive, as on the page)."""
    typed = {k: str(query.get(k) or "").strip()[:64] for k in FILTERS}
    problems = {}
    for k in ("from", "to"):
        if typed[k] and _day(typed[k]) is None:
            problems[k] = "日期格式应为 年-月-日"
    return typed, problems


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def list_scope(user: AuthUser, typed: dict[str, str]) -> Scope:
    """The user's supervision scope; another unit's list is refused (403) as by the API."""
    scope = page_scope(user, Reach.SUPERVISION)
    try:
        scope.unit_filter(typed["unit"] or None)
    except NotAllowed as e:
        raise PageRefused(user, e.message) from None
    return scope


def select_reversals(request: AnyRequest, scope: Scope, typed: dict[str, str], limit: int,
                     offset: int) -> list[dict[str, Any]]:
    """The reversals the filters select, as ``GET /supervision/reversals``
    reads them (``views.reversals``); an unknown list or status is no filter."""
    start, end = _day(typed["from"]), _day(typed["to"])
    return request.app.state.views.reversals(
        scope,
        unit=typed["unit"] or None,
        list_kind=typed["list"] if typed["list"] in FourList._value2member_map_ else None,
        item_number=typed["item"] or None,
        status=typed["status"] if typed["status"] in ReviewStatus._value2member_map_ else None,
        reversed_from=start.isoformat() if start else None,
        # the API's period ends before its `to`; the page's 至 is the last day shown
        reversed_to=(end + timedelta(days=1)).isoformat() if end else None,
        limit=limit,
        offset=offset,
    )


class SupervisionPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/supervision")
    async def queue(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, "supervision")
        waiting = await in_thread(request.app.state.views.supervision_queue, scope)
        return page(request, user, "supervision.html", waiting=waiting)

    @get("/supervision/reversals")
    async def review_list(self, request: AnyRequest) -> Template:
        """The whole review list, filtered as the API filters it, a page at a time."""
        user = page_user(request)
        typed, problems = read_filters(request.query_params)
        scope = list_scope(user, typed)
        offset_text = str(request.query_params.get("offset") or "0")
        offset = int(offset_text) if offset_text.isdigit() else 0
        await caught_up(request, "supervision")
        rows = [] if problems else await in_thread(select_reversals, request, scope, typed, PAGE + 1, offset)
        units = await in_thread(unit_names, request) if scope.unit is None else []
        return page(request, user, "supervision.html", status=422 if problems else 200, listing=True,
                    rows=rows[:PAGE], more=len(rows) > PAGE, offset=offset, page_size=PAGE, filters=typed,
                    errors=problems, query=urlencode({k: v for k, v in typed.items() if v}), units=units,
                    lists=list(FourList), statuses=list(ReviewStatus))

    @get("/supervision/reversals.csv")
    async def review_list_csv(self, request: AnyRequest) -> Response[bytes] | Template:
        """Every reversal the page's filters select, as the API's CSV (its
        SHA-256 in a header)."""
        return await export(request, excel=False)

    @get("/supervision/reversals.xlsx")
    async def review_list_xlsx(self, request: AnyRequest) -> Response[bytes] | Template:
        """The same selection as an Excel workbook (``projections.workbook``)."""
        return await export(request, excel=True)

    @get("/reviews/{review_id:uuid}")
    async def review(self, request: AnyRequest, review_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._review_page(request, user, review_id, {}, {})

    async def _review_page(self, request: AnyRequest, user: Any, review_id: UUID, values: dict[str, Any],
                           errors: dict[str, str], status: int = 200) -> Template:
        ledger = request.app.state.ledger
        try:
            review = await in_thread(ledger.review, review_id)
            if not sees(user.role, user.unit, Reach.SUPERVISION, [review.issuing_unit]):
                raise NotFound("not visible")
        except NotFound:
            return page(request, user, "message.html", status=404, title="审查不存在", message="没有该审查，或您无权查看。")
        reversal, item = await in_thread(reviewed_reversal, ledger, review)
        events = [{"view": d, "label": event_label(d.event, d.aggregate),
                   "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—"}
                  for d in map(describe, await in_thread(ledger.review_history, review_id))]
        return page(request, user, "review.html", status=status, review=review, events=events, values=values,
                    reversal=reversal, item=item,
                    errors=errors, key=uuid.uuid4(),
                    # which forms to offer (a hint: the review itself decides)
                    supervisor=user.role is Role.SUPERVISOR and review.status in (ReviewStatus.PENDING, ReviewStatus.ANSWERED),
                    issuing=(user.role is Role.UNIT_STAFF and user.unit == review.issuing_unit
                             and review.status is ReviewStatus.OBJECTED))

    @post("/reviews/{review_id:uuid}/{step:str}")
    async def act(self, request: AnyRequest, review_id: FromPath[UUID], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            if step == "confirm":
                command: Any = ConfirmReversal(review_id=review_id, comment=values.get("comment", ""))
            elif step == "object":
                command = ObjectToReversal(review_id=review_id, problems=values.get("problems", ""),
                                           suggestions=values.get("suggestions", ""),
                                           reply_due=a_date("reply_due", values.get("reply_due", "")))
            elif step == "answer":
                command = AnswerObjection(review_id=review_id, reply=values.get("reply", ""),
                                          measures=values.get("measures", ""))
            else:
                return page(request, user, "message.html", status=404, title="页面不存在", message="没有该操作。")
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._review_page(request, user, review_id, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._review_page(request, user, review_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/reviews/{review_id}")


async def export(request: AnyRequest, *, excel: bool) -> Response[bytes] | Template:
    user = page_user(request)
    typed, problems = read_filters(request.query_params)
    scope = list_scope(user, typed)
    if problems:
        return page(request, user, "message.html", status=422, title="筛选条件有误", message="；".join(problems.values()))
    await caught_up(request, "supervision")
    rows = await in_thread(select_reversals, request, scope, typed, EXPORT_ROWS, 0)
    if excel:
        return xlsx_response(await in_thread(workbook.reversals_xlsx, rows), "处罚撤销审查", "reversals", {})
    stamp = datetime.now(CST).strftime("%Y%m%d-%H%M")
    return csv_response(await in_thread(reversals_csv, rows),
                        {"Content-Disposition": attachment(f"处罚撤销审查-{stamp}.csv", f"reversals-{stamp}.csv")})
