"""Group commit on a real PostgreSQL server (ledger/store/pg_recorder.py).

To put chosen saves into one group without relying on timing, ``held_group``
holds the leader of a first, one-save group before it touches the database;
the saves started meanwhile queue behind it, and once released they are
written as one group. Commits are counted by the database itself: every row
written by one transaction carries that transaction's id (``xmin``).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    ProgrammingError,
    RecordConflictError,
    StoredEvent,
)
from psycopg import sql

from ledger.application import Ledger
from ledger.case import GuidanceCase
from ledger.case.commands import AcceptCase
from ledger.settings import Settings
from ledger.store.pg_recorder import GroupCommitPostgresRecorder
from ledger.values import DeadlineClass
from tests.builders import REGISTRAR, T0, book_cmd, ctx, envelope, fixed_clock

pytestmark = pytest.mark.postgres


def new_case() -> GuidanceCase:
    cmd = book_cmd()
    return GuidanceCase.book(
        envelope(REGISTRAR),
        applicant=cmd.applicant,
        contact=cmd.contact,
        service_types=cmd.service_types,
        needs=cmd.needs,
        channel=cmd.channel,
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """A bounded wait for another thread to get somewhere (not an assertion on time)."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.001)


class Held:
    """Holds the leader of a first, one-save group before it touches the
    database. ``start(fn, *args)`` runs ``fn`` in the pool and returns once
    its save has queued, so saves queue in call order; ``release()`` lets the
    first group go, and everything queued meanwhile is written as one group."""

    def __init__(self, ledger: Ledger, pool: ThreadPoolExecutor) -> None:
        recorder = ledger.recorder
        assert isinstance(recorder, GroupCommitPostgresRecorder)
        self.group_commit = recorder.group_commit
        self._write_group = self.group_commit._write_group
        self._entered, self._release = threading.Event(), threading.Event()
        self.pool = pool
        self.group_commit._write_group = self._hold_first_group
        self.blocker = pool.submit(ledger.save, new_case())
        assert self._entered.wait(30)

    def _hold_first_group(self, group: Any, afters: Any) -> Any:
        if not self._entered.is_set():
            self._entered.set()
            assert self._release.wait(30)
        return self._write_group(group, afters)

    def start(self, fn: Callable[..., Any], *args: Any) -> Future:
        before = self.group_commit.queued
        future = self.pool.submit(fn, *args)
        wait_until(lambda: self.group_commit.queued == before + 1 or future.done(), "the save to queue")
        return future

    def release(self) -> None:
        self._release.set()


@contextmanager
def held_group(ledger: Ledger, pool: ThreadPoolExecutor) -> Iterator[Held]:
    held = Held(ledger, pool)
    try:
        yield held
    finally:
        held.release()
        held.blocker.result(30)
        held.group_commit._write_group = held._write_group


def commits(settings: Settings, originator_ids: list[UUID]) -> dict[UUID, str]:
    """The transaction that wrote each aggregate's events (one per aggregate expected)."""
    with psycopg.connect(settings.dsn) as conn:
        rows = conn.execute(
            sql.SQL("SELECT DISTINCT originator_id, xmin::text FROM {}.ledger_events WHERE originator_id = ANY(%s)").format(
                sql.Identifier(settings.pg_schema)
            ),
            (originator_ids,),
        ).fetchall()
    found: dict[UUID, str] = {}
    for originator_id, xid in rows:
        assert originator_id not in found, "one aggregate's events were written by two transactions"
        found[originator_id] = xid
    return found


@pytest.fixture
def app(pg_settings: Settings) -> Iterator[Ledger]:
    ledger = Ledger(pg_settings, clock=fixed_clock())
    assert isinstance(ledger.recorder, GroupCommitPostgresRecorder)  # the default
    yield ledger
    ledger.close()


