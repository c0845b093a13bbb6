"""Which cached aggregates this process may use without asking the store.

With the aggregate cache, the library still asks the store, on every load,
for events newer than the cached copy (one query per command: measured, a
fifth of the server's CPU per command over HTTP). That question only has a
"yes" when another process wrote the aggregate: this process's own saves
are in its cache already (``Ledger._record``). So each process listens to
the event table's channel: every group commit notifies, naming its writer
and the aggregates it wrote (``GroupCommitPostgresRecorder``). A cached
aggregate is *fresh* when it was known current (saved here, or loaded from
the store) after the last notification of another writer that named it.

Known current "after" is decided with a generation count, not with clocks:
the generation is read *before* the save or the query that makes the copy
current, and each notification from another writer moves it on. A write that
is notified while the copy is being made therefore always leaves the copy
unfresh. A notification that names nothing (the library's own NOTIFY, or a
group too big to list), a lost connection, or an overflow of the bounded
tables makes every copy unfresh at once.

What remains is a commit of another process whose notification has not yet
arrived when a command loads (well under a millisecond on one machine): the
command then decides on the copy, its save conflicts on the version, and it
gets 409 like any command that raced another. Nothing stale is ever saved.
"""

from __future__ import annotations

import logging
import threading
from typing import Any
from uuid import UUID

import psycopg
from psycopg.sql import SQL, Identifier

log = logging.getLogger(__name__)

MAX_TRACKED = 100_000  # aggregates remembered either way before starting afresh


def payload(writer: str, originator_ids: set[UUID], limit: int = 7900) -> str:
    """What a group commit notifies: ``writer:id,id,...`` (hex ids), or
    ``writer:*`` when the ids do not fit in a notification (8000 bytes)."""
    text = writer + ":" + ",".join(i.hex for i in originator_ids)
    return text if len(text) <= limit else writer + ":*"


class Freshness:
    def __init__(self, dsn: str, channel: str, writer: str, connect_kwargs: dict[str, Any] | None = None) -> None:
        self.dsn = dsn
        self.connect_kwargs = connect_kwargs or {}  # bounded waits (Settings.pg_connect_kwargs)
        self.channel = channel
        self.writer = writer
        self._mutex = threading.Lock()
        self._generation = 0
        self._floor = 1  # copies known current before this generation are not fresh
        self._current: dict[UUID, int] = {}  # aggregate -> generation it was known current at
        self._written: dict[UUID, int] = {}  # aggregate -> generation of its last foreign write
        self._listening = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ledger-freshness", daemon=True)
        self.notifications = 0  # from other writers (for tests)
        self.backend_pid: int | None = None  # the LISTEN connection's server process

    def start(self) -> Freshness:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def generation(self) -> int:
        """Read before making a copy current; pass to ``known_current``."""
        return self._generation

    def known_current(self, originator_ids: Any, generation: int) -> None:
        with self._mutex:
            if len(self._current) >= MAX_TRACKED:
                self._current.clear()
            for i in originator_ids:
                self._current[i] = max(generation, self._current.get(i, generation))

    @property
    def listening(self) -> bool:
        """Whether notifications arrive; when not, every load asks the store
        (the cache is not trusted: polling), until the listener is back."""
        return self._listening

    def is_fresh(self, originator_id: UUID) -> bool:
        with self._mutex:
            known = self._current.get(originator_id)
            return (
                self._listening
                and known is not None
                and known >= self._floor
                and known >= self._written.get(originator_id, 0)
            )

    # ------------------------------------------------------------------ the listener

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True, **self.connect_kwargs) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
                    self.backend_pid = conn.info.backend_pid  # (for tests)
                    self._everything_written(listening=True)  # what came before LISTEN is unknown
                    delay = 0.5
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._heard(note.payload)
            except Exception:  # noqa: BLE001 - logged; nothing is trusted until listening again
                log.exception("freshness listener lost its connection; retrying in %.1f s", delay)
                self._everything_written(listening=False)
                self._stop.wait(delay)
                delay = min(delay * 2, 30)
        self._everything_written(listening=False)

    def _heard(self, text: str) -> None:
        writer, _, ids = text.partition(":")
        if writer == self.writer:
            return  # our own group: already in our cache
        self.notifications += 1
        if not ids or ids == "*" or not writer:
            self._everything_written(listening=True)
            return
        with self._mutex:
            self._generation += 1
            if len(self._written) >= MAX_TRACKED:
                self._written.clear()
                self._floor = self._generation
            for hex_id in ids.split(","):
                self._written[UUID(hex_id)] = self._generation

    def _everything_written(self, *, listening: bool) -> None:
        with self._mutex:
            self._generation += 1
            self._floor = self._generation  # only copies made current from now on
            self._written.clear()
            self._listening = listening
