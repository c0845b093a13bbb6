"""Queries over the guidance view — the list of a unit's guidance acts — and
the 行政指导事项登记簿, which reads both sources: the services a unit gave on
booked cases (the cases view) and its own guidance (this view)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ledger.guidance.values import AddresseeKind, GuidanceState, Stage, Way
from ledger.identifiers import mask_id_number
from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.values import CST
from projections.cases import Row
from projections.cases.export import period_bounds, register_lines
from projections.guidance import OPEN_STATES

# the 登记簿's two sources as one shape (at, id, source, name, kinds, content, result, staff, state)
_CASE_LINES = (
    "SELECT {c}.served_at AS at, {c}.case_id AS id, 'case' AS source, r.applicant_name AS name, "
    "r.service_types AS kinds, COALESCE(r.service_content, r.needs) AS content, r.advice AS result, "
    "COALESCE(r.service_staff, r.staff) AS staff, r.state AS state FROM {source} WHERE {where}"
)
_GUIDANCE_LINES = (
    "SELECT g.register_at AS at, g.guidance_id AS id, 'guidance' AS source, g.addressee_name AS name, "
    "g.method AS kinds, g.matter AS content, g.effect AS result, g.officers AS staff, g.state AS state "
    "FROM guidance g WHERE {where}"
)


class GuidanceQueries:
    db: ViewDB

    def guidance_list(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        state: str | None = None,
        open_only: bool = False,
        way: str | None = None,
        method: str | None = None,
        typical: bool | None = None,
        officer: str | None = None,
        started_from: str | None = None,
        started_to: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Row]:
        """A page of the guidance acts (newest first), filtered, within the scope
        (an individual's resident ID masked for the roles that mask)."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("state", state), ("way", way), ("method", method)):
            if value:
                where.append(f"g.{column} = %s")
                params.append(value)
        if open_only:
            where.append(f"g.state IN ({', '.join(['%s'] * len(OPEN_STATES))})")
            params += list(OPEN_STATES)
        if typical is not None:
            where.append("g.typical = %s")
            params.append(int(typical))
        if officer:
            where.append("g.officer_ids LIKE %s")
            params.append(f"%|{officer}|%")
        if started_from:
            where.append("g.started_at >= %s")
            params.append(started_from)
        if started_to:
            where.append("g.started_at < %s")
            params.append(started_to)
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT g.* FROM guidance g WHERE {' AND '.join(where)} "
                f"ORDER BY g.started_at DESC, g.guidance_id DESC{page}", params)
        today = datetime.now(CST).date()
        return [_masked(_labelled(r, today)) if scope.masks_ids else _labelled(r, today) for r in rows]

    def guidance_row(self, guidance_id: Any) -> Row | None:
        """One guidance's row (the caller checked the reader may see it)."""
        with self.db.reading() as cur:
            rows = cur.dicts("SELECT * FROM guidance WHERE guidance_id = %s", [str(guidance_id)])
        return _labelled(rows[0], datetime.now(CST).date()) if rows else None

    def platform_rows(self, scope: Scope, *, unit: str | None = None, unsent_only: bool = True) -> list[Row]:
        """The acts for a platform export (given or ended ones), in order of
        time; ``unsent_only``: never exported, or changed since."""
        unit = scope.unit_filter(unit)
        where, params = ["g.register_at IS NOT NULL"], []
        if unit:
            where.append("g.unit = %s")
            params.append(unit)
        if unsent_only:
            where.append("COALESCE(g.exported_version, 0) < g.content_version")
        with self.db.reading() as cur:
            return cur.dicts(f"SELECT g.* FROM guidance g WHERE {' AND '.join(where)} ORDER BY g.register_at, g.guidance_id",
                             params)

    def platform_exports(self, scope: Scope, *, unit: str | None = None, limit: int = 50) -> list[Row]:
        """The platform exports (newest first) that hold acts of the unit (or any)."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        if unit:
            where.append("units LIKE %s")
            params.append(f"%|{unit}|%")
        with self.db.reading() as cur:
            return cur.dicts(f"SELECT * FROM platform_export WHERE {' AND '.join(where)} "
                             f"ORDER BY exported_at DESC, export_id LIMIT %s", [*params, limit])

    def guidance_register(
        self,
        scope: Scope,
        year: int | None = None,
        quarter: int | None = None,
        *,
        unit: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """A page of the 登记簿 (of a unit; of a year or a quarter): the
        services given on booked cases and the unit's own guidance, in order
        of time; ``序号`` counts on across pages. ``limit`` None: all."""
        unit = scope.unit_filter(unit)
        start, end = period_bounds(year, quarter)
        case_where, guidance_where = [], []
        case_params: list[Any] = []
        guidance_params: list[Any] = []
        if unit:
            source, column = "registry_unit k JOIN registry r ON r.case_id = k.case_id", "k"
            case_where.append("k.unit = %s")
            case_params.append(unit)
            guidance_where.append("g.unit = %s")
            guidance_params.append(unit)
        else:
            source, column = "registry r", "r"
        case_where.append(f"{column}.served_at >= %s")
        case_params.append(start or "")
        guidance_where.append("g.register_at >= %s")
        guidance_params.append(start or "")
        if end:
            case_where.append(f"{column}.served_at < %s")
            case_params.append(end)
            guidance_where.append("g.register_at < %s")
            guidance_params.append(end)
        cases = _CASE_LINES.format(c=column, source=source, where=" AND ".join(case_where))
        guidance = _GUIDANCE_LINES.format(where=" AND ".join(guidance_where))
        if limit is not None:
            # a page needs at most its offset + limit first lines of each source: each read in
            # order from its index, whatever share of the table the period holds (a sort of the
            # whole quarter took 230 ms)
            first = offset + limit
            cases, guidance = (f"SELECT * FROM ({part} ORDER BY at, id LIMIT {first}) part" for part in (cases, guidance))
        params = [*case_params, *guidance_params]
        page = paging(limit, offset, params)
        sql = f"{cases} UNION ALL {guidance}"
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM ({sql}) lines ORDER BY at, id{page}", params)
        return register_lines(rows, first=offset + 1)


def _masked(row: Row) -> Row:
    """An individual addressee's resident ID masked (for the roles that mask)."""
    if row.get("addressee_kind") == AddresseeKind.INDIVIDUAL.value and row.get("addressee_id"):
        row["addressee_id"] = mask_id_number(row["addressee_id"])
    return row


def _labelled(row: Row, today: date) -> Row:
    """A row with the Chinese words a page shows beside its codes."""
    out = dict(row)
    out["state_label"] = GuidanceState(row["state"]).label if row["state"] else ""
    out["way_label"] = Way(row["way"]).label if row["way"] else ""
    out["stage_label"] = Stage(row["stage"]).label if row["stage"] else ""
    # the earliest open item of the 整改承诺书 and the 责令改正通知书
    dues = [date.fromisoformat(d) for n, d in ((row.get("commitment_open"), row.get("commitment_due")),
                                                (row.get("correction_open"), row.get("correction_due"))) if n and d]
    due = min(dues, default=None)
    out["commitment_overdue"] = bool(due and due < today)
    out["commitment_due_soon"] = bool(due and today <= due <= today + timedelta(days=3))
    out["unsent"] = bool(row.get("register_at")) and (row.get("exported_version") or 0) < (row.get("content_version") or 0)
    return out
