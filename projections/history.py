"""A view's stored history: every version a row ever had, from the
notification id of the event that made it, so that the view as of any
moment is one indexed query instead of a fold of the log up to there.

A projection that keeps one (the registry, the review list) declares its
history table with ``history_table`` among its tables, appends a version per
event while it folds (``encode_version``), and so writes it with the rows in
the runner's transaction — a rebuild builds it too, with the same code.
``rows_as_of`` reads, per key, the last version made at or before a cut-off,
in the order the live view sorts in, decoding one row at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec

from ledger.store.sql import Table, ViewDB

Row = dict[str, Any]
WAIT_SECONDS = 2.0  # how long an as-of read waits for the view to reach a cut-off of a moment ago

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(list).decode


def history_table(name: str, key: str, order: str) -> Table:
    """``<name>_history``: (key, valid_from, the order column, the row's
    values in the view's column order as a JSON array). Append-only."""
    return Table(
        name=f"{name}_history",
        columns=((key, "TEXT"), ("valid_from", "BIGINT"), (order, "TEXT"), ("data", "TEXT")),
        key=(key, "valid_from"),
    )


def encode_version(values: Sequence[Any]) -> str:
    return _encode(values).decode()


def history_reaches(db: ViewDB, view: str, history: Table, cutoff: int) -> bool:
    """Whether the view (and so its history) has reached ``cutoff``, waiting
    a moment for a cut-off just behind the log's head; False when the store
    has no such view (then the caller folds the log)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with db.reading() as cur:
            if not cur.columns(history.name):
                return False
            if cur.position(view) >= cutoff:
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def rows_as_of(db: ViewDB, history: Table, names: Sequence[str], cutoff: int, batch: int = 2000) -> Iterator[Row]:
    """Per key, the version in force at ``cutoff``, ordered by (order column
    or '', key) by code point — as Python sorts strings: PostgreSQL compares
    under "C" for it, SQLite's BINARY already does."""
    key, _, order, _ = history.column_names
    c = ' COLLATE "C"' if db.backend == "postgres" else ""
    t = history.name
    with db.reading() as cur:
        cur.execute(
            f"SELECT h.data FROM {t} h JOIN ("
            f"  SELECT {key}, MAX(valid_from) AS valid_from FROM {t} WHERE valid_from <= %s GROUP BY {key}"
            f") last ON h.{key} = last.{key} AND h.valid_from = last.valid_from "
            f"ORDER BY COALESCE(h.{order}, ''){c}, h.{key}{c}",
            (cutoff,),
        )
        while rows := cur.cursor.fetchmany(batch):
            for (data,) in rows:
                yield dict(zip(names, _decode(data), strict=True))
