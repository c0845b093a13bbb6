"""Statistics in the workbench (being built): satisfaction per scale by unit
and the on-time rate by month, as tables and server-drawn SVG charts."""

from __future__ import annotations

from litestar import Controller

from ledger_http.web.pages import PAGE_HEADERS


class StatsPages(Controller):
    path = "/w/stats"
    include_in_schema = False
    response_headers = PAGE_HEADERS
