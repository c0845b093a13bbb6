-- The application role: what `ledger serve` and the projection runners connect
-- as in production. On the event table it may only SELECT and INSERT; the
-- EXCLUSIVE table lock the event store takes on each write (to keep commit
-- order = notification order) would need UPDATE/DELETE/TRUNCATE rights, so it
-- goes through ledger_lock_events(), a SECURITY DEFINER function owned by the
-- schema owner (see ledger/pg_recorder.py). The triggers of 0002 still refuse
-- UPDATE/DELETE/TRUNCATE from anyone, owner included.
-- depends: 0004_http

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_app') THEN
        CREATE ROLE ledger_app NOLOGIN;
    END IF;
END
$$;

CREATE FUNCTION ledger_lock_events() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    LOCK TABLE ledger_events IN EXCLUSIVE MODE;
END;
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION %I.ledger_lock_events() SET search_path = %I', current_schema(), current_schema());
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO ledger_app', current_schema());
END
$$;

REVOKE ALL ON FUNCTION ledger_lock_events() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_lock_events() TO ledger_app;
GRANT SELECT, INSERT ON ledger_events TO ledger_app;
GRANT USAGE, SELECT ON SEQUENCE ledger_events_notification_id_seq TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON credentials, idempotency TO ledger_app;
