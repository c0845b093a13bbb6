"""Supervision feedback (seed 003 四) over the JSON API: suggestion boxes and
mailboxes with their monthly checks, the feedback forms (附件5, one problem
each, due 次月5日前) and the late queue, and the 司法局's 整改建议书 to any
enforcement unit — issued, answered, verified or issued again; the objections
to reversed penalties appear in the letters' list, in the same number series.

Scope (``Reach.SUPERVISION``): supervisors and auditors read everything; a
unit's staff their own boxes and forms (as collecting unit) and the letters
addressed to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.case.values import DocumentFormat
from ledger.documents.feedback import IssueFeedbackDocument
from ledger.feedback import FeedbackForm, SuggestionBox, SuggestionLetter
from ledger.feedback.commands import (
    AnswerSuggestionLetter,
    ChangeBoxKeeper,
    CheckBox,
    FillInFeedbackForm,
    InstallBox,
    IssueSuggestionLetter,
    VerifySuggestionLetter,
)
from ledger.feedback.values import LetterState
from ledger.history import EventView, describe
from ledger.scope import Reach, Scope
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body
from ledger_http.documents import file_response

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("feedback",)
MONTH = "^[0-9]{4}-(0[1-9]|1[0-2])$"

InstallBoxBody = command_body(InstallBox, "InstallBoxBody", exclude=())
KeeperBody = command_body(ChangeBoxKeeper, "ChangeBoxKeeperBody", exclude=("box_id",))
CheckBody = command_body(CheckBox, "CheckBoxBody", exclude=("box_id",))
FormBody = command_body(FillInFeedbackForm, "FillInFeedbackFormBody", exclude=())
LetterBody = command_body(IssueSuggestionLetter, "IssueSuggestionLetterBody", exclude=())
LetterAnswerBody = command_body(AnswerSuggestionLetter, "AnswerSuggestionLetterBody", exclude=("letter_id",))
VerifyBody = command_body(VerifySuggestionLetter, "VerifySuggestionLetterBody", exclude=("letter_id",))


def _scope(request: AnyRequest) -> Scope:
    return scope_of(request, Reach.SUPERVISION)


def today() -> date:
    return datetime.now(CST).date()


def record_view(record: Any) -> dict[str, Any]:
    """A box, form or letter as it stands (from the ledger, not the view)."""
    data = {k: v for k, v in vars(record).items() if not k.startswith("_") and k != "documents"}
    data.update(id=str(record.id), version=record.version, documents=len(getattr(record, "documents", ())))
    if isinstance(record, SuggestionLetter):
        data.update(number=str(record.number), state_label=record.state.label,
                    follows_number=str(record.follows_number) if record.follows_number else None)
    return msgspec.to_builtins(data)


class FeedbackController(Controller):
    path = "/feedback"
    tags = ["feedback"]

    @get("/boxes", responses=ERRORS, operation_id="listFeedbackBoxes", sync_to_thread=True)
    def boxes(self, request: AnyRequest, unit: str | None = QueryParameter(name="unit", default=None),
              wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)) -> list[dict[str, Any]]:
        """The 建议箱 and 电子信箱 with their collecting unit and keeper."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.feedback_boxes(scope, unit=unit)

    @post("/boxes", responses=ERRORS, operation_id="installFeedbackBox", status_code=201, sync_to_thread=True)
    def install(self, request: AnyRequest, data: JSONBody[InstallBoxBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """设置 a box or mailbox (the 司法局), collected by the unit the seed assigns."""
        return execute(request, InstallBox(**msgspec.structs.asdict(data)), status=201)

    @get("/boxes/{box_id:uuid}", responses=ERRORS, operation_id="getFeedbackBox", sync_to_thread=True)
    def box(self, request: AnyRequest, box_id: FromPath[UUID]) -> dict[str, Any]:
        """One box as the ledger has it (its months checked)."""
        _scope(request)
        return record_view(request.app.state.ledger.feedback_visible(context_of(request.user), SuggestionBox, box_id))

    @post("/boxes/{box_id:uuid}/keeper", responses=ERRORS, operation_id="changeFeedbackBoxKeeper", status_code=200,
          sync_to_thread=True)
    def keeper(self, request: AnyRequest, box_id: FromPath[UUID], data: JSONBody[KeeperBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """更换管理人 (the 司法局 or the collecting unit)."""
        return execute(request, ChangeBoxKeeper(box_id=box_id, **msgspec.structs.asdict(data)))

    @post("/boxes/{box_id:uuid}/checks", responses=ERRORS, operation_id="checkFeedbackBox", status_code=201,
          sync_to_thread=True)
    def check(self, request: AnyRequest, box_id: FromPath[UUID], data: JSONBody[CheckBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """每月检查 by the collecting unit (0 received: 本月无意见建议)."""
        return execute(request, CheckBox(box_id=box_id, **msgspec.structs.asdict(data)), status=201)

    @get("/checks", responses=ERRORS, operation_id="listFeedbackChecks", sync_to_thread=True)
    def checks(self, request: AnyRequest, unit: str | None = QueryParameter(name="unit", default=None),
               month: str | None = QueryParameter(name="month", default=None, pattern=MONTH),
               wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)) -> list[dict[str, Any]]:
        """The monthly checks (台账), with how many forms each month's box gave."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.feedback_checks(scope, unit=unit, month=month)

    @get("/forms", responses=ERRORS, operation_id="listFeedbackForms", sync_to_thread=True)
    def forms(
        self, request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        month: str | None = QueryParameter(name="month", default=None, pattern=MONTH),
        late: bool | None = QueryParameter(name="late", default=None),
        category: str | None = QueryParameter(name="category", default=None, max_length=40),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """The feedback forms, newest first (a collecting unit's staff: their own)."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.feedback_forms(scope, unit=unit, month=month, late=late, category=category,
                                                      limit=limit, offset=offset)

    @post("/forms", responses=ERRORS, operation_id="fillInFeedbackForm", status_code=201, sync_to_thread=True)
    def fill_in(self, request: AnyRequest, data: JSONBody[FormBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """填报 one 行政执法监督建议意见反馈表 (one problem), reviewed by another user of the unit."""
        return execute(request, FillInFeedbackForm(**msgspec.structs.asdict(data)), status=201)

    @get("/forms/{form_id:uuid}", responses=ERRORS, operation_id="getFeedbackForm", sync_to_thread=True)
    def form(self, request: AnyRequest, form_id: FromPath[UUID]) -> dict[str, Any]:
        """One form as the ledger has it."""
        _scope(request)
        return record_view(request.app.state.ledger.feedback_visible(context_of(request.user), FeedbackForm, form_id))

    @get("/forms/{form_id:uuid}/history", responses=ERRORS, operation_id="feedbackFormHistory", sync_to_thread=True)
    def form_history(self, request: AnyRequest, form_id: FromPath[UUID]) -> list[EventView]:
        """The form's events, oldest first."""
        _scope(request)
        return [describe(e) for e in request.app.state.ledger.feedback_history(context_of(request.user), FeedbackForm, form_id)]

    @post("/forms/{form_id:uuid}/documents", responses=ERRORS, operation_id="issueFeedbackFormDocument",
          status_code=200, sync_to_thread=True)
    def form_document(self, request: AnyRequest, form_id: FromPath[UUID],
                      format: str = QueryParameter(name="format", default="pdf", pattern="^(docx|pdf)$")) -> Response[bytes]:
        """出具 the form (附件5) as PDF or DOCX (recorded as DocumentIssued on the form)."""
        _scope(request)
        return file_response(request.app.state.ledger.issue_feedback_document(
            context_of(request.user), IssueFeedbackDocument(form_id=form_id, format=DocumentFormat(format))))

    @get("/late", responses=ERRORS, operation_id="feedbackLateQueue", sync_to_thread=True)
    def late(self, request: AnyRequest, unit: str | None = QueryParameter(name="unit", default=None),
             on: date | None = QueryParameter(name="on", default=None, description="the day to judge by (default today)"),
             wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)) -> list[dict[str, Any]]:
        """What is late per collecting unit: checked months without their forms past the due day, and late forms."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.feedback_late(scope, on or today(), unit=unit)

    @get("/dashboard", responses=ERRORS, operation_id="feedbackDashboard", sync_to_thread=True)
    def dashboard(self, request: AnyRequest,
                  wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62)) -> dict[str, Any]:
        """Feedback due and late, letters awaiting an answer or verification."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.feedback_dashboard(scope, today())


class SuggestionLetterController(Controller):
    path = "/suggestion-letters"
    tags = ["feedback"]

    @get("/", responses=ERRORS, operation_id="listSuggestionLetters", sync_to_thread=True)
    def letters(
        self, request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        letter_state: LetterState | None = QueryParameter(name="state", default=None),
        source: str | None = QueryParameter(name="source", default=None, pattern="^(feedback|initiative|reissue|reversal)$"),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Every 整改建议书, newest number first — the objections to reversals among them (source ``reversal``)."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.suggestion_letters(scope, unit=unit, state=letter_state.value if letter_state else None,
                                                          source=source, limit=limit, offset=offset)

    @post("/", responses=ERRORS, operation_id="issueSuggestionLetter", status_code=201, sync_to_thread=True)
    def issue(self, request: AnyRequest, data: JSONBody[LetterBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """制发 a letter (supervisor): from a form (``form_id``), again (``follows``), or on the 司法局's initiative."""
        return execute(request, IssueSuggestionLetter(**msgspec.structs.asdict(data)), status=201)

    @get("/{letter_id:uuid}", responses=ERRORS, operation_id="getSuggestionLetter", sync_to_thread=True)
    def letter(self, request: AnyRequest, letter_id: FromPath[UUID]) -> dict[str, Any]:
        """One letter as the ledger has it."""
        _scope(request)
        return record_view(request.app.state.ledger.feedback_visible(context_of(request.user), SuggestionLetter, letter_id))

    @get("/{letter_id:uuid}/history", responses=ERRORS, operation_id="suggestionLetterHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, letter_id: FromPath[UUID]) -> list[EventView]:
        """The letter's events, oldest first."""
        _scope(request)
        return [describe(e) for e in request.app.state.ledger.feedback_history(context_of(request.user), SuggestionLetter, letter_id)]

    @post("/{letter_id:uuid}/answers", responses=ERRORS, operation_id="answerSuggestionLetter", status_code=200,
          sync_to_thread=True)
    def answer(self, request: AnyRequest, letter_id: FromPath[UUID], data: JSONBody[LetterAnswerBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """书面答复 by the addressed unit's staff."""
        return execute(request, AnswerSuggestionLetter(letter_id=letter_id, **msgspec.structs.asdict(data)))

    @post("/{letter_id:uuid}/verification", responses=ERRORS, operation_id="verifySuggestionLetter", status_code=200,
          sync_to_thread=True)
    def verify(self, request: AnyRequest, letter_id: FromPath[UUID], data: JSONBody[VerifyBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """核实整改到位 (supervisor), once answered."""
        return execute(request, VerifySuggestionLetter(letter_id=letter_id, **msgspec.structs.asdict(data)))

    @post("/{letter_id:uuid}/documents", responses=ERRORS, operation_id="issueSuggestionLetterDocument",
          status_code=200, sync_to_thread=True)
    def document(self, request: AnyRequest, letter_id: FromPath[UUID],
                 format: str = QueryParameter(name="format", default="pdf", pattern="^(docx|pdf)$")) -> Response[bytes]:
        """出具 the letter as a GB/T 9704 document (PDF or DOCX; DocumentIssued on the letter)."""
        _scope(request)
        return file_response(request.app.state.ledger.issue_feedback_document(
            context_of(request.user), IssueFeedbackDocument(letter_id=letter_id, format=DocumentFormat(format))))
