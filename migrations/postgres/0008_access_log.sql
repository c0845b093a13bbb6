-- Who saw personal data (个人信息保护法): one row per response that showed a
-- resident ID number in full (ledger/store/access_log.py). Rows are chained
-- by SHA-256 (digest = SHA-256(previous digest || SHA-256(canonical row)))
-- and, like the events, never changed or removed: the triggers refuse it.
-- depends: 0007_append_saves

CREATE TABLE access_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    record TEXT NOT NULL,
    status BIGINT NOT NULL,
    request_id TEXT NOT NULL,
    digest TEXT NOT NULL
);

CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_username_idx ON access_log (username);
CREATE INDEX access_log_record_idx ON access_log (record);

CREATE TRIGGER access_log_refuse_update_delete
    BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_history_change();

CREATE TRIGGER access_log_refuse_truncate
    BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_history_change();

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        GRANT SELECT, INSERT ON access_log TO ledger_app;
    END IF;
END
$$;