def test_concurrent_saves_share_one_commit_and_each_is_whole(app, pg_settings):
    pairs = [(new_case(), new_case()) for _ in range(20)]  # each save: two new cases, two events
    with ThreadPoolExecutor(21) as pool:
        with held_group(app, pool) as held:
            futures = [held.start(app.save, a, b) for a, b in pairs]
        recordings = [f.result(30) for f in futures]

    group_commit = app.recorder.group_commit
    assert group_commit.groups == 2 and group_commit.requests == 21  # the held one, then all 20 together
    ids = [case.id for pair in pairs for case in pair]
    written_by = commits(pg_settings, ids)
    assert set(written_by) == set(ids), "every event of every save is recorded"
    assert len(set(written_by.values())) == 1, "one commit for the 20 saves"
    for (a, b), recs in zip(pairs, recordings):
        assert [r.notification.originator_id for r in recs] == [a.id, b.id]
        assert app.repository.get(a.id).version == 1 and app.repository.get(b.id).version == 1
    # notification ids increase in queue order within the group, one per event, no repeats
    notification_ids = [r.notification.id for recs in recordings for r in recs]
    assert notification_ids == sorted(notification_ids) and len(set(notification_ids)) == 40
    # and they are what the log says
    logged = {n.id: n.originator_id for n in app.recorder.select_notifications(start=1, limit=100)}
    assert all(logged[r.notification.id] == r.notification.originator_id for recs in recordings for r in recs)


def test_a_conflicting_save_in_a_group_fails_alone_and_entirely(app, pg_settings):
    booked = new_case()
    app.save(booked)
    first, second = app.repository.get(booked.id), app.repository.get(booked.id)  # two copies of version 1
    first.annotate(envelope(REGISTRAR), "登记人员甲的批注")
    second.annotate(envelope(REGISTRAR), "登记人员乙的批注")
    loser_extra, bystander = new_case(), new_case()

    with ThreadPoolExecutor(4) as pool:
        with held_group(app, pool) as held:
            winner = held.start(app.save, first)
            loser = held.start(app.save, second, loser_extra)  # same version of the case, plus a new case
            other = held.start(app.save, bystander)
        assert winner.result(30)[0].notification.originator_version == 2
        with pytest.raises(RecordConflictError):
            loser.result(30)
        assert isinstance(loser.exception(), IntegrityError)  # the very type the library raises
        other.result(30)

    assert app.recorder.group_commit.largest_group == 3
    history = app.history(booked.id)
    assert [type(e).__name__ for e in history] == ["Applied", "Annotated"]
    assert history[-1].note == "登记人员甲的批注"
    assert not app.exists(loser_extra.id), "the losing save is all out, not half in"
    written_by = commits(pg_settings, [bystander.id])
    # the winner's annotation and the bystander were committed together
    with psycopg.connect(pg_settings.dsn) as conn:
        xids = conn.execute(
            sql.SQL("SELECT xmin::text FROM {}.ledger_events WHERE originator_id = %s AND originator_version = 2").format(
                sql.Identifier(pg_settings.pg_schema)
            ),
            (booked.id,),
        ).fetchall()
    assert xids == [(written_by[bystander.id],)]


def test_a_save_that_breaks_the_group_transaction_is_retried_alone_and_fails_alone(app, pg_settings):
    """Two events at one position in one save pass the guard and then violate the
    primary key, aborting the group's transaction; the others are then written
    one by one and commit, and that save alone gets the conflict error."""
    twin = new_case()
    twin_copy = copy.deepcopy(twin)  # the same Applied event, version 1, twice in one save
    others = [new_case() for _ in range(3)]
    with ThreadPoolExecutor(5) as pool:
        with held_group(app, pool) as held:
            before = held.start(app.save, others[0])
            bad = held.start(app.save, twin, twin_copy)
            after = [held.start(app.save, case) for case in others[1:]]
        for future in [before, *after]:
            future.result(30)
        with pytest.raises(RecordConflictError):
            bad.result(30)
    assert not app.exists(twin.id)
    assert all(app.exists(case.id) for case in others)


