"""Rebuilding a view from the log, and rebuilding it as of a past moment.

A rebuild fills fresh tables (``<table>__new``) batch by batch with the very
code the live runner uses — or, for a view whose rows each fold one
aggregate's events (the cases view, on PostgreSQL), in parallel partitions of
the aggregates, case by case, with the same fold (projections/partitioned.py)
— then, in one transaction that holds the live view's tracking row, catches
up the last few events, drops the old tables and renames the new ones into
place. Readers see the old view or the new one, never an empty or half-built
one.

An as-of rebuild folds the log up to a cut-off — a notification id, or the
last event *recorded* (transaction time) at or before an instant — in
memory, with the same fold functions, and returns the rows for export.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from ledger.settings import Settings
from ledger.store.sql import Cursor, ViewDB
from ledger.values import local_instant
from projections.partitioned import fold_partitions, partitionable, processes
from projections.runner import EventSource, Projection, Runner, ensure_tables, no_gc, utc_now_iso

NEW = "__new"


def _drop(cur: Cursor, projection: Projection, suffix: str) -> None:
    for table in projection.tables:
        cur.execute(f"DROP TABLE IF EXISTS {table.name}{suffix}")


def rebuild(
    settings: Settings,
    projection: Projection,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 5000,
) -> int:
    """Rebuild ``projection``'s view from the start of the log and swap it in.
    ``progress(done, total)`` is called after each batch. Returns the position."""
    db = ViewDB(settings)
    conn = db.connect()
    source = EventSource(db)
    try:
        # folded in partitions (PostgreSQL): the tables get their keys after the load,
        # built at once instead of kept up row by row
        partitioned = partitionable(settings, projection)
        with db.transaction(conn) as cur:
            _drop(cur, projection, NEW)
            ensure_tables(cur, projection, NEW, indexes=False, keyed=not partitioned)
            cur.set_position(projection.name + NEW, 0, utc_now_iso())
            total = source.head(cur)
        builder = Runner(
            settings, projection, batch_size=batch_size, view_name=projection.name + NEW, suffix=NEW, create_indexes=False
        )
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress(min(done, total), total)

        try:
            if partitioned:
                if total:
                    fold_partitions(settings, projection, NEW, total, processes(), batch_size, step)
                if done < total:  # the other aggregates' events, which no partition reads
                    step(total - done)
                with db.transaction(conn) as cur:
                    cur.set_position(projection.name + NEW, total, utc_now_iso())
            else:
                builder.catch_up_prefetching(upto=total, progress=step)
        finally:
            builder.close()
        if db.backend == "postgres":
            # Build the keys (of tables loaded without) and the indexes before the swap,
            # under temporary names; a table's on its own connection, two tables at a time
            # (each build is one backend's sort: seconds on the history's million rows).
            def build(table: Any) -> None:
                statements = ([table.add_key(NEW)] if partitioned else []) + table.ddl(NEW)[1:]
                own = db.connect()
                try:
                    for statement in statements:
                        own.execute(statement)
                finally:
                    own.close()

            with ThreadPoolExecutor(2, thread_name_prefix="rebuild-index") as pool:
                list(pool.map(build, projection.tables))
        with db.transaction(conn) as cur:
            # Hold off the live runner *before* touching its tables: it locks
            # this row first too, so neither waits for the other in reverse.
            cur.ensure_tracking(projection.name, utc_now_iso())
            cur.position(projection.name, lock=True)
            ensure_tables(cur, projection)  # the live tables, if this is the first build
            # catch up what arrived while building, inside the swap
            while True:
                rows = source.read(cur, cur.position(projection.name + NEW), 2**62, batch_size)
                if not rows:
                    break
                items = source.items(rows, projection)
                if items:
                    projection.apply(cur, items, NEW)
                cur.set_position(projection.name + NEW, rows[-1][0], utc_now_iso())
            position = cur.position(projection.name + NEW)
            _drop(cur, projection, "")
            for table in projection.tables:
                cur.execute(f"ALTER TABLE {table.name}{NEW} RENAME TO {table.name}")
                if db.backend == "postgres":
                    cur.execute(f"ALTER TABLE {table.name} RENAME CONSTRAINT {table.name}{NEW}_pkey TO {table.name}_pkey")
                    for idx in table.indexes:
                        cur.execute(f"ALTER INDEX {table.index_name(idx, NEW)} RENAME TO {table.index_name(idx)}")
                else:
                    for statement in table.ddl()[1:]:
                        cur.execute(statement)
            cur.set_position(projection.name, position, utc_now_iso())
            cur.execute("DELETE FROM view_tracking WHERE view = %s", (projection.name + NEW,))
        if db.backend == "postgres":
            # fresh tables have no statistics: without them the planner sorts
            # whole tables for a page of the registry
            with db.transaction(conn) as cur:
                for table in projection.tables:
                    cur.execute(f"ANALYZE {table.name}")
        return position
    finally:
        conn.close()
        db.close()


# ------------------------------------------------------------------------ as of


def resolve_cutoff(settings: Settings, as_of: str) -> tuple[int, str]:
    """A cut-off given as a notification id or an ISO 8601 instant → (id, label)."""
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            if as_of.strip().isdigit():
                n = int(as_of)
                if n > 2**62:
                    raise ValueError("notification id out of range")
                return n, f"notification {n}"
            moment = local_instant("as_of", datetime.fromisoformat(as_of))
            n = int(cur.scalar(db.cutoff_sql(), (db.utc_key(moment),)))
            return n, f"{moment.isoformat()}（notification {n}）"
    finally:
        db.close()


def fold_as_of(settings: Settings, projection: Any, cutoff: int, batch_size: int = 20000) -> Any:
    """Fold the log up to ``cutoff`` in memory with ``projection.fold_all``."""
    db = ViewDB(settings)
    source = EventSource(db)
    state: dict[str, Any] = {}
    position = 0
    try:
        with db.reading() as cur:
            while True:
                rows = source.read(cur, position, cutoff, batch_size)
                if not rows:
                    break
                with no_gc():
                    projection.fold_all(state, source.items(rows, projection))
                position = rows[-1][0]
    finally:
        db.close()
    return state


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
