"""The 行政指导事项登记簿 as the ledger knew it at a cut-off (a notification
id): the cases view and the guidance view folded from the log up to there,
then cut to the period and the unit like the live register
(``GuidanceQueries.guidance_register``) — the same lines in the same order."""

from __future__ import annotations

from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from projections.cases import Row
from projections.cases.as_of import registry_rows_as_of
from projections.cases.export import case_register_row, period_bounds, register_lines
from projections.guidance import EXPORTS_KEY, GuidanceProjection
from projections.rebuild import fold_as_of


def guidance_register_row(r: Row) -> Row:
    """A guidance row as a line of the 登记簿's query (as ``_GUIDANCE_LINES`` selects it)."""
    return {"at": r["register_at"], "id": r["guidance_id"], "source": "guidance", "name": r["addressee_name"],
            "kinds": r["method"], "content": r["matter"], "result": r["effect"], "staff": r["officers"],
            "state": r["state"]}


def register_as_of(settings: Settings, scope: Scope, cutoff: int, year: int | None = None,
                   quarter: int | None = None, *, unit: str | None = None) -> list[dict[str, Any]]:
    unit = scope.unit_filter(unit)
    start, end = period_bounds(year, quarter)

    def within(at: str | None) -> bool:
        return at is not None and at >= (start or "") and (end is None or at < end)

    cases = registry_rows_as_of(settings, cutoff)  # from the registry's history
    guidance = [r for k, r in fold_as_of(settings, GuidanceProjection(), cutoff).items() if k != EXPORTS_KEY]
    lines = [case_register_row(r) for r in cases
             if within(r["served_at"]) and (not unit or (r["units"] and unit in r["units"].split("、")))]
    lines += [guidance_register_row(r) for r in guidance if within(r["register_at"]) and (not unit or r["unit"] == unit)]
    return register_lines(sorted(lines, key=lambda line: (line["at"], line["id"])))
