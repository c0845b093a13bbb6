"""Typical and excellent cases (seed 002 第二十九、三十一条) over the JSON API:
proposals by a unit's head, the yearly rounds run by the reviewer of the
法治政府建设领导小组办公室 (执法监督人员), the published list (also as XLSX).

Scope (``Reach.CASES``): a unit's staff read their unit's proposals and every
published selected case; the office, supervisors and auditors everything."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from ledger.history import EventView, describe
from ledger.scope import Reach
from ledger.typical_cases.commands import (
    CloseTypicalCaseRound,
    DecideTypicalCase,
    OpenTypicalCaseReview,
    ProposeTypicalCase,
)
from ledger.typical_cases.values import RecordKind, RoundState
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import scope_of, wait_for_reads, xlsx_response
from ledger_http.common.schemas import CommandResult, command_body
from projections.typical_cases.export import selected_xlsx

AnyRequest = Request[AuthUser, Any, Any]
VIEWS = ("typical_cases",)
WAIT = dict(name="wait_for", default=None, ge=0, le=2**62)
YEAR = dict(ge=2000, le=2100)

ProposeBody = command_body(ProposeTypicalCase, "ProposeTypicalCaseBody", exclude=())
RoundStepBody = command_body(OpenTypicalCaseReview, "TypicalCaseRoundStepBody", exclude=("year",))
DecideBody = command_body(DecideTypicalCase, "DecideTypicalCaseBody", exclude=("year",))


def round_view(round_: Any, scope: Any) -> dict[str, Any]:
    """A round as the ledger has it; a unit's staff see their unit's proposals
    and, once it is closed, the selected ones."""
    closed = round_.state is RoundState.CLOSED
    shown = [p for p in round_.proposals if scope.unit is None or p.unit == scope.unit or (closed and p.selected)]
    return msgspec.to_builtins(dict(id=str(round_.id), year=round_.year, version=round_.version,
                                    state=round_.state, state_label=round_.state.label, proposals=shown))


class TypicalCaseController(Controller):
    path = "/typical-cases"
    tags = ["typical-cases"]

    @get("/", responses=ERRORS, operation_id="listTypicalCases", sync_to_thread=True)
    def cases(
        self, request: AnyRequest,
        year: int | None = QueryParameter(name="year", default=None, **YEAR),
        selected: bool | None = QueryParameter(name="selected", default=None),
        published: bool | None = QueryParameter(name="published", default=None),
        kind: RecordKind | None = QueryParameter(name="kind", default=None),
        unit: str | None = QueryParameter(name="unit", default=None, max_length=200),
        limit: int = QueryParameter(name="limit", default=200, ge=1, le=1000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        wait_for: int | None = QueryParameter(**WAIT),
    ) -> list[dict[str, Any]]:
        """The proposals with their decisions (``published=true``: the selected
        cases of closed rounds, the list as published)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.typical_cases(scope, year=year, selected=selected, published=published,
                                                     kind=kind.value if kind else None, unit=unit, limit=limit,
                                                     offset=offset)

    @post("/", responses=ERRORS, operation_id="proposeTypicalCase", status_code=201, sync_to_thread=True)
    def propose(self, request: AnyRequest, data: JSONBody[ProposeBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """推荐 a finished record of the unit (kind + id) as a typical or excellent
        case, with the reason (the unit's head); a record the party refused is refused."""
        return execute(request, ProposeTypicalCase(**msgspec.structs.asdict(data)), status=201)

    @get("/list.xlsx", responses=ERRORS, operation_id="exportTypicalCases", sync_to_thread=True,
         media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def export(self, request: AnyRequest, year: int = QueryParameter(name="year", **YEAR),
               wait_for: int | None = QueryParameter(**WAIT)) -> Response[bytes]:
        """The year's published list of selected cases as XLSX (empty before the round closes)."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        rows = request.app.state.views.typical_cases(scope, year=year, published=True, limit=10_000)
        return xlsx_response(selected_xlsx(rows, year), f"典型案例名单-{year}年度", f"typical-cases-{year}", {})

    @get("/rounds", responses=ERRORS, operation_id="listTypicalCaseRounds", sync_to_thread=True)
    def rounds(self, request: AnyRequest, wait_for: int | None = QueryParameter(**WAIT)) -> list[dict[str, Any]]:
        """Every year's round: state and counts."""
        scope = scope_of(request, Reach.CASES)
        wait_for_reads(request, VIEWS, wait_for)
        return request.app.state.views.typical_rounds(scope)

    @get("/rounds/{year:int}", responses=ERRORS, operation_id="getTypicalCaseRound", sync_to_thread=True)
    def round(self, request: AnyRequest, year: FromPath[int]) -> dict[str, Any]:
        """One year's round as the ledger has it (its version, for ``expected_version``)."""
        scope = scope_of(request, Reach.CASES)
        return round_view(request.app.state.ledger.typical_round(year), scope)

    @get("/rounds/{year:int}/history", responses=ERRORS, operation_id="typicalCaseRoundHistory", sync_to_thread=True)
    def history(self, request: AnyRequest, year: FromPath[int]) -> list[EventView]:
        """The round's events, oldest first (the office, supervisors, auditors)."""
        scope = scope_of(request, Reach.CASES)
        round_ = request.app.state.ledger.typical_round(year)
        events = list(request.app.state.ledger.events.get(round_.id))
        if scope.unit is not None:  # a unit's staff: the round's own steps and their unit's proposals
            events = [e for e in events if type(e).__name__ != "Proposed" or e.proposal.unit == scope.unit]
            events = [e for e in events if type(e).__name__ != "Decided" or
                      round_.proposal(e.proposal).unit == scope.unit]
        return [describe(e) for e in events]

    @post("/rounds/{year:int}/review", responses=ERRORS, operation_id="openTypicalCaseReview", status_code=200,
          sync_to_thread=True)
    def open_review(self, request: AnyRequest, year: FromPath[int], data: JSONBody[RoundStepBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """开始评选 (the reviewer): no more proposals for the year."""
        return execute(request, OpenTypicalCaseReview(year=year, **msgspec.structs.asdict(data)))

    @post("/rounds/{year:int}/decisions", responses=ERRORS, operation_id="decideTypicalCase", status_code=200,
          sync_to_thread=True)
    def decide(self, request: AnyRequest, year: FromPath[int], data: JSONBody[DecideBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """评选 one proposal: selected or not, with the reason."""
        return execute(request, DecideTypicalCase(year=year, **msgspec.structs.asdict(data)))

    @post("/rounds/{year:int}/close", responses=ERRORS, operation_id="closeTypicalCaseRound", status_code=200,
          sync_to_thread=True)
    def close(self, request: AnyRequest, year: FromPath[int], data: JSONBody[RoundStepBody]) -> Response[CommandResult]:  # type: ignore[valid-type]
        """结束评选 and publish the list of the selected (every proposal decided)."""
        return execute(request, CloseTypicalCaseRound(year=year, **msgspec.structs.asdict(data)))

