"""The ledger's application service: one eventsourcing ``Application`` over
every aggregate, so that there is one totally ordered notification log.

Each command method is load → decide → save. The aggregates that change
together (a case, the counter that numbered its form, an index) are saved in
one atomic ``save``. A version conflict on a case someone else changed is
reported as ``Conflict``; a conflict only on a shared counter or index means
another request took the next number first, so the command is decided again.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable
from copy import deepcopy
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, RecordConflictError
from eventsourcing.utils import get_topic

from ledger import commands as c
from ledger.audit import make_envelope
from ledger.case import GuidanceCase
from ledger.catalogue import FourListsCatalogue
from ledger.directory import ROSTER_ID, AdminRoster, Unit, User
from ledger.errors import CaseNotFound, Conflict, InvalidInput, NotFound
from ledger.freshness import Freshness
from ledger.numbering import FormCounter
from ledger.pg_recorder import GroupCommitPostgresRecorder
from ledger.scope import Reach, sees, sees_case
from ledger.inputs import check_fields
from ledger.settings import APP_NAME, Settings
from ledger.supervision import MajorDecisionFiling, ReversalReview
from ledger.transcoder import MsgspecMapper
from ledger.values import CST, Actor, DeadlineClass, Due, Envelope, FormKind, Reversal, Role
from ledger.workcalendar import CALENDAR_ID, ProvisionalDeadlines, WorkCalendar
from ledger.workdays import WorkCalendarView, compute_due, known_schedules_from_package

MAX_ATTEMPTS = 50

SYSTEM_ACTOR = Actor(id="system", name="系统", role=Role.SYSTEM, unit="system")


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


class Ledger(Application[UUID]):
    """The guidance-service case ledger."""

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
        self.user_cache_seconds = float(os.environ.get("LEDGER_USER_CACHE_SECONDS", "1"))
        self._recent_users: dict[str, tuple[float, User]] = {}
        # Which cached cases commands may use without asking the store: only
        # with group commit on PostgreSQL, whose notifications name what each
        # process wrote (ledger/freshness.py). Started by the first command.
        recorder = self.recorder
        self.freshness: Freshness | None = None
        if isinstance(recorder, GroupCommitPostgresRecorder) and self.repository.cache is not None:
            self.freshness = Freshness(self.settings.dsn, recorder.channel_name, recorder.writer)
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

    # ------------------------------------------------------------------ cases

    def book(self, ctx: c.Context, cmd: c.BookGuidance) -> Result:
        envelope = self._envelope(ctx, cmd)
        case = GuidanceCase.book(
            envelope,
            applicant=cmd.applicant,
            contact=cmd.contact,
            service_types=cmd.service_types,
            needs=cmd.needs,
            notes=cmd.notes,
            channel=cmd.channel,
            urgency=cmd.urgency,
        )
        recordings = self.save(case)
        return Result(case_id=case.id, version=case.version, notification_id=recordings[-1].notification.id)

    def accept(self, ctx: c.Context, cmd: c.AcceptCase) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            calendar = self.calendar(for_update=False)  # before the counter's turn: it may query the store
            counter = self._counter(env, FormKind.APPLICATION)
            if calendar.pending_events:  # a store's first acceptance seeds the calendar: one thread at a time
                calendar = self.calendar(for_update=False)
            number = case.accept(env, cmd.deadline_class, counter, self._view(calendar))
            assert case.due is not None
            indexes = [self._provisional_index(year) for year in case.due.assumed_years]
            for index in indexes:
                index.add(case.id)
            seeded = [calendar] if calendar.pending_events else []
            return [counter, *indexes, *seeded], str(number)

        return self._on_case(ctx, cmd, decide)

    def refuse(self, ctx: c.Context, cmd: c.RefuseCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.refuse(env, cmd.reason, cmd.notice, cmd.referral)))

    def dispatch(self, ctx: c.Context, cmd: c.DispatchCase) -> Result:
        return self._on_case(
            ctx,
            cmd,
            lambda case, env: _only(
                case.dispatch(
                    env,
                    cmd.assignments,
                    cmd.form,
                    lead_unit=cmd.lead_unit,
                    agreed_time=cmd.agreed_time,
                    redispatch_reason=cmd.redispatch_reason,
                )
            ),
        )

    def serve(self, ctx: c.Context, cmd: c.RecordService) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.OPINION)
            number = case.serve(
                env,
                counter,
                place=cmd.place,
                content=cmd.content,
                findings=cmd.findings,
                advice=cmd.advice,
                staff=cmd.staff,
                on_site=cmd.on_site,
                unit_entries=cmd.unit_entries,
                applicant_signed=cmd.applicant_signed,
            )
            return [counter], str(number)

        return self._on_case(ctx, cmd, decide)

    def rate(self, ctx: c.Context, cmd: c.RateService) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.RATING)
            number = case.rate(
                env,
                counter,
                response=cmd.response,
                attitude=cmd.attitude,
                usefulness=cmd.usefulness,
                result=cmd.result,
                comments=cmd.comments,
                method=cmd.method,
            )
            return [counter], str(number)

        return self._on_case(ctx, cmd, decide)

    def follow_up(self, ctx: c.Context, cmd: c.RecordFollowUp) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.follow_up(env, cmd.follow_up)))

    def track_rectification(self, ctx: c.Context, cmd: c.TrackRectification) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.track_rectification(env, cmd.rectification)))

    def revoke_penalty(self, ctx: c.Context, cmd: c.RevokePenalty) -> Result:
        reversal = _trimmed(cmd.reversal)

        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            case.revoke_penalty(env, reversal, self.catalogue(reversal.decision.issuing_unit))
            return self._under_review(case, env, reversal), None

        result = self._on_case(ctx, cmd, decide)
        return msgspec.structs.replace(result, record_id=ReversalReview.create_id(cmd.case_id, reversal.decision.number))

    def remake_penalty(self, ctx: c.Context, cmd: c.RemakePenalty) -> Result:
        reversal = _trimmed(cmd.reversal)

        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            case.remake_penalty(env, reversal, self.catalogue(reversal.decision.issuing_unit))
            return self._under_review(case, env, reversal), None

        result = self._on_case(ctx, cmd, decide)
        return msgspec.structs.replace(result, record_id=ReversalReview.create_id(cmd.case_id, reversal.decision.number))

    def _under_review(self, case: GuidanceCase, env: Envelope, reversal: Reversal) -> list[Aggregate]:
        """Every reversal enters the supervisors' review queue in the same save;
        a major one also opens its 15-day filing."""
        opened: list[Aggregate] = [
            ReversalReview(
                envelope=env,
                case_id=case.id,
                case_version=case.version,
                decision_number=reversal.decision.number,
                issuing_unit=reversal.decision.issuing_unit,
            )
        ]
        if reversal.major and not self.exists(MajorDecisionFiling.create_id(env.actor.unit, reversal.new_decision_number)):
            kind = "撤销" if reversal.new_sanction is None else "重新作出"
            opened.append(
                MajorDecisionFiling.declare(
                    env,
                    self._view(self.calendar(for_update=False)),
                    decision_number=reversal.new_decision_number,
                    decided_on=env.business_time.astimezone(CST).date(),
                    party=case.applicant.name,
                    summary=f"{kind}{reversal.decision.number}：{reversal.new_sanction or reversal.outcome}",
                    case_id=case.id,
                )
            )
        return opened

    # ------------------------------------------------------------ four lists

    def catalogue(self, authority: str) -> FourListsCatalogue | None:
        """``authority``'s four-lists catalogue, or None if it published none."""
        try:
            return self.repository.get(FourListsCatalogue.create_id(authority))
        except AggregateNotFoundError:
            return None

    def publish_catalogue_edition(self, ctx: c.Context, cmd: c.PublishCatalogueEdition) -> Result:
        def change(catalogue: FourListsCatalogue, env: Envelope) -> None:
            catalogue.publish(env, cmd.edition)

        return self._on_catalogue(ctx, cmd, cmd.authority, change, create=True)

    def amend_list_item(self, ctx: c.Context, cmd: c.AmendListItem) -> Result:
        return self._on_catalogue(
            ctx, cmd, cmd.authority, lambda cat, env: cat.amend_item(env, cmd.version, cmd.item, cmd.effective_from)
        )

    def repeal_list_item(self, ctx: c.Context, cmd: c.RepealListItem) -> Result:
        return self._on_catalogue(
            ctx,
            cmd,
            cmd.authority,
            lambda cat, env: cat.repeal_item(env, cmd.version, cmd.list_code, cmd.number, cmd.effective_from, cmd.reason),
        )

    def repeal_catalogue_edition(self, ctx: c.Context, cmd: c.RepealCatalogueEdition) -> Result:
        return self._on_catalogue(
            ctx, cmd, cmd.authority, lambda cat, env: cat.repeal_edition(env, cmd.version, cmd.effective_from, cmd.reason)
        )

    def set_legal_review_policy(self, ctx: c.Context, cmd: c.SetLegalReviewPolicy) -> Result:
        return self._on_catalogue(ctx, cmd, cmd.authority, lambda cat, env: cat.set_legal_review(env, cmd.required))

    def _on_catalogue(
        self,
        ctx: c.Context,
        cmd: c.Command,
        authority: str,
        change: Callable[[FourListsCatalogue, Envelope], None],
        *,
        create: bool = False,
    ) -> Result:
        envelope = self._envelope(ctx, cmd)
        catalogue = self.catalogue(authority)
        if catalogue is None:
            if not create:
                raise NotFound(f"{authority}尚未发布四张清单", code="catalogue_not_found")
            if not self.exists(Unit.create_id(authority)):
                raise InvalidInput.one("authority", "unknown_unit", f"没有名为“{authority}”的单位，请先登记单位")
            catalogue = FourListsCatalogue(authority=authority)
        change(catalogue, envelope)
        return msgspec.structs.replace(self._saved(None, catalogue), record_id=catalogue.id)

    # ----------------------------------------------------------- supervision

    def confirm_reversal(self, ctx: c.Context, cmd: c.ConfirmReversal) -> Result:
        review = self._visible_review(ctx, cmd.review_id)
        review.confirm(self._envelope(ctx, cmd), cmd.comment)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def object_to_reversal(self, ctx: c.Context, cmd: c.ObjectToReversal) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            review = self._visible_review(ctx, cmd.review_id)
            try:
                counter = self._counter(envelope, FormKind.SUGGESTION_LETTER)
                letter = review.object(envelope, counter, cmd.problems, cmd.suggestions, cmd.reply_due)
                recordings = self._save_numbered(review, counter)
            except RecordConflictError:
                self._end_attempt()
                if self.review(cmd.review_id).version != review.version - 1:
                    raise Conflict("该审查已被他人同时处理，请刷新后重试") from None
                _backoff(attempt)  # only the letter counter moved on
                continue
            finally:
                self._end_attempt()  # the counter's turn ends with the attempt, refused or not
            return Result(
                case_id=review.case_id,
                version=review.version,
                notification_id=recordings[-1].notification.id,
                number=str(letter),
                record_id=review.id,
            )
        raise Conflict("编号分配繁忙，请稍后重试")

    def answer_objection(self, ctx: c.Context, cmd: c.AnswerObjection) -> Result:
        review = self._visible_review(ctx, cmd.review_id)
        review.answer(self._envelope(ctx, cmd), cmd.reply, cmd.measures)
        return msgspec.structs.replace(self._saved(review.case_id, review), record_id=review.id)

    def _visible_review(self, ctx: c.Context, review_id: UUID) -> ReversalReview:
        """A review for a command: one the actor may not see is answered as
        unknown (404), before any rule of the review speaks."""
        review = self.review(review_id)
        if not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [review.issuing_unit]):
            raise NotFound(f"没有编号为{review_id}的处罚撤销审查", code="review_not_found")
        return review

    def review(self, review_id: UUID) -> ReversalReview:
        try:
            review = self.repository.get(review_id)
        except AggregateNotFoundError:
            review = None
        if not isinstance(review, ReversalReview):
            raise NotFound(f"没有编号为{review_id}的处罚撤销审查", code="review_not_found")
        return review

    def review_history(self, review_id: UUID) -> list[Any]:
        """A reversal as supervision sees it: the case's reversal event, every
        review step and, for a major decision, its filing; oldest first."""
        review = self.review(review_id)
        reversals = [
            e for e in self.history(review.case_id)
            if isinstance(e, (GuidanceCase.PenaltyRevoked, GuidanceCase.PenaltyRemade))
            and e.reversal.decision.number == review.decision_number
        ]
        events = [*reversals, *self.events.get(review_id)]
        for e in reversals:
            if e.reversal.major:
                events += self.events.get(MajorDecisionFiling.create_id(review.issuing_unit, e.reversal.new_decision_number))
        return sorted(events, key=lambda e: e.timestamp)

    def declare_major_decision(self, ctx: c.Context, cmd: c.DeclareMajorDecision) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(MajorDecisionFiling.create_id(envelope.actor.unit, cmd.decision_number.strip())):
            raise InvalidInput.one("decision_number", "duplicate", f"处罚决定{cmd.decision_number}已登记备案事项")
        if cmd.case_id is not None:
            self._visible_case(ctx, self._get_case(cmd.case_id))
        filing = MajorDecisionFiling.declare(
            envelope,
            self._view(self.calendar(for_update=False)),
            decision_number=cmd.decision_number,
            decided_on=cmd.decided_on,
            party=cmd.party,
            summary=cmd.summary,
            case_id=cmd.case_id,
        )
        return msgspec.structs.replace(self._saved(cmd.case_id, filing), record_id=filing.id)

    def file_major_decision(self, ctx: c.Context, cmd: c.FileMajorDecision) -> Result:
        try:
            filing = self.repository.get(cmd.filing_id)
        except AggregateNotFoundError:
            filing = None
        if not isinstance(filing, MajorDecisionFiling) or not sees(ctx.actor.role, ctx.actor.unit, Reach.SUPERVISION, [filing.unit]):
            raise NotFound(f"没有编号为{cmd.filing_id}的备案事项", code="filing_not_found")
        filing.file(self._envelope(ctx, cmd), cmd.filed_on, cmd.reference)
        return msgspec.structs.replace(self._saved(None, filing), record_id=filing.id)

    def withdraw(self, ctx: c.Context, cmd: c.WithdrawCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.withdraw(env, cmd.reason)))

    def archive(self, ctx: c.Context, cmd: c.ArchiveCase) -> Result:
        def decide(case: GuidanceCase, env: Envelope) -> Decision:
            counter = self._counter(env, FormKind.ARCHIVE)
            return [counter], str(case.archive(env, counter))

        return self._on_case(ctx, cmd, decide)

    def correct(self, ctx: c.Context, cmd: c.CorrectRecord) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.correct(env, cmd.corrects_version, cmd.changes)))

    def annotate(self, ctx: c.Context, cmd: c.AnnotateCase) -> Result:
        return self._on_case(ctx, cmd, lambda case, env: _only(case.annotate(env, cmd.note, cmd.about_version)))

    # --------------------------------------------------------------- calendar

    def record_year_schedule(self, ctx: c.Context, cmd: c.RecordYearSchedule) -> Result:
        """Record a year's official schedule and recompute every provisional
        deadline that assumed Monday–Friday for that year, in one save."""
        year = cmd.schedule.year
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            calendar = self.calendar(cached=attempt == 0)  # after a conflict: from the store
            calendar.record_year(envelope, cmd.schedule)
            view = calendar.view()
            index = self._provisional_index(year)
            changed: list[Aggregate] = []
            resolved: list[UUID] = []
            for case_id in index.case_ids:
                case = self._get_case(case_id)
                if case.recompute_deadline(envelope, view):
                    changed.append(case)
                if case.due is None or year not in case.due.assumed_years:
                    resolved.append(case_id)
            index.resolve(envelope, tuple(resolved))
            try:
                recordings = self.save(calendar, index, *changed)
            except RecordConflictError:
                _backoff(attempt)
                continue
            return Result(case_id=None, version=calendar.version, notification_id=recordings[-1].notification.id)
        raise Conflict("登记工作日安排时发生并发冲突，请重试")

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

    def ensure_calendar(self) -> WorkCalendar:
        """Save the seeded calendar if nothing is recorded yet (``ledger migrate``)."""
        calendar = self.calendar()
        if calendar.pending_events:
            try:
                self.save(calendar)
            except RecordConflictError:
                return self.calendar()  # another process seeded it first
        return calendar

    def due(self, start: datetime, deadline_class: DeadlineClass) -> Due:
        """The due time(s) of a need accepted at ``start`` (what ``ledger due`` prints)."""
        return compute_due(start, deadline_class, self._view(self.calendar(for_update=False)))

    def _view(self, calendar: WorkCalendar) -> WorkCalendarView:
        if calendar.pending_events:  # not saved yet: don't cache
            return calendar.view()
        view = self._calendar_views.get(calendar.version)
        if view is None:
            view = self._calendar_views[calendar.version] = calendar.view()
        return view

    # -------------------------------------------------------------- directory

    def register_unit(self, ctx: c.Context, cmd: c.RegisterUnit) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(Unit.create_id(cmd.name)):
            raise InvalidInput.one("name", "duplicate", f"单位“{cmd.name}”已存在")
        unit = Unit.register(envelope, cmd.name, cmd.kind)
        return self._saved(None, unit)

    def register_user(self, ctx: c.Context, cmd: c.RegisterUser) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(User.create_id(cmd.username)):
            raise InvalidInput.one("username", "duplicate", f"用户名“{cmd.username}”已被使用")
        self.get_unit(cmd.unit)
        roster = self._roster(envelope)
        user = User.register(
            envelope, cmd.username, cmd.display_name, cmd.role, cmd.unit,
            four_eyes=bool(roster.others_than(envelope.actor.id)),
        )
        return self._saved_user(user, roster, envelope, pending=user.pending is not None)

    def assign_user(self, ctx: c.Context, cmd: c.AssignUser) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        self.get_unit(cmd.unit)
        roster = self._roster(envelope)
        done = user.assign(envelope, cmd.role, cmd.unit, four_eyes=bool(roster.others_than(envelope.actor.id)))
        return self._saved_user(user, roster, envelope, pending=not done)

    def confirm_grant(self, ctx: c.Context, cmd: c.ConfirmGrant) -> Result:
        """A second administrator confirms a proposed grant (or a new account)."""
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        user.confirm_grant(envelope)
        return self._saved_user(user, self._roster(envelope), envelope)

    def set_user_active(self, ctx: c.Context, cmd: c.SetUserActive) -> Result:
        envelope = self._envelope(ctx, cmd)
        user = self.get_user(cmd.username)
        (user.enable if cmd.active else user.disable)(envelope)
        return self._saved_user(user, self._roster(envelope), envelope)

    def record_password_set(self, ctx: c.Context, username: str) -> Result:
        envelope = self._envelope(ctx, c.Command())
        user = self.get_user(username)
        user.record_password_set(envelope)
        return self._saved_user(user)

    def _saved_user(
        self, user: User, roster: AdminRoster | None = None, envelope: Envelope | None = None, *, pending: bool = False
    ) -> Result:
        """Save a user, and the roster of administrators brought in line with it."""
        if roster is not None and envelope is not None:
            roster.update(envelope, user)
        try:
            result = self._saved(None, user, *([roster] if roster is not None else []))
        finally:
            self._recent_users.pop(user.username, None)  # this process sees its own change at once
        return msgspec.structs.replace(result, version=user.version, pending=pending)

    def _roster(self, envelope: Envelope) -> AdminRoster:
        """The roster of active administrators; in a store recorded before it
        existed, made once from the users in the log."""
        try:
            return self.repository.get(ROSTER_ID)
        except AggregateNotFoundError:
            pass
        topic = get_topic(User.Registered)
        ids, start = [], 1
        while batch := self.recorder.select_notifications(start=start, limit=1000, topics=[topic]):
            ids += [n.originator_id for n in batch]
            start = batch[-1].id + 1
        users = [self.repository.get(i) for i in ids]
        admins = tuple(sorted(u.username for u in users if u.can_sign_in and u.role is Role.ADMINISTRATOR))
        return AdminRoster(envelope=envelope, admins=admins)

    def current_user(self, username: str) -> User:
        """The user for authenticating a request. Read again at most every
        ``LEDGER_USER_CACHE_SECONDS`` (default 1): authentication runs on
        every request, and a store query each time serialises the server on
        it. A change made through this process (disabling, a new role) is
        seen at once; one made by another process within that many seconds."""
        now = time.monotonic()
        hit = self._recent_users.get(username)
        if hit is not None and now - hit[0] < self.user_cache_seconds:
            return hit[1]
        user = self.get_user(username, for_update=False)
        self._recent_users[username] = (now, user)
        return user

    def get_user(self, username: str, *, for_update: bool = True) -> User:
        """A user; read-only callers (authentication, on every request) pass
        ``for_update=False`` and share the cached instance instead of a copy."""
        try:
            return self.repository.get(User.create_id(username), deepcopy_from_cache=for_update)
        except AggregateNotFoundError:
            raise NotFound(f"没有用户“{username}”", code="user_not_found") from None

    def get_unit(self, name: str) -> Unit:
        try:
            return self.repository.get(Unit.create_id(name))
        except AggregateNotFoundError:
            raise InvalidInput.one("unit", "unknown_unit", f"没有名为“{name}”的单位，请先登记单位") from None

    def exists(self, aggregate_id: UUID) -> bool:
        return next(iter(self.events.get(aggregate_id, limit=1)), None) is not None

    def _saved(self, case_id: UUID | None, *aggregates: Aggregate) -> Result:
        try:
            recordings = self.save(*aggregates)
        except RecordConflictError:
            raise Conflict("记录已被他人同时修改，请刷新后重试") from None
        version = aggregates[0].version if aggregates else None
        return Result(case_id=case_id, version=version, notification_id=recordings[-1].notification.id)

    # ----------------------------------------------------------------- reads

    def get_case(self, case_id: UUID, *, version: int | None = None) -> GuidanceCase:
        return self._get_case(case_id, version=version)

    def case_as_of(self, case_id: UUID, moment: datetime) -> GuidanceCase:
        """The case as the ledger knew it at ``moment`` (recording time)."""
        version = None
        for e in self.events.get(case_id):
            if e.timestamp > moment:
                break
            version = e.originator_version
        if version is None:
            raise CaseNotFound(f"{moment.isoformat()}时尚未登记该案件")
        return self._get_case(case_id, version=version)

    def history(self, case_id: UUID) -> list[Any]:
        """Every event of a case, oldest first."""
        events = list(self.events.get(case_id))
        if not events:
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return events

    # ---------------------------------------------------------------- helpers

    def _envelope(self, ctx: c.Context, cmd: c.Command) -> Envelope:
        check_fields(cmd)  # every command's text, before any rule: no control characters
        return make_envelope(ctx.actor, ctx.request_id, self.clock(), cmd.business_time, cmd.basis)

    def _get_case(self, case_id: UUID, *, version: int | None = None) -> GuidanceCase:
        try:
            case = self.repository.get(case_id, version=version)
        except AggregateNotFoundError:
            raise CaseNotFound(f"没有编号为{case_id}的案件") from None
        if not isinstance(case, GuidanceCase):
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return case

    def _get_fresh(self, aggregate_id: UUID, *, cached: bool = True, copy: bool = True) -> Any:
        """An aggregate as the store has it now: the cached one when it is
        known fresh (no query; ``ledger.freshness``), else fast-forwarded from
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

    def _current_case(self, case_id: UUID, *, cached: bool = True) -> GuidanceCase:
        """The case for a command (a copy), as the store has it now."""
        try:
            case = self._get_fresh(case_id, cached=cached)
        except AggregateNotFoundError:
            raise CaseNotFound(f"没有编号为{case_id}的案件") from None
        if not isinstance(case, GuidanceCase):
            raise CaseNotFound(f"没有编号为{case_id}的案件")
        return case

    def _visible_case(self, ctx: c.Context, case: GuidanceCase) -> GuidanceCase:
        """Visibility before any rule: a case the actor may not read is
        answered as unknown (404), so commands reveal no more than reads."""
        if not sees_case(ctx.actor.role, ctx.actor.unit, case.units):
            raise CaseNotFound(f"没有编号为{case.id}的案件")
        return case

    def _load_case(self, ctx: c.Context, cmd: c.CaseCommand) -> GuidanceCase:
        case = self._visible_case(ctx, self._current_case(cmd.case_id))
        if cmd.expected_version is not None and cmd.expected_version != case.version:
            raise Conflict(
                f"案件已被他人修改（您看到的是第{cmd.expected_version}版，当前为第{case.version}版），请刷新后重试",
                current_version=case.version,
            )
        return case

    def _on_case(
        self, ctx: c.Context, cmd: c.CaseCommand, decide: Callable[[GuidanceCase, Envelope], Decision]
    ) -> Result:
        for attempt in range(MAX_ATTEMPTS):
            case = self._load_case(ctx, cmd)
            loaded_version = case.version
            envelope = self._envelope(ctx, cmd)
            try:
                others, number = decide(case, envelope)
                recordings = self._save_numbered(case, *others)
            except RecordConflictError:
                self._end_attempt()
                current = self._current_case(cmd.case_id, cached=False).version
                if current != loaded_version:
                    raise Conflict(
                        f"案件已被他人同时修改（当前为第{current}版），本次操作未保存，请刷新后重试",
                        current_version=current,
                    ) from None
                _backoff(attempt)  # only a shared counter or index moved on: decide again
                continue
            finally:
                self._end_attempt()
            return Result(
                case_id=case.id,
                version=case.version,
                notification_id=recordings[-1].notification.id,
                number=number,
            )
        raise Conflict("编号分配繁忙，请稍后重试")

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
        (ledger/group_commit.py, ledger_append_saves()), and the chain is
        started again from what is recorded."""
        links: list[_Link] = self._taken.__dict__.get("links", [])
        grouped = isinstance(self.recorder, GroupCommitPostgresRecorder)
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

    def _provisional_index(self, year: int) -> ProvisionalDeadlines:
        try:
            return self.repository.get(ProvisionalDeadlines.create_id(year))
        except AggregateNotFoundError:
            return ProvisionalDeadlines(year=year)


def _trimmed(reversal: Reversal) -> Reversal:
    """Numbers as typed may carry stray spaces; the review's and the filing's
    ids are derived from them, so they are stored trimmed."""
    decision, cited = reversal.decision, reversal.cited
    return msgspec.structs.replace(
        reversal,
        decision=msgspec.structs.replace(decision, number=decision.number.strip(), issuing_unit=decision.issuing_unit.strip()),
        cited=msgspec.structs.replace(
            cited,
            catalogue_version=cited.catalogue_version.strip(),
            item_number=cited.item_number.strip(),
            list_code=cited.list_code.strip(),
        ),
        new_decision_number=reversal.new_decision_number.strip(),
    )


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


def _only(_: Any) -> Decision:
    """A decision that changes the case alone and issues no number."""
    return [], None


def _backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
