"""The public list of enterprise contact points (seed 003 一: 由司法局统一挂牌，
并向社会公布), readable without signing in under ``/public/`` like the
catalogue of guidance matters (``ledger_http.web.public``): the plaqued
contact points' town, name, address and date — no contact person, no phone,
nothing of who recorded them."""

from __future__ import annotations

from litestar import Controller, get
from litestar.response import Template

from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, in_thread, page


class NetworkPublicPages(Controller):
    path = "/public"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/contact-points")
    async def contact_points(self, request: AnyRequest) -> Template:
        """行政执法监督企业联系点名单 as published (from the network view)."""
        rows = await in_thread(request.app.state.views.published_contact_points)
        return page(request, None, "public_network_contact_points.html", points=rows)
