"""Queries over the typical-cases view, within the caller's scope
(``Reach.CASES``): the office, supervisors (the reviewer) and auditors read
every proposal; a unit's staff read their unit's proposals — and, once a round
is closed, the list of the selected cases of every unit, which the round
publishes (对典型案例予以推广: the list is meant to be read by every unit; it
carries no party's name or identifier)."""

from __future__ import annotations

from typing import Any

from ledger.scope import Scope
from ledger.store.sql import ViewDB
from ledger.typical_cases.values import Distinction, RecordKind, RoundState
from projections.typical_cases import PROPOSALS, ROUNDS

LIMIT = 500


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["kind_label"] = RecordKind(row["kind"]).label
    out["distinction_label"] = Distinction(row["distinction"]).label
    if "round_state" in row and row["round_state"]:
        out["round_state_label"] = RoundState(row["round_state"]).label
    selected = row.get("selected")
    out["selected"] = None if selected is None else bool(selected)
    out["decision_label"] = "待评选" if selected is None else "入选" if selected else "未入选"
    out["published"] = bool(row.get("published"))
    return out


class TypicalCaseQueries:
    db: ViewDB

    def typical_cases(self, scope: Scope, *, year: int | None = None, selected: bool | None = None,
                      kind: str | None = None, unit: str | None = None, published: bool | None = None,
                      limit: int = LIMIT, offset: int = 0) -> list[dict[str, Any]]:
        """The proposals, by year (newest first) then proposal time. A unit's
        staff: their own unit's, and the published selected cases of all units.
        ``selected``: decided as selected (True) or not (False); ``published``:
        only the selected cases of closed rounds."""
        closed = RoundState.CLOSED.value
        where = ["1=1"]
        params: list[Any] = []
        if scope.unit is not None:
            if unit and unit != scope.unit:  # another unit's: only what its round published
                where.append(f"(r.state = '{closed}' AND p.selected = 1)")
            else:
                where.append(f"(p.unit = %s OR (r.state = '{closed}' AND p.selected = 1))")
                params.append(scope.unit)
        if published:
            where.append(f"r.state = '{closed}' AND p.selected = 1")
        for column, value in (("p.year", year), ("p.kind", kind), ("p.unit", unit)):
            if value is not None and value != "":
                where.append(f"{column} = %s")
                params.append(value)
        if selected is not None:  # decided either way (undecided proposals have neither)
            where.append("p.selected = %s")
            params.append(int(selected))
        with self.db.reading() as cur:
            rows = cur.dicts(
                f"SELECT p.*, r.state AS round_state, "
                f"CASE WHEN r.state = '{closed}' AND p.selected = 1 THEN 1 ELSE 0 END AS published "
                f"FROM {PROPOSALS.name} p JOIN {ROUNDS.name} r ON r.year = p.year "
                f"WHERE {' AND '.join(where)} ORDER BY p.year DESC, p.proposed_at, p.proposal_id LIMIT %s OFFSET %s",
                [*params, limit, offset])
        return [_labelled(r) for r in rows]

    def typical_rounds(self, scope: Scope) -> list[dict[str, Any]]:
        """Every year's round with its counts (newest first); every reader of
        cases sees that a round exists and how far it is."""
        del scope  # the counts name no unit and no record
        with self.db.reading() as cur:
            rows = cur.dicts(f"SELECT * FROM {ROUNDS.name} ORDER BY year DESC")
        for r in rows:
            r["state_label"] = RoundState(r["state"]).label
        return rows
