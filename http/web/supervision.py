"""Supervision in the workbench: what waits for supervisors (reversals to
review, letters not answered in time, major decisions not filed in time) and
a review's page — 审查通过, 制发整改建议书, and the issuing unit's 答复."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.history import describe, event_label
from ledger.scope import Reach, sees
from ledger.supervision import ReviewStatus
from ledger.supervision.commands import AnswerObjection, ConfirmReversal, ObjectToReversal
from ledger.values import CST, Role
from ledger_http.common.commanding import run_command
from ledger_http.web.pages import (
    PAGE_HEADERS,
    AnyRequest,
    caught_up,
    field_errors,
    form_key,
    in_thread,
    page,
    page_scope,
    page_user,
    remember,
)


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
        events = [{"view": d, "label": event_label(d.event),
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
