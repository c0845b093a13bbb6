"""The work queues (待办): the home page shows each queue of the user's role
(the registrar's acceptance, rating and archiving; the dispatcher's
dispatch; the unit's service and follow-up), each queue has its own page
with a unit filter and paging. Overdue and due-within-24-hours are said in
words as well as colour; the tables refresh themselves (``workbench.js``
fetches the page again every 30 s and swaps the tables in)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from ledger.errors import NotAllowed
from ledger.scope import Reach
from ledger.values import Role
from ledger_http.web.pages import (
    PAGE,
    PAGE_HEADERS,
    AnyRequest,
    PageRefused,
    caught_up,
    in_thread,
    page,
    page_scope,
    page_user,
)
from ledger_http.web.registry import unit_names
from projections.cases import STAGES

STAGE_LABELS = {"acceptance": "待受理", "dispatch": "待派单", "service": "待服务", "rating": "待评价",
                "follow_up": "待回访", "archiving": "待归档"}
# The queues each role works from, in the order of the day's work.
HOME_QUEUES: dict[Role, tuple[str, ...]] = {
    Role.REGISTRAR: ("acceptance", "rating", "archiving"),
    Role.DISPATCHER: ("dispatch",),
    Role.UNIT_STAFF: ("service", "follow_up"),
}
HOME_ROWS = 10
REFRESH_SECONDS = 30


class QueuePages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def home(self, request: AnyRequest) -> Template:
        user = page_user(request)
        queues: list[dict[str, Any]] = []
        stages = HOME_QUEUES.get(user.role, ())
        if stages:
            scope = page_scope(user, Reach.CASES)
            await caught_up(request)
            for stage in stages:
                rows = await in_thread(request.app.state.views.queue, scope, stage, limit=HOME_ROWS + 1)
                queues.append({"stage": stage, "label": STAGE_LABELS[stage], "rows": rows[:HOME_ROWS],
                               "more": len(rows) > HOME_ROWS})
        starts = [("新建预约登记（申请表）", "/w/book")] if user.role is Role.REGISTRAR else []
        guidance = []
        if user.role is Role.UNIT_STAFF:  # the unit's own guidance still open (行政指导)
            starts = [("启动行政指导", "/w/guidance/new")]
            await caught_up(request, "guidance")
            guidance = await in_thread(request.app.state.views.guidance_list, page_scope(user, Reach.CASES),
                                       open_only=True, limit=HOME_ROWS + 1)
        return page(request, user, "home.html", queues=queues, refresh=REFRESH_SECONDS, starts=starts,
                    guidance=guidance[:HOME_ROWS], guidance_more=len(guidance) > HOME_ROWS)

    @get("/queues/{stage:str}")
    async def queue(self, request: AnyRequest, stage: FromPath[str]) -> Template:
        user = page_user(request)
        if stage not in STAGES:
            return page(request, user, "message.html", status=404, title="页面不存在", message="没有该待办环节。")
        scope = page_scope(user, Reach.CASES)
        q = request.query_params
        unit = str(q.get("unit") or "").strip() or None
        try:
            scope.unit_filter(unit)
        except NotAllowed as e:
            raise PageRefused(user, e.message) from None
        offset = int(q["offset"]) if str(q.get("offset") or "").isdigit() else 0
        await caught_up(request)
        rows = await in_thread(request.app.state.views.queue, scope, stage, unit=unit, limit=PAGE + 1, offset=offset)
        units = await in_thread(unit_names, request) if scope.unit is None else []
        return page(request, user, "queue.html", stage=stage, label=STAGE_LABELS[stage], rows=rows[:PAGE],
                    more=len(rows) > PAGE, offset=offset, page_size=PAGE, unit=unit or "", units=units,
                    refresh=REFRESH_SECONDS, stages=[(s, STAGE_LABELS[s]) for s in HOME_QUEUES.get(user.role, ())])
