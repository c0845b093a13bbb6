"""Queries over the legal-review view, within the caller's scope
(``Reach.SUPERVISION``): a unit's staff read their unit's reviews, filings
and credit repairs; supervisors and auditors everything."""

from __future__ import annotations

from typing import Any

from ledger.legal_review.values import (
    FilingReviewOutcome,
    MajorKind,
    PartyKind,
    RepairState,
    ReviewOutcome,
    ReviewState,
)
from ledger.scope import Scope
from ledger.store.sql import ViewDB
from projections.legal_review import FILINGS, REPAIRS, REVIEWS, ROUNDS

LIMIT = 500


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for column, enum in (("state", RepairState if "repair_id" in row else ReviewState), ("kind", MajorKind),
                         ("party_kind", PartyKind), ("outcome", ReviewOutcome), ("filing_review", FilingReviewOutcome)):
        value = row.get(column)
        if value is not None:
            out[f"{column}_label"] = enum(value).label  # type: ignore[misc]
    if "required" in row and row["required"] is not None:
        out["required"] = bool(row["required"])
    return out


class LegalReviewQueries:
    db: ViewDB

    def legal_reviews(self, scope: Scope, *, unit: str | None = None, state: str | None = None,
                      year: int | None = None, limit: int = LIMIT, offset: int = 0) -> list[dict[str, Any]]:
        """The reviews, newest request first (a unit's staff: their own unit's)."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("state", state), ("year", year)):
            if value is not None and value != "":
                where.append(f"{column} = %s")
                params.append(value)
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {REVIEWS.name} WHERE {' AND '.join(where)} "
                f"ORDER BY requested_at DESC, review_id LIMIT %s OFFSET %s", [*params, limit, offset])]

    def legal_review_id_of(self, scope: Scope, number: str) -> str | None:
        """The review a short number (法审〔2026〕3号) names, within the scope
        (a unit's staff: their own unit's series); None when there is none."""
        unit = scope.unit_filter(None)
        where, params = ["number = %s"], [number.strip()]
        if unit:
            where.append("unit = %s")
            params.append(unit)
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT review_id FROM {REVIEWS.name} WHERE {' AND '.join(where)} ORDER BY review_id", params)
        return rows[0]["review_id"] if len(rows) == 1 else None

    def legal_review_rounds(self, scope: Scope, review_id: str) -> list[dict[str, Any]]:
        """One review's rounds, oldest first (empty when out of scope)."""
        unit = scope.unit_filter(None)
        where, params = ["review_id = %s"], [str(review_id)]
        if unit:
            where.append("unit = %s")
            params.append(unit)
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {ROUNDS.name} WHERE {' AND '.join(where)} ORDER BY number", params)]

    def credit_repairs(self, scope: Scope, *, unit: str | None = None, state: str | None = None,
                       limit: int = LIMIT, offset: int = 0) -> list[dict[str, Any]]:
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("state", state)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                f"SELECT * FROM {REPAIRS.name} WHERE {' AND '.join(where)} "
                f"ORDER BY requested_on DESC, repair_id LIMIT %s OFFSET %s", [*params, limit, offset])]

    def legal_filings(self, scope: Scope, *, unit: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
        """The major-decision filings with their review and 备案审查."""
        unit = scope.unit_filter(unit)
        where, params = ["1=1"], []
        for column, value in (("unit", unit), ("year", year)):
            if value is not None and value != "":
                where.append(f"{column} = %s")
                params.append(value)
        with self.db.reading() as cur:
            return [_labelled(r) for r in cur.dicts(
                # the cited review's short number (法审〔2026〕3号), shown instead of its id
                f"SELECT f.*, (SELECT r.number FROM {REVIEWS.name} r WHERE r.review_id = f.review_id) AS review_number "
                f"FROM {FILINGS.name} f WHERE {' AND '.join(where)} ORDER BY f.decided_on DESC, f.filing_id", params)]

    def legal_review_indicators(self, scope: Scope, year: int, *, today: str) -> list[dict[str, Any]]:
        """年终考核指标 per unit for ``year``: reviews requested (by request date)
        and passed (passed or passed with changes, by their current state);
        filings of the year's decisions on time, late, and still unfiled past
        their due day as of ``today`` (an ISO date)."""
        unit = scope.unit_filter(None)
        units: dict[str, dict[str, Any]] = {}

        def of(name: str) -> dict[str, Any]:
            return units.setdefault(name, dict(unit=name, year=year, requested=0, passed=0, failed=0, pending=0,
                                               filings=0, on_time=0, late=0, overdue=0))
        clause, params = ("AND unit = %s", [unit]) if unit else ("", [])
        with self.db.reading() as cur:
            for r in cur.dicts(f"SELECT unit, state FROM {REVIEWS.name} WHERE year = %s {clause}", [year, *params]):
                row = of(r["unit"])
                row["requested"] += 1
                if r["state"] in (ReviewState.PASSED.value, ReviewState.PASSED_WITH_CHANGES.value):
                    row["passed"] += 1
                elif r["state"] == ReviewState.FAILED.value:
                    row["failed"] += 1
                else:
                    row["pending"] += 1
            for r in cur.dicts(f"SELECT unit, filed_on, late, due_on FROM {FILINGS.name} WHERE year = %s {clause}",
                               [year, *params]):
                row = of(r["unit"])
                row["filings"] += 1
                if r["filed_on"] is None:
                    row["overdue"] += int(r["due_on"] < today)
                elif r["late"]:
                    row["late"] += 1
                else:
                    row["on_time"] += 1
        return [units[k] for k in sorted(units)]
