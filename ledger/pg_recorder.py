"""The library's PostgreSQL recorder, taking its table lock through
``ledger_lock_events()`` (migrations/postgres/0005_application_role.sql), so
that the application role needs only SELECT and INSERT on the event table."""

from __future__ import annotations

from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg.sql import SQL, Identifier


class LedgerPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.lock_table_statements = [
            SQL("SET LOCAL lock_timeout = '{0}s'").format(self.datastore.lock_timeout),
            SQL("SELECT {0}.ledger_lock_events()").format(Identifier(self.datastore.schema)),
        ]
