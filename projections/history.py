"""A view's stored history: every version a row ever had, from the
notification id of the event that made it, so that the view as of any
moment is one indexed query instead of a fold of the log up to there.

A projection that keeps one (the registry, the review list) declares a
``History`` whose two tables are among its tables, collects a version per
event while it folds (``encode_version``) and writes them (``History.write``)
with the rows, in the runner's transaction — a rebuild builds it too, with
the same code.
``rows_as_of`` reads, per key, the last version made at or before a cut-off,
in the order the live view sorts in, decoding one row at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import msgspec

from ledger.store.sql import Cursor, Table, ViewDB, where_in

Row = dict[str, Any]
FETCHERS = 2  # threads fetching an as-of read's rows ahead of the caller (PostgreSQL)
WAIT_SECONDS = 2.0  # how long an as-of read waits for the view to reach a cut-off of a moment ago

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(list).decode


class History:
    """A view's history in two tables: ``<name>_versions`` (key, valid_from,
    the order column) — narrow, so that finding the version of each key in
    force at a cut-off scans little — and ``<name>_version_data`` (valid_from,
    the row's values in the view's column order as a JSON array), read by
    valid_from for the versions found. A notification id makes one version
    of one row: valid_from alone keys the data."""

    def __init__(self, name: str, key: str, order: str) -> None:
        self.key, self.order = key, order
        self.versions = Table(name=f"{name}_versions", columns=((key, "TEXT"), ("valid_from", "BIGINT"), (order, "TEXT")),
                              key=(key, "valid_from"))
        self.data = Table(name=f"{name}_version_data", columns=(("valid_from", "BIGINT"), ("data", "TEXT")),
                          key=("valid_from",))
        self.tables = (self.versions, self.data)

    def write(self, cur: Cursor, versions: Sequence[tuple[str, int, str | None, str]], suffix: str = "") -> None:
        """Append (key, valid_from, order value, encoded row) versions."""
        if not versions:
            return
        if cur.db.backend != "postgres":
            cur.insert_rows(self.versions, [v[:3] for v in versions], suffix)
            cur.insert_rows(self.data, [(v[1], v[3]) for v in versions], suffix)
            return
        # A version per event: COPY's text lines made here, a batch in one piece, instead
        # of a row at a time through the driver (a third of a rebuild's writing). Of the
        # data (JSON, whose strings escape every control character) only the backslash
        # needs escaping.
        with cur.cursor.copy(f"COPY {self.versions.name}{suffix} FROM STDIN") as copy:
            copy.write("".join([f"{_copy_text(k)}\t{n}\t{_copy_text(o)}\n" for k, n, o, _ in versions]))
        with cur.cursor.copy(f"COPY {self.data.name}{suffix} FROM STDIN") as copy:
            copy.write("".join([f"{n}\t{d.replace(BACKSLASH, ESCAPED)}\n" for _, n, _, d in versions]))


BACKSLASH, ESCAPED = "\\", "\\\\"
_CONTROL = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str | None) -> str:
    """A value in COPY's text format (NULL is \\N)."""
    return "\\N" if value is None else value.replace(BACKSLASH, ESCAPED).translate(_CONTROL)


def encode_version(values: Sequence[Any]) -> str:
    return _encode(values).decode()


def history_reaches(db: ViewDB, view: str, history: History, cutoff: int) -> bool:
    """Whether the view (and so its history) has reached ``cutoff``, waiting
    a moment for a cut-off just behind the log's head; False when the store
    has no such view (then the caller folds the log)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with db.reading() as cur:
            if not cur.columns(history.versions.name):
                return False
            if cur.position(view) >= cutoff:
                return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


@contextmanager
def _settings_for_aggregate(cur: Cursor) -> Iterator[None]:
    """One aggregate over the history up to a cut-off (PostgreSQL): in memory,
    not spilled to disk, and not compiled (JIT took a tenth of its time)."""
    if cur.db.backend != "postgres":
        yield
        return
    with cur.cursor.connection.transaction():
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL jit = off")
        yield


def rows_as_of(db: ViewDB, history: History, names: Sequence[str], cutoff: int, batch: int = 2000) -> Iterator[Row]:
    """Per key, the version in force at ``cutoff``, ordered by (order column
    or '', key) by code point — as Python sorts strings: PostgreSQL compares
    under "C" for it, SQLite's BINARY already does."""
    return rows_of_versions(db, history, names, version_ids(db, history, cutoff), batch)


def version_ids(db: ViewDB, history: History, cutoff: int) -> list[int]:
    """The versions (their valid_from) in force at ``cutoff``, one per key,
    in the view's order (``rows_as_of``)."""
    key, order, t = history.key, history.order, history.versions.name
    c = ' COLLATE "C"' if db.backend == "postgres" else ""
    with db.reading() as cur, _settings_for_aggregate(cur):
        cur.execute(
            f"SELECT v.valid_from FROM {t} v JOIN ("
            f"  SELECT {key}, MAX(valid_from) AS valid_from FROM {t} WHERE valid_from <= %s GROUP BY {key}"
            f") last ON v.{key} = last.{key} AND v.valid_from = last.valid_from "
            f"ORDER BY COALESCE(v.{order}, ''){c}, v.{key}{c}",
            (cutoff,),
        )
        return [n for (n,) in cur.fetchall()]


def rows_of_versions(db: ViewDB, history: History, names: Sequence[str], ids: Sequence[int],
                     batch: int = 2000) -> Iterator[Row]:
    """The rows of those versions, in their order: fetched a batch at a time,
    the next batches (on PostgreSQL by ``FETCHERS`` threads, each on its own
    connection: the driver waits on the network without the interpreter
    lock, and the database looks up the rows on another core) while the
    caller works through this one, and decoded one at a time."""
    chunks = [ids[i : i + batch] for i in range(0, len(ids), batch)]
    select = f"SELECT valid_from, data FROM {history.data.name} WHERE "

    def fetch(chunk: Sequence[int]) -> dict[int, str]:
        with db.reading() as cur:
            clause, params = where_in(db, "valid_from", chunk)
            return dict(cur.execute(select + clause, params).fetchall())

    if db.backend != "postgres":  # SQLite: one connection, one thread
        for chunk in chunks:
            data = fetch(chunk)
            yield from (dict(zip(names, _decode(data[n]), strict=True)) for n in chunk)
        return
    with ThreadPoolExecutor(FETCHERS, thread_name_prefix="as-of") as pool:
        pending = [pool.submit(fetch, chunk) for chunk in chunks[:FETCHERS]]
        for i, chunk in enumerate(chunks):
            data = pending.pop(0).result()
            if i + FETCHERS < len(chunks):
                pending.append(pool.submit(fetch, chunks[i + FETCHERS]))
            for n in chunk:
                yield dict(zip(names, _decode(data[n]), strict=True))
