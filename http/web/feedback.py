"""Supervision feedback in the workbench (seed 003 四):

- ``/w/feedback``: the desk. For a collecting unit: its boxes with the month's
  check (本月无意见建议 too), its forms and what of it is late; for the
  司法局 (supervisors, auditors): feedback due this month and late per
  collecting unit, letters awaiting an answer or verification, and the
  places where the other lists of the supervision desk sit (reviews pending,
  filings overdue, supervisors' terms expiring — filled by their slices).
- ``/w/feedback/forms/new``: 附件5, one problem per form; ``/w/feedback/forms/{id}``:
  the form, its documents and — for a supervisor — 制发整改建议书 from it.
- ``/w/suggestion-letters``: the letters (an addressed unit's staff: theirs to
  answer); ``/w/suggestion-letters/{id}``: 答复 / 核实整改到位 / 再次制发.

Thin pages: every rule is the ledger's (``ledger.feedback``); lists come from
the feedback view."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ledger.case.values import DocumentFormat
from ledger.documents.feedback import IssueFeedbackDocument
from ledger.errors import InvalidInput, LedgerError, NotFound
from ledger.feedback import FeedbackForm, SuggestionLetter
from ledger.feedback.commands import (
    AnswerSuggestionLetter,
    CheckBox,
    FillInFeedbackForm,
    IssueSuggestionLetter,
    VerifySuggestionLetter,
)
from ledger.feedback.values import ActCategory, FeedbackSource, LetterState
from ledger.history import describe, event_label
from ledger.scope import Reach
from ledger.values import CST, Role
from ledger_http.common.commanding import context_of, run_command
from ledger_http.documents import file_response
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
from ledger_http.web.registry import unit_names
from ledger_http.web.user_choices import active_users

VIEW = "feedback"


def _today() -> date:
    return datetime.now(CST).date()


def _date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput.one(field, "invalid_date", "请填写日期（年-月-日）") from None


def _enum(cls: Any, text: str) -> Any:
    return cls(text) if text in cls._value2member_map_ else None


def _events(ledger: Any, user: Any, cls: type, record_id: UUID) -> list[dict[str, Any]]:
    return [{"view": d, "label": event_label(d.event, d.aggregate),
             "business": d.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if d.business_time else "—"}
            for d in map(describe, ledger.feedback_history(context_of(user), cls, record_id))]


def _oversight_hooks(views: Any, scope: Any) -> list[tuple[str, str, int]]:
    """The supervision department's other open work, counted (the other
    slices' queries): reversals to review, filings overdue, legal reviews
    pending, invited supervisors' terms ending within 30 days."""
    return [
        ("处罚撤销审查待办", "/w/supervision", len(views.supervision_queue(scope)["to_review"])),
        ("重大行政处罚决定逾期未备案", "/w/filings?status=overdue", len(views.filings(scope, status="overdue"))),
        ("法制审核待审核", "/w/legal-reviews", len(views.legal_reviews(scope, state="pending", limit=1000))),
        ("特邀监督员30日内任期届满", "/w/network", len(views.invited_supervisors(scope, expiring_only=True, limit=1000))),
    ]


class FeedbackPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    # ------------------------------------------------------------------ desk

    @get("/feedback")
    async def desk(self, request: AnyRequest) -> Template:
        return await self._desk(request, {}, {})

    async def _desk(self, request: AnyRequest, values: dict[str, str], errors: dict[str, str],
                    status: int = 200) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, VIEW)
        views = request.app.state.views
        today = _today()
        desk = await in_thread(views.feedback_dashboard, scope, today)
        boxes = await in_thread(views.feedback_boxes, scope) if scope.unit else []
        checks = await in_thread(views.feedback_checks, scope, limit=24) if scope.unit else []
        forms = await in_thread(views.feedback_forms, scope, limit=50)
        hooks = await in_thread(_oversight_hooks, views, scope) if scope.unit is None else []
        last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        return page(request, user, "feedback_desk.html", status=status, desk=desk, boxes=boxes, checks=checks,
                    forms=forms, values=values, errors=errors, key=uuid.uuid4(), today=today, hooks=hooks,
                    default_month=values.get("month") or last_month, supervisor=scope.unit is None)

    @post("/feedback/boxes/{box_id:uuid}/check")
    async def check(self, request: AnyRequest, box_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            received_text = values.get("received", "").strip() or "0"
            if not received_text.isdigit():
                raise InvalidInput.one("received", "bad_count", "收到的意见建议数应为0或正整数")
            command = CheckBox(box_id=box_id, month=values.get("month", ""), received=int(received_text),
                               note=values.get("note", ""))
            remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._desk(request, {**values, "box_id": str(box_id)}, field_errors(e), status=422)
        except LedgerError as e:
            return await self._desk(request, values, {"": e.message}, status=409)
        return Redirect(path="/w/feedback")

    # ------------------------------------------------------------------ forms

    @get("/feedback/forms/new")
    async def new_form(self, request: AnyRequest) -> Template:
        user = page_user(request)
        return await self._new_form(request, user, {}, {})

    async def _new_form(self, request: AnyRequest, user: Any, values: dict[str, str], errors: dict[str, str],
                        status: int = 200) -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        boxes = await in_thread(request.app.state.views.feedback_boxes, scope,
                                unit=user.unit if user.role is not Role.AUDITOR else None)
        # 审核 is another person of the unit (the clerk is the user): chosen from the directory
        reviewers = await in_thread(active_users, request.app.state, user.unit, besides=user.username)
        return page(request, user, "feedback_form_new.html", status=status, values=values, errors=errors,
                    key=uuid.uuid4(), boxes=boxes, reviewers=reviewers, sources=list(FeedbackSource),
                    categories=list(ActCategory),
                    default_month=(_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))

    @post("/feedback/forms")
    async def fill_in(self, request: AnyRequest) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            box_text = values.get("box_id", "").strip()
            try:
                box_id = UUID(box_text) if box_text else None
            except ValueError:
                raise InvalidInput.one("box_id", "unknown_box", "请选择建议箱或电子信箱") from None
            command = FillInFeedbackForm(
                month=values.get("month", ""), source=_enum(FeedbackSource, values.get("source", "")),
                source_detail=values.get("source_detail", ""), box_id=box_id,
                category=_enum(ActCategory, values.get("category", "")), problem=values.get("problem", ""),
                suggestion=values.get("suggestion", ""), reviewer=values.get("reviewer", ""))
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._new_form(request, user, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._new_form(request, user, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/feedback/forms/{result['record_id']}")

    @get("/feedback/forms/{form_id:uuid}")
    async def form(self, request: AnyRequest, form_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._form_page(request, user, form_id, {}, {})

    async def _form_page(self, request: AnyRequest, user: Any, form_id: UUID, values: dict[str, str],
                         errors: dict[str, str], status: int = 200) -> Template:
        scope = page_scope(user, Reach.SUPERVISION)
        ledger = request.app.state.ledger
        try:
            record = await in_thread(ledger.feedback_visible, context_of(user), FeedbackForm, form_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="反馈表不存在", message="没有该反馈表，或您无权查看。")
        await caught_up(request, VIEW)
        letters = await in_thread(request.app.state.views.suggestion_letters, scope, form_id=str(form_id))
        supervisor = user.role is Role.SUPERVISOR
        units = await in_thread(unit_names, request) if supervisor else []
        return page(request, user, "feedback_form.html", status=status, form=record, letters=letters,
                    events=await in_thread(_events, ledger, user, FeedbackForm, form_id), values=values,
                    errors=errors, key=uuid.uuid4(), supervisor=supervisor, units=units)

    @post("/feedback/forms/{form_id:uuid}/letter")
    async def letter_from_form(self, request: AnyRequest, form_id: FromPath[UUID]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        try:
            command = IssueSuggestionLetter(unit=values.get("unit", ""), problems=values.get("problems", ""),
                                            suggestions=values.get("suggestions", ""),
                                            reply_due=_date("reply_due", values.get("reply_due", "")), form_id=form_id)
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
        except InvalidInput as e:
            return await self._form_page(request, user, form_id, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._form_page(request, user, form_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/suggestion-letters/{result['record_id']}")

    @post("/feedback/forms/{form_id:uuid}/documents")
    async def form_document(self, request: AnyRequest, form_id: FromPath[UUID]) -> Response[bytes] | Template:
        return await self._document(request, form_id=form_id)

    # ---------------------------------------------------------------- letters

    @get("/suggestion-letters")
    async def letters(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.SUPERVISION)
        await caught_up(request, VIEW)
        state = str(request.query_params.get("state") or "")
        rows = await in_thread(request.app.state.views.suggestion_letters, scope,
                               state=state if state in LetterState._value2member_map_ else None)
        return page(request, user, "feedback_letters.html", rows=rows, states=list(LetterState), state=state,
                    today=_today().isoformat())

    @get("/suggestion-letters/{letter_id:uuid}")
    async def letter(self, request: AnyRequest, letter_id: FromPath[UUID]) -> Template:
        user = page_user(request)
        return await self._letter_page(request, user, letter_id, {}, {})

    async def _letter_page(self, request: AnyRequest, user: Any, letter_id: UUID, values: dict[str, str],
                           errors: dict[str, str], status: int = 200) -> Template:
        ledger = request.app.state.ledger
        try:
            record = await in_thread(ledger.feedback_visible, context_of(user), SuggestionLetter, letter_id)
        except NotFound:
            return page(request, user, "message.html", status=404, title="整改建议书不存在",
                        message="没有该整改建议书，或您无权查看。")
        open_ = record.state in (LetterState.ISSUED, LetterState.ANSWERED)
        return page(request, user, "feedback_letter.html", status=status, letter=record, values=values, errors=errors,
                    key=uuid.uuid4(), events=await in_thread(_events, ledger, user, SuggestionLetter, letter_id),
                    # which forms to offer (a hint: the letter itself decides)
                    answering=user.role is Role.UNIT_STAFF and user.unit == record.unit
                    and record.state is LetterState.ISSUED,
                    verifying=user.role is Role.SUPERVISOR and record.state is LetterState.ANSWERED,
                    reissuing=user.role is Role.SUPERVISOR and open_)

    @post("/suggestion-letters/{letter_id:uuid}/documents")
    async def letter_document(self, request: AnyRequest, letter_id: FromPath[UUID]) -> Response[bytes] | Template:
        return await self._document(request, letter_id=letter_id)

    @post("/suggestion-letters/{letter_id:uuid}/{step:str}")
    async def act(self, request: AnyRequest, letter_id: FromPath[UUID], step: FromPath[str]) -> Template | Redirect:
        user = page_user(request)
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in form}
        target = letter_id
        try:
            if step == "answer":
                command: Any = AnswerSuggestionLetter(letter_id=letter_id, reply=values.get("reply", ""),
                                                      measures=values.get("measures", ""))
            elif step == "verify":
                command = VerifySuggestionLetter(letter_id=letter_id, comment=values.get("comment", ""))
            elif step == "reissue":
                letter = await in_thread(request.app.state.ledger.feedback_visible, context_of(user), SuggestionLetter,
                                         letter_id)
                command = IssueSuggestionLetter(unit=letter.unit, problems=values.get("problems", ""),
                                                suggestions=values.get("suggestions", ""),
                                                reply_due=_date("reply_due", values.get("reply_due", "")),
                                                follows=letter_id)
            else:
                return page(request, user, "message.html", status=404, title="页面不存在", message="没有该操作。")
            result = remember(request, await in_thread(run_command, request.app.state, user, command, form_key(form)))
            if step == "reissue":
                target = UUID(result["record_id"])
        except InvalidInput as e:
            return await self._letter_page(request, user, letter_id, values, field_errors(e), status=422)
        except LedgerError as e:
            return await self._letter_page(request, user, letter_id, values, {"": e.message}, status=409)
        return Redirect(path=f"/w/suggestion-letters/{target}")

    async def _document(self, request: AnyRequest, **ids: UUID) -> Response[bytes] | Template:
        user = page_user(request)
        form = await request.form()
        fmt = str(form.get("format", "pdf"))
        if fmt not in DocumentFormat._value2member_map_:
            return page(request, user, "message.html", status=422, title="格式有误", message="文书格式应为 PDF 或 DOCX。")
        try:
            issued = await in_thread(request.app.state.ledger.issue_feedback_document, context_of(user),
                                     IssueFeedbackDocument(format=DocumentFormat(fmt), **ids))
        except NotFound:
            return page(request, user, "message.html", status=404, title="不存在", message="没有该记录，或您无权查看。")
        except LedgerError as e:
            return page(request, user, "message.html", status=409, title="不能出具", message=e.message)
        request.set_session({**request.session, "n": issued.result.notification_id})
        return file_response(issued)
