"""Legal review before major decisions (重大行政执法决定法制审核, seed 003 七)
and credit-repair guidance (信用修复, seed 003 十) over the JSON API: the
reviews with their rounds, the filings' 备案审查, the year-end indicators,
each authority's large-fine threshold, the four lists filed with the 司法局,
and the credit-repair requests.

Scope (``Reach.SUPERVISION``): supervisors and auditors read everything; a
unit's staff their own unit's."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.catalogue.commands import FileListsWithJustice
from ledger.history import EventView, describe
from ledger.legal_review import CreditRepair, LegalReview, threshold_for
from ledger.legal_review.commands import (
    ConcludeCreditRepair,
    GiveLegalReviewOpinion,
    GuideCreditRepair,
    RequestCreditRepair,
    RequestLegalReview,
    ResubmitLegalReview,
    SetReviewThreshold,
)
from ledger.legal_review.values import PartyKind, RepairState, ReviewState
from ledger.scope import Reach, Scope
from ledger.supervision.commands import ReviewMajorDecisionFiling
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import context_of, execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads
from ledger_http.common.schemas import CommandResult, command_body

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("legal_review",)
WAIT = dict(name="wait_for", default=None, ge=0, le=2**62)

RequestBody = command_body(RequestLegalReview, "RequestLegalReviewBody", exclude=())
OpinionBody = command_body(GiveLegalReviewOpinion, "GiveLegalReviewOpinionBody", exclude=("review_id",))
ResubmitBody = command_body(ResubmitLegalReview, "ResubmitLegalReviewBody", exclude=("review_id",))
ThresholdBody = command_body(SetReviewThreshold, "SetReviewThresholdBody", exclude=())
FilingReviewBody = command_body(ReviewMajorDecisionFiling, "ReviewMajorDecisionFilingBody", exclude=("filing_id",))
ListsFilingBody = command_body(FileListsWithJustice, "FileListsWithJusticeBody", exclude=("authority",))
RepairBody = command_body(RequestCreditRepair, "RequestCreditRepairBody", exclude=())
GuideBody = command_body(GuideCreditRepair, "GuideCreditRepairBody", exclude=("repair_id",))
ConcludeBody = command_body(ConcludeCreditRepair, "ConcludeCreditRepairBody", exclude=("repair_id",))


def _scope(request: AnyRequest) -> Scope:
    return scope_of(request, Reach.SUPERVISION)


def today() -> date:
    return datetime.now(CST).date()


def record_view(record: Any) -> dict[str, Any]:
    """A review or repair as the ledger has it now (not the view)."""
    data = {k: v for k, v in vars(record).items() if not k.startswith("_")}
    data.update(id=str(record.id), version=record.version, state_label=record.state.label)
    return msgspec.to_builtins(data)


class LegalReviewController(Controller):
    path = "/legal-reviews"
    tags = ["legal-review"]

    @get("/", responses=ERRORS, operation_id="listLegalReviews", sync_to_thread=True)
    def reviews(
        self, request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        review_state: ReviewState | None = QueryParameter(name="state", default=None),
        year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """The legal reviews, newest request first (``state=pending``: those awaiting a reviewer)."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.legal_reviews(scope, unit=unit, state=review_state.value if review_state else None,
                                                     year=year, limit=limit, offset=offset)

    @post("/", responses=ERRORS, operation_id="requestLegalReview", status_code=201, sync_to_thread=True)
    def request_review(self, request: AnyRequest, data: JSONBody[RequestBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """申请法制审核 with the draft decision (a fine below the unit's threshold: allowed, marked not required)."""
        return execute(request, RequestLegalReview(**msgspec.structs.asdict(data)), status=201)

    @get("/{review_id:uuid}", responses=ERRORS, operation_id="getLegalReview", sync_to_thread=True)
    def review(self, request: AnyRequest, review_id: FromPath[UUID]) -> dict[str, Any]:
        """One review as the ledger has it, with every round."""
        _scope(request)
        return record_view(request.app.state.ledger.legal_review_visible(context_of(request.user), LegalReview, review_id))

    @get("/{review_id:uuid}/rounds", responses=ERRORS, operation_id="listLegalReviewRounds", sync_to_thread=True)
    def rounds(self, request: AnyRequest, review_id: FromPath[UUID],
               wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """The review's rounds from the view: each draft, the answer and reasons, the response to them."""
        scope = _scope(request)
        request.app.state.ledger.legal_review_visible(context_of(request.user), LegalReview, review_id)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.legal_review_rounds(scope, str(review_id))

    @get("/{review_id:uuid}/history", responses=ERRORS, operation_id="legalReviewHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, review_id: FromPath[UUID]) -> list[EventView]:
        """The review's events, oldest first."""
        _scope(request)
        return [describe(e) for e in request.app.state.ledger.legal_review_history(context_of(request.user), LegalReview, review_id)]

    @post("/{review_id:uuid}/opinions", responses=ERRORS, operation_id="giveLegalReviewOpinion", status_code=200,
          sync_to_thread=True)
    def opinion(self, request: AnyRequest, review_id: FromPath[UUID], data: JSONBody[OpinionBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """审核: passed, passed with changes or failed, with reasons — never by the case's officers."""
        return execute(request, GiveLegalReviewOpinion(review_id=review_id, **msgspec.structs.asdict(data)))

    @post("/{review_id:uuid}/resubmissions", responses=ERRORS, operation_id="resubmitLegalReview", status_code=201,
          sync_to_thread=True)
    def resubmit(self, request: AnyRequest, review_id: FromPath[UUID], data: JSONBody[ResubmitBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """重新送审 after a fail or changes: a new round citing the previous one."""
        return execute(request, ResubmitLegalReview(review_id=review_id, **msgspec.structs.asdict(data)), status=201)

    @get("/indicators", responses=ERRORS, operation_id="legalReviewIndicators", sync_to_thread=True)
    def indicators(self, request: AnyRequest,
                   year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
                   wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """年终考核指标 per unit: reviews requested and passed; filings on time, late and overdue."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.legal_review_indicators(scope, year or today().year, today=today().isoformat())

    @get("/filings", responses=ERRORS, operation_id="listLegalFilings", sync_to_thread=True)
    def filings(self, request: AnyRequest, unit: str | None = QueryParameter(name="unit", default=None),
                year: int | None = QueryParameter(name="year", default=None, ge=2000, le=2100),
                wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """The major-decision filings with the review each cites and the supervisor's 备案审查."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.legal_filings(scope, unit=unit, year=year)

    @post("/filings/{filing_id:uuid}/review", responses=ERRORS, operation_id="reviewMajorDecisionFiling",
          status_code=200, sync_to_thread=True)
    def filing_review(self, request: AnyRequest, filing_id: FromPath[UUID], data: JSONBody[FilingReviewBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """备案审查 of a filed decision (the supervisor): no objection, or problems that call for a 整改建议书."""
        return execute(request, ReviewMajorDecisionFiling(filing_id=filing_id, **msgspec.structs.asdict(data)))

    @get("/thresholds", responses=ERRORS, operation_id="getReviewThreshold", sync_to_thread=True)
    def threshold(self, request: AnyRequest, unit: str = QueryParameter(name="unit", min_length=1, max_length=200)) -> dict[str, Any]:
        """An authority's 较大数额罚款 standard (the default when it recorded none)."""
        _scope(request)
        found = request.app.state.ledger.review_threshold(unit)
        return dict(unit=unit, individual_yuan=str(threshold_for(found, PartyKind.INDIVIDUAL)),
                    organisation_yuan=str(threshold_for(found, PartyKind.ORGANISATION)),
                    source=found.source if found else None, default=found is None)

    @post("/thresholds", responses=ERRORS, operation_id="setReviewThreshold", status_code=200, sync_to_thread=True)
    def set_threshold(self, request: AnyRequest, data: JSONBody[ThresholdBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """设定 an authority's threshold (the administrator or the supervision department)."""
        return execute(request, SetReviewThreshold(**msgspec.structs.asdict(data)))


class ListsFilingController(Controller):
    path = "/catalogues/{authority:str}/justice-filings"
    tags = ["legal-review"]

    @post("/", responses=ERRORS, operation_id="fileListsWithJustice", status_code=201, sync_to_thread=True)
    def file(self, request: AnyRequest, authority: FromPath[str], data: JSONBody[ListsFilingBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """报司法局备案 of the authority's four lists (seed 003 八), by its staff or an administrator."""
        return execute(request, FileListsWithJustice(authority=authority, **msgspec.structs.asdict(data)), status=201)


class CreditRepairController(Controller):
    path = "/credit-repairs"
    tags = ["legal-review"]

    @get("/", responses=ERRORS, operation_id="listCreditRepairs", sync_to_thread=True)
    def repairs(
        self, request: AnyRequest,
        unit: str | None = QueryParameter(name="unit", default=None),
        repair_state: RepairState | None = QueryParameter(name="state", default=None),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """The credit-repair requests, newest first."""
        scope = _scope(request)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.credit_repairs(scope, unit=unit, state=repair_state.value if repair_state else None,
                                                      limit=limit, offset=offset)

    @post("/", responses=ERRORS, operation_id="requestCreditRepair", status_code=201, sync_to_thread=True)
    def request_repair(self, request: AnyRequest, data: JSONBody[RepairBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """受理 a firm's request for guidance on repairing its credit record after a penalty."""
        return execute(request, RequestCreditRepair(**msgspec.structs.asdict(data)), status=201)

    @get("/{repair_id:uuid}", responses=ERRORS, operation_id="getCreditRepair", sync_to_thread=True)
    def repair(self, request: AnyRequest, repair_id: FromPath[UUID]) -> dict[str, Any]:
        """One request as the ledger has it."""
        _scope(request)
        return record_view(request.app.state.ledger.legal_review_visible(context_of(request.user), CreditRepair, repair_id))

    @get("/{repair_id:uuid}/history", responses=ERRORS, operation_id="creditRepairHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, repair_id: FromPath[UUID]) -> list[EventView]:
        """The request's events, oldest first."""
        _scope(request)
        return [describe(e) for e in request.app.state.ledger.legal_review_history(context_of(request.user), CreditRepair, repair_id)]

    @post("/{repair_id:uuid}/guidance", responses=ERRORS, operation_id="guideCreditRepair", status_code=201,
          sync_to_thread=True)
    def guide(self, request: AnyRequest, repair_id: FromPath[UUID], data: JSONBody[GuideBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """The guidance given (date, officer, content)."""
        return execute(request, GuideCreditRepair(repair_id=repair_id, **msgspec.structs.asdict(data)), status=201)

    @post("/{repair_id:uuid}/conclusion", responses=ERRORS, operation_id="concludeCreditRepair", status_code=200,
          sync_to_thread=True)
    def conclude(self, request: AnyRequest, repair_id: FromPath[UUID], data: JSONBody[ConcludeBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """The outcome: repaired, not eligible (with the reason) or withdrawn."""
        return execute(request, ConcludeCreditRepair(repair_id=repair_id, **msgspec.structs.asdict(data)))
