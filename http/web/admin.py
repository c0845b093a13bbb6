"""Administration in the workbench (being built): units, users, the
working-day schedule of a year, the four lists' import."""

from __future__ import annotations

from litestar import Controller

from ledger_http.web.pages import PAGE_HEADERS


class AdminPages(Controller):
    path = "/w/admin"
    include_in_schema = False
    response_headers = PAGE_HEADERS
