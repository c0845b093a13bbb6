"""What every slice's service stands on: one eventsourcing ``Application``
(one notification log; atomic saves across slices) with our save, the
cache kept fresh, the working-day calendar, and retries.

Each slice's service (``ledger/<slice>/service.py``) is a subclass of
``LedgerBase``; ``ledger.application.Ledger`` composes them. This module
imports no slice, so that the slices can import it without a cycle.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, RecordConflictError

from ledger.commanding.numbered import NumberedSaves, _Chains, _Turns
from ledger.commands import Command, Context
from ledger.envelope import SYSTEM_ACTOR, make_envelope
from ledger.errors import Conflict
from ledger.inputs import check_fields
from ledger.settings import APP_NAME, Settings
from ledger.store.freshness import Freshness
from ledger.store.transcoder import MsgspecMapper
from ledger.values import CST, Envelope
from ledger.workcalendar import CALENDAR_ID, ProvisionalDeadlines, WorkCalendar
from ledger.workdays import WorkCalendarView, known_schedules_from_package

MAX_ATTEMPTS = 50


class Result(msgspec.Struct, frozen=True, kw_only=True):
    """What a command produced: the case, its new version, the position of the
    last event in the log (so a reader can wait for views to reach it) and
    the form number issued, if any."""

    case_id: UUID | None
    version: int | None
    notification_id: int
    number: str | None = None
    # the record the command created or changed when it is not the case
    # itself: the review opened by a reversal, a filing, a catalogue
    record_id: UUID | None = None
    # the change waits for another administrator's confirmation (a grant)
    pending: bool = False


Decision = tuple[list[Aggregate], str | None]


class LedgerBase(NumberedSaves, Application[UUID]):
    """The ledger's application machinery, without any slice's commands."""

    name = APP_NAME

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        env: dict[str, str] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        # The aggregate cache fast-forwards cached aggregates with newer events
        # from the store, so a form counter with thousands of issued numbers
        # is replayed once per process, not on every request. Commands get a
        # deep copy, so a decision that fails to save never corrupts the cache.
        defaults = {"AGGREGATE_CACHE_MAXSIZE": "10000", "AGGREGATE_CACHE_FASTFORWARD": "y"}
        super().__init__(env={**defaults, **self.settings.eventsourcing_env(), **(env or {})})
        self.clock = clock or (lambda: datetime.now(CST))
        self._calendar_views: dict[int, WorkCalendarView] = {}
        self._counter_turns = _Turns()
        self._chains = _Chains()
        self._taken = threading.local()  # this thread's attempt: the counters it took in their turn
        self._cache_lock = threading.Lock()
        # What the store offers is the recorder's to say (ledger/store/): whether
        # saves queue into a group commit (so numbered saves can be chained),
        # and a feed of what other processes wrote, which tells which cached
        # aggregates commands may use without asking the store (only with
        # group commit on PostgreSQL). The feed starts with the first command.
        self.grouped: bool = getattr(self.recorder, "groups_saves", False)
        self.freshness: Freshness | None = None
        if self.grouped and self.repository.cache is not None:
            self.freshness = self.recorder.freshness_feed(self.settings.dsn)  # type: ignore[attr-defined]
        self._freshness_started = False

    def close(self) -> None:
        if self.freshness is not None and self._freshness_started:
            self.freshness.stop()
        super().close()

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """The library's ``save``, collecting the events of our aggregates
        without its ``isinstance`` checks against runtime protocols (tens of
        microseconds per save in Python 3.11; anything else goes the
        library's way)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            if isinstance(obj, Aggregate):
                processing_event.events.extend(obj.collect_events())
                processing_event.aggregates[obj.id] = obj
            else:
                processing_event.collect_events(obj)
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # deprecated in the library, still called there
        return recordings

    def _record(self, processing_event: Any) -> Any:
        generation = self.freshness.generation if self.freshness is not None else 0
        recordings = super()._record(processing_event)
        # With fast-forwarding on, the library leaves the cache at what was
        # last loaded; keep it at what this process just saved instead, so a
        # form counter can be taken from memory (see ``_counter``).
        cache = self.repository.cache
        if cache is not None:
            with self._cache_lock:
                for aggregate_id, aggregate in processing_event.aggregates.items():
                    try:
                        cached = cache.get(aggregate_id)
                    except KeyError:
                        cached = None
                    if cached is None or cached.version < aggregate.version:  # never step back
                        cache.put(aggregate_id, aggregate)
            if self.freshness is not None:  # what we just saved is the latest
                self.freshness.known_current(processing_event.aggregates.keys(), generation)
        return recordings

    def construct_mapper(self) -> Mapper[UUID]:
        return MsgspecMapper(compressor=self.factory.compressor(), cipher=self.factory.cipher())

    def _envelope(self, ctx: Context, cmd: Command) -> Envelope:
        check_fields(cmd)  # every command's text, before any rule: no control characters
        return make_envelope(ctx.actor, ctx.request_id, self.clock(), cmd.business_time, cmd.basis)

    def _saved(self, case_id: UUID | None, *aggregates: Aggregate) -> Result:
        try:
            recordings = self.save(*aggregates)
        except RecordConflictError:
            raise Conflict("记录已被他人同时修改，请刷新后重试") from None
        version = aggregates[0].version if aggregates else None
        return Result(case_id=case_id, version=version, notification_id=recordings[-1].notification.id)

    def exists(self, aggregate_id: UUID) -> bool:
        return next(iter(self.events.get(aggregate_id, limit=1)), None) is not None

    def _get_fresh(self, aggregate_id: UUID, *, cached: bool = True, copy: bool = True) -> Any:
        """An aggregate as the store has it now: the cached one when it is
        known fresh (no query; ``ledger.store.freshness``), else fast-forwarded from
        the store (always, when not ``cached``). ``copy``: a copy to change,
        or (False) the cached instance itself, to read only."""
        freshness = self.freshness
        if freshness is None:
            return self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        if not self._freshness_started:
            with self._cache_lock:
                if not self._freshness_started:
                    freshness.start()
                    self._freshness_started = True
        if cached and freshness.is_fresh(aggregate_id):
            try:
                aggregate = self.repository.cache.get(aggregate_id)  # type: ignore[union-attr]
            except KeyError:
                pass
            else:
                return deepcopy(aggregate) if copy else aggregate
        generation = freshness.generation
        aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        freshness.known_current([aggregate_id], generation)
        return aggregate

    def calendar(self, *, for_update: bool = True, cached: bool = True) -> WorkCalendar:
        """The recorded working-day calendar. Before anything is recorded it is
        a calendar seeded with every year the chinese-calendar package knows,
        not yet saved: the first command that relies on it saves it in the
        same atomic save (so a refused command still appends nothing).
        Read-only callers pass ``for_update=False`` and share the cached
        instance instead of a copy."""
        try:
            return self._get_fresh(CALENDAR_ID, copy=for_update, cached=cached)
        except AggregateNotFoundError:
            calendar = WorkCalendar()
            envelope = make_envelope(
                SYSTEM_ACTOR, "seed-calendar", self.clock(), basis="按国务院办公厅节假日安排通知初始化"
            )
            for schedule in known_schedules_from_package():
                calendar.record_year(envelope, schedule)
            return calendar

    def _view(self, calendar: WorkCalendar) -> WorkCalendarView:
        if calendar.pending_events:  # not saved yet: don't cache
            return calendar.view()
        view = self._calendar_views.get(calendar.version)
        if view is None:
            view = self._calendar_views[calendar.version] = calendar.view()
        return view

    def _provisional_index(self, year: int) -> ProvisionalDeadlines:
        try:
            return self.repository.get(ProvisionalDeadlines.create_id(year))
        except AggregateNotFoundError:
            return ProvisionalDeadlines(year=year)


def _only(_: Any) -> Decision:
    """A decision that changes the case alone and issues no number."""
    return [], None


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
