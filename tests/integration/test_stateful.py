"""Random sequences of ledger commands against a model (hypothesis stateful).

The machine books cases and then throws every command at them — the allowed
and the forbidden, by the right and the wrong people — against a ``Ledger``
on a fresh SQLite file per example, and keeps a small model of what each case
should be. After every step it checks:

- a forbidden command raised a ``LedgerError`` of the predicted kind and
  appended nothing (not to the case, not to the log);
- an allowed command advanced the case by one event, as the model says;
- every case loaded from the store equals the model;
- the form numbers of every series (unit, kind, year) are 1..n, no gaps, no
  duplicates, across all cases, and the series' counter stands at n;
- an archived case refuses everything but corrections and annotations.

From time to time, and at the end, a second ``Ledger`` opened on the same file
must reload every case equal (``==``) to the first one's.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger.application import Ledger, Result
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    CorrectRecord,
    DispatchCase,
    RecordFollowUp,
    RefuseCase,
    RevokePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    CaseState,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    RatingMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Referral,
    ServiceForm,
)
from ledger.errors import CaseNotFound, Conflict, Incomplete, InvalidInput, LedgerError, NotAllowed, WrongState
from ledger.numbering import FormCounter
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger.values import DeadlineClass, FormKind, FormNumber, PenaltyDecision, Role
from tests.builders import (
    AUDITOR,
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    NOW,
    OFFICE,
    OTHER_STAFF,
    REGISTRAR,
    SUPERVISOR,
    T0,
    VALID_RIC,
    book_cmd,
    ctx,
    fixed_clock,
    joint_assignments,
    publish_catalogues,
    rate_cmd,
    reversal,
    serve_cmd,
    single_assignment,
)

YEAR = 2026
NEEDS = ("指导后厨台账", "咨询消防通道", "咨询许可材料")
DECISIONS = ("张市监罚〔2025〕118号", "张市监罚〔2025〕119号")
AFTER_SERVICE = (CaseState.SERVED, CaseState.RATED)
TERMINAL = (CaseState.REFUSED, CaseState.WITHDRAWN, CaseState.ARCHIVED)
STEP = timedelta(minutes=5)
MAX_CASES = 4  # few enough that the random commands keep hitting the same cases

Expected = tuple[type[LedgerError], str | None] | None  # (error class, code) or None if allowed


@dataclasses.dataclass
class CaseModel:
    needs: str
    applied_at: datetime
    state_since: datetime  # business time of the last change of state
    state: CaseState = CaseState.APPLIED
    events: int = 1
    joint: bool | None = None
    numbers: dict[FormKind, FormNumber] = dataclasses.field(default_factory=dict)
    follow_ups: int = 0
    rectifications: dict[str | None, bool] = dataclasses.field(default_factory=dict)  # decision -> all done
    reversed: tuple[str, ...] = ()
    corrections: int = 0
    annotations: int = 0
    withdrawn: bool = False
    refused: bool = False


def hidden(model: CaseModel, actor: Any) -> Expected:
    """Visibility before every rule: unit staff do not see a case that is not
    dispatched to their unit, so any command of theirs on it is 404."""
    units = () if model.joint is None else ((MARKET, FIRE) if model.joint else (MARKET,))
    if actor.role is Role.UNIT_STAFF and actor.unit not in units:
        return CaseNotFound, "case_not_found"
    return None


def in_states(model: CaseModel, *states: CaseState) -> Expected:
    """What ``_check_step`` says about the case's state."""
    if model.state is CaseState.ARCHIVED:
        return WrongState, "archived"
    if model.state not in states:
        return WrongState, "wrong_state"
    return None


