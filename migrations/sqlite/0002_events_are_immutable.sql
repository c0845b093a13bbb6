-- Events are facts: refuse to change or remove them.
-- depends: 0001_event_store

CREATE TRIGGER stored_events_refuse_update
    BEFORE UPDATE ON stored_events
    BEGIN SELECT RAISE(ABORT, 'ledger events are immutable: UPDATE refused'); END;

CREATE TRIGGER stored_events_refuse_delete
    BEFORE DELETE ON stored_events
    BEGIN SELECT RAISE(ABORT, 'ledger events are immutable: DELETE refused'); END;
