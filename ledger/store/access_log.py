"""Who saw personal data (个人信息保护法): the access log.

One row per response that showed a resident ID number in full — an API read,
a page, an export, a document — saying who (account, role, unit), when,
through what (method, route template, path, query) and which record (the
route's path parameters: the case, the act, the export). It lives in its own
table (migrations/*/…_access_log.sql), not in the event log: a read is no
fact of the ledger, and writing events on reads would put every registrar's
page view into the notification log, the projections and the seal.

It is append-only like the events and chained like them:

    canonical(row) = JSON [seq, at, username, role, unit, method, route, path,
                           query, record, status, request_id] (UTF-8, compact)
    digest(0) = 32 zero bytes
    digest(n) = SHA-256(digest(n-1) || SHA-256(canonical(row n)))

so ``verify`` names the first row altered, removed or inserted. The database's
triggers refuse UPDATE and DELETE; the chain catches whoever gets past them.

Writes are batched off the request path: ``record`` queues a row and returns
a future; one writer thread appends whatever has queued since its last
transaction (a group commit of its own), so under load one transaction
carries many rows. The HTTP layer waits for the future before it sends the
response, so nothing is shown that is not logged.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import astuple, dataclass
from datetime import datetime, timezone
from typing import Any

from ledger.identifiers import mask_id_number
from ledger.settings import Settings
from ledger.store.sql import Cursor, ViewDB, like_literal, paging

GENESIS = bytes(32)
ACCESS_LOCK = 7_345_012_020  # the advisory lock appenders take turns on (PostgreSQL: several processes)
MAX_BATCH = 500
COLUMNS = ("seq", "at", "username", "role", "unit", "method", "route", "path", "query", "record", "status",
           "request_id")
INSERT = f"INSERT INTO access_log ({', '.join(COLUMNS)}, digest) VALUES ({', '.join(['%s'] * (len(COLUMNS) + 1))})"
# A resident ID number in a query string (a registrar searching by it) is
# masked in the log: the log names what was looked at, it holds no IDs itself.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def masked_text(text: str) -> str:
    return _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)


@dataclass(frozen=True, slots=True)
class Access:
    """One response that showed resident IDs in full."""

    at: str  # UTC ISO instant
    username: str
    role: str
    unit: str
    method: str
    route: str  # the route template, e.g. /cases/{case_id:uuid}
    path: str
    query: str
    record: str  # the path parameters as JSON ({} for a list or an export without any)
    status: int
    request_id: str


def canonical(seq: int, access: Access) -> bytes:
    return json.dumps([seq, *astuple(access)], ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def next_digest(previous: bytes, seq: int, access: Access) -> bytes:
    return hashlib.sha256(previous + hashlib.sha256(canonical(seq, access)).digest()).digest()


@dataclass(frozen=True)
class AccessFinding:
    """The outcome of verifying the access log's chain."""

    intact: bool
    rows: int  # rows verified (intact) or the position of the first bad row
    digest: str  # the head digest (intact) or the digest recomputed before the bad row
    seq: int | None = None  # the first bad row
    detail: str = ""


_STOP = object()


