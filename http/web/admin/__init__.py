"""Administration in the workbench: units, users (create, assign, confirm a
grant, disable/enable, reset a password), the working-day schedule of a year,
the four lists' import and the catalogue of guidance matters (import, methods).
The administrator's pages only: one guard asks the directory's rule
(``require_administrator``) before any handler runs, so every other role gets
the refusal page and no handler lists roles. The
administrator reads no case data here either: the schedule's confirmation
step names the deadlines it recomputes by their application number and due
times only."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.response import Redirect

from ledger.directory import require_administrator
from ledger.errors import NotAllowed
from ledger_http.web.admin.calendar import CalendarPages
from ledger_http.web.admin.catalogue import CataloguePages
from ledger_http.web.admin.directory import DirectoryPages
from ledger_http.web.admin.matters import MatterPages
from ledger_http.web.pages import PAGE_HEADERS, AnyRequest, PageRefused, page_user


def administrators_only(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Every /w/admin page: signed in, and the directory's rule for who administers."""
    user = page_user(connection)  # type: ignore[arg-type]  # an HTTP connection is the request
    try:
        require_administrator(user.role)
    except NotAllowed:
        raise PageRefused(user, "系统管理页面仅供系统管理员使用") from None


@get("/")
async def index(request: AnyRequest) -> Redirect:
    return Redirect(path="/w/admin/users")


# One router, so that the guard and the headers hold for every page under it.
AdminPages = Router(
    path="/w/admin",
    route_handlers=[index, DirectoryPages, CalendarPages, CataloguePages, MatterPages],
    guards=[administrators_only],
    response_headers=PAGE_HEADERS,
    include_in_schema=False,
)
