"""Concurrent requests on PostgreSQL: one winner per case version, and form
numbers without gaps or duplicates."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ledger
from ledger.case.commands import AcceptCase, AnnotateCase
from ledger.errors import Conflict
from ledger.values import DeadlineClass, FormKind
from tests.builders import REGISTRAR, T0, book_cmd, ctx, fixed_clock

pytestmark = pytest.mark.postgres


class RacingLedger(Ledger):
    """Holds every loader at a barrier until both requests have loaded the
    case, so that both decide on the same version and race to save."""

    name = Ledger.name  # same event table
    barrier: threading.Barrier

    def _load_case(self, ctx, cmd):
        case = super()._load_case(ctx, cmd)
        self.barrier.wait(timeout=10)
        return case


def test_two_concurrent_modifications_of_one_case_give_one_winner_and_one_conflict(pg_settings):
    ledger = RacingLedger(pg_settings, clock=fixed_clock())
    try:
        case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
        ledger.barrier = threading.Barrier(2)
        commands = [
            AnnotateCase(case_id=case_id, note="登记人员甲的批注"),
            AnnotateCase(case_id=case_id, note="登记人员乙的批注"),
        ]

        def run(cmd):
            try:
                return ledger.annotate(ctx(REGISTRAR), cmd)
            except Conflict as e:
                return e

        with ThreadPoolExecutor(2) as pool:
            outcomes = list(pool.map(run, commands))
        conflicts = [o for o in outcomes if isinstance(o, Conflict)]
        winners = [o for o in outcomes if not isinstance(o, Conflict)]
        assert len(winners) == 1 and len(conflicts) == 1
        assert conflicts[0].current_version == 2
        history = ledger.history(case_id)
        assert [type(e).__name__ for e in history] == ["Applied", "Annotated"]
    finally:
        ledger.close()


def test_concurrent_acceptances_number_forms_without_gaps_or_duplicates(pg_settings):
    ledger = Ledger(pg_settings, clock=fixed_clock())
    try:
        case_ids = [ledger.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(40)]

        def accept(case_id):
            return ledger.accept(
                ctx(REGISTRAR),
                AcceptCase(
                    case_id=case_id,
                    business_time=T0 + timedelta(minutes=5),
                    deadline_class=DeadlineClass.CONSULTATION,
                ),
            )

        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(accept, case_ids))
        numbers = [r.number for r in results]
        # chained: several numbers of the counter were written in one transaction
        # (the turn passed on before the save had committed)
        with psycopg.connect(pg_settings.dsn) as conn:
            per_transaction = conn.execute(
                sql.SQL(
                    "SELECT max(n) FROM (SELECT xmin::text, count(*) AS n FROM {}.ledger_events "
                    "WHERE topic LIKE %s GROUP BY 1) t"
                ).format(sql.Identifier(pg_settings.pg_schema)),
                ("%FormCounter.NumberIssued",),
            ).fetchone()[0]
        assert per_transaction >= 2, "numbers of one counter shared a transaction"
        assert Counter(numbers).most_common(1)[0][1] == 1, "a number was issued twice"
        assert sorted(numbers, key=lambda n: int(n.split("第")[1][:-1])) == [
            f"2026年第{i}号" for i in range(1, 41)
        ]
        # each case holds the number it was given, and the counter says so too
        for case_id, result in zip(case_ids, results):
            assert str(ledger.get_case(case_id).application_number) == result.number
        from ledger.numbering import FormCounter

        counter = ledger.repository.get(FormCounter.create_id(REGISTRAR.unit, FormKind.APPLICATION, 2026))
        assert counter.last == 40
    finally:
        ledger.close()


def test_two_processes_numbering_from_one_counter_stay_gap_free(pg_settings):
    """Each ledger takes its counter from memory (no query inside the turn);
    the other one's numbers make that copy stale, the save conflicts on the
    counter's version, and the retry fast-forwards it. Two Ledger instances
    with their own caches stand for two server processes."""
    first, second = Ledger(pg_settings, clock=fixed_clock()), Ledger(pg_settings, clock=fixed_clock())
    try:
        case_ids = [first.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(40)]

        def accept(job):
            i, case_id = job
            ledger = first if i % 2 else second
            return ledger.accept(
                ctx(REGISTRAR),
                AcceptCase(
                    case_id=case_id, business_time=T0 + timedelta(minutes=5), deadline_class=DeadlineClass.CONSULTATION
                ),
            )

        with ThreadPoolExecutor(8) as pool:
            numbers = [r.number for r in pool.map(accept, enumerate(case_ids))]
        assert sorted(numbers, key=lambda n: int(n.split("第")[1][:-1])) == [f"2026年第{i}号" for i in range(1, 41)]
        assert first.recorder.conflicts + second.recorder.conflicts > 0  # the stale copies were met, and mended
        from ledger.numbering import FormCounter

        counter_id = FormCounter.create_id(REGISTRAR.unit, FormKind.APPLICATION, 2026)
        assert first.repository.get(counter_id).last == second.repository.get(counter_id).last == 40
        # and one more from each: both caught up with the other's numbers
        extra = [first.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(2)]
        assert [r.number for r in map(accept, enumerate(extra))] == ["2026年第41号", "2026年第42号"]
    finally:
        first.close()
        second.close()
