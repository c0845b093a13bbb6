"""Statistics in the workbench (统计分析): satisfaction per scale and the
on-time rate as a table grouped by unit, service type, month or quarter, and
two charts drawn on the server (``charts``): satisfaction per scale by unit,
the on-time rate by month. Every figure comes from the view query of
``GET /stats`` within the reader's scope, so unit staff see their own unit's
figures only, in the table, the charts and the unit chooser alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get
from litestar.datastructures import ResponseHeader
from litestar.params import FromPath
from litestar.response import Template

from ledger.errors import NotAllowed
from ledger.scope import Reach, Scope
from ledger_http.common.reading import xlsx_response
from ledger_http.web import charts
from ledger_http.web.pages import (
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
from projections.cases.queries import stats_of_rows_by
from projections.rebuild import resolve_cutoff

GROUPINGS = {"unit": "按单位", "service_type": "按服务类型", "month": "按月", "quarter": "按季度"}
GROUP_HEADS = {"unit": "单位", "service_type": "服务类型", "month": "月份", "quarter": "季度"}
CHARTS = {"satisfaction.svg": ("unit", charts.satisfaction_chart), "on-time.svg": ("month", charts.on_time_chart)}
# A chart is a document of its own (see ``charts``): its inline style is
# allowed there and nothing else; the figures are the reader's, never cached
# for anyone else.
CHART_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=charts.CHART_CSP),
    ResponseHeader(name="Cache-Control", value="private, no-store"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
]


def group_label(by: str, row: dict[str, Any]) -> str:
    """How a group reads in the table and on a chart's axis."""
    if by == "service_type":
        return row.get("label") or row["service_type"]
    if by == "month":
        year, month = row["month"].split("-")
        return f"{year}年{int(month)}月"
    if by == "quarter":
        year, quarter = row["quarter"].split("-Q")
        return f"{year}年第{quarter}季度"
    return row["unit"]


def table_row(by: str, row: dict[str, Any]) -> dict[str, Any]:
    """One line of the table, every rate formatted as the charts print it."""
    return {
        "group": group_label(by, row),
        "served": row["served"],
        "on_time": row["on_time"],
        "on_time_rate": charts.figure(row["on_time_rate"], row["served"]),
        "rated": row["rated"],
        "scales": [charts.figure(row[f"{scale}_satisfied_rate"], row["rated"]) for scale, _ in charts.SCALES],
    }


def figures(read: Reader, scope: Scope, by: str, unit: str | None) -> dict[str, Any]:
    """The page's reads, one thread: the table's grouping, the two charts'
    groupings, and the units a reader of every unit may narrow to."""
    rows = {b: read(b, unit) for b in {by, "unit", "month"}}
    units = [r["unit"] for r in read("unit", None)] if scope.unit is None else []
    return {"rows": rows, "units": units}


Reader = Callable[[str, "str | None"], list[dict[str, Any]]]


def page_groupings(scope: Scope, by: str, unit: str | None) -> list[tuple[str, str | None]]:
    """What ``figures`` reads: so that, as of a moment, one pass over the
    registry then sums them all."""
    return [*((b, unit) for b in sorted({by, "unit", "month"})), *([("unit", None)] if scope.unit is None else [])]


def reader(request: AnyRequest, scope: Scope, moment: datetime | None,
           asked: list[tuple[str, str | None]]) -> tuple[Reader, int | None]:
    """How the figures are read: the live view's sums, or — as of a moment —
    the registry as the ledger knew it then, streamed once and summed for
    every (grouping, unit) ``asked`` (``stats_of_rows_by``, as
    ``/stats?as_of=``: memory does not grow with the registry); and the
    cut-off."""
    views, settings = request.app.state.views, request.app.state.settings
    if moment is None:
        return (lambda by, unit: views.stats(scope, by, unit=unit)), None
    cutoff, _ = resolve_cutoff(settings, moment.isoformat())
    wanted = [(by, scope.unit_filter(unit)) for by, unit in asked]
    summed = dict(zip(asked, stats_of_rows_by(registry_as_of(settings, scope, cutoff), wanted), strict=True))
    return (lambda by, unit: summed[(by, unit)]), cutoff


