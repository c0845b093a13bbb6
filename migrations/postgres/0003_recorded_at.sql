-- Transaction time of each event: when the database stored it. Writers hold
-- the library's EXCLUSIVE table lock while inserting, so clock_timestamp()
-- taken here never decreases along notification_id. "The registry as the
-- ledger knew it at T" is therefore the log up to the last event recorded at
-- or before T. The library's INSERT names its columns, so this default fills it.
-- depends: 0002_events_are_immutable

ALTER TABLE ledger_events
    ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT clock_timestamp();

CREATE INDEX ledger_events_recorded_at_idx ON ledger_events (recorded_at);
