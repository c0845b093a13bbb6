-- The embedded event store, as eventsourcing 9.5's SQLite recorder expects it
-- (rowid is the notification id), plus recorded_at: the transaction time of
-- each event. SQLite serialises writers, so recorded_at never decreases along
-- rowid, and "the ledger as it knew it at T" is the log up to the last event
-- recorded at or before T. The library's INSERT names its columns, so the
-- default fills it.

CREATE TABLE stored_events (
    originator_id TEXT,
    originator_version INTEGER,
    topic TEXT,
    state BLOB,
    recorded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (originator_id, originator_version)
);

CREATE INDEX stored_events_recorded_at_idx ON stored_events (recorded_at);
