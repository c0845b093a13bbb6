"""Queries over the cases view: the registry, the 登记簿, the work queues and
the statistics — each a bounded SQL query, each within the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from ledger.case.values import ServiceType
from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.values import CST
from projections.cases import SEP, STAGES, Row
from projections.cases.export import display_registry_row

SCALES = ("response", "attitude", "usefulness", "result")


def _stats_item(by: str, r: dict[str, Any]) -> dict[str, Any]:
    """A group's figures from its sums (SQL's, or ``stats_of_rows``')."""
    item: dict[str, Any] = {
        by: r["grp"],
        "served": int(r["served"]),
        "on_time": int(r["on_time"] or 0),
        "on_time_rate": round(int(r["on_time"] or 0) / int(r["served"]), 4) if r["served"] else None,
        "rated": int(r["rated"]),
    }
    if by == "service_type" and r["grp"]:
        item["label"] = ServiceType(r["grp"]).label
    for s in SCALES:
        mean = r[f"{s}_mean"]
        item[f"{s}_mean"] = round(float(mean), 3) if mean is not None else None
        item[f"{s}_satisfied_rate"] = round(int(r[f"{s}_good"]) / int(r["rated"]), 4) if r["rated"] else None
    return item


def stats_of_rows(rows: Iterable[Row], by: str, unit: str | None = None) -> list[dict[str, Any]]:
    """``stats`` over registry rows given (the registry as of a moment): the
    same groups, sums and rounding as the SQL, in the same order."""
    (out,) = stats_of_rows_by(rows, [(by, unit)])
    return out


def stats_of_rows_by(rows: Iterable[Row], asked: Sequence[tuple[str, str | None]]) -> list[list[dict[str, Any]]]:
    """``stats_of_rows`` for each (by, unit) asked, in one pass over the rows
    (a page's table and charts from one reading of a whole registry)."""
    for by, _ in asked:
        if by not in ("unit", "service_type", "month", "quarter"):
            raise ValueError("by must be one of unit, service_type, month, quarter")
    sums: list[dict[Any, dict[str, Any]]] = [{} for _ in asked]
    for r in rows:
        if r["served_at"] is None:
            continue
        units = list(dict.fromkeys(r["units"].split(SEP))) if r["units"] else []
        for (by, unit), groups in zip(asked, sums, strict=True):
            if unit and unit not in units:
                continue
            if by == "unit":
                keys = [unit] if unit else units  # one unit's figures: its own group only, as the SQL's join
            elif by == "service_type":
                keys = list(dict.fromkeys(r["service_types"].split(","))) if r["service_types"] else []
            else:
                keys = [r["served_month" if by == "month" else "served_quarter"]]
            for key in keys:
                _add(groups.setdefault(key, _empty_sums(key)), r)
    return [[_stats_item(by, _with_means(groups[key]))
             for key in sorted(groups, key=lambda k: (k is None, k or ""))]  # NULL last, as PostgreSQL orders
            for (by, _), groups in zip(asked, sums, strict=True)]


def _empty_sums(key: Any) -> dict[str, Any]:
    return {"grp": key, "served": 0, "on_time": None, "rated": 0,
            **{f"{s}_{part}": 0 for s in SCALES for part in ("total", "n", "good")}}


def _add(g: dict[str, Any], r: Row) -> None:
    g["served"] += 1
    if r["on_time"] is not None:  # SUM ignores NULL, and is NULL with nothing to add
        g["on_time"] = (g["on_time"] or 0) + r["on_time"]
    g["rated"] += r["response_score"] is not None
    for s in SCALES:
        score = r[f"{s}_score"]
        if score is not None:
            g[f"{s}_total"] += score
            g[f"{s}_n"] += 1
            g[f"{s}_good"] += score >= 3


def _with_means(g: dict[str, Any]) -> dict[str, Any]:
    for s in SCALES:  # AVG: the exact quotient, as the database's numeric gives it
        g[f"{s}_mean"] = Fraction(g[f"{s}_total"], g[f"{s}_n"]) if g[f"{s}_n"] else None
    return g


