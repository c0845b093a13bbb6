-- The embedded event store, as eventsourcing 9.5's SQLite recorder expects it
-- (rowid is the notification id).

CREATE TABLE stored_events (
    originator_id TEXT,
    originator_version INTEGER,
    topic TEXT,
    state BLOB,
    PRIMARY KEY (originator_id, originator_version)
);
