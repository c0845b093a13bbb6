-- What the HTTP service keeps outside the event log.
-- credentials: argon2 password hashes (secrets, not facts; changing one is
--   recorded in the log as a User.PasswordSet event, without the hash).
-- idempotency: the first result of a command sent with an Idempotency-Key,
--   so a retry returns it and appends nothing.
-- depends: 0002_events_are_immutable

CREATE TABLE credentials (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE idempotency (
    actor_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT,
    response BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (actor_id, key)
);