def chosen(request: AnyRequest) -> tuple[str, str | None, str]:
    q = request.query_params
    by = q.get("by") if q.get("by") in GROUPINGS else "unit"
    return by, (str(q.get("unit") or "").strip()[:100] or None), str(q.get("as_of") or "").strip()[:32]


def _read(request: AnyRequest, user: Any, scope: Scope, as_of: str, asked: list[tuple[str, str | None]],
          read: Callable[[Reader, int | None], Any]) -> Any:
    """``read(reader, cutoff)`` off the event loop; a unit another unit's staff
    asked for is a refusal page."""
    try:
        return read(*reader(request, scope, local_moment(as_of) if as_of else None, asked))
    except NotAllowed as e:  # another unit asked for by unit staff
        raise PageRefused(user, e.message) from None


class StatsPages(Controller):
    path = "/w/stats"
    include_in_schema = False
    response_headers = PAGE_HEADERS

    @get("/")
    async def stats(self, request: AnyRequest) -> Template:
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        by, unit, as_of = chosen(request)
        error = "时刻格式应为 年-月-日 时:分" if as_of and local_moment(as_of) is None else None
        await caught_up(request)
        found, cutoff = await in_thread(_read, request, user, scope, "" if error else as_of,
                                        page_groupings(scope, by, unit),
                                        lambda read, cutoff: (figures(read, scope, by, unit), cutoff))
        # the chooser lists the units with figures, and keeps a chosen one that has none
        units = found["units"] + ([unit] if unit and unit not in found["units"] and scope.unit is None else [])
        by_unit, by_month = found["rows"]["unit"], found["rows"]["month"]
        query = urlencode({k: v for k, v in (("unit", unit), ("as_of", "" if error else as_of)) if v})
        return page(
            request, user, "stats.html",
            by=by, unit=unit, own_unit=scope.unit, groupings=GROUPINGS, group_head=GROUP_HEADS[by], units=units,
            rows=[table_row(by, r) for r in found["rows"][by]], scales=[label for _, label in charts.SCALES],
            small_n=charts.SMALL_N, satisfaction=charts.has_ratings(by_unit), on_time=charts.has_served(by_month),
            as_of=as_of, as_of_error=error, cutoff=cutoff, query=f"?{query}" if query else "",
        )

    @get("/export.xlsx")
    async def export(self, request: AnyRequest) -> Response[bytes]:
        """The table as an Excel workbook (the API's ``/stats?format=xlsx``)."""
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        by, unit, as_of = chosen(request)
        await caught_up(request)
        rows, cutoff = await in_thread(_read, request, user, scope, as_of, [(by, unit)],
                                       lambda read, cutoff: (read(by, unit), cutoff))
        data = await in_thread(workbook.stats_xlsx, rows, by)
        headers = {"X-Ledger-Cutoff": str(cutoff)} if cutoff is not None else {}
        return xlsx_response(data, "统计", "stats", headers, cutoff)

    @get("/chart/{name:str}", response_headers=CHART_HEADERS)
    async def chart(self, request: AnyRequest, name: FromPath[str]) -> Response[Any]:
        """One chart as an SVG document (shown by ``<img>`` on the page)."""
        user = page_user(request)
        scope = page_scope(user, Reach.CASES)
        if name not in CHARTS:
            return Response("没有该图表", status_code=404, media_type="text/plain; charset=utf-8")
        by, draw = CHARTS[name]
        _, unit, as_of = chosen(request)
        await caught_up(request)
        rows = await in_thread(_read, request, user, scope, as_of, [(by, unit)], lambda read, cutoff: read(by, unit))
        svg = await in_thread(draw, rows, lambda row: group_label(by, row))
        return Response(svg, media_type="image/svg+xml")
