"""Queries over the register reports view: the reports (within the reader's
scope), the queue of late and missing reports of a quarter, and the office's
consolidations.

A quarter's deadline is a parameter (``due_on``): the ledger computes it on
the calendar as recorded now (``Ledger.register_report_due``), the view only
compares dates, so a report not yet submitted is measured against the latest
knowledge of the calendar. A submitted report's ``late`` is the ledger's own,
decided when it was submitted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.directory import UnitKind
from ledger.errors import NotAllowed
from ledger.register_reports import RegisterReport
from ledger.register_reports.values import ReportState, period_label
from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.values import Role
from projections.register_reports import CONSOLIDATIONS, REPORTS, STAFF, UNITS

Row = dict[str, Any]

# The queue's statuses: (label, whether the report needs someone to act — it is in the queue)
STATUSES = {
    "overdue": ("逾期未报送", True),
    "missing": ("未报送", True),
    "late": ("逾期报送", True),
    "returned": ("已退回，待更正", True),
    "submitted": ("已报送，待接收", False),
    "received": ("已接收", False),
}


class RegisterReportQueries:
    db: ViewDB

    def register_reports(
        self,
        scope: Scope,
        *,
        year: int | None = None,
        quarter: int | None = None,
        unit: str | None = None,
        state: str | None = None,
        limit: int | None = 100,
        offset: int = 0,
    ) -> list[Row]:
        """The reports (latest version of each), newest quarter first, by unit."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("year", year), ("quarter", quarter), ("state", state)):
            if value is not None and value != "":
                where.append(f"r.{column} = %s")
                params.append(value)
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT r.* FROM {REPORTS.name} r WHERE {' AND '.join(where)} "
                             f"ORDER BY r.year DESC, r.quarter DESC, r.unit{page}", params)
        return [labelled_report(r) for r in rows]

    def register_report_row(self, report_id: Any) -> Row | None:
        """One report's row (the caller checked the reader may see it)."""
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {REPORTS.name} WHERE report_id = %s", [str(report_id)])
        return labelled_report(rows[0]) if rows else None

    def expected_units(self) -> list[str]:
        """The units expected to report: enforcement units with an active unit-staff user."""
        with self.db.reading() as cur:
            rows = cur.execute(
                f"SELECT DISTINCT s.unit FROM {STAFF.name} s JOIN {UNITS.name} u ON u.name = s.unit "
                "WHERE s.role = %s AND s.active = 1 AND s.waiting = 0 AND u.kind = %s ORDER BY s.unit",
                [Role.UNIT_STAFF.value, UnitKind.ENFORCEMENT.value]).fetchall()
        return [r[0] for r in rows]

    def register_report_queue(
        self,
        scope: Scope,
        year: int,
        quarter: int,
        *,
        due_on: date,
        today: date,
        unit: str | None = None,
        everything: bool = False,
    ) -> list[Row]:
        """The quarter's late and missing reports, one row per unit expected
        to report (and per unit that reported): not submitted (overdue once
        ``due_on`` has passed), submitted late, returned and not corrected.
        ``everything``: every unit's row, on-time ones too."""
        unit = scope.unit_filter(unit)
        with self.db.reading() as cur:
            where, params = ["year = %s", "quarter = %s"], [year, quarter]
            if unit:
                where.append("unit = %s")
                params.append(unit)
            reports = {r["unit"]: r for r in cur.dicts(
                f"SELECT * FROM {REPORTS.name} WHERE {' AND '.join(where)}", params)}
        units = set(reports) | set(self.expected_units())
        if unit:
            units &= {unit}
        out = []
        for name in sorted(units):
            report = reports.get(name)
            status = queue_status(report, due_on, today)
            label, waiting = STATUSES[status]
            if not (waiting or everything):
                continue
            days = (due_on - today).days
            if status == "missing":
                label = "今天到期，未报送" if days == 0 else f"未报送（剩{days}天）"
            elif status == "overdue":
                label = f"逾期未报送（已逾期{-days}天）"
            out.append({
                "unit": name, "year": year, "quarter": quarter, "period": period_label(year, quarter),
                "report_id": str(report["report_id"] if report else RegisterReport.create_id(name, year, quarter)),
                "submitted": report is not None, "status": status, "status_label": label, "in_queue": waiting,
                "due_on": due_on.isoformat(), "days_left": days,
                "state": report["state"] if report else None, "version": report["version"] if report else None,
                "late": bool(report and report["late"]),
                "first_submitted_at": report["first_submitted_at"] if report else None,
                "return_reason": report["return_reason"] if report else None,
            })
        return out

    def register_consolidations(self, scope: Scope, *, year: int | None = None, quarter: int | None = None,
                                limit: int | None = 100, offset: int = 0) -> list[Row]:
        """The office's consolidations (every unit's registers): the office, supervisors, auditors."""
        _every_unit(scope)
        where, params = ["1=1"], []
        for column, value in (("year", year), ("quarter", quarter)):
            if value is not None:
                where.append(f"c.{column} = %s")
                params.append(value)
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT c.* FROM {CONSOLIDATIONS.name} c WHERE {' AND '.join(where)} "
                             f"ORDER BY c.year DESC, c.quarter DESC, c.office{page}", params)
        return [labelled_consolidation(r) for r in rows]

    def register_consolidation_row(self, scope: Scope, consolidation_id: Any) -> Row | None:
        _every_unit(scope)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {CONSOLIDATIONS.name} WHERE consolidation_id = %s", [str(consolidation_id)])
        return labelled_consolidation(rows[0]) if rows else None


def _every_unit(scope: Scope) -> None:
    if scope.unit is not None:
        raise NotAllowed("执法单位人员只能查看本单位的登记簿报送，不能查看办公室的汇总", code="unit_scope")


def queue_status(report: Row | None, due_on: date, today: date) -> str:
    if report is None:
        return "overdue" if today > due_on else "missing"
    if report["state"] == ReportState.RETURNED.value:
        return "returned"
    if report["late"]:
        return "late"
    return report["state"]


def labelled_report(row: Row) -> Row:
    out = dict(row)
    out["period"] = period_label(row["year"], row["quarter"])
    out["state_label"] = ReportState(row["state"]).label if row["state"] else ""
    return out


def labelled_consolidation(row: Row) -> Row:
    out = dict(row)
    out["period"] = period_label(row["year"], row["quarter"])
    out["forwarded"] = row["forwarded_on"] is not None
    return out