class LedgerMachine(RuleBasedStateMachine):
    cases = Bundle("cases")
    # Cases that ``progress`` took up to a state of its choice: drawn more
    # often by the rules of later steps, which plain random runs seldom reach.
    progressed = Bundle("progressed")
    any_case = st.one_of(cases, progressed)

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="ledger-stateful-"))
        self.settings = Settings(backend="sqlite", sqlite_path=str(self.tmp / "ledger.sqlite3"))
        migrate(self.settings)
        # The working-day calendar is not seeded here: the first acceptance
        # saves it, and a refused first command must append nothing, not even it.
        self.ledger = Ledger(self.settings, clock=fixed_clock())
        publish_catalogues(self.ledger)  # reversals cite the units' four lists
        self.models: dict[UUID, CaseModel] = {}
        self.series: Counter[tuple[str, FormKind, int]] = Counter()
        self.now = T0

    # ------------------------------------------------------------ helpers

    def tick(self) -> datetime:
        self.now += STEP
        assert T0 < self.now < NOW
        return self.now

    def issue(self, unit: str, kind: FormKind) -> FormNumber:
        self.series[(unit, kind, YEAR)] += 1
        return FormNumber(unit=unit, kind=kind, year=YEAR, seq=self.series[(unit, kind, YEAR)])

    def run(self, case_id: UUID, expected: Expected, event: str, call: Any) -> Result | None:
        """Run a command; check it failed as predicted and appended nothing, or
        that it appended exactly one event, of the expected kind, to the case."""
        before = self.ledger.get_case(case_id)
        log_before = self.ledger.recorder.max_notification_id()
        if expected is not None:
            error_class, code = expected
            with pytest.raises(LedgerError) as info:
                call()
            assert isinstance(info.value, error_class), f"expected {error_class.__name__}, got {info.value!r}"
            if code is not None:
                assert info.value.code == code, info.value
            assert len(self.ledger.history(case_id)) == before.version
            assert self.ledger.recorder.max_notification_id() == log_before
            assert self.ledger.get_case(case_id) == before
            return None
        result = call()
        assert isinstance(result, Result)
        assert result.case_id == case_id
        assert result.version == before.version + 1
        assert result.notification_id > log_before
        last = self.ledger.history(case_id)[-1]
        assert type(last).__name__ == event
        assert last.originator_version == result.version
        if before.state is CaseState.ARCHIVED:  # the file is closed but for corrections and annotations
            assert event in ("Corrected", "Annotated")
        self.models[case_id].events += 1
        return result

    def advance(self, model: CaseModel, state: CaseState, at: datetime) -> None:
        model.state = state
        model.state_since = at

    # -------------------------------------------------------------- rules

    @initialize(target=cases, individual=st.booleans(), needs=st.sampled_from(NEEDS))
    def first_case(self, individual: bool, needs: str) -> UUID:
        return self.book_case(individual, needs)

    @precondition(lambda self: len(self.models) < MAX_CASES)
    @rule(target=cases, individual=st.booleans(), needs=st.sampled_from(NEEDS))
    def book(self, individual: bool, needs: str) -> UUID:
        return self.book_case(individual, needs)

    def book_case(self, individual: bool, needs: str) -> UUID:
        at = self.tick()
        cmd = book_cmd(business_time=at, needs=needs)
        if individual:
            cmd = book_cmd(
                business_time=at,
                needs=needs,
                applicant=Applicant(kind=ApplicantKind.INDIVIDUAL, name="赵六", id_number=VALID_RIC, address="和平路1号"),
            )
        result = self.ledger.book(ctx(REGISTRAR), cmd)
        assert result.version == 1
        self.models[result.case_id] = CaseModel(needs=needs, applied_at=at, state_since=at)
        return result.case_id

    @rule(case=any_case, deadline_class=st.sampled_from(list(DeadlineClass)), by_dispatcher=st.booleans())
    def accept(self, case: UUID, deadline_class: DeadlineClass, by_dispatcher: bool) -> None:
        model, at = self.models[case], self.tick()
        actor = DISPATCHER if by_dispatcher else REGISTRAR
        expected = in_states(model, CaseState.APPLIED) or ((NotAllowed, "role_not_allowed") if by_dispatcher else None)
        result = self.run(
            case,
            expected,
            "Accepted",
            lambda: self.ledger.accept(
                ctx(actor), AcceptCase(case_id=case, business_time=at, deadline_class=deadline_class)
            ),
        )
        if result:
            number = self.issue(OFFICE, FormKind.APPLICATION)
            assert result.number == str(number)
            model.numbers[FormKind.APPLICATION] = number
            self.advance(model, CaseState.ACCEPTED, at)
            due = self.ledger.get_case(case).due
            assert due is not None and due.deadline_class is deadline_class and due.start == at
            assert not due.provisional  # all of it lies in 2026, a recorded year

    @rule(case=any_case, notice=st.sampled_from(["", "请携带劳动合同前往仲裁"]))
    def refuse(self, case: UUID, notice: str) -> None:
        """Refusing needs a one-time notice; an empty one is invalid."""
        model, at = self.models[case], self.tick()
        expected = in_states(model, CaseState.APPLIED)
        if expected is None and not notice:
            expected = (InvalidInput, None)
        cmd = RefuseCase(
            case_id=case,
            business_time=at,
            reason="属于劳动争议",
            notice=notice,
            referral=Referral(body="劳动人事争议仲裁委员会", how_to_reach="0533-1234567"),
        )
        if self.run(case, expected, "Refused", lambda: self.ledger.refuse(ctx(REGISTRAR), cmd)):
            model.refused = True
            self.advance(model, CaseState.REFUSED, at)

    @rule(case=any_case, joint=st.booleans(), reason=st.sampled_from([None, "服务单位调整"]))
    def dispatch(self, case: UUID, joint: bool, reason: str | None) -> None:
        """A first dispatch, or a redispatch (which needs a reason)."""
        model, at = self.models[case], self.tick()
        expected = in_states(model, CaseState.ACCEPTED, CaseState.DISPATCHED)
        if expected is None and model.state is CaseState.DISPATCHED and reason is None:
            expected = (InvalidInput, None)
        cmd = DispatchCase(
            case_id=case,
            business_time=at,
            assignments=joint_assignments() if joint else single_assignment(),
            form=ServiceForm.JOINT_VISIT if joint else ServiceForm.ONSITE_VISIT,
            lead_unit=MARKET if joint else None,
            agreed_time=at + timedelta(days=1),
            redispatch_reason=reason,
        )
        if self.run(case, expected, "Dispatched", lambda: self.ledger.dispatch(ctx(DISPATCHER), cmd)):
            model.joint = joint
            self.advance(model, CaseState.DISPATCHED, at)

    @rule(case=any_case, by_fire=st.booleans())
    def serve(self, case: UUID, by_fire: bool) -> None:
        """By the market unit (assigned, and lead of a joint visit) or by the
        fire unit (not assigned, or assigned but not the lead)."""
        model, at = self.models[case], self.tick()
        actor = FIRE_STAFF if by_fire else MARKET_STAFF
        expected = hidden(model, actor) or in_states(model, CaseState.DISPATCHED)
        if expected is None and by_fire:
            expected = (NotAllowed, "lead_unit_only" if model.joint else "unit_not_assigned")
        cmd = serve_cmd(case, joint=bool(model.joint), business_time=at)
        result = self.run(case, expected, "Served", lambda: self.ledger.serve(ctx(actor), cmd))
        if result:
            number = self.issue(MARKET, FormKind.OPINION)
            assert result.number == str(number)
            model.numbers[FormKind.OPINION] = number
            self.advance(model, CaseState.SERVED, at)

    @rule(case=any_case, method=st.sampled_from(list(RatingMethod)), by_registrar=st.booleans())
    def rate(self, case: UUID, method: RatingMethod, by_registrar: bool) -> None:
        model, at = self.models[case], self.tick()
        actor = REGISTRAR if by_registrar else MARKET_STAFF
        expected = hidden(model, actor) or in_states(model, CaseState.SERVED)
        if expected is None and method is RatingMethod.PHONE_FOLLOW_UP and not by_registrar:
            expected = (NotAllowed, "role_not_allowed")
        cmd = rate_cmd(case, business_time=at, method=method)
        result = self.run(case, expected, "Rated", lambda: self.ledger.rate(ctx(actor), cmd))
        if result:
            number = self.issue(actor.unit, FormKind.RATING)
            assert result.number == str(number)
            model.numbers[FormKind.RATING] = number
            self.advance(model, CaseState.RATED, at)

    @rule(case=any_case, actor=st.sampled_from([REGISTRAR, MARKET_STAFF, OTHER_STAFF]))
    def follow_up(self, case: UUID, actor: Any) -> None:
        model, at = self.models[case], self.tick()
        expected = hidden(model, actor) or in_states(model, *AFTER_SERVICE)
        cmd = RecordFollowUp(
            case_id=case,
            business_time=at,
            follow_up=FollowUp(on=at.date(), method=FollowUpMethod.PHONE, findings="已按意见整改"),
        )
        if self.run(case, expected, "FollowedUp", lambda: self.ledger.follow_up(ctx(actor), cmd)):
            model.follow_ups += 1

    @rule(case=any_case, decision=st.sampled_from([None, DECISIONS[0]]), done=st.booleans())
    def track_rectification(self, case: UUID, decision: str | None, done: bool) -> None:
        model, at = self.models[case], self.tick()
        item = RectificationItem(
            description="建立进货查验台账",
            due_on=date(2026, 12, 31),
            status=RectificationStatus.DONE if done else RectificationStatus.OPEN,
            evidence="台账照片" if done else "",
        )
        cmd = TrackRectification(
            case_id=case, business_time=at, rectification=Rectification(penalty_decision=decision, items=(item,))
        )
        expected = hidden(model, MARKET_STAFF) or in_states(model, *AFTER_SERVICE)
        if self.run(
            case, expected, "RectificationTracked", lambda: self.ledger.track_rectification(ctx(MARKET_STAFF), cmd)
        ):
            model.rectifications[decision] = done

    @rule(case=any_case, number=st.sampled_from(DECISIONS))
    def revoke(self, case: UUID, number: str) -> None:
        model, at = self.models[case], self.tick()
        expected = hidden(model, MARKET_STAFF) or in_states(model, *AFTER_SERVICE)
        if expected is None and number in model.reversed:
            expected = (WrongState, "already_reversed")
        decision = PenaltyDecision(
            number=number, decided_on=date(2025, 9, 12), issuing_unit=MARKET, four_lists_applied=False
        )
        cmd = RevokePenalty(case_id=case, business_time=at, reversal=reversal(decision=decision))
        if self.run(case, expected, "PenaltyRevoked", lambda: self.ledger.revoke_penalty(ctx(MARKET_STAFF), cmd)):
            model.reversed = (*model.reversed, number)

    @rule(case=any_case, reason=st.sampled_from(["  ", "申请人已自行整改，不再需要指导"]))
    def withdraw(self, case: UUID, reason: str) -> None:
        """Withdrawal is possible until the case ends, with a reason."""
        model, at = self.models[case], self.tick()
        expected: Expected = (WrongState, "wrong_state") if model.state in TERMINAL else None
        if expected is None and not reason.strip():
            expected = (InvalidInput, None)
        cmd = WithdrawCase(case_id=case, business_time=at, reason=reason)
        if self.run(case, expected, "Withdrawn", lambda: self.ledger.withdraw(ctx(REGISTRAR), cmd)):
            model.withdrawn = True
            self.advance(model, CaseState.WITHDRAWN, at)

    @rule(case=any_case)
    def archive(self, case: UUID) -> None:
        model, at = self.models[case], self.tick()
        expected = in_states(model, CaseState.RATED, CaseState.REFUSED, CaseState.WITHDRAWN)
        if expected is None and model.state is CaseState.RATED and not all(model.rectifications.values()):
            expected = (Incomplete, "incomplete_file")
        cmd = ArchiveCase(case_id=case, business_time=at)
        result = self.run(case, expected, "Archived", lambda: self.ledger.archive(ctx(REGISTRAR), cmd))
        if result:
            number = self.issue(OFFICE, FormKind.ARCHIVE)
            assert result.number == str(number)
            model.numbers[FormKind.ARCHIVE] = number
            self.advance(model, CaseState.ARCHIVED, at)

    @rule(case=any_case, new=st.sampled_from(NEEDS), by_market=st.booleans())
    def correct(self, case: UUID, new: str, by_market: bool) -> None:
        """Correct the needs recorded at booking: any state, archived too, but
        only by the recording unit and only to a different value."""
        model, at = self.models[case], self.tick()
        actor = MARKET_STAFF if by_market else REGISTRAR
        expected: Expected = hidden(model, actor)
        if expected is None:
            if by_market:
                expected = (NotAllowed, "recording_unit_only")
            elif new == model.needs:
                expected = (InvalidInput, None)
        cmd = CorrectRecord(
            case_id=case,
            business_time=at,
            basis="申请人来电更正需求",
            corrects_version=1,
            changes=(FieldChange(field="needs", old="", new=new),),
        )
        if self.run(case, expected, "Corrected", lambda: self.ledger.correct(ctx(actor), cmd)):
            model.needs = new
            model.corrections += 1

    @rule(
        case=any_case,
        actor=st.sampled_from([REGISTRAR, MARKET_STAFF, SUPERVISOR, AUDITOR]),
        about=st.sampled_from([None, 1, 999]),
    )
    def annotate(self, case: UUID, actor: Any, about: int | None) -> None:
        model, at = self.models[case], self.tick()
        expected: Expected = None
        if actor is AUDITOR:
            expected = (NotAllowed, "read_only_role")
        elif hidden(model, actor):
            expected = hidden(model, actor)  # unit staff annotate only cases dispatched to their unit
        elif about == 999:
            expected = (InvalidInput, None)
        cmd = AnnotateCase(case_id=case, business_time=at, note="已电话确认", about_version=about)
        if self.run(case, expected, "Annotated", lambda: self.ledger.annotate(ctx(actor), cmd)):
            model.annotations += 1

    @rule(case=any_case)
    def annotate_a_stale_version(self, case: UUID) -> None:
        """A command based on a version that is not the current one is a conflict."""
        model, at = self.models[case], self.tick()
        stale = model.events - 1 if model.events > 1 else model.events + 1
        cmd = AnnotateCase(case_id=case, business_time=at, note="基于旧版本的批注", expected_version=stale)
        self.run(case, (Conflict, "conflict"), "Annotated", lambda: self.ledger.annotate(ctx(REGISTRAR), cmd))

    @rule(
        target=progressed,
        case=any_case,
        until=st.sampled_from([CaseState.SERVED, CaseState.RATED, CaseState.DISPATCHED, CaseState.ARCHIVED]),
        joint=st.booleans(),
        method=st.sampled_from(list(RatingMethod)),
        then=st.lists(st.sampled_from(["follow_up", "track_open", "track_done", "revoke", "archive"]), max_size=3),
    )
    def progress(self, case: UUID, until: CaseState, joint: bool, method: RatingMethod, then: list[str]) -> UUID:
        """Take a case along its lifecycle up to a state, through the same
        checked rules, so that random runs reach the deep states too; then a
        few of the after-service steps (allowed or not, e.g. a second
        revocation of the same decision, or archiving with work still open)."""
        for _ in range(8):
            model = self.models[case]
            state = model.state
            if state is until or state is CaseState.ARCHIVED:
                for step in then:
                    if step == "follow_up":
                        self.follow_up(case=case, actor=MARKET_STAFF)
                    elif step.startswith("track"):
                        self.track_rectification(case=case, decision=DECISIONS[0], done=step == "track_done")
                    elif step == "revoke":
                        self.revoke(case=case, number=DECISIONS[0])
                    else:
                        self.archive(case=case)
                return case
            if state is CaseState.APPLIED:
                self.accept(case=case, deadline_class=DeadlineClass.GENERAL, by_dispatcher=False)
            elif state is CaseState.ACCEPTED:
                self.dispatch(case=case, joint=joint, reason=None)
            elif state is CaseState.DISPATCHED:
                self.serve(case=case, by_fire=False)
            elif state is CaseState.SERVED:
                self.rate(case=case, method=method, by_registrar=method is RatingMethod.PHONE_FOLLOW_UP)
            elif state is CaseState.RATED and not all(model.rectifications.values()):
                open_decision = next(d for d, done in model.rectifications.items() if not done)
                self.track_rectification(case=case, decision=open_decision, done=True)
                continue
            else:  # rated with everything rectified, refused or withdrawn
                self.archive(case=case)
            assert self.models[case].state is not state, "the happy path must move the case on"
        return case

    @rule()
    def reopen(self) -> None:
        self.check_reload()

    # --------------------------------------------------------- invariants

    @invariant()
    def every_case_equals_its_model(self) -> None:
        for case_id, model in self.models.items():
            case = self.ledger.get_case(case_id)
            assert case.state is model.state
            assert case.version == model.events == len(case.history)
            assert case.needs == model.needs
            assert case.applied_at == model.applied_at
            assert case.state_since == model.state_since
            assert case.application_number == model.numbers.get(FormKind.APPLICATION)
            assert (case.opinion.number if case.opinion else None) == model.numbers.get(FormKind.OPINION)
            assert (case.rating.number if case.rating else None) == model.numbers.get(FormKind.RATING)
            assert case.archive_number == model.numbers.get(FormKind.ARCHIVE)
            if model.joint is None:
                assert case.assignments == ()
            else:
                assert case.units == ((MARKET, FIRE) if model.joint else (MARKET,))
                assert case.lead_unit == MARKET
            assert len(case.follow_ups) == model.follow_ups
            done = {
                r.penalty_decision: all(i.status is RectificationStatus.DONE for i in r.items)
                for r in case.rectifications
            }
            assert done == model.rectifications
            assert tuple(r.decision.number for r in case.reversals) == model.reversed
            assert (case.corrections, case.annotations) == (model.corrections, model.annotations)
            assert (case.withdrawal_reason is not None) == model.withdrawn
            assert (case.refusal_reason is not None) == model.refused
            assert (case.due is not None) == (FormKind.APPLICATION in model.numbers)

    @invariant()
    def form_numbers_of_every_series_run_from_1_to_n(self) -> None:
        issued: defaultdict[tuple[str, FormKind, int], list[int]] = defaultdict(list)
        for case_id in self.models:
            case = self.ledger.get_case(case_id)
            numbers = [case.application_number, case.archive_number]
            numbers += [case.opinion.number if case.opinion else None, case.rating.number if case.rating else None]
            for n in numbers:
                if n is not None:
                    issued[(n.unit, n.kind, n.year)].append(n.seq)
        assert set(issued) == {k for k, v in self.series.items() if v}
        for key, seqs in issued.items():
            assert sorted(seqs) == list(range(1, len(seqs) + 1)), (key, seqs)
            assert len(seqs) == self.series[key]
            counter = self.ledger.repository.get(FormCounter.create_id(*key))
            assert counter.last == len(seqs)

    # ----------------------------------------------------------- reloading

    def check_reload(self) -> None:
        fresh = Ledger(self.settings, clock=fixed_clock())
        try:
            for case_id in self.models:
                assert fresh.get_case(case_id) == self.ledger.get_case(case_id)
            assert fresh.recorder.max_notification_id() == self.ledger.recorder.max_notification_id()
        finally:
            fresh.close()

    def teardown(self) -> None:
        try:
            self.check_reload()
        finally:
            self.ledger.close()
            shutil.rmtree(self.tmp, ignore_errors=True)


LedgerMachine.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_random_command_sequences_keep_every_case_equal_to_its_model_and_numbers_gap_free = LedgerMachine.TestCase
