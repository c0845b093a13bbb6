"""Oversight in the workbench (being built): the major-decision filings with
their overdue marks, the ledger digest and the consistency check."""

from __future__ import annotations

from litestar import Controller

from ledger_http.web.pages import PAGE_HEADERS


class OversightPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS
