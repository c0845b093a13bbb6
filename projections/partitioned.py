"""The first part of a rebuild, in parallel: the log up to a position folded
aggregate by aggregate, in partitions of the originator ids, each by its own
process.

A view whose rows each depend on the events of one aggregate only (the cases
view: a registry row is the fold of its case's events) does not need the log
in notification order to be rebuilt: each aggregate's events in version order
give the same rows. So each partition — a range of originator ids — is read
from the events table's primary key ``(originator_id, originator_version)``,
already in that order, and folded a whole aggregate at a time: its rows are
written once, with no lookup of what an earlier batch wrote, and only the
aggregate still open at the end of a batch is carried to the next (memory
stays one batch). The partitions run in separate processes, so the folding
(Python, one core each) and the database's ingestion (its own backends) work
at the same time; each writes into the fresh tables (``<table>__new``) with
COPY. The rows are the same as a fold in log order; ``rebuild`` then adds the
keys and indexes, catches up the events after the position in log order, and
swaps the tables in (projections/rebuild.py).

A projection opts in by a ``topic_prefix`` (the topics it folds, filtered by
the database) and ``write_folded(cur, rows, versions, suffix)``; the others,
and SQLite, are rebuilt in log order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any
from uuid import UUID

from ledger.settings import Settings
from ledger.store.sql import ViewDB
from projections.forked import Job, run_forked
from projections.runner import EventSource, no_gc

BATCH = 5000


def processes() -> int:
    """How many processes a rebuild's partitions (and an as-of export's
    parts) take: LEDGER_REBUILD_PROCESSES, default one per core (at most 4:
    beyond that the database's own work is the limit)."""
    value = os.environ.get("LEDGER_REBUILD_PROCESSES", "")
    return max(1, int(value)) if value.isdigit() else max(1, min(4, os.cpu_count() or 1))


def bounds(partitions: int) -> list[tuple[UUID | None, UUID | None]]:
    """The originator-id ranges [low, high) of ``partitions`` equal parts of
    the UUID space (None: open)."""
    cuts = [UUID(int=(2**128 * k) // partitions) for k in range(1, partitions)]
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def partitionable(settings: Settings, projection: Any) -> bool:
    return settings.backend == "postgres" and hasattr(projection, "topic_prefix") and hasattr(projection, "write_folded")


def fold_partitions(
    settings: Settings,
    projection: Any,
    suffix: str,
    upto: int,
    partitions: int,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fold every event up to notification ``upto`` into the ``suffix``
    tables, in ``partitions`` processes; ``progress(n)`` after each batch any
    of them wrote. Returns the events folded. A partition's failure fails
    the whole (the caller drops the half-filled tables)."""
    parts = bounds(partitions)
    if partitions == 1:
        return fold_partition(settings, type(projection), suffix, upto, parts[0], batch, progress)
    kind = type(projection)

    def job(part: tuple[UUID | None, UUID | None]) -> Job:
        return lambda report: fold_partition(settings, kind, suffix, upto, part, batch, report)

    return sum(run_forked([job(part) for part in parts], progress, what="a rebuild partition"))


def fold_partition(
    settings: Settings,
    kind: type,
    suffix: str,
    upto: int,
    part: tuple[UUID | None, UUID | None],
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """One partition: its aggregates' events up to ``upto``, read in
    (originator, version) order by a server-side cursor, folded an aggregate
    at a time and written a batch at a time."""
    projection = kind()
    db = ViewDB(settings)
    source = EventSource(db)
    low, high = part
    where = ["notification_id <= %s", "left(topic, %s) = %s"]
    params: list[Any] = [upto, len(projection.topic_prefix), projection.topic_prefix]
    if low is not None:
        where.append("originator_id >= %s")
        params.append(low)
    if high is not None:
        where.append("originator_id < %s")
        params.append(high)
    statement = (
        "SELECT notification_id, originator_id, originator_version, topic, state, "
        "to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
        f"FROM {db.events_table} WHERE {' AND '.join(where)} ORDER BY originator_id, originator_version"
    )
    reader, writer = db.connect(), db.connect()
    folded = 0
    try:
        with reader.transaction(), reader.cursor(name="rebuild_partition", binary=True) as rows_of:
            rows_of.itersize = batch
            rows_of.execute(statement, params)
            carried: dict[str, Any] = {}
            while rows := rows_of.fetchmany(batch):
                with no_gc():
                    items = source.decode(rows, projection.wants)
                    rows_by_key, carried = carried, {}
                    versions: list[Any] = []
                    projection.fold_all(rows_by_key, items, versions)
                    # the last aggregate may go on in the next batch: its row is written once it is whole
                    if items:
                        last = str(items[-1][2].originator_id)
                        carried[last] = rows_by_key.pop(last)
                    with db.transaction(writer) as cur:
                        projection.write_folded(cur, list(rows_by_key.values()), versions, suffix)
                folded += len(rows)
                if progress:
                    progress(len(rows))
            if carried:
                with db.transaction(writer) as cur:
                    projection.write_folded(cur, list(carried.values()), [], suffix)
    finally:
        reader.close()
        writer.close()
        db.close()
    return folded
