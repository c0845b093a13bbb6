"""The working-day calendar over HTTP: due times, recording a year's schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody, QueryParameter

from ledger.calendar.commands import RecordYearSchedule
from ledger.values import DeadlineClass, local_instant
from ledger.workdays import assumed_note
from ledger_http.common import schemas as s
from ledger_http.common.auth import AuthUser
from ledger_http.common.commanding import execute
from ledger_http.common.errors import ERRORS

AnyRequest = Request[AuthUser, Any, Any]


class CalendarController(Controller):
    path = "/calendar"
    tags = ["calendar"]

    @get("/due", responses=ERRORS, operation_id="getDue", sync_to_thread=True)
    def due(
        self,
        request: AnyRequest,
        start: datetime = QueryParameter(name="from"),
        deadline_class: DeadlineClass = QueryParameter(name="class"),
    ) -> s.DueResponse:
        """Due time(s) on the working-day calendar; ``provisional`` if a year's schedule is missing."""
        d = request.app.state.ledger.due(local_instant("from", start), deadline_class)
        return s.DueResponse(deadline_class=d.deadline_class.value, start=d.start, target=d.target, limit=d.limit,
                             provisional=d.provisional, assumed_years=d.assumed_years,
                             assumed=assumed_note(d.assumed_years))

    @post("/years", responses=ERRORS, operation_id="recordYearSchedule", status_code=200, sync_to_thread=True)
    def record_year(self, request: AnyRequest, data: JSONBody[s.YearScheduleBody]) -> Response[s.CommandResult]:
        """Record a year's official schedule (administrator); recomputes provisional deadlines."""
        import msgspec

        return execute(request, RecordYearSchedule(**msgspec.structs.asdict(data)))
