-- Events are facts: the database itself refuses to change or remove them,
-- whoever asks (corrections are new events).
-- depends: 0001_event_store

CREATE FUNCTION ledger_refuse_history_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger events are immutable: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a correction event instead (更正须追加新事件).';
END;
$$;

CREATE TRIGGER ledger_events_refuse_update_delete
    BEFORE UPDATE OR DELETE ON ledger_events
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_history_change();

CREATE TRIGGER ledger_events_refuse_truncate
    BEFORE TRUNCATE ON ledger_events
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_history_change();
