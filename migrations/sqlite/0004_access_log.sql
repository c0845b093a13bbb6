-- Who saw personal data (个人信息保护法): one row per response that showed a
-- resident ID number in full (ledger/store/access_log.py), chained by SHA-256
-- and, like the events, never changed or removed.
-- depends: 0003_http

CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    unit TEXT NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    record TEXT NOT NULL,
    status INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    digest TEXT NOT NULL
);

CREATE INDEX access_log_at_idx ON access_log (at);
CREATE INDEX access_log_username_idx ON access_log (username);
CREATE INDEX access_log_record_idx ON access_log (record);

CREATE TRIGGER access_log_refuse_update
    BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused'); END;

CREATE TRIGGER access_log_refuse_delete
    BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused'); END;
