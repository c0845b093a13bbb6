"""Form numbers taken one after another from a counter before the earlier
saves have committed ("chained"), and the writer's refusals that keep them
gap-free when a save of the chain fails. Over a real PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from uuid import uuid4

import psycopg
from eventsourcing.persistence import RecordConflictError, StoredEvent
from psycopg import sql

from ledger import commands as c
from ledger.application import Ledger
from ledger.values import DeadlineClass
from tests.builders import REGISTRAR, T0, book_cmd, ctx, fixed_clock


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


def test_concurrent_acceptances_share_transactions_and_number_without_gaps(pg_settings):
    """Sixteen threads accept forty cases: several numbers of one counter are
    written in one transaction (the turn passed on before the save had
    committed), and the numbers are 1..40, once each."""
    ledger = Ledger(pg_settings, clock=fixed_clock())
    try:
        case_ids = [ledger.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(40)]

        def accept(case_id):
            return ledger.accept(
                ctx(REGISTRAR),
                c.AcceptCase(case_id=case_id, business_time=T0 + timedelta(minutes=5),
                             deadline_class=DeadlineClass.CONSULTATION),
            ).number

        with ThreadPoolExecutor(16) as pool:
            numbers = list(pool.map(accept, case_ids))
        assert sorted(int(n.split("第")[1][:-1]) for n in numbers) == list(range(1, 41))
        with psycopg.connect(pg_settings.dsn) as conn:
            per_transaction = conn.execute(
                sql.SQL(
                    "SELECT max(n) FROM (SELECT xmin::text, count(*) AS n FROM {}.ledger_events "
                    "WHERE topic LIKE %s GROUP BY 1) t"
                ).format(sql.Identifier(pg_settings.pg_schema)),
                ("%FormCounter.NumberIssued",),
            ).fetchone()[0]
        assert per_transaction >= 2, "numbers of one counter shared a transaction"
    finally:
        ledger.close()
