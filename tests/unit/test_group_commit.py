"""The leader/follower queue of ledger.store.group_commit, with real threads and an
in-memory "database" (a list appended to under one lock)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.store.group_commit import GroupCommit


class Log:
    """Stands for the event table: each group is one 'transaction'."""

    def __init__(self) -> None:
        self.rows: list[str] = []
        self.transactions: list[list[str]] = []
        self.in_write = threading.Lock()

    def write_group(self, group, afters=()):
        assert self.in_write.acquire(blocking=False), "two groups written at once"
        try:
            outcomes = []
            tx = []
            for payload in group:
                if payload.startswith("bad"):
                    outcomes.append(ValueError(payload))
                    continue
                start = len(self.rows) + len(tx)
                tx.append(payload)
                outcomes.append(start)
            self.rows.extend(tx)
            self.transactions.append(tx)
            return outcomes
        finally:
            self.in_write.release()


def test_a_lone_writer_writes_in_its_own_thread():
    seen = []
    gc = GroupCommit(lambda group, afters: seen.append(threading.get_ident()) or [len(group)])
    assert gc.submit("a") == 1
    assert seen == [threading.get_ident()] and gc.groups == 1


def test_many_threads_all_get_their_own_outcome_and_groups_form():
    log = Log()
    gc = GroupCommit(log.write_group, max_group=8)
    payloads = [f"p{i}" for i in range(2000)]
    with ThreadPoolExecutor(32) as pool:
        positions = list(pool.map(gc.submit, payloads))
    assert [log.rows[i] for i in positions] == payloads  # each got the position of its own row
    assert sorted(log.rows) == sorted(payloads)
    assert gc.requests == 2000 and gc.groups == len(log.transactions)
    assert gc.largest_group <= 8 and gc.queued == 0


def test_an_error_for_one_writer_reaches_that_writer_only():
    log = Log()
    gc = GroupCommit(log.write_group)
    payloads = ["ok1", "bad1", "ok2", "bad2"] * 50
    with ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(gc.submit, p) for p in payloads]
    for p, f in zip(payloads, futures):
        if p.startswith("bad"):
            assert isinstance(f.exception(), ValueError) and str(f.exception()) == p
        else:
            assert log.rows[f.result()] == p


def test_a_failed_group_fails_every_writer_in_it_and_the_queue_goes_on():
    release = threading.Event()
    calls = []

    def write_group(group, afters):
        calls.append(list(group))
        if len(calls) == 1:
            release.wait(30)  # hold the first group until the others have queued
            return [None]
        if len(calls) == 2:
            raise ConnectionError("server closed the connection")
        return [p for p in group]

    gc = GroupCommit(write_group)
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(gc.submit, "first")
        while not calls:
            threading.Event().wait(0.001)
        failing = []
        for i in range(5):
            failing.append(pool.submit(gc.submit, f"f{i}"))
            while gc.queued != i + 2:
                threading.Event().wait(0.001)
        release.set()
        assert first.result(30) is None
        errors = [f.exception(30) for f in failing]
        assert calls[1] == [f"f{i}" for i in range(5)]  # one group of five
        assert all(isinstance(e, ConnectionError) for e in errors)
        assert len({id(e) for e in errors}) == 5, "each writer raises its own copy"
        assert all(isinstance(e.__cause__, ConnectionError) for e in errors)
        assert gc.submit("later") == "later"


def test_an_unreachable_database_fails_the_saves_queued_meanwhile_at_once():
    """A group that found the database away for a whole bound answers the
    saves that queued while it waited (nothing of theirs written) instead of
    each group waiting out another bound in turn (issue 20 §1)."""
    entered, release = threading.Event(), threading.Event()
    calls = []

    def write_group(group, afters):
        calls.append(list(group))
        if len(calls) == 1:
            entered.set()
            release.wait(30)  # the database not answering
            raise ConnectionError("connection timeout expired")
        return list(group)

    gc = GroupCommit(write_group, max_group=2, fails_the_queue=lambda e: isinstance(e, ConnectionError))
    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(gc.submit, "first")
        entered.wait(30)
        queued = []
        for i in range(4):
            queued.append(pool.submit(gc.submit, f"q{i}"))
            while gc.queued != i + 2:
                threading.Event().wait(0.001)
        release.set()
        errors = [first.exception(30), *(f.exception(30) for f in queued)]
    assert all(isinstance(e, ConnectionError) for e in errors)
    assert calls == [["first"]], "none of the queued saves was tried again"
    assert gc.submit("later") == "later"  # and the next save after it is written


def test_group_size_is_capped():
    with pytest.raises(ValueError):
        GroupCommit(lambda group, afters: [], max_group=0)


class DependencyFailed(Exception):
    pass


def held_first(gc_write):
    """A write_group that holds the first group until released, so that the
    requests submitted meanwhile form the second group."""
    release, calls = threading.Event(), []

    def write_group(group, afters):
        calls.append((list(group), list(afters)))
        if len(calls) == 1:
            release.wait(30)
        return gc_write(group, afters)

    return write_group, release, calls


def test_on_queued_gets_the_request_before_the_writer_waits():
    queued = []
    gc = GroupCommit(lambda group, afters: list(group))
    assert gc.submit("a", on_queued=queued.append) == "a"
    assert len(queued) == 1 and queued[0].payload == "a" and queued[0].done


def test_a_save_decided_on_one_that_failed_in_an_earlier_group_is_not_written():
    def write(group, afters):
        return [ValueError(p) if p.startswith("bad") else p for p in group]

    write_group, release, calls = held_first(write)
    gc = GroupCommit(write_group, failed_before=lambda p: DependencyFailed(p))
    requests = {}
    with ThreadPoolExecutor(4) as pool:
        bad = pool.submit(gc.submit, "bad-first", on_queued=lambda r: requests.setdefault("bad", r))
        while "bad" not in requests:
            threading.Event().wait(0.001)
        release.set()
        with pytest.raises(ValueError):
            bad.result(30)
        assert requests["bad"].done
        with pytest.raises(DependencyFailed):
            gc.submit("built-on-bad", after=(requests["bad"],))
    assert all("built-on-bad" not in group for group, _ in calls), "never sent to the database"


def test_a_save_decided_on_one_in_the_same_group_is_passed_its_index():
    def write(group, afters):
        return list(group)

    write_group, release, calls = held_first(write)
    gc = GroupCommit(write_group)
    requests = {}
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(gc.submit, "blocker")
        while not calls:
            threading.Event().wait(0.001)
        a = pool.submit(gc.submit, "a", on_queued=lambda r: requests.setdefault("a", r))
        while "a" not in requests:
            threading.Event().wait(0.001)
        b = pool.submit(gc.submit, "b", after=(requests["a"],), on_queued=lambda r: requests.setdefault("b", r))
        while "b" not in requests:
            threading.Event().wait(0.001)
        release.set()
        assert [first.result(30), a.result(30), b.result(30)] == ["blocker", "a", "b"]
    assert calls[1] == (["a", "b"], [(), (0,)])
    assert requests["b"].after == (), "a done request lets go of its predecessors"
