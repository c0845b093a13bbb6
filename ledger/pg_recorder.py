"""The ledger's PostgreSQL recorders.

``LedgerPostgresRecorder`` is the library's recorder, taking its table lock
through ``ledger_lock_events()`` (migrations/postgres/0005_application_role.sql),
so that the application role needs only SELECT and INSERT on the event table.
Each save is its own transaction: lock the table EXCLUSIVE, insert, commit.
All writers therefore queue on that lock, one commit (one WAL flush) each.

``GroupCommitPostgresRecorder`` (the default, see ``Settings.group_commit``)
writes the saves of concurrent threads together: one transaction, one lock,
one commit for the whole group (``ledger.group_commit``), in ONE round trip:

    BEGIN; SET LOCAL lock_timeout; SELECT ledger_lock_events(); NOTIFY;
    INSERT <save 1> ... RETURNING notification_id;
    INSERT <save 2> ... RETURNING notification_id;  ...
    COMMIT;  -- then Sync

Each save is one INSERT statement, so it is all in or all out. Its INSERT is
guarded by ``WHERE NOT EXISTS`` (any of its (originator_id,
originator_version) already recorded): a save that lost an optimistic
concurrency race inserts nothing and returns no rows, instead of raising a
unique violation that would abort the whole group. The guard is exact because
the group holds the EXCLUSIVE lock, so no other transaction inserts meanwhile,
and it sees the rows of the saves before it in the same group. That save's
writer gets the library's ``IntegrityError`` (a ``RecordConflictError``), as
before; the others commit.

Why not a SAVEPOINT per save: the rollback-to-savepoint has to happen before
the next save is sent, so that costs a round trip per save *while holding the
table lock*, and a subtransaction each. Here the lock is taken, used and
released within one round trip, without waiting on this (GIL-bound) process.

Any error of the group (connection lost, lock timeout, a save the guard did
not foresee, e.g. two events at the same version in one save) rolls the whole
group back. Connection errors go to every writer (the library's retry applies
to each). For other errors, each save is written again on its own, so that
one faulty save cannot fail the others; it gets its own error.

Notification ids come from the sequence in insert order under the lock, so
they increase in commit order across groups and in queue order within one.
NOTIFY is sent once per group, in the transaction (delivered at commit), for
the projection runners that LISTEN on the table's channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from ledger.group_commit import GroupCommit

MAX_GROUP = 64  # saves per transaction


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT {0}.ledger_lock_events()").format(Identifier(self.datastore.schema)),
        ]


class GroupCommitPostgresRecorder(LedgerPostgresRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "type": Identifier(self.stored_event_type_name),
        }
        self.guarded_insert_statement = SQL(
            "WITH new AS (SELECT * FROM unnest(%s::{schema}.{type}[])) "
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state FROM new "
            "WHERE NOT EXISTS (SELECT FROM {schema}.{table} t JOIN new n "
            "ON t.originator_id = n.originator_id AND t.originator_version = n.originator_version) "
            "RETURNING notification_id"
        ).format(**names)
        self.notify_statement = SQL("NOTIFY {0}").format(Identifier(self.channel_name))
        self.group_commit: GroupCommit[list[Any], list[int]] = GroupCommit(self._write_group, MAX_GROUP)
        self.conflicts = 0  # saves that lost an optimistic concurrency race (for tests and benchmarks)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if kwargs.get("tracking") is not None or self.datastore.enable_db_functions:
            return super().insert_events(stored_events, **kwargs)  # not the ledger's case: the library's way
        if not stored_events:
            return None
        # Built in the writer's own thread, so the leader only talks to the database.
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        return self.group_commit.submit(rows)

    def _write_group(self, group: Sequence[list[Any]]) -> list[list[int] | BaseException]:
        try:
            return self._transaction(group)
        except (InterfaceError, OperationalError):
            raise  # the connection or the lock: every writer gets it (and retries)
        except PersistenceError:
            if len(group) == 1:
                raise
        # Something in one of the saves: write each alone, so only that one fails.
        outcomes: list[list[int] | BaseException] = []
        for rows in group:
            try:
                outcomes.extend(self._transaction([rows]))
            except (InterfaceError, OperationalError):
                raise
            except PersistenceError as e:
                outcomes.append(e)
        return outcomes

    def _transaction(self, group: Sequence[list[Any]]) -> list[list[int] | BaseException]:
        """Write the group in one transaction, in one round trip; return the
        notification ids of each save, or a conflict error for a save that
        inserted nothing. Raises (translated to the library's errors) if the
        transaction did not commit."""
        with self.datastore.get_connection() as conn:
            assert conn.autocommit
            try:
                with conn.pipeline():
                    conn.execute("BEGIN")
                    for statement in self.lock_table_statements:
                        conn.execute(statement, prepare=True)
                    conn.execute(self.notify_statement, prepare=True)
                    cursors = []
                    for rows in group:
                        cursor = conn.cursor()
                        cursor.execute(self.guarded_insert_statement, (rows,), prepare=True)
                        cursors.append(cursor)
                    conn.execute("COMMIT")
                # Leaving the pipeline sent everything and read every result: an
                # error anywhere raised there, and the server skipped the COMMIT.
                # (The pool's connection context rolls back what is left open.)
            except psycopg.Error as e:
                raise _translate(e) from e
            outcomes: list[list[int] | BaseException] = []
            for rows, cursor in zip(group, cursors):
                ids = [r["notification_id"] for r in cursor.fetchall()]
                if not ids:
                    self.conflicts += 1  # only the leader writes this, one group at a time
                    outcomes.append(_conflict(rows))
                elif len(ids) != len(rows):  # cannot happen: one statement, all or nothing
                    outcomes.append(ProgrammingError(f"got {len(ids)} notification ids for {len(rows)} events"))
                else:
                    outcomes.append(ids)
            return outcomes


def _conflict(rows: list[Any]) -> IntegrityError:
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
