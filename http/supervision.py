"""Supervision (执法监督): the review list of reversed penalties, reviewing
them (confirm, or object with a numbered 整改建议书 the unit must answer),
statistics, and the 15-day filing of major penalty decisions."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.errors import NotFound
from ledger.history import EventView, describe
from ledger.scope import Reach, Scope
from ledger.supervision import ReviewStatus
from ledger.supervision.commands import (
    AnswerObjection,
    ConfirmReversal,
    DeclareMajorDecision,
    FileMajorDecision,
    ObjectToReversal,
)
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import csv_response, cutoff_of, scope_of, wait_for_reads, xlsx_response
from projections import workbook
from projections.supervision.as_of import reviews_as_of
from projections.supervision.export import display_reversal, reversals_csv

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("supervision",)


def _scope(request: AnyRequest) -> Scope:
    """Supervisors and auditors read every unit; unit staff their own unit
    (they answer the letters); other roles have no business here."""
    return scope_of(request, Reach.SUPERVISION)


class SupervisionController(Controller):
    path = "/supervision"
    tags = ["supervision"]

    # ----------------------------------------------------------- reversals

    @get("/reversals", responses=ERRORS, operation_id="listReversals", sync_to_thread=True)
    def reversals(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        list_kind: str | None = QueryParameter(name="list", default=None, description="no_penalty, lighter, mitigated, no_coercive_measure"),
        item: str | None = QueryParameter(name="item", default=None, description="item number"),
        status: ReviewStatus | None = QueryParameter(name="status", default=None),
        reversed_from: date | None = QueryParameter(name="from", default=None),
        reversed_to: date | None = QueryParameter(name="to", default=None, description="exclusive"),
        limit: int = QueryParameter(name="limit", default=100, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=2**31),
        as_of: str | None = QueryParameter(name="as_of", default=None, description="ISO 8601 time or notification id"),
        format: str = QueryParameter(name="format", default="json", pattern="^(json|csv|xlsx)$"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> Response[Any]:
        """Every reversed penalty with its list item, explanation, who decided
        when and its review status; filters by unit, list, item, period and
        status; ``as_of`` shows the list as the ledger knew it then; CSV and
        Excel (``format=xlsx``) export every matching row."""
        scope = _scope(request)
        whole = format != "json"
        cutoff = None
        filters = {
            "unit": scope.unit_filter(unit),
            "list_kind": list_kind,
            "item_number": item,
            "status": status.value if status else None,
        }
        period = (reversed_from.isoformat() if reversed_from else None, reversed_to.isoformat() if reversed_to else None)
        headers: dict[str, str] = {}
        if as_of is not None:
            cutoff = cutoff_of(request, as_of)
            rows = [
                r for r in reviews_as_of(request.app.state.settings, cutoff)
                if r["kind"]
                and all(value is None or r[column] == value for column, value in filters.items())
                and (period[0] is None or r["reversed_at"] >= period[0])
                and (period[1] is None or r["reversed_at"] < period[1])
            ]
            headers["X-Ledger-Cutoff"] = str(cutoff)
            page = rows if whole else rows[offset : offset + limit]
            shown = [display_reversal(r) for r in page]
        else:
            wait_for_reads(request, VIEWS, wait_for)
            shown = request.app.state.views.reversals(
                scope,
                **filters,
                reversed_from=period[0],
                reversed_to=period[1],
                limit=1_000_000 if whole else limit,
                offset=0 if whole else offset,
            )
        if format == "csv":
            return csv_response(reversals_csv(shown), headers)
        if format == "xlsx":
            return xlsx_response(workbook.reversals_xlsx(shown, cutoff=cutoff), "处罚撤销审查", "reversals", headers, cutoff)
        return Response(shown, headers=headers)

    @get("/reversals/stats", responses=ERRORS, operation_id="reversalStats", sync_to_thread=True)
    def stats(
        self,
        request: AnyRequest,
        by: str = QueryParameter(name="by", default="unit", pattern="^(unit|item|month)$"),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Reversals per unit, per list item or per month, with review outcomes."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.reversal_stats(scope, by)

    @get("/queue", responses=ERRORS, operation_id="supervisionQueue", sync_to_thread=True)
    def queue(
        self,
        request: AnyRequest,
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> dict[str, list[dict[str, Any]]]:
        """What waits for supervisors: reversals to review, letters not answered
        by their due date, major decisions not filed within 15 days (for unit
        staff: those of their own unit)."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.supervision_queue(scope)

    @get("/reviews/{review_id:uuid}/history", responses=ERRORS, operation_id="reviewHistory", sync_to_thread=True)
    def review_history(self, request: AnyRequest, review_id: FromPath[UUID]) -> list[EventView]:
        """The reversal as a supervisor sees it: the case's reversal event, then
        every review step (and the major-decision filing), oldest first."""
        ledger = request.app.state.ledger
        review = ledger.review(review_id)
        if not _scope(request).sees([review.issuing_unit]):
            raise NotFound(f"没有编号为{review_id}的处罚撤销审查", code="review_not_found")
        return [describe(e) for e in ledger.review_history(review_id)]

    @post("/reviews/{review_id:uuid}/confirm", responses=ERRORS, operation_id="confirmReversal", status_code=200, sync_to_thread=True)
    def confirm(self, request: AnyRequest, review_id: FromPath[UUID], data: JSONBody[s.ConfirmReviewBody]) -> Response[s.CommandResult]:
        """审查通过 (supervisor)."""
        return execute(request, ConfirmReversal(review_id=review_id, **msgspec.structs.asdict(data)))

    @post("/reviews/{review_id:uuid}/objections", responses=ERRORS, operation_id="objectToReversal", status_code=200, sync_to_thread=True)
    def object(self, request: AnyRequest, review_id: FromPath[UUID], data: JSONBody[s.ObjectionBody]) -> Response[s.CommandResult]:
        """制发《行政执法监督问题整改建议书》 (supervisor); ``number`` is the letter's."""
        return execute(request, ObjectToReversal(review_id=review_id, **msgspec.structs.asdict(data)))

    @post("/reviews/{review_id:uuid}/answers", responses=ERRORS, operation_id="answerObjection", status_code=200, sync_to_thread=True)
    def answer(self, request: AnyRequest, review_id: FromPath[UUID], data: JSONBody[s.AnswerBody]) -> Response[s.CommandResult]:
        """The issuing unit answers the letter (its unit staff)."""
        return execute(request, AnswerObjection(review_id=review_id, **msgspec.structs.asdict(data)))

    # ------------------------------------------------------------- filings

    @get("/filings", responses=ERRORS, operation_id="listMajorDecisionFilings", sync_to_thread=True)
    def filings(
        self,
        request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        status: str | None = QueryParameter(name="status", default=None, pattern="^(open|overdue|filed|late)$"),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(name="wait_for", default=None, ge=0, le=2**62),
    ) -> list[dict[str, Any]]:
        """Major penalty decisions and their filing (due 15 days after the decision)."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.filings(scope, unit=unit, status=status, limit=limit, offset=offset)

    @post("/filings", responses=ERRORS, operation_id="declareMajorDecision", status_code=201, sync_to_thread=True)
    def declare(self, request: AnyRequest, data: JSONBody[s.DeclareFilingBody]) -> Response[s.CommandResult]:
        """登记 a major penalty decision of one's unit, to be filed within 15 days (unit staff)."""
        return execute(request, DeclareMajorDecision(**msgspec.structs.asdict(data)), status=201)

    @post("/filings/{filing_id:uuid}/file", responses=ERRORS, operation_id="fileMajorDecision", status_code=200, sync_to_thread=True)
    def file(self, request: AnyRequest, filing_id: FromPath[UUID], data: JSONBody[s.FileFilingBody]) -> Response[s.CommandResult]:
        """报送备案 (unit staff of the deciding unit); late filings are flagged."""
        return execute(request, FileMajorDecision(filing_id=filing_id, **msgspec.structs.asdict(data)))

