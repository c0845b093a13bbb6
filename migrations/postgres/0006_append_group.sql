-- ledger_append_group(): the saves of a group commit (ledger/pg_recorder.py)
-- written by ONE statement. Called in autocommit mode, the call is its own
-- transaction: take the event table's lock (ledger_lock_events, 0005), insert
-- every save that does not conflict, notify the projection runners, commit.
-- One statement instead of a pipeline of one INSERT per save: the server does
-- the same work, the (GIL-bound) application builds and parses one message.
--
-- The events arrive as parallel arrays, element i being event i of save
-- saves[i] (saves numbered from 1, in the group's order, each save's events in
-- version order). A save is written whole or not at all: it is skipped when
-- any of its (originator_id, originator_version) is already recorded, or is
-- also in an earlier save of the group (the one that lost a race within the
-- group). Rows come back as (save, notification_id); a save with no rows was
-- skipped, and its writer gets the library's conflict error. Notification ids
-- are taken in array order under the lock, so they increase in commit order.
-- The notification (delivered at commit) wakes the projection runners, and
-- its note names the writer and the aggregates written, for the other
-- processes' caches (ledger/freshness.py).
-- Runs with the caller's rights (INSERT on the table); the lock through the
-- SECURITY DEFINER function, as before.
-- depends: 0005_application_role

CREATE FUNCTION ledger_append_group(
    ids uuid[], versions bigint[], topics text[], states bytea[], saves int[],
    lock_timeout text, channel text, note text
) RETURNS TABLE (save int, notification_id bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    PERFORM set_config('lock_timeout', lock_timeout, true);
    PERFORM ledger_lock_events();
    PERFORM pg_notify(channel, note);
    RETURN QUERY
    WITH new AS (
        SELECT n.* FROM unnest(ids, versions, topics, states, saves)
            WITH ORDINALITY AS n(originator_id, originator_version, topic, state, save, ord)
    ), skipped AS (
        SELECT n.save FROM new n
        WHERE EXISTS (SELECT FROM ledger_events t
                      WHERE t.originator_id = n.originator_id AND t.originator_version = n.originator_version)
           OR EXISTS (SELECT FROM new m
                      WHERE m.originator_id = n.originator_id AND m.originator_version = n.originator_version
                        AND m.save < n.save)
    ), written AS (
        INSERT INTO ledger_events AS e (originator_id, originator_version, topic, state)
        SELECT n.originator_id, n.originator_version, n.topic, n.state FROM new n
        WHERE n.save NOT IN (SELECT s.save FROM skipped s)
        ORDER BY n.ord
        RETURNING e.originator_id, e.originator_version, e.notification_id
    )
    SELECT n.save, w.notification_id FROM written w
    JOIN new n ON n.originator_id = w.originator_id AND n.originator_version = w.originator_version
               AND n.save NOT IN (SELECT s.save FROM skipped s)  -- the save that wrote it, not one skipped
    ORDER BY w.notification_id;
END;
$$;

DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION %I.ledger_append_group(uuid[], bigint[], text[], bytea[], int[], text, text, text) '
                   'SET search_path = %I', current_schema(), current_schema());
END
$$;

REVOKE ALL ON FUNCTION ledger_append_group(uuid[], bigint[], text[], bytea[], int[], text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_append_group(uuid[], bigint[], text[], bytea[], int[], text, text, text) TO ledger_app;
