"""Public pages, readable by anyone without signing in: the catalogue of
guidance matters of every authority (seed 001 三(一): the catalogue is
published to society; seed 004 二(四): matters, basis, content, methods and
the party's rights are public).

No session, no form that writes, no script: the JWT middleware and the
session and CSRF middleware leave ``/public/`` alone (``ledger_http.app``,
``ledger_http.web.PAGE_PATHS``). Only published law is shown — no envelope
(who published it), nothing of any case.

The list of authorities comes from the audit view (a moment behind a new
catalogue's first event; an anonymous visitor is never made to wait on the
views), each authority's matters from its catalogue itself (always current).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from ledger.matters import GuidanceMatterCatalogue
from ledger_http.matters import matter_summaries, matters_on, today
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page


def _day(request: AnyRequest) -> tuple[date, str, str | None]:
    """The day asked for (``?on=``, default today), as typed, and its problem."""
    typed = str(request.query_params.get("on") or "").strip()[:10]
    if not typed:
        return today(), "", None
    try:
        return date.fromisoformat(typed), typed, None
    except ValueError:
        return today(), typed, "日期格式应为 年-月-日，已显示今天施行的事项"


def _index(state: Any, day: date) -> list[dict[str, Any]]:
    out = []
    for summary in matter_summaries(state):
        catalogue = _catalogue(state, summary["authority"])
        if catalogue is None or not catalogue.editions:
            continue
        shown = matters_on(catalogue, day)
        out.append({**shown, "in_force": [e for e in shown["editions"] if e["in_force"]]})
    return out


def _catalogue(state: Any, authority: str) -> GuidanceMatterCatalogue | None:
    catalogue = state.ledger.matter_catalogue(authority, for_update=False)
    return catalogue if catalogue is not None and catalogue.editions else None


class PublicPages(Controller):
    path = "/public"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/guidance-matters")
    async def matters(self, request: AnyRequest) -> Template:
        """Every authority's catalogue in force on the day: its editions and how many matters."""
        day, typed, problem = _day(request)
        listed = await in_thread(_index, request.app.state, day)
        return page(request, None, "public_guidance_matters.html", catalogues=listed, on=day, typed=typed,
                    problem=problem, quote=quote)

    @get("/guidance-matters/{authority:str}")
    async def authority(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        """One authority's matters in force on the day, with basis, content,
        methods and the party's rights, under the edition they belong to."""
        day, typed, problem = _day(request)
        catalogue = await in_thread(_catalogue, request.app.state, authority)
        if catalogue is None:
            return page(request, None, "public_guidance_matters_authority.html", status=404, authority=authority,
                        shown=None, on=day, typed=typed, problem=problem, quote=quote)
        shown = matters_on(catalogue, day)
        by_edition = [(e, [i for i in shown["items"] if i["version"] == e["version"]])
                      for e in shown["editions"] if e["in_force"]]
        return page(request, None, "public_guidance_matters_authority.html", authority=authority, shown=shown,
                    by_edition=by_edition, on=day, typed=typed, problem=problem, quote=quote)