class AccessLog:
    """The access log's store: batched appends, searches, verification."""

    def __init__(self, settings: Settings, max_batch: int = MAX_BATCH) -> None:
        self.db = ViewDB(settings)
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        # for the metrics: transactions and rows written by this process
        self.batches = 0
        self.written = 0

    # ---------------------------------------------------------------- writing

    def record(self, access: Access) -> Future[int]:
        """Queue one row; the future gives its sequence number once committed."""
        future: Future[int] = Future()
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._write, name="access-log", daemon=True)
                self._thread.start()
        self._queue.put((access, future))
        return future

    def append(self, *accesses: Access) -> list[int]:
        """Write rows now, in this thread (the console, tests)."""
        conn = self.db.connect()
        try:
            return self._append(conn, list(accesses))
        finally:
            conn.close()

    def _write(self) -> None:
        conn = None
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._queue.put(_STOP)  # finish this batch, then stop
                    break
                batch.append(more)
            try:
                conn = conn or self.db.connect()
                seqs = self._append(conn, [a for a, _ in batch])
            except Exception as e:  # noqa: BLE001 - handed to every waiting response
                for _, future in batch:
                    future.set_exception(e)
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:  # noqa: BLE001 - the connection is being dropped anyway
                        pass
                conn = None
                continue
            for (_, future), seq in zip(batch, seqs):
                future.set_result(seq)
        if conn is not None:
            conn.close()

    def _append(self, conn: Any, accesses: list[Access]) -> list[int]:
        with self.db.transaction(conn) as cur:
            if self.db.backend == "postgres":  # appenders of several processes take turns (SQLite: BEGIN IMMEDIATE)
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (ACCESS_LOCK,))
            last = cur.execute("SELECT seq, digest FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
            seq, digest = (int(last[0]), bytes.fromhex(last[1])) if last else (0, GENESIS)
            rows, seqs = [], []
            for access in accesses:
                seq += 1
                digest = next_digest(digest, seq, access)
                rows.append((seq, *astuple(access), digest.hex()))
                seqs.append(seq)
            cur.executemany(INSERT, rows)
        self.batches += 1
        self.written += len(rows)
        return seqs

    def close(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(10)
        self.db.close()

    # ---------------------------------------------------------------- reading

    def search(
        self,
        *,
        username: str | None = None,
        unit: str | None = None,
        role: str | None = None,
        record: str | None = None,
        route: str | None = None,
        since: str | None = None,
        until: str | None = None,
        limit: int | None = 500,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[dict[str, Any]]:
        """Rows matching every filter given: exact account, unit and role;
        ``record`` and ``route`` as substrings (a case id, ``export``);
        ``since``/``until`` as UTC ISO instants (at or after, before)."""
        where, params = self._where(username, unit, role, record, route, since, until)
        order = "DESC" if newest_first else "ASC"
        sql = f"SELECT {', '.join(COLUMNS)}, digest FROM access_log{where} ORDER BY seq {order}"
        sql += paging(limit, offset, params)
        with self.db.reading() as cur:
            return cur.dicts(sql, params)

    @staticmethod
    def _where(*filters: str | None) -> tuple[str, list[Any]]:
        username, unit, role, record, route, since, until = filters
        clauses, params = [], []
        for column, value in (("username", username), ("unit", unit), ("role", role)):
            if value:
                clauses.append(f"{column} = %s")
                params.append(value)
        for column, value in (("record", record), ("route", route)):
            if value:
                clauses.append(f"{column} LIKE %s ESCAPE '!'")
                params.append(f"%{like_literal(value)}%")
        if since:
            clauses.append("at >= %s")
            params.append(since)
        if until:
            clauses.append("at < %s")
            params.append(until)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def head(self) -> tuple[int, str]:
        """The last row's sequence number and digest (0 and the genesis when empty)."""
        with self.db.reading() as cur:
            row = cur.execute("SELECT seq, digest FROM access_log ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), row[1]) if row else (0, GENESIS.hex())

    def verify(self, kept: tuple[int, str] | None = None,
               progress: Callable[[int], None] | None = None) -> AccessFinding:
        """Recompute the chain from the first row; name the first row that
        was altered (its digest differs), removed or inserted (a gap or a
        repeat in the sequence). ``kept``: a (row, digest) kept outside the
        system, which the log must still extend (rows cut off at the end
        leave no gap: only a kept head shows them)."""
        digest, count = GENESIS, 0
        with self.db.reading() as cur:
            for row in _rows(cur):
                seq, stored = int(row[0]), row[-1]
                if seq != count + 1:
                    problem = "removed" if seq > count + 1 else "inserted"
                    return AccessFinding(False, count + 1, digest.hex(), seq,
                                         f"row {count + 1} expected, found {seq} ({problem})")
                access = Access(*row[1:-1])
                digest = next_digest(digest, seq, access)
                if digest.hex() != stored:
                    return AccessFinding(False, seq, digest.hex(), seq, f"row {seq} altered (its digest differs)")
                if kept is not None and seq == kept[0] and digest.hex() != kept[1]:
                    return AccessFinding(False, seq, digest.hex(), seq, f"row {seq} differs from the kept digest")
                count = seq
                if progress is not None:
                    progress(1)
        if kept is not None and kept[0] > count:
            return AccessFinding(False, count + 1, digest.hex(), count + 1,
                                 f"rows {count + 1}–{kept[0]} removed (the kept digest is of row {kept[0]})")
        return AccessFinding(True, count, digest.hex())


def _rows(cur: Cursor, page: int = 5000) -> Iterator[tuple[Any, ...]]:
    position = 0
    while True:
        rows = cur.execute(
            f"SELECT {', '.join(COLUMNS)}, digest FROM access_log WHERE seq > %s ORDER BY seq LIMIT %s",
            (position, page),
        ).fetchall()
        if not rows:
            return
        for r in rows:
            # SQLite gives back what was stored; PostgreSQL's BIGINT status an int: one shape for the hash
            yield (int(r[0]), *(str(v) for v in r[1:10]), int(r[10]), str(r[11]), r[12])
        position = int(rows[-1][0])
