"""The registry (台账) in the workbench: filters (unit, service type, state,
application dates), paging, the registry as it stood at a chosen moment,
and the CSV export of exactly what the filters select — the same queries as
``GET /registry`` (``registry_rows`` live, ``registry_as_of`` at a cut-off)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Controller, Response, get
from litestar.response import Template

from ledger.case.values import CaseState, ServiceType
from ledger.errors import NotAllowed
from ledger.scope import Reach, Scope
from ledger.values import CST
from ledger_http.common.auth import AuthUser
from ledger_http.common.reading import csv_response, xlsx_response
from ledger_http.web.pages import (
    PAGE,
    PAGE_HEADERS,
    AnyRequest,
    PageRefused,
    caught_up,
    in_thread,
    local_moment,
    page,
    page_scope,
    page_user,
)
from projections import workbook
from projections.cases.as_of import registry_as_of
from projections.cases.export import display_registry_row, registry_csv
from projections.rebuild import resolve_cutoff

FILTERS = ("unit", "service_type", "state", "applied_from", "applied_to", "as_of")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_filters(query: Any) -> tuple[dict[str, str], dict[str, str]]:
    """The filters as typed (to show them again) and their problems."""
    typed = {k: str(query.get(k) or "").strip()[:64] for k in FILTERS}
    problems = {}
    for k in ("applied_from", "applied_to"):
        if typed[k] and _day(typed[k]) is None:
            problems[k] = "日期格式应为 年-月-日"
    if typed["as_of"] and local_moment(typed["as_of"]) is None:
        problems["as_of"] = "时刻格式应为 年-月-日 时:分"
    return typed, problems


def select(request: AnyRequest, scope: Scope, typed: dict[str, str], limit: int | None, offset: int) -> tuple[list[dict[str, Any]], int | None]:
    """The rows the filters select (a page of them, or all with ``limit``
    None), and the cut-off when ``as_of`` is given."""
    settings, views = request.app.state.settings, request.app.state.views
    service_type = ServiceType(typed["service_type"]) if typed["service_type"] in ServiceType._value2member_map_ else None
    state = typed["state"] if typed["state"] in CaseState._value2member_map_ else None
    unit = typed["unit"] or None
    moment = local_moment(typed["as_of"])
    if moment is not None:
        cutoff, _ = resolve_cutoff(settings, moment.isoformat())
        start, end = _day(typed["applied_from"]), _day(typed["applied_to"])
        rows = [r for r in registry_as_of(settings, scope, cutoff, unit=unit, service_type=service_type, state=state)
                if (start is None or (r["applied_at"] or "")[:10] >= str(start))
                and (end is None or (r["applied_at"] or "")[:10] <= str(end))]
        return (rows if limit is None else rows[offset:offset + limit]), cutoff
    bounds = {"applied_from": None, "applied_to": None}
    if (start := _day(typed["applied_from"])) is not None:
        bounds["applied_from"] = datetime.combine(start, time.min, CST).isoformat()
    if (end := _day(typed["applied_to"])) is not None:  # to the end of that day
        bounds["applied_to"] = datetime.combine(end + timedelta(days=1), time.min, CST).isoformat()
    filters = {"unit": unit, "service_type": service_type, "state": state, **bounds}
    if limit is None:  # an export: streamed in batches
        return views.registry_stream(scope, **filters), None
    return views.registry_rows(scope, limit=limit, offset=offset, **filters), None


def unit_names(request: AnyRequest) -> list[str]:
    ledger, views = request.app.state.ledger, request.app.state.views
    return sorted(ledger.repository.get(UUID(i), deepcopy_from_cache=False).name for i in views.aggregate_ids("unit"))


def scoped(user: AuthUser, typed: dict[str, str]) -> Scope:
    scope = page_scope(user, Reach.CASES)
    try:
        scope.unit_filter(typed["unit"] or None)
    except NotAllowed as e:
        raise PageRefused(user, e.message) from None
    return scope


class RegistryPages(Controller):
    path = "/w"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/registry")
    async def registry(self, request: AnyRequest) -> Template:
        user = page_user(request)
        typed, problems = read_filters(request.query_params)
        scope = scoped(user, typed)
        offset = int(str(request.query_params.get("offset") or "0")) if str(request.query_params.get("offset") or "0").isdigit() else 0
        rows: list[dict[str, Any]] = []
        cutoff = None
        if not problems:
            await caught_up(request)
            rows, cutoff = await in_thread(select, request, scope, typed, PAGE + 1, offset)
        units = await in_thread(unit_names, request) if scope.unit is None else []
        query = urlencode({k: v for k, v in typed.items() if v})
        return page(request, user, "registry.html", status=422 if problems else 200,
                    rows=[display_registry_row(r, scope.role) for r in rows[:PAGE]], offset=offset,
                    more=len(rows) > PAGE, page_size=PAGE, filters=typed, errors=problems, cutoff=cutoff, query=query,
                    service_types=list(ServiceType), states=list(CaseState), units=units)

    @get("/registry.csv")
    async def registry_csv(self, request: AnyRequest) -> Response[bytes] | Template:
        """Everything the filters select, as the API's CSV (masked by role;
        its SHA-256 in a header, and the cut-off when as of a moment)."""
        return await export(request, excel=False)

    @get("/registry.xlsx")
    async def registry_xlsx(self, request: AnyRequest) -> Response[bytes] | Template:
        """The same selection as an Excel workbook (``projections.workbook``)."""
        return await export(request, excel=True)


async def export(request: AnyRequest, *, excel: bool) -> Response[bytes] | Template:
    user = page_user(request)
    typed, problems = read_filters(request.query_params)
    scope = scoped(user, typed)
    if problems:
        return page(request, user, "message.html", status=422, title="筛选条件有误", message="；".join(problems.values()))
    await caught_up(request)
    rows, cutoff = await in_thread(select, request, scope, typed, None, 0)
    headers = {"X-Ledger-Cutoff": str(cutoff)} if cutoff is not None else {}
    if excel:
        data = await in_thread(workbook.registry_xlsx, rows, scope.role, cutoff=cutoff)
        return xlsx_response(data, "台账", "registry", headers, cutoff)
    stamp = datetime.now(CST).strftime("%Y%m%d-%H%M")
    headers["Content-Disposition"] = f'attachment; filename="registry-{stamp}.csv"'
    # the rows stream from the database while the file is made: off the event loop
    return csv_response(await in_thread(registry_csv, rows, scope.role), headers)
