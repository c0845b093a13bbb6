"""The ledger's PostgreSQL recorders.

``LedgerPostgresRecorder`` is the library's recorder, taking its table lock
through ``ledger_lock_events()`` (migrations/postgres/0005_application_role.sql),
so that the application role needs only SELECT and INSERT on the event table.
Each save is its own transaction: lock the table EXCLUSIVE, insert, commit.
All writers therefore queue on that lock, one commit (one WAL flush) each.

``GroupCommitPostgresRecorder`` (the default, see ``Settings.group_commit``)
writes the saves of concurrent threads together: one transaction, one lock,
one commit for the whole group (``ledger.store.group_commit``), as ONE statement
in one round trip (migrations/postgres/0007_append_saves.sql):

    SELECT save, notification_id FROM ledger_append_saves(
        ids[], versions[], topics[], states[], saves[], afters[][], lock_timeout, channel, note)

In autocommit mode the call is its own transaction: it takes the table lock,
notifies, inserts and commits. The events of all the saves travel as parallel
arrays (binary), element i belonging to save saves[i]. A save is written
whole or not at all: the function skips a save any of whose (originator_id,
originator_version) is already recorded (by another transaction, or by an
earlier save of the group), that would leave a gap in an aggregate's
versions, or that was decided on a save of the group that is skipped
(``afters``: chained form numbers, see ``Ledger._save_numbered``), instead
of letting a unique violation abort the whole group. The guard is exact
because the call holds the EXCLUSIVE lock, so no other transaction inserts
meanwhile. The writer of a skipped save gets the library's
``IntegrityError`` (a ``RecordConflictError``), as before; the others commit.

Why one statement: an INSERT per save in a pipeline did the same work in the
server, but its messages were built and parsed by this GIL-bound process,
per save, while the other requests waited for the interpreter (measured: the
server's CPU per command over HTTP fell from 1.19 to 0.97 ms). Why not a
SAVEPOINT per save: the rollback-to-savepoint has to happen before the next
save is sent, a round trip per save *while holding the table lock*.

Any error of the group (connection lost, lock timeout, a save the guard did
not foresee, e.g. two events at the same version in one save) rolls the whole
group back. Connection errors go to every writer (the library's retry applies
to each). For other errors, each save is written again on its own, so that
one faulty save cannot fail the others; it gets its own error.

Notification ids come from the sequence in array order under the lock, so
they increase in commit order across groups and in queue order within one.
The notification is sent once per group, delivered at commit: it wakes the
projection runners that LISTEN on the table's channel, and its note names
this recorder and the aggregates written, for the caches of the other
processes (``ledger.store.freshness``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier

from ledger.settings import pg_connect_kwargs
from ledger.store.freshness import Freshness, payload
from ledger.store.group_commit import GroupCommit
from ledger.store.outage import no_connection, within

MAX_GROUP = 64  # saves per transaction


def _bound(recorder: LedgerPostgresRecorder) -> float:
    return recorder.db_timeout


def _check_pool(recorder: LedgerPostgresRecorder) -> None:
    """After a lost connection: test the pool's idle connections (one empty
    query each) and replace those the server ended (a restart ends them all),
    in a thread of its own, one at a time: on a network that drops packets
    each test waits for the TCP user timeout, which a request must not. The
    pool hands out none of them while they are tested."""
    with recorder.pool_checking:
        if recorder.pool_checker is not None and recorder.pool_checker.is_alive():
            return
        recorder.pool_checker = threading.Thread(target=recorder.datastore.pool.check, name="ledger-pool-check",
                                                 daemon=True)
        recorder.pool_checker.start()


# the library's retry, bounded in time (ledger/store/outage.py)
bounded = within(_bound, on_lost=_check_pool)


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT {0}.ledger_lock_events()").format(Identifier(self.datastore.schema)),
        ]
        # The pool waits POSTGRES_CONNECT_TIMEOUT (Settings.db_timeout) for a
        # connection; each new connection gets the same bound from libpq, so
        # an unreachable server fails a command within it (ledger/store/outage.py).
        self.db_timeout = float(self.datastore.pool.timeout)
        self.connect_kwargs = pg_connect_kwargs(self.db_timeout)
        self.datastore.pool.kwargs = {**(self.datastore.pool.kwargs or {}), **self.connect_kwargs}
        self.datastore.pool.reconnect_timeout = self.db_timeout  # as ViewDB's pool (ledger/store/sql.py)
        self.pool_checking = threading.Lock()
        self.pool_checker: threading.Thread | None = None

    # The library retries these ten times, each try waiting up to the pool's
    # timeout; ours retry until one bound has passed (ledger.store.outage.within).
    insert_events = bounded(PostgresApplicationRecorder.insert_events.__wrapped__)  # type: ignore[attr-defined]
    select_events = bounded(PostgresApplicationRecorder.select_events.__wrapped__)  # type: ignore[attr-defined]
    select_notifications = bounded(
        PostgresApplicationRecorder.select_notifications.__wrapped__  # type: ignore[attr-defined]
    )
    max_notification_id = bounded(
        PostgresApplicationRecorder.max_notification_id.__wrapped__  # type: ignore[attr-defined]
    )


class GroupCommitPostgresRecorder(LedgerPostgresRecorder):
    # what the application asks of its recorder (ledger/commanding/)
    groups_saves = True

    def freshness_feed(self, dsn: str) -> Freshness:
        """What other processes wrote, from this recorder's notifications."""
        return Freshness(dsn, self.channel_name, self.writer, self.connect_kwargs)

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        if self.events_table_name != "ledger_events":
            raise ValueError("group commit writes through ledger_append_saves(), which writes ledger_events")
        self.append_statement = SQL(
            "SELECT save, notification_id FROM {0}.ledger_append_saves("
            "%b::uuid[], %b::bigint[], %b::text[], %b::bytea[], %b::int[], %b::int[][], %s, %s, %s)"
        ).format(Identifier(self.datastore.schema))
        self.lock_timeout = f"{self.datastore.lock_timeout}s"
        self.writer = uuid4().hex  # names this recorder's groups in their notifications
        self.group_commit: GroupCommit[list[StoredEvent], list[int]] = GroupCommit(
            self._write_group, MAX_GROUP, failed_before=_conflict,
            fails_the_queue=no_connection,
        )
        self.conflicts = 0  # saves that lost an optimistic concurrency race (for tests and benchmarks)

    @bounded
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if kwargs.get("tracking") is not None or self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)  # not the ledger's case: the library's way
        if not stored_events:
            return None
        # ``after``: the saves (group-commit requests) this one was decided on;
        # ``on_queued``: told the request once queued (see Ledger._on_case).
        return self.group_commit.submit(list(stored_events), kwargs.get("after", ()), kwargs.get("on_queued"))

    def _write_group(
        self, group: Sequence[list[StoredEvent]], afters: Sequence[tuple[int, ...]]
    ) -> list[list[int] | BaseException]:
        try:
            return self._transaction(group, afters)
        except (InterfaceError, OperationalError):
            raise  # the connection or the lock: every writer gets it (and retries)
        except PersistenceError:
            if len(group) == 1:
                raise
        # Something in one of the saves: write each alone, so only that one
        # fails (and those decided on it, which are not written).
        outcomes: list[list[int] | BaseException] = []
        for events, after in zip(group, afters):
            if any(isinstance(outcomes[a], BaseException) for a in after):
                outcomes.append(_conflict(events))
                continue
            try:
                outcomes.extend(self._transaction([events], [()]))
            except (InterfaceError, OperationalError):
                raise
            except PersistenceError as e:
                outcomes.append(e)
        return outcomes

    def _transaction(
        self, group: Sequence[list[StoredEvent]], afters: Sequence[tuple[int, ...]]
    ) -> list[list[int] | BaseException]:
        """Write the group with one call of ledger_append_saves() (its own
        transaction, one round trip); return the notification ids of each
        save, or a conflict error for a save that was skipped. Raises
        (translated to the library's errors) if the call did not commit."""
        ids, versions, topics, states, saves = [], [], [], [], []
        for number, events in enumerate(group, 1):
            for e in events:
                ids.append(e.originator_id)
                versions.append(e.originator_version)
                topics.append(e.topic)
                states.append(e.state)
                saves.append(number)
        with self.datastore.get_connection() as conn:
            assert conn.autocommit  # so the call commits (or rolls back) by itself
            try:
                # each save's predecessors in the group, 1-based, as a
                # rectangular int[][] padded with 0 (none)
                width = max(1, *map(len, afters))
                after_column = [[a + 1 for a in after] + [0] * (width - len(after)) for after in afters]
                rows = conn.execute(
                    self.append_statement,
                    (ids, versions, topics, states, saves, after_column, self.lock_timeout, self.channel_name,
                     payload(self.writer, set(ids))),
                    prepare=True,
                ).fetchall()
            except psycopg.Error as e:
                raise _translate(e) from e
        written: list[list[int]] = [[] for _ in group]
        for row in rows:
            written[row["save"] - 1].append(row["notification_id"])
        outcomes: list[list[int] | BaseException] = []
        for events, notification_ids in zip(group, written):
            if not notification_ids:
                self.conflicts += 1  # only the leader writes this, one group at a time
                outcomes.append(_conflict(events))
            elif len(notification_ids) != len(events):  # cannot happen: one statement, all or nothing per save
                outcomes.append(ProgrammingError(f"got {len(notification_ids)} notification ids for {len(events)} events"))
            else:
                outcomes.append(notification_ids)
        return outcomes


def _conflict(rows: list[StoredEvent]) -> IntegrityError:
    keys = ", ".join(f"({r.originator_id}, {r.originator_version})" for r in rows[:3])
    if len(rows) > 3:
        keys += f" and {len(rows) - 3} more"
    return IntegrityError(
        "duplicate key value violates unique constraint: one of (originator_id, originator_version) "
        f"{keys} is already recorded"
    )


def _translate(e: psycopg.Error) -> PersistenceError:
    """The library's error for a psycopg error (as PostgresDatastore.get_connection does)."""
    for psycopg_type, ours in (
        (psycopg.InterfaceError, InterfaceError),
        (psycopg.OperationalError, OperationalError),
        (psycopg.DataError, DataError),
        (psycopg.IntegrityError, IntegrityError),
        (psycopg.InternalError, InternalError),
        (psycopg.ProgrammingError, ProgrammingError),
        (psycopg.NotSupportedError, NotSupportedError),
        (psycopg.DatabaseError, DatabaseError),
    ):
        if isinstance(e, psycopg_type):
            return ours(str(e))
    return PersistenceError(str(e))
