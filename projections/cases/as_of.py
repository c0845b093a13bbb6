"""The registry as the ledger knew it at a cut-off (a notification id), then
filtered like the live registry and within the reader's scope. The API, the
workbench, the 登记簿 and ``ledger rebuild --as-of`` all read it here.

It is answered from the view's stored history (``registry_history``: each
row's versions from the event that made each): per case, the last version
made at or before the cut-off — one indexed query, in registry order, its
rows decoded one at a time, so neither time nor memory grows with the length
of the log. Until the view has reached the cut-off (a moment ago, a view
being rebuilt) the history cannot answer; the log is then folded up to there
in memory, as before, and the answer is the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.cases import REGISTRY, REGISTRY_HISTORY, CasesProjection, Row
from projections.cases.export import registry_order
from projections.history import history_reaches, rows_as_of
from projections.rebuild import fold_as_of


def registry_as_of(
    settings: Settings,
    scope: Scope,
    cutoff: int,
    *,
    unit: str | None = None,
    service_type: Any = None,
    state: str | None = None,
) -> Iterator[Row]:
    """Every row (in registry order) of the registry at ``cutoff``; a unit
    asked for outside the scope is refused by ``Scope.unit_filter``."""
    unit = scope.unit_filter(unit)
    code = getattr(service_type, "value", service_type)
    for r in registry_rows_as_of(settings, cutoff):
        if unit and not (r["units"] and unit in r["units"].split("、")):
            continue
        if code and code not in (r["service_types"] or "").split(","):
            continue
        if state and r["state"] != state:
            continue
        yield r


def registry_rows_as_of(settings: Settings, cutoff: int) -> Iterator[Row]:
    """Every registry row at ``cutoff``, in registry order, unscoped: from
    the history when the view has reached the cut-off, else folded."""
    db = ViewDB(settings)
    try:
        if history_reaches(db, CasesProjection.name, REGISTRY_HISTORY, cutoff):
            yield from rows_as_of(db, REGISTRY_HISTORY, REGISTRY.column_names, cutoff)
            return
    finally:
        db.close()
    yield from registry_order(fold_as_of(settings, CasesProjection(), cutoff).values())
