"""Idempotency-Key: a retried command returns its first result and appends nothing.

A key is *claimed* (a row without a response) before the command runs and
its answer stored after. Between the two the process may die, or the
database may go away after the events were written but before the answer is
stored. The claim therefore records the request id the command writes into
its events' envelopes and the log's head at claim time, and a retry that
finds a claim with no answer

- waits (409 "in progress") while the command may still be running: less
  than ``Settings.request_bound`` ago, unless this process already knows it
  ended without an answer (status 503: it failed on an outage, the outcome
  unknown to it);
- otherwise asks the ledger itself: did events after the head carry this
  request id? Then the command was done, and the retry gets the answer made
  from those events (``command_answer``), stored for later retries; if not,
  nothing was written: the key is released and the retry runs the command.

Keys expire after ``Settings.idempotency_days`` (``LEDGER_IDEMPOTENCY_DAYS``,
default 7): purged at most once an hour by the claims themselves, or by
``ledger idempotency purge``; an expired key is a new key.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.utils import get_topic

from ledger.case import GuidanceCase
from ledger.errors import Conflict, InvalidInput
from ledger.settings import Settings
from ledger.store.outage import outage_of
from ledger.store.sql import Cursor, ViewDB
from ledger.values import FormNumber
from ledger_http.common import schemas as s
from projections.runner import EventSource, Item

IN_PROGRESS, UNKNOWN, DONE = None, 503, 200  # the status column
PURGE_EVERY = 3600.0  # seconds between the lazy purges of one store
PAGE = 500
CLOCK_MARGIN = timedelta(seconds=60)  # the server's clock against the database's

Recover = Callable[[list[Item]], bytes]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class IdempotencyStore:
    def __init__(self, settings: Settings, clock: Callable[[], datetime] = _now) -> None:
        self.settings = settings
        self.db = ViewDB(settings)
        self.source = EventSource(self.db)
        self.clock = clock
        self.stale_after = timedelta(seconds=settings.request_bound)
        self.retention = timedelta(days=settings.idempotency_days)
        self._next_purge = 0.0

    def run(
        self,
        actor_id: str,
        key: str | None,
        request: bytes,
        fn: Callable[[], bytes],
        request_id: str | None = None,
        recover: Recover | None = None,
    ) -> bytes:
        """``fn``'s answer, once per (actor, key). ``request_id``: the request id
        ``fn``'s command writes into its events (without it a claim left by a
        dead process cannot be resolved and stays 409 until it expires);
        ``recover``: the answer made from those events (default ``command_answer``)."""
        if not key:
            return fn()
        if len(key) > 200:
            raise InvalidInput.one("Idempotency-Key", "too_long", "Idempotency-Key 不超过200个字符")
        digest = hashlib.sha256(request).hexdigest()
        conn = self.db.connect()
        try:
            if time.monotonic() >= self._next_purge:
                self._next_purge = time.monotonic() + PURGE_EVERY
                self._purge(conn)
            row = self._claim(conn, actor_id, key, digest, request_id)
            if row is not None:
                answer = self._answer(conn, actor_id, key, digest, row, recover or command_answer)
                if answer is not None:
                    return answer
                row = self._claim(conn, actor_id, key, digest, request_id)  # released: claim it anew
                if row is not None:
                    raise Conflict("相同 Idempotency-Key 的请求正在处理中，请稍后重试")
            try:
                body = fn()
            except BaseException as e:
                self._failed(conn, actor_id, key, known=request_id is not None and outage_of(e) is not None)
                raise
            with self.db.transaction(conn) as cur:
                cur.execute(
                    "UPDATE idempotency SET status = %s, response = %s WHERE actor_id = %s AND key = %s",
                    (DONE, body, actor_id, key),
                )
            return body
        finally:
            conn.close()

    # ------------------------------------------------------------------ steps

    def _claim(
        self, conn: Any, actor_id: str, key: str, digest: str, request_id: str | None
    ) -> tuple[Any, ...] | None:
        """Claim the key (None), or the row that holds it already. An expired
        row is a key never used."""
        now = self.clock()
        with self.db.transaction(conn) as cur:
            cur.execute(
                "DELETE FROM idempotency WHERE actor_id = %s AND key = %s AND created_at < %s",
                (actor_id, key, (now - self.retention).isoformat()),
            )
            head = int(cur.scalar(self.db.max_notification_sql()) or 0)
            cur.execute(
                "INSERT INTO idempotency (actor_id, key, request_hash, status, response, created_at, request_id, head) "
                "VALUES (%s, %s, %s, NULL, NULL, %s, %s, %s) ON CONFLICT (actor_id, key) DO NOTHING",
                (actor_id, key, digest, now.isoformat(), request_id, head),
            )
            if cur.cursor.rowcount == 1:
                return None
            return cur.execute(
                "SELECT request_hash, status, response, created_at, request_id, head FROM idempotency "
                "WHERE actor_id = %s AND key = %s",
                (actor_id, key),
            ).fetchone()

    def _answer(
        self, conn: Any, actor_id: str, key: str, digest: str, row: tuple[Any, ...], recover: Recover
    ) -> bytes | None:
        """The stored answer, or the one the ledger gives for a claim left
        unanswered; None when the key was released (nothing was written)."""
        request_hash, status, response, created_at, request_id, head = row
        if request_hash != digest:
            raise InvalidInput.one("Idempotency-Key", "key_reused", "该 Idempotency-Key 已用于另一个不同的请求")
        if response is not None:
            return bytes(response)
        claimed = datetime.fromisoformat(created_at)
        if request_id is None or (status != UNKNOWN and self.clock() - claimed < self.stale_after):
            raise Conflict("相同 Idempotency-Key 的请求正在处理中，请稍后重试")
        with self.db.transaction(conn) as cur:
            items = self.written(cur, request_id, int(head or 0), claimed)
            if items:
                body = recover(items)
                cur.execute(
                    "UPDATE idempotency SET status = %s, response = %s "
                    "WHERE actor_id = %s AND key = %s AND response IS NULL",
                    (DONE, body, actor_id, key),
                )
                return body
            cur.execute(  # only the claim we looked at: not one a concurrent retry has made since
                "DELETE FROM idempotency WHERE actor_id = %s AND key = %s AND response IS NULL AND created_at = %s",
                (actor_id, key, created_at),
            )
        return None

    def written(self, cur: Cursor, request_id: str, head: int, claimed: datetime) -> list[Item]:
        """The events after ``head`` whose envelope carries ``request_id``,
        recorded before the claim's command could have ended."""
        until = self.db.utc_key(claimed + self.stale_after + CLOCK_MARGIN)
        found: list[tuple[Any, ...]] = []
        after = head
        while True:
            rows = self.source.read(cur, after, 2**62, PAGE)
            for row, (_, _, header) in zip(rows, self.source.headers(rows)):
                if row[5] > until:
                    return self.source.decode(found, lambda _: True)
                if header.envelope is not None and header.envelope.request_id == request_id:
                    found.append(row)
            if len(rows) < PAGE:
                return self.source.decode(found, lambda _: True)
            after = rows[-1][0]

    def _failed(self, conn: Any, actor_id: str, key: str, *, known: bool) -> None:
        """The command raised. Refused before writing (a rule, a conflict):
        release the key, the retry may run. Failed on an outage: its events
        may have been committed before the connection was lost, so the claim
        stays, marked for the retry to resolve at once. If the database is
        gone for this too, the claim stays as it is, resolved once stale."""
        try:
            with self.db.transaction(conn) as cur:
                if known:
                    cur.execute(
                        "UPDATE idempotency SET status = %s WHERE actor_id = %s AND key = %s AND response IS NULL",
                        (UNKNOWN, actor_id, key),
                    )
                else:
                    cur.execute("DELETE FROM idempotency WHERE actor_id = %s AND key = %s", (actor_id, key))
        except Exception as e:  # noqa: BLE001 - the command's own error is the one to report
            if outage_of(e) is None:
                raise

    # ------------------------------------------------------------------ expiry

    def _purge(self, conn: Any) -> int:
        with self.db.transaction(conn) as cur:
            cur.execute(
                "DELETE FROM idempotency WHERE created_at < %s", ((self.clock() - self.retention).isoformat(),)
            )
            return int(cur.cursor.rowcount or 0)

    def purge(self) -> int:
        """Delete the keys older than the retention period; how many."""
        conn = self.db.connect()
        try:
            return self._purge(conn)
        finally:
            conn.close()

    def close(self) -> None:
        self.db.close()


_CASE_TOPIC = get_topic(GuidanceCase) + "."


def command_answer(items: Sequence[Item]) -> bytes:
    """A command's ``CommandResult`` made again from the events it wrote: the
    last notification id; the case and its version (or, for a command on
    another record, that record and its version); the form number issued,
    if one of the events carries one. ``pending`` (a grant awaiting another
    administrator's confirmation) cannot be told from the events: False."""
    case_id: UUID | None = None
    primary: UUID | None = None
    version: int | None = None
    number: str | None = None
    for _, _, event in items:
        oid = event.originator_id
        if get_topic(type(event)).startswith(_CASE_TOPIC):
            case_id = primary = oid
        for value in vars(event).values():
            if isinstance(value, FormNumber) and number is None:
                number = str(value)
    if primary is None:
        primary = next((e.originator_id for _, _, e in items if "FormCounter" not in get_topic(type(e))),
                       items[0][2].originator_id)
    version = max(e.originator_version for _, _, e in items if e.originator_id == primary)
    return msgspec.json.encode(
        s.CommandResult(
            case_id=case_id, version=version, notification_id=max(nid for nid, _, _ in items), number=number,
            record_id=None if case_id is not None else primary, pending=False,
        )
    )
