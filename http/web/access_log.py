"""The workbench's page of the access log: who saw resident ID numbers in
full (supervisors and auditors), with the API's filters and its exports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.response import Template

from ledger.errors import InvalidInput
from ledger.inputs import check_text
from ledger.scope import Reach
from ledger.values import Role
from ledger_http.access_log import EXPORT_ROWS, export, shown, utc_text
from ledger_http.web.pages import PAGE, PAGE_HEADERS, AnyRequest, in_thread, local_moment, page, page_scope, page_user

FIELDS = ("username", "unit", "role", "record", "since", "until")


def access_filters(request: AnyRequest) -> tuple[dict[str, str | None], dict[str, str]]:
    """The filters as typed, and their problems (beside their fields)."""
    q = request.query_params
    filters = {k: (str(q.get(k) or "").strip()[:80] or None) for k in FIELDS}
    errors = {k: "时刻格式应为 年-月-日 时:分" for k in ("since", "until") if filters[k] and local_moment(filters[k] or "") is None}
    if filters["role"] and filters["role"] not in {r.value for r in Role}:
        errors["role"] = "请选择列表中的角色"
    for name in ("username", "unit", "record"):
        try:
            check_text(filters[name] or "", name)
        except InvalidInput as e:
            errors[name] = e.errors[0].message
    return filters, errors


def access_query(filters: dict[str, str | None]) -> dict[str, Any]:
    since, until = (local_moment(filters[k] or "") for k in ("since", "until"))
    return {"username": filters["username"], "unit": filters["unit"], "role": filters["role"],
            "record": filters["record"], "since": utc_text(since) if since else None,
            "until": utc_text(until) if until else None}


class AccessLogPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/access-log")
    async def access_log(self, request: AnyRequest) -> Template:
        """Newest first, a page at a time."""
        user = page_user(request)
        page_scope(user, Reach.ACCESS)
        filters, errors = access_filters(request)
        q = request.query_params
        offset = int(q["offset"]) if str(q.get("offset") or "").isdigit() else 0
        rows: list[dict[str, Any]] = []
        if not errors:
            rows = await in_thread(request.app.state.access_log.search, limit=PAGE + 1, offset=offset,
                                   **access_query(filters))
        query = urlencode({k: v for k, v in filters.items() if v})
        return page(request, user, "access_log.html", status=422 if errors else 200, rows=list(shown(rows[:PAGE])),
                    offset=offset, more=len(rows) > PAGE, page_size=PAGE, filters=filters, errors=errors, query=query,
                    roles=[(r.value, r.label) for r in Role])

    @get("/access-log.csv")
    async def access_log_csv(self, request: AnyRequest) -> Response[Any] | Template:
        """Every row the filters select, oldest first, as CSV."""
        return await self._export(request, "csv")

    @get("/access-log.xlsx")
    async def access_log_xlsx(self, request: AnyRequest) -> Response[Any] | Template:
        """Every row the filters select, oldest first, as an Excel workbook."""
        return await self._export(request, "xlsx")

    async def _export(self, request: AnyRequest, fmt: str) -> Response[Any] | Template:
        user = page_user(request)
        page_scope(user, Reach.ACCESS)
        filters, errors = access_filters(request)
        if errors:
            return page(request, user, "message.html", status=422, title="筛选条件有误", message="；".join(errors.values()))
        rows = await in_thread(request.app.state.access_log.search, limit=EXPORT_ROWS, newest_first=False,
                               **access_query(filters))
        return await in_thread(export, rows, fmt)
