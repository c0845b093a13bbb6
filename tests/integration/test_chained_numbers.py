"""The writer's refusals that keep chained form numbers (taken one after
another before the earlier saves have committed) gap-free when a save of the
chain fails. Over a real PostgreSQL. Numbering under concurrency:
tests/integration/test_concurrency.py."""

from __future__ import annotations

from uuid import uuid4

import psycopg
from eventsourcing.persistence import RecordConflictError, StoredEvent
from psycopg import sql

from ledger.application import Ledger
from tests.builders import fixed_clock


def event(originator_id, version: int) -> StoredEvent:
    return StoredEvent(originator_id=originator_id, originator_version=version, topic="tests:Probe", state=b"{}")


def versions(settings, originator_id) -> list[int]:
    with psycopg.connect(settings.dsn) as conn:
        rows = conn.execute(
            sql.SQL("SELECT originator_version FROM {}.ledger_events WHERE originator_id = %s ORDER BY 1").format(
                sql.Identifier(settings.pg_schema)
            ),
            (originator_id,),
        ).fetchall()
    return [r[0] for r in rows]


def test_the_writer_skips_a_save_decided_on_a_skipped_one_and_refuses_gaps(pg_settings):
    ledger = Ledger(pg_settings, clock=fixed_clock())
    recorder = ledger.recorder
    try:
        x, y = uuid4(), uuid4()
        assert recorder._transaction([[event(x, 1)], [event(x, 2)]], [(), (0,)]) != []
        assert versions(pg_settings, x) == [1, 2]
        # save 0 lost a race (x v2 is recorded); save 1 was decided on it: skipped
        # too, although x v3 would follow on from the recorded v2
        outcomes = recorder._transaction([[event(x, 2)], [event(x, 3)], [event(y, 1)]], [(), (0,), ()])
        assert isinstance(outcomes[0], RecordConflictError) and isinstance(outcomes[1], RecordConflictError)
        assert isinstance(outcomes[2], list) and len(outcomes[2]) == 1
        assert versions(pg_settings, x) == [1, 2]
        # a first event that does not follow on from what is recorded: refused
        gap = recorder._transaction([[event(y, 3)]], [()])
        assert isinstance(gap[0], RecordConflictError)
        assert versions(pg_settings, y) == [1]
        # a chain within one group, all following on: written at once, in order
        chain = recorder._transaction([[event(x, 3)], [event(x, 4)], [event(x, 5)]], [(), (0,), (1,)])
        ids = [o[0] for o in chain]
        assert ids == sorted(ids) and versions(pg_settings, x) == [1, 2, 3, 4, 5]
    finally:
        ledger.close()
