"""The registry as the ledger knew it at a cut-off (a notification id), then
filtered like the live registry and within the reader's scope. The API, the
workbench, the 登记簿 and ``ledger rebuild --as-of`` all read it here.

It is answered from the view's stored history (``registry_history``: each
row's versions from the event that made each): per case, the last version
made at or before the cut-off — one indexed query, in registry order, its
rows decoded one at a time, so neither time nor memory grows with the length
of the log. Until the view has reached the cut-off (a moment ago, a view
being rebuilt) the history cannot answer; the log is then folded up to there
in memory, as before, and the answer is the same. A large export as CSV is
written in parts by forked processes (``registry_csv_as_of``), joined into
the bytes one process would have written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ledger.scope import Scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.cases import REGISTRY, REGISTRY_HISTORY, CasesProjection, Row
from projections.cases.export import registry_csv, registry_csv_lines, registry_csv_parts, registry_order
from projections.forked import Job, run_forked
from projections.history import history_reaches, rows_as_of, rows_of_versions, version_ids
from projections.partitioned import processes
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
    return filter(_kept(scope, unit, service_type, state), registry_rows_as_of(settings, cutoff))


def registry_csv_as_of(
    settings: Settings,
    scope: Scope,
    cutoff: int,
    *,
    unit: str | None = None,
    service_type: Any = None,
    state: str | None = None,
) -> tuple[bytes, int]:
    """``registry_csv`` of ``registry_as_of`` — the same bytes — and its row
    count, made, for a large registry on PostgreSQL, in parts by forked
    processes: turning rows into CSV is most of an as-of export's time, and
    one core's."""
    keep = _kept(scope, unit, service_type, state)
    db = ViewDB(settings)
    try:
        ids = version_ids(db, REGISTRY_HISTORY, cutoff) if (
            settings.backend == "postgres" and history_reaches(db, CasesProjection.name, REGISTRY_HISTORY, cutoff)
        ) else None
    finally:
        db.close()
    def lines(ids_part: list[int]) -> tuple[bytes, int]:
        own = ViewDB(settings)
        try:
            kept = Counted(filter(keep, rows_of_versions(own, REGISTRY_HISTORY, REGISTRY.column_names, ids_part)))
            return registry_csv_lines(kept, scope.role), kept.count
        finally:
            own.close()

    count = processes()
    if ids is None:  # SQLite, or the view behind the cut-off: the rows as registry_rows_as_of finds them
        rows = Counted(filter(keep, registry_rows_as_of(settings, cutoff)))
        return registry_csv(rows, scope.role), rows.count
    if len(ids) < PARALLEL_FROM or count == 1:  # the versions found already: read here, in one piece
        data, n = lines(ids)
        return registry_csv_parts([data]), n
    size = -(-len(ids) // count)

    def part(ids_part: list[int]) -> Job:
        return lambda _: lines(ids_part)

    parts = run_forked([part(ids[i : i + size]) for i in range(0, len(ids), size)], what="an as-of export part")
    return registry_csv_parts(data for data, _ in parts), sum(n for _, n in parts)


class Counted:
    """An iterator that counts what went through it."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items, self.count = iter(items), 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.items:
            self.count += 1
            yield item


PARALLEL_FROM = 20_000  # rows of an as-of export worth a process per part


def _kept(scope: Scope, unit: str | None, service_type: Any, state: str | None) -> Callable[[Row], bool]:
    """Whether a registry row is in the selection (and the reader's scope)."""
    unit = scope.unit_filter(unit)
    code = getattr(service_type, "value", service_type)

    def kept(r: Row) -> bool:
        return not ((unit and not (r["units"] and unit in r["units"].split("、")))
                    or (code and code not in (r["service_types"] or "").split(","))
                    or (state and r["state"] != state))

    return kept


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
