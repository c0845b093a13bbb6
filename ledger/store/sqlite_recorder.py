"""The library's SQLite recorder, naming its columns when it inserts.

eventsourcing 9.5 inserts with ``VALUES (?,?,?,?)`` and no column list, which
breaks as soon as the table has one more column; ours has ``recorded_at``
(see migrations/sqlite/0001_event_store.sql).
"""

from __future__ import annotations

from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore


class LedgerSQLiteRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name)
        self.insert_events_statement = (
            f"INSERT INTO {self.events_table_name} "
            "(originator_id, originator_version, topic, state) VALUES (?,?,?,?)"
        )