class CaseQueries:
    db: ViewDB

    def registry_rows(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        service_type: ServiceType | None = None,
        state: str | None = None,
        applied_from: str | None = None,
        applied_to: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        after: tuple[str, str] | None = None,
    ) -> list[Row]:
        """A page of the registry in order of application; ``after`` (the
        last row's applied_at and case_id) starts the page after it (keyset
        paging: every page costs the same however deep)."""
        # Drive the query from the index that matches the most selective
        # filter, in the order of the page, so a page costs the same however
        # rare the unit, type or state is.
        unit = scope.unit_filter(unit)
        where: list[str] = []
        params: list[Any] = []
        if unit:
            source, order = "registry_unit k JOIN registry r ON r.case_id = k.case_id", "k.applied_at, k.case_id"
            where.append("k.unit = %s")
            params.append(unit)
            if service_type:
                where.append("EXISTS (SELECT 1 FROM registry_type t WHERE t.case_id = r.case_id AND t.service_type = %s)")
                params.append(service_type.value)
        elif service_type:
            source, order = "registry_type k JOIN registry r ON r.case_id = k.case_id", "k.applied_at, k.case_id"
            where.append("k.service_type = %s")
            params.append(service_type.value)
        elif state:
            source, order = "registry r", "r.state, r.applied_at, r.case_id"
        else:
            source, order = "registry r", "r.applied_at, r.case_id"
        if state:
            where.append("r.state = %s")
            params.append(state)
        if state and not (unit or service_type):
            # row comparisons put the period into the (state, applied_at)
            # index range; a plain applied_at bound tempts the planner into
            # the applied_at index and a filter over most of the table
            where.append("(r.state, r.applied_at) >= (%s, %s)")
            params += [state, applied_from or ""]
            if applied_to:
                where.append("(r.state, r.applied_at) < (%s, %s)")
                params += [state, applied_to]
        else:
            column = "k.applied_at" if (unit or service_type) else "r.applied_at"
            if applied_from:
                where.append(f"{column} >= %s")
                params.append(applied_from)
            if applied_to:
                where.append(f"{column} < %s")
                params.append(applied_to)
        if after is not None:
            key = "k" if (unit or service_type) else "r"
            where.append(f"({key}.applied_at, {key}.case_id) > (%s, %s)")
            params += list(after)
        page = paging(limit, offset, params)
        condition = " AND ".join(where) or "1=1"
        with self.db.reading() as cur:
            if offset and source == "registry r":
                # a deep page: skip the rows in the (covering) index, then
                # fetch only the page's wide rows (not every skipped one)
                return cur.dicts(
                    f"SELECT r.* FROM registry r WHERE r.case_id IN (SELECT r.case_id FROM registry r WHERE {condition} "
                    f"ORDER BY {order}{page}) ORDER BY {order}", params
                )
            return cur.dicts(f"SELECT r.* FROM {source} WHERE {condition} ORDER BY {order}{page}", params)

    def registry_stream(self, scope: Scope, batch: int = 2000, **filters: Any) -> Iterator[Row]:
        """Every row the filters select, in order, a batch at a time: an
        export of the whole registry never holds more than one batch. A
        row of the registry's 66 columns is ~10 KB as a dict: a served
        200,000-row XLSX export grew the server by 40 MB with batches of
        2,000 and by 71 MB with 5,000, in about the same time
        (bench/xlsx_export.py)."""
        after = None
        while True:
            rows = self.registry_rows(scope, limit=batch, after=after, **filters)
            yield from rows
            if len(rows) < batch:
                return
            after = (rows[-1]["applied_at"], rows[-1]["case_id"])

    def registry(self, scope: Scope, **filters: Any) -> list[dict[str, Any]]:
        return [display_registry_row(r, scope.role) for r in self.registry_rows(scope, **filters)]

    def queue(
        self,
        scope: Scope,
        stage: str,
        *,
        unit: str | None = None,
        now: datetime | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}")
        unit = scope.unit_filter(unit)
        now = (now or datetime.now(CST)).astimezone(CST)
        # in the order of the index (cases without a due time at the end)
        if unit:  # a unit's part, from its own index
            sql = ("SELECT q.* FROM work_queue_unit k JOIN work_queue q ON q.case_id = k.case_id "
                   "WHERE k.unit = %s AND k.stage = %s ORDER BY k.due_at NULLS LAST, k.since, k.case_id")
            params: list[Any] = [unit, stage]
        else:
            sql, params = "SELECT * FROM work_queue WHERE stage = %s ORDER BY due_at NULLS LAST, since, case_id", [stage]
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(sql + page, params)
        soon = now + timedelta(hours=24)
        for r in rows:
            due = datetime.fromisoformat(r["due_at"]) if r["due_at"] else None
            r["overdue"] = bool(due and due < now)
            r["due_soon"] = bool(due and now <= due <= soon)
            r["units"] = r["units"].strip("|").replace("|", "、") if r["units"] else None
        return rows

    def stats(self, scope: Scope, by: str, *, unit: str | None = None) -> list[dict[str, Any]]:
        """Satisfaction per scale (mean score 1–4 and share of the top two
        grades) and on-time rate, grouped by unit, service type, month or
        quarter; of the cases of one unit when the scope (or ``unit``) says so."""
        group = {
            "unit": ("u.unit", "JOIN registry_unit u ON u.case_id = r.case_id"),
            "service_type": ("t.service_type", "JOIN registry_type t ON t.case_id = r.case_id"),
            "month": ("r.served_month", ""),
            "quarter": ("r.served_quarter", ""),
        }
        if by not in group:
            raise ValueError("by must be one of unit, service_type, month, quarter")
        key, join = group[by]
        where, params = ["r.served_at IS NOT NULL"], []
        unit = scope.unit_filter(unit)
        if unit:
            if by != "unit":
                join += " JOIN registry_unit u ON u.case_id = r.case_id"
            where.append("u.unit = %s")
            params.append(unit)
        means = ", ".join(f"AVG(r.{s}_score) AS {s}_mean" for s in SCALES)
        tops = ", ".join(f"SUM(CASE WHEN r.{s}_score >= 3 THEN 1 ELSE 0 END) AS {s}_good" for s in SCALES)
        order = f'{key} COLLATE "C"' if self.db.backend == "postgres" else key  # by code point, as stats_of_rows
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT {key} AS grp, COUNT(*) AS served, SUM(r.on_time) AS on_time, "
                f"COUNT(r.response_score) AS rated, {means}, {tops} "
                f"FROM registry r {join} WHERE {' AND '.join(where)} GROUP BY {key} ORDER BY {order}",
                params,
            )
        return [_stats_item(by, r) for r in rows]
