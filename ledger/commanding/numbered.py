"""Gapless form numbers under concurrency: the counters' turns, the chains
of saves numbered from a pending counter, and the numbered save itself."""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from ledger.numbering import FormCounter
from ledger.values import CST, Envelope, FormKind
from ledger.workcalendar import WorkCalendar


class NumberedSaves:
    """Taking a number from a form counter and saving what used it (a base of
    ``LedgerBase``; its state is set up in ``LedgerBase.__init__``)."""

    def _counter(self, envelope: Envelope, kind: FormKind) -> FormCounter:
        unit = envelope.actor.unit
        year = envelope.business_time.astimezone(CST).year
        counter_id = FormCounter.create_id(unit, kind, year)
        # In its turn, without asking the store: the counter as the save this
        # process queued last left it (still being written, maybe: the turn
        # passes on as soon as a save is queued, see _save_numbered), else as
        # this process last saved it. If another process numbered meanwhile,
        # the save conflicts on the counter's version and the retry starts
        # from the store. (Without the turn, as the library does: from the
        # store, and not chained.)
        if self._counter_turns.take(counter_id):  # until queued, or the attempt ends
            tip = self._chains.tip(counter_id)
            counter: FormCounter | None = deepcopy(tip.counter) if tip.counter is not None else None
            if counter is None and not tip.refresh:
                try:
                    cached = self.repository.cache.get(counter_id) if self.repository.cache is not None else None
                except KeyError:
                    cached = None
                counter = deepcopy(cached) if cached is not None else None
            if counter is None:
                counter = self._stored_counter(counter_id, unit, kind, year)
            self._taken.__dict__.setdefault("links", []).append(_Link(counter_id, tip.generation, counter, tip.request))
            return counter
        return self._stored_counter(counter_id, unit, kind, year)

    def _stored_counter(self, counter_id: UUID, unit: str, kind: FormKind, year: int) -> FormCounter:
        try:
            return self.repository.get(counter_id)
        except AggregateNotFoundError:
            return FormCounter(unit=unit, kind=kind, year=year)

    def _save_numbered(self, *objs: Aggregate) -> Any:
        """Save what a command decided, with the form numbers it took.

        Every command that takes a number from a counter waits for the
        counter's turn. The turn passes on as soon as the save is queued for
        the group commit, not when it has committed, so the next command
        numbers from this one's pending counter and both can share one
        transaction (measured over HTTP: groups of 2.8 saves became 9, and
        commands/s rose by half). The next save names this one as the save
        it was decided on: if this one fails, that one is not written either
        (ledger/store/group_commit.py, ledger_append_saves()), and the chain is
        started again from what is recorded."""
        links: list[_Link] = self._taken.__dict__.get("links", [])
        grouped = self.grouped
        after = tuple(link.request for link in links if link.request is not None)
        # Not while a store's first acceptance seeds the calendar in the same
        # save: the next command must see it saved, not seed it again.
        chained = bool(links) and grouped and not any(isinstance(o, WorkCalendar) for o in objs)

        def queued(request: Any) -> None:
            for link in links:
                self._chains.extend(link, request)
            self._counter_turns.end()

        try:
            if not chained:  # the turn is held until the save has ended
                recordings = self.save(*objs, after=after) if grouped and after else self.save(*objs)
                for link in links:  # saved: the next number follows on from it
                    self._chains.extend(link, None)
                return recordings
            return self.save(*objs, after=after, on_queued=queued)
        except BaseException:
            for link in links:
                self._chains.broken(link)  # the next number is taken from the store
            raise

    def _end_attempt(self) -> None:
        self._taken.__dict__.pop("links", None)
        self._counter_turns.end()


class _Turns:
    """Threads of this process that need the same form counter take turns.

    Every acceptance (opinion, rating, archive) of a unit in a year takes the
    next number of one counter. Racing for it, all but one of the concurrent
    commands lose at save and are decided again (under load, a quarter of all
    saves were such wasted work). So a thread holds the counter's lock from
    taking it until its save is queued for the group commit (or, without
    group commit, has ended); the others wait their turn and then number from
    the counter as that save leaves it (``_Chains``). Other processes still
    race: the version check at save keeps numbers gap-free and unique.
    A thread takes at most one counter's turn at a time (a second one is
    taken only if free), so two threads can never wait for each other."""

    def __init__(self) -> None:
        self._locks: dict[UUID, threading.Lock] = {}
        self._mutex = threading.Lock()
        self._held = threading.local()

    def take(self, key: UUID) -> bool:
        """Wait for ``key``'s turn (or, holding one already, take it only if
        free); whether this thread now holds it."""
        held: list[threading.Lock] = self._held.__dict__.setdefault("locks", [])
        with self._mutex:
            lock = self._locks.setdefault(key, threading.Lock())
        if lock.acquire(blocking=not held):
            held.append(lock)
            return True
        return False

    def end(self) -> None:
        held = getattr(self._held, "locks", None)
        while held:
            held.pop().release()


class _Link(NamedTuple):
    """A counter taken in its turn: which, in which chain, as taken, and the
    pending save (a group-commit request) it was taken from, if any."""

    counter_id: UUID
    generation: int
    counter: FormCounter
    request: Any


class _Chains:
    """Per counter, the save queued last (its counter and its request), so
    that the next number is taken from it before it has committed; and a
    generation, moved on when a save of the chain fails, so that the saves
    decided on it (which will fail too) do not extend the chain any further.
    After a failure the next chain starts from the store (``refresh``): the
    failure may have been another process's number. Read and extended by the
    thread holding the counter's turn; broken by any thread, hence the lock."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._tips: dict[UUID, _Tip] = {}

    def tip(self, counter_id: UUID) -> _Tip:
        with self._mutex:
            return self._tips.get(counter_id, _NO_TIP)

    def extend(self, link: _Link, request: Any) -> None:
        with self._mutex:
            if self._tips.get(link.counter_id, _NO_TIP).generation == link.generation:  # not broken meanwhile
                self._tips[link.counter_id] = _Tip(link.generation, link.counter, request, refresh=False)

    def broken(self, link: _Link) -> None:
        with self._mutex:
            if self._tips.get(link.counter_id, _NO_TIP).generation == link.generation:  # not a later chain
                self._tips[link.counter_id] = _Tip(link.generation + 1, None, None, refresh=True)


class _Tip(NamedTuple):
    generation: int
    counter: FormCounter | None
    request: Any
    refresh: bool


_NO_TIP = _Tip(0, None, None, refresh=False)
