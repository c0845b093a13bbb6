"""Queries over the supervision view: reversals, their statistics, major-decision
filings and what waits for supervisors — within the caller's scope."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ledger.scope import Scope
from ledger.store.sql import ViewDB, paging
from ledger.supervision import ReviewStatus
from ledger.values import CST, FourList
from projections.supervision import FILING, REVIEW
from projections.supervision.export import display_reversal

QUEUE_LIMIT = 500  # rows of each list of the supervision queue


class SupervisionQueries:
    db: ViewDB

    def reversals(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        list_kind: str | None = None,
        item_number: str | None = None,
        status: str | None = None,
        reversed_from: str | None = None,
        reversed_to: str | None = None,
        limit: int = 500,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """The review list of reversed penalties; the period filters the
        business date of the reversal (``YYYY-MM-DD``, to exclusive)."""
        unit = scope.unit_filter(unit)
        where, params = ["kind IS NOT NULL"], []
        for column, value in (("unit", unit), ("list_kind", list_kind), ("item_number", item_number), ("status", status)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if reversed_from:
            where.append("reversed_at >= %s")
            params.append(reversed_from)
        if reversed_to:
            where.append("reversed_at < %s")
            params.append(reversed_to)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE {' AND '.join(where)} "
                "ORDER BY reversed_at, review_id LIMIT %s OFFSET %s",
                [*params, limit, offset],
            )
        return [display_reversal(r) for r in rows]

    def reversal_stats(self, scope: Scope, by: str, *, unit: str | None = None) -> list[dict[str, Any]]:
        """Reversals per unit, per list item or per month (of one unit, or all),
        with review outcomes."""
        unit = scope.unit_filter(unit)
        keys = {"unit": "unit", "item": "unit, list_kind, catalogue_version, item_number", "month": "reversed_month"}
        if by not in keys:
            raise ValueError("by must be one of unit, item, month")
        states = ", ".join(f"SUM(CASE WHEN status = '{s.value}' THEN 1 ELSE 0 END) AS {s.value}" for s in ReviewStatus)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT {keys[by]}, COUNT(*) AS reversals, "
                "SUM(CASE WHEN kind = 'revoked' THEN 1 ELSE 0 END) AS revoked, "
                "SUM(CASE WHEN kind = 'remade' THEN 1 ELSE 0 END) AS remade, "
                f"SUM(major) AS major, {states} "
                f"FROM {REVIEW.name} WHERE kind IS NOT NULL {'AND unit = %s' if unit else ''} "
                f"GROUP BY {keys[by]} ORDER BY {keys[by]}",
                [unit] if unit else [],
            )
        for r in rows:
            for k in ("reversals", "revoked", "remade", "major", *(s.value for s in ReviewStatus)):
                r[k] = int(r[k] or 0)
            if by == "item":
                r["list_label"] = FourList(r["list_kind"]).label
        return rows

    def filings(
        self,
        scope: Scope,
        *,
        unit: str | None = None,
        status: str | None = None,
        today: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Major-decision filings; ``status`` is open, overdue, filed or late."""
        unit = scope.unit_filter(unit)
        today = today or datetime.now(CST).date().isoformat()
        where, params = ["1=1"], []
        if unit:
            where.append("unit = %s")
            params.append(unit)
        conditions = {
            "open": "filed_on IS NULL",
            "overdue": "filed_on IS NULL AND due_on < %s",
            "filed": "filed_on IS NOT NULL",
            "late": "filed_on IS NOT NULL AND late = 1",
        }
        if status:
            if status not in conditions:
                raise ValueError("status must be one of open, overdue, filed, late")
            where.append(conditions[status])
            if status == "overdue":
                params.append(today)
        page = paging(limit, offset, params)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT * FROM {FILING.name} WHERE {' AND '.join(where)} ORDER BY due_on, filing_id{page}", params
            )
        return [_filing_marks(r, today) for r in rows]

    def filing(self, scope: Scope, filing_id: str, *, today: str | None = None) -> dict[str, Any] | None:
        """One major-decision filing as ``filings`` shows it; None if unknown
        or outside the scope."""
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {FILING.name} WHERE filing_id = %s", [filing_id])
        if not rows or not rows[0]["unit"] or not scope.sees([rows[0]["unit"]]):
            return None
        return _filing_marks(rows[0], today or datetime.now(CST).date().isoformat())

    def filing_units(self, scope: Scope) -> list[str]:
        """The units that declared major decisions (within the scope): the
        choices of a filter by unit."""
        unit = scope.unit_filter(None)
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT DISTINCT unit FROM {FILING.name} {'WHERE unit = %s' if unit else ''} ORDER BY unit",
                [unit] if unit else [],
            )
        return [r["unit"] for r in rows if r["unit"]]

    def supervision_queue(
        self, scope: Scope, *, today: str | None = None, limit: int = QUEUE_LIMIT
    ) -> dict[str, list[dict[str, Any]]]:
        """What waits for supervisors: reversals to review (new or answered),
        objections whose answer is overdue, and major decisions not filed in
        time (the first ``limit`` of each; of the scope's unit only)."""
        today = today or datetime.now(CST).date().isoformat()
        unit = scope.unit_filter(None)
        only_unit, unit_params = ("AND unit = %s", [unit]) if unit else ("", [])
        with self.db.reading() as cur:
            to_review = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE kind IS NOT NULL AND status IN (%s, %s) {only_unit} "
                "ORDER BY reversed_at, review_id LIMIT %s",
                [ReviewStatus.PENDING.value, ReviewStatus.ANSWERED.value, *unit_params, limit],
            )
            unanswered = cur.dicts(
                f"SELECT * FROM {REVIEW.name} WHERE status = %s AND reply_due < %s {only_unit} "
                "ORDER BY reply_due, review_id LIMIT %s",
                [ReviewStatus.OBJECTED.value, today, *unit_params, limit],
            )
        return {
            "to_review": [display_reversal(r) for r in to_review],
            "answers_overdue": [display_reversal(r) for r in unanswered],
            "filings_overdue": self.filings(scope, status="overdue", today=today, limit=limit),
        }


def _filing_marks(r: dict[str, Any], today: str) -> dict[str, Any]:
    """A filing row with its late flag (the ledger's), whether it is overdue
    today and the days left to file."""
    r["late"] = bool(r["late"])
    r["overdue"] = r["filed_on"] is None and r["due_on"] < today
    r["days_left"] = None if r["filed_on"] else (date.fromisoformat(r["due_on"]) - date.fromisoformat(today)).days
    return r
