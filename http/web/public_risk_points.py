"""The public page of the legal-risk points (seed 002 第二十条(二): published on
the portal, with the category of party, the risk point, the legal basis, the
grade and the guidance measures), readable without signing in.

No session, no form that writes, no script: ``/public/`` is left alone by the
JWT, session and CSRF middleware (``ledger_http.app``). Only published
editions are shown, with their date and channels — no draft, no citation,
nothing of any case."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from ledger.scope import Reach, Scope
from ledger.values import Role
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page
from ledger_http.web.public import _day

# an anonymous reader of published law: the scope names a role only because every query takes one
PUBLIC = Scope(Role.AUDITOR, Reach.CASES, None)


def _lists(views: Any, day: Any) -> list[dict[str, Any]]:
    out = []
    for r in views.risk_registers(PUBLIC):
        points = views.risk_points(PUBLIC, authority=r["authority"], as_of=day)
        if points:
            out.append({"authority": r["authority"], "head": points[0], "count": len(points),
                        "high": sum(p["grade"] == "high" for p in points)})
    return out


class PublicRiskPointPages(Controller):
    path = "/public"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/risk-points")
    async def lists(self, request: AnyRequest) -> Template:
        """Every authority's list in force on the day."""
        day, typed, problem = _day(request)
        listed = await in_thread(_lists, request.app.state.views, day)
        return page(request, None, "public_risk_points.html", lists=listed, on=day, typed=typed, problem=problem,
                    quote=quote)

    @get("/risk-points/{authority:str}")
    async def authority(self, request: AnyRequest, authority: FromPath[str]) -> Template:
        """One authority's list in force on the day, grouped by category of party."""
        day, typed, problem = _day(request)
        points = await in_thread(request.app.state.views.risk_points, PUBLIC, authority=authority, as_of=day)
        groups: dict[str, list[dict[str, Any]]] = {}
        for p in points:
            groups.setdefault(p["category"], []).append(p)
        return page(request, None, "public_risk_points_authority.html", status=200 if points else 404,
                    authority=authority, head=points[0] if points else None, groups=groups, on=day, typed=typed,
                    problem=problem, quote=quote)
