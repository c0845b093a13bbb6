"""``GET /access-log``: who saw resident ID numbers in full, when, through
what and which record (ledger/store/access_log.py) — for supervisors and
auditors (``Reach.ACCESS``), as JSON, CSV or an Excel workbook."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from litestar import Controller, Response, get
from litestar.params import QueryParameter

from ledger.inputs import check_text
from ledger.scope import Reach
from ledger.values import CST, Role, local_instant
from ledger_http.common.errors import ERRORS
from ledger_http.common.reading import AnyRequest, attachment, csv_response, scope_of, xlsx_response
from projections.spreadsheet import csv_bytes
from projections.workbook import INSTANT, INTEGER, Column, Sheet, workbook_bytes

EXPORT_ROWS = 1_000_000
ACCESS_SHEET = Sheet("个人信息访问记录", [
    Column("seq", "序号", INTEGER), Column("at", "访问时间", INSTANT), Column("username", "账号"),
    Column("role", "角色"), Column("unit", "单位"), Column("what", "访问内容"), Column("record", "记录"),
    Column("method", "方法"), Column("path", "路径"), Column("query", "查询条件"), Column("status", "状态", INTEGER),
    Column("request_id", "请求编号"), Column("digest", "链摘要"),
], stamp="at")


def what(route: str) -> str:
    """What kind of response it was, in the words of the page."""
    if route.startswith("/w/"):
        kind = "工作台页面"
    else:
        kind = "接口"
    if any(s in route for s in ("export", ".xlsx", ".csv", "format")):
        kind += "·导出"
    if any(s in route for s in ("document", ".pdf", ".docx")):
        kind += "·文书"
    return f"{kind} {route}"


def shown(rows: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Rows as people read them: China time, the role's and the record's words."""
    for r in rows:
        record = json.loads(r["record"]) if r["record"] else {}
        at = datetime.fromisoformat(r["at"]).astimezone(CST)
        yield {**r, "at_local": at.strftime("%Y-%m-%d %H:%M:%S"), "role_label": _role(r["role"]),
               "what": what(r["route"]), "record_text": "；".join(f"{k}={v}" for k, v in record.items()),
               "case_id": record.get("case_id")}


def _role(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


def access_xlsx(rows: Iterable[Mapping[str, Any]]) -> bytes:
    return workbook_bytes(ACCESS_SHEET, ({**r, "at": r["at"], "role": r["role_label"], "record": r["record_text"]}
                                         for r in shown(rows)), title="个人信息访问记录")


def access_csv(rows: Iterable[Mapping[str, Any]]) -> bytes:
    header = [c.label for c in ACCESS_SHEET.columns]
    return csv_bytes(header, ([r["seq"], r["at_local"], r["username"], r["role_label"], r["unit"], r["what"],
                               r["record_text"], r["method"], r["path"], r["query"], r["status"], r["request_id"],
                               r["digest"]] for r in shown(rows)))


def utc_text(value: datetime) -> str:
    """An instant as the log stores it (UTC, microseconds), so text order is time order."""
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def export(rows: list[dict[str, Any]], format: str) -> Response[Any]:
    stamp = datetime.now(CST).strftime("%Y%m%d-%H%M")
    if format == "csv":
        return csv_response(access_csv(rows), {"Content-Disposition": attachment(
            f"个人信息访问记录-{stamp}.csv", f"access-log-{stamp}.csv")})
    return xlsx_response(access_xlsx(rows), "个人信息访问记录", "access-log", {})


class AccessLogController(Controller):
    path = "/access-log"
    tags = ["reads"]

    @get("/", responses=ERRORS, operation_id="getAccessLog", sync_to_thread=True)
    def access_log(
        self,
        request: AnyRequest,
        username: str | None = QueryParameter(name="username", default=None, max_length=64),
        unit: str | None = QueryParameter(name="unit", default=None, max_length=80),
        role: Role | None = QueryParameter(name="role", default=None),
        record: str | None = QueryParameter(name="record", default=None, max_length=80),
        route: str | None = QueryParameter(name="route", default=None, max_length=120),
        since: datetime | None = QueryParameter(name="since", default=None),
        until: datetime | None = QueryParameter(name="until", default=None),
        limit: int = QueryParameter(name="limit", default=500, ge=1, le=5000),
        offset: int = QueryParameter(name="offset", default=0, ge=0, le=1_000_000),
        format: str = QueryParameter(name="format", default="json", pattern="^(json|csv|xlsx)$"),
    ) -> Response[Any]:
        """Who saw resident ID numbers in full (个人信息保护法): one row per
        response — API read, page, export or document — with the account,
        role, unit, time (UTC), route, path, query and the record's path
        parameters (``record`` matches a case id). Newest first;
        ``format=csv|xlsx`` exports every matching row, oldest first."""
        scope_of(request, Reach.ACCESS)
        for name, value in (("username", username), ("unit", unit), ("record", record), ("route", route)):
            if value:
                check_text(value, name)
        whole = format != "json"
        rows = request.app.state.access_log.search(
            username=username, unit=unit, role=role.value if role else None, record=record, route=route,
            since=utc_text(local_instant("since", since)) if since else None,
            until=utc_text(local_instant("until", until)) if until else None,
            limit=EXPORT_ROWS if whole else limit, offset=0 if whole else offset, newest_first=not whole,
        )
        return export(rows, format) if whole else Response(rows)
