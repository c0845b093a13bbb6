-- Idempotency claims that survive faults (http/common/idempotency.py).
-- request_id: the request id the claimed command writes into its events'
--   envelopes, so that a claim left "in progress" by a process that died (or
--   lost the database) between the command and its answer is resolved from
--   the ledger itself: its events were written (answer from them) or not
--   (release the key, the retry runs).
-- head: the last notification id when the key was claimed; the command's
--   events come after it, so the lookup reads forward from there.
-- The index on created_at serves the purge of expired keys.
-- depends: 0003_http

ALTER TABLE idempotency ADD COLUMN request_id TEXT;
ALTER TABLE idempotency ADD COLUMN head BIGINT;
CREATE INDEX idempotency_created_at_idx ON idempotency (created_at);
