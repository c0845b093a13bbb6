"""The registry as the ledger knew it at a cut-off (a notification id):
folded from the log up to there, then filtered like the live registry and
within the reader's scope. The API and the workbench both read it here."""

from __future__ import annotations

from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from projections.cases import CasesProjection, Row
from projections.cases.export import registry_order
from projections.rebuild import fold_as_of


def registry_as_of(
    settings: Settings,
    scope: Scope,
    cutoff: int,
    *,
    unit: str | None = None,
    service_type: Any = None,
    state: str | None = None,
) -> list[Row]:
    """Every row (in registry order) of the registry at ``cutoff``; a unit
    asked for outside the scope is refused by ``Scope.unit_filter``."""
    unit = scope.unit_filter(unit)
    rows = registry_order(fold_as_of(settings, CasesProjection(), cutoff).values())
    if unit:
        rows = [r for r in rows if r["units"] and unit in r["units"].split("、")]
    if service_type:
        rows = [r for r in rows if getattr(service_type, "value", service_type) in (r["service_types"] or "").split(",")]
    if state:
        rows = [r for r in rows if r["state"] == state]
    return rows