def test_a_failed_group_transaction_fails_every_save_in_it(pg_settings):
    """Another session holds the event table's lock past the lock timeout: the
    group's transaction cannot take it, and every save of the group gets the
    error; none of their events is recorded. (The recorder's retry is skipped
    here; in use, each writer retries as with the library's recorder.)"""
    app = Ledger(pg_settings, clock=fixed_clock(), env={"POSTGRES_LOCK_TIMEOUT": "1"})
    recorder = app.recorder
    assert isinstance(recorder, GroupCommitPostgresRecorder)
    insert_once = type(recorder).insert_events.__wrapped__  # without the retry decorator
    cases = [new_case() for _ in range(5)]
    stored = {case.id: [app.mapper.to_stored_event(e) for e in case.collect_events()] for case in cases}
    try:
        with psycopg.connect(pg_settings.dsn) as holder:
            holder.execute(
                sql.SQL("LOCK TABLE {}.ledger_events IN EXCLUSIVE MODE").format(sql.Identifier(pg_settings.pg_schema))
            )
            with ThreadPoolExecutor(6) as pool:
                with held_group(app, pool) as held:
                    futures = [held.start(insert_once, recorder, stored[case.id]) for case in cases]
                    held.release()
                    for future in futures:
                        with pytest.raises(OperationalError, match="lock timeout"):
                            future.result(30)
                    assert recorder.group_commit.largest_group == 5
                    holder.rollback()  # the held first save, retrying meanwhile, now gets through
        assert not any(app.exists(case.id) for case in cases)
        # the pool and the group commit are fine afterwards
        later = new_case()
        app.save(later)
        assert app.exists(later.id)
    finally:
        app.close()


def test_one_notify_per_group_wakes_listeners(app, pg_settings):
    channel = app.recorder.channel_name
    with psycopg.connect(pg_settings.dsn, autocommit=True) as listener:
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        app.save(new_case())
        assert [n.channel for n in listener.notifies(timeout=10, stop_after=1)] == [channel]


def test_concurrent_saves_stay_in_commit_order(app, pg_settings):
    """Unheld, from many threads: the log holds every save whole, and the time
    each event was stored never goes back along the notification order."""
    cases = [new_case() for _ in range(200)]
    barrier = threading.Barrier(16)

    def save_all(chunk: list[GuidanceCase]) -> None:
        barrier.wait(30)
        for case in chunk:
            app.save(case)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(save_all, [cases[i::16] for i in range(16)]))
    with psycopg.connect(pg_settings.dsn) as conn:
        rows = conn.execute(
            sql.SQL("SELECT notification_id, recorded_at, originator_id FROM {}.ledger_events ORDER BY notification_id").format(
                sql.Identifier(pg_settings.pg_schema)
            )
        ).fetchall()
    assert {r[2] for r in rows} == {case.id for case in cases}
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    group_commit = app.recorder.group_commit
    assert group_commit.requests == 200


def test_group_commit_can_be_switched_off(pg_settings):
    settings = Settings.from_env({"LEDGER_DSN": pg_settings.dsn, "LEDGER_PG_SCHEMA": pg_settings.pg_schema,
                                  "LEDGER_GROUP_COMMIT": "0"})
    app = Ledger(settings, clock=fixed_clock())
    try:
        assert not isinstance(app.recorder, GroupCommitPostgresRecorder)
        case = new_case()
        app.save(case)
        assert app.exists(case.id)
    finally:
        app.close()


def test_threads_of_one_process_take_turns_on_a_form_counter(app):
    """Concurrent acceptances numbered by one counter: no save loses a race
    (none is decided again), and the numbers are 1..n without gaps."""
    case_ids = [app.book(ctx(REGISTRAR), book_cmd()).case_id for _ in range(30)]
    barrier = threading.Barrier(10)

    def accept(case_id: UUID) -> str:
        if case_ids.index(case_id) < 10:
            barrier.wait(30)  # the first ten start together
        cmd = AcceptCase(case_id=case_id, business_time=T0 + timedelta(minutes=5),
                           deadline_class=DeadlineClass.CONSULTATION)
        return app.accept(ctx(REGISTRAR), cmd).number

    with ThreadPoolExecutor(10) as pool:
        numbers = list(pool.map(accept, case_ids))
    assert sorted(numbers, key=lambda n: int(n.split("第")[1][:-1])) == [f"2026年第{i}号" for i in range(1, 31)]
    assert app.recorder.conflicts == 0


def test_a_save_that_cannot_be_sent_gets_the_library_error_and_the_recorder_goes_on(app):
    """The save's columns fail to adapt (a state that is not bytes): nothing
    reaches the database, the writer gets the library's error, and the next
    save commits."""
    unsendable = StoredEvent(originator_id=uuid4(), originator_version=1, topic="ledger.case:GuidanceCase.Applied", state=object())
    with pytest.raises(ProgrammingError):
        app.recorder.group_commit.submit([unsendable])
    assert not app.recorder.select_events(unsendable.originator_id)
    later = new_case()
    app.save(later)
    assert app.exists(later.id)
