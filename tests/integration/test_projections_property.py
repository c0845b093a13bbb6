"""Properties of the read side over random histories, on SQLite and PostgreSQL.

A history is a random sequence of commands over a few cases — allowed and
forbidden ones, by the right and the wrong people (a refused command appends
nothing and is ignored here), with deadlines that run into 2027 and a 2027
schedule recorded now and then, so that deadlines are recomputed.

- The views kept up to date incrementally, in small batches and caught up
  after every few commands, equal a full rebuild of them (every row of every
  table, and the tracking position).
- The as-of fold at any cut-off equals a view caught up to that cut-off.

Each example gets its own store: a fresh SQLite file, or a fresh PostgreSQL
schema that is dropped afterwards.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    BookGuidance,
    CorrectRecord,
    DispatchCase,
    RecordFollowUp,
    RefuseCase,
    RemakePenalty,
    RevokePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    Grade,
    RatingMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Referral,
    ServiceForm,
    ServiceType,
)
from ledger.errors import LedgerError
from ledger.scope import Reach, console_scope
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger.store.sql import ViewDB
from ledger.values import CST, DeadlineClass, FourList, PenaltyDecision, Role
from ledger.workdays import Holiday, YearSchedule
from projections.audit import AUDIT, AuditProjection
from projections.cases import REGISTRY, REGISTRY_HISTORY, CasesProjection
from projections.cases.as_of import registry_rows_as_of
from projections.cases.export import registry_csv, registry_order
from projections.cases.queries import stats_of_rows
from projections.history import rows_as_of
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    OTHER_STAFF,
    REGISTRAR,
    SUPERVISOR,
    VALID_RIC,
    VALID_USCC,
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

# Business times start just before the year's end, so that general deadlines
# run into 2027, a year without a recorded schedule until a history records
# one. Forty steps end on 30 December.
START = datetime(2026, 12, 25, 9, 0, tzinfo=CST)
STEP = timedelta(hours=3)
CLOCK = fixed_clock(datetime(2027, 1, 20, 9, 0, tzinfo=CST))
MAX_CASES = 4
DECISIONS = ("张市监罚〔2025〕118号", "张市监罚〔2025〕119号")
GRADES = tuple(Grade)

OPS = (
    "book", "accept", "refuse", "dispatch", "serve", "rate", "follow_up", "rectify", "revoke", "remake",
    "withdraw", "archive", "correct", "annotate", "schedule",
)
# Any command at all (mostly forbidden in the case's state), or the case's
# natural next step, so that histories also reach the later states.
OP = st.sampled_from(OPS) | st.just("advance")
STEPS = st.lists(
    st.tuples(OP, st.integers(0, MAX_CASES - 1), st.integers(0, 11), st.integers(0, 2)),
    min_size=10,
    max_size=40,
)
BATCH = st.sampled_from([1, 3, 7])


# ------------------------------------------------------------------- stores


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_store(request) -> Iterator[Callable[[], Any]]:
    """A factory of fresh, migrated stores, one per hypothesis example. For
    PostgreSQL it goes through conftest's ``pg_dsn``, which skips when the
    server is unreachable, or fails if ``LEDGER_REQUIRE_PG=1``."""
    if request.param == "sqlite":
        tmp = Path(tempfile.mkdtemp(prefix="ledger-views-"))

        @contextmanager
        def sqlite_store() -> Iterator[Settings]:
            path = tmp / f"{uuid.uuid4().hex}.sqlite3"
            store = Settings(backend="sqlite", sqlite_path=str(path))
            migrate(store)
            try:
                yield store
            finally:
                for leftover in tmp.glob(f"{path.name}*"):
                    leftover.unlink()

        yield sqlite_store
        shutil.rmtree(tmp, ignore_errors=True)
        return

    dsn = request.getfixturevalue("pg_dsn")

    @contextmanager
    def pg_store() -> Iterator[Settings]:
        schema = f"p_{uuid.uuid4().hex[:12]}"
        store = Settings(backend="postgres", dsn=dsn, pg_schema=schema)
        try:
            migrate(store)
            yield store
        finally:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))

    yield pg_store


# ---------------------------------------------------------------- histories


class History:
    """Runs a random step as a ledger command; a refused command is ignored."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        publish_catalogues(ledger)  # reversals cite the units' four lists
        self.cases: list[Any] = []
        self.now = START
        self.allowed = 0

    def tick(self) -> datetime:
        self.now += STEP
        return self.now

    def run(self, op: str, which: int, v: int, w: int) -> None:
        at = self.tick()
        if op == "book" or not self.cases:
            if len(self.cases) < MAX_CASES:
                self._try(lambda: self.cases.append(self.ledger.book(ctx(REGISTRAR), self._booking(at, v)).case_id))
            return
        if op == "schedule":
            self._try(lambda: self.ledger.record_year_schedule(ctx(ADMIN), RecordYearSchedule(
                schedule=self._schedule(v), basis="国务院办公厅通知", business_time=at)))
            return
        case = self.cases[which % len(self.cases)]
        self._try(lambda: getattr(self, f"_{op}")(case, at, v, w))

    def _try(self, command: Callable[[], Any]) -> None:
        try:
            command()
            self.allowed += 1
        except LedgerError:
            pass

    # ---------------------------------------------------------- commands

    @staticmethod
    def _booking(at: datetime, v: int) -> BookGuidance:
        types = ((ServiceType.COMPLIANCE_GUIDANCE,), (ServiceType.RISK_SCREENING, ServiceType.LEGAL_CONSULTATION),
                 (ServiceType.OTHER,))[v % 3]
        if v % 4 == 0:
            applicant = Applicant(kind=ApplicantKind.INDIVIDUAL, name="赵六", id_number=VALID_RIC, address="和平路1号")
        elif v % 4 == 1:
            applicant = Applicant(kind=ApplicantKind.INDIVIDUAL_BUSINESS, name="老王烧烤店", id_number=VALID_USCC,
                                  address="和平路2号")
        else:
            applicant = Applicant(kind=ApplicantKind.ORGANISATION, name="鲁味轩餐饮有限公司", id_number=VALID_USCC,
                                  address="人民西路88号")
        return book_cmd(business_time=at, applicant=applicant, service_types=types, needs=f"需求{v}")

    @staticmethod
    def _schedule(v: int) -> YearSchedule:
        days = (1, 2, 3) if v % 2 else (1,)
        return YearSchedule(year=2027, holidays=tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in days),
                            makeup_workdays=(), source=f"国办发明电（测试{v % 2}）")

    def _advance(self, case: Any, at: datetime, v: int, w: int) -> None:
        """The next step of the case's process, by the right person."""
        loaded = self.ledger.get_case(case)
        state = loaded.state.value
        if state == "applied":
            (self._refuse if v == 11 else self._accept)(case, at, v, 1)
        elif state == "accepted":
            self._dispatch(case, at, v, w)
        elif state == "dispatched":
            self._serve(case, at, v, 1)
        elif state == "served":
            visited = loaded.service_form.is_visit and loaded.opinion.on_site
            self._rate(case, at, v if visited else 1, 1)
        elif state == "rated":
            step = (self._follow_up, self._rectify, self._revoke, self._remake, self._archive, self._archive)[v % 6]
            step(case, at, v, 1)
        elif state in ("refused", "withdrawn"):
            self._archive(case, at, v, w)
        else:  # archived: only corrections and annotations
            (self._correct if v % 2 else self._annotate)(case, at, v, w)

    def _accept(self, case: Any, at: datetime, v: int, w: int) -> None:
        actor = DISPATCHER if w == 0 and v % 2 else REGISTRAR
        self.ledger.accept(ctx(actor), AcceptCase(case_id=case, business_time=at,
                                                    deadline_class=tuple(DeadlineClass)[v % 3]))

    def _refuse(self, case: Any, at: datetime, v: int, w: int) -> None:
        self.ledger.refuse(ctx(REGISTRAR), RefuseCase(
            case_id=case, business_time=at, reason="属于劳动争议", notice="" if w == 0 else "请申请劳动仲裁",
            referral=Referral(body="劳动人事争议仲裁委员会", how_to_reach="0533-1234567")))

    def _dispatch(self, case: Any, at: datetime, v: int, w: int) -> None:
        joint = v % 2 == 1
        form = ServiceForm.JOINT_VISIT if joint else (ServiceForm.ONSITE_VISIT, ServiceForm.BY_PHONE)[w % 2]
        self.ledger.dispatch(ctx(DISPATCHER), DispatchCase(
            case_id=case, business_time=at,
            assignments=joint_assignments() if joint else single_assignment(), form=form,
            lead_unit=MARKET if joint else None, agreed_time=at + timedelta(days=1) if form.is_visit else None,
            redispatch_reason=None if v % 4 < 2 else "服务单位调整"))

    def _serve(self, case: Any, at: datetime, v: int, w: int) -> None:
        loaded = self.ledger.get_case(case)
        actor = FIRE_STAFF if w == 0 else MARKET_STAFF
        on_site = loaded.service_form is not None and loaded.service_form.is_visit and v % 3 != 0
        self.ledger.serve(ctx(actor), serve_cmd(case, joint=loaded.is_joint, business_time=at, on_site=on_site,
                                                findings=f"发现{v}"))

    def _rate(self, case: Any, at: datetime, v: int, w: int) -> None:
        method = RatingMethod.PHONE_FOLLOW_UP if v % 2 else RatingMethod.ONSITE_FORM
        actor = REGISTRAR if w else MARKET_STAFF
        self.ledger.rate(ctx(actor), rate_cmd(
            case, business_time=at, method=method, response=GRADES[v % 4], attitude=GRADES[(v + 1) % 4],
            usefulness=GRADES[(v + 2) % 4], result=GRADES[w % 4]))

    def _follow_up(self, case: Any, at: datetime, v: int, w: int) -> None:
        actor = (REGISTRAR, MARKET_STAFF, OTHER_STAFF)[w]
        self.ledger.follow_up(ctx(actor), RecordFollowUp(case_id=case, business_time=at, follow_up=FollowUp(
            on=at.date(), method=tuple(FollowUpMethod)[v % 3], findings=f"回访{v}")))

    def _rectify(self, case: Any, at: datetime, v: int, w: int) -> None:
        done = v % 2 == 1
        items = tuple(
            RectificationItem(description=f"事项{i}", due_on=date(2027, 3, 31),
                              status=RectificationStatus.DONE if done or i else RectificationStatus.OPEN,
                              evidence="照片" if done or i else "")
            for i in range(1 + w % 2)
        )
        self.ledger.track_rectification(ctx(MARKET_STAFF), TrackRectification(
            case_id=case, business_time=at,
            rectification=Rectification(penalty_decision=(None, DECISIONS[0])[v % 2], items=items)))

    def _decision(self, v: int) -> PenaltyDecision:
        return PenaltyDecision(number=DECISIONS[v % 2], decided_on=date(2025, 9, 12), issuing_unit=MARKET,
                               four_lists_applied=False)

    def _revoke(self, case: Any, at: datetime, v: int, w: int) -> None:
        actor = FIRE_STAFF if w == 0 else MARKET_STAFF
        self.ledger.revoke_penalty(ctx(actor), RevokePenalty(
            case_id=case, business_time=at, reversal=reversal(decision=self._decision(v))))

    def _remake(self, case: Any, at: datetime, v: int, w: int) -> None:
        self.ledger.remake_penalty(ctx(MARKET_STAFF), RemakePenalty(
            case_id=case, business_time=at,
            reversal=reversal(FourList.LIGHTER, decision=self._decision(v), outcome="从轻处罚", new_sanction="罚款500元")))

    def _withdraw(self, case: Any, at: datetime, v: int, w: int) -> None:
        self.ledger.withdraw(ctx(REGISTRAR), WithdrawCase(case_id=case, business_time=at,
                                                            reason=" " if w == 0 else "不再需要"))

    def _archive(self, case: Any, at: datetime, v: int, w: int) -> None:
        self.ledger.archive(ctx(REGISTRAR), ArchiveCase(case_id=case, business_time=at))

    def _correct(self, case: Any, at: datetime, v: int, w: int) -> None:
        version = 1 + v % 8
        actor, field, new = (
            (REGISTRAR, "needs", f"更正需求{v}"),
            (REGISTRAR, "applicant.name", f"更正名称{v}"),
            (REGISTRAR, "contact.phone", f"1395331{2340 + v:04d}"),
            (MARKET_STAFF, "opinion.findings", f"更正发现{v}"),
            (REGISTRAR, "referral.body", f"更正机关{v}"),
        )[v % 5]
        if field in ("needs", "applicant.name", "contact.phone"):
            version = 1
        self.ledger.correct(ctx(actor), CorrectRecord(
            case_id=case, business_time=at, basis="更正", corrects_version=version,
            changes=(FieldChange(field=field, old="", new=new),)))

    def _annotate(self, case: Any, at: datetime, v: int, w: int) -> None:
        actor = (REGISTRAR, SUPERVISOR, AUDITOR)[w]
        self.ledger.annotate(ctx(actor), AnnotateCase(case_id=case, business_time=at, note=f"批注{v}",
                                                        about_version=None if v % 3 else 1 + v % 5))


# ------------------------------------------------------------------ reading


def dump(store: Settings, projection: Any, suffix: str = "", view: str | None = None) -> dict[str, Any]:
    db = ViewDB(store)
    try:
        with db.reading() as cur:
            out: dict[str, Any] = {
                t.name: cur.dicts(f"SELECT * FROM {t.name}{suffix} ORDER BY {', '.join(t.key)}")
                for t in projection.tables
            }
            out["position"] = cur.position(view or projection.name)
            return out
    finally:
        db.close()


def log_count_and_head(store: Settings) -> tuple[int, int]:
    nid = "rowid" if store.backend == "sqlite" else "notification_id"
    db = ViewDB(store)
    try:
        with db.reading() as cur:
            count, head = cur.execute(f"SELECT count(*), COALESCE(MAX({nid}), 0) FROM {store.events_table}").fetchone()
            return int(count), int(head)
    finally:
        db.close()


EVERY = console_scope(Reach.CASES)

# --------------------------------------------------------------- properties


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, batch_size=BATCH)
def test_views_kept_up_to_date_in_small_batches_equal_a_full_rebuild(new_store, steps, batch_size):
    with new_store() as store:
        ledger = Ledger(store, clock=CLOCK)
        runners = [Runner(store, CasesProjection(), batch_size=batch_size),
                   Runner(store, AuditProjection(), batch_size=batch_size)]
        try:
            history = History(ledger)
            for op, which, v, catch_up in steps:
                history.run(op, which, v, catch_up)
                if catch_up == 0:  # every few commands
                    for runner in runners:
                        runner.catch_up()
            for runner in runners:
                runner.catch_up()
        finally:
            for runner in runners:
                runner.close()
            ledger.close()

        count, head = log_count_and_head(store)
        for projection in (CasesProjection(), AuditProjection()):
            incremental = dump(store, projection)
            assert incremental["position"] == head
            assert rebuild(store, projection) == head
            assert dump(store, projection) == incremental, projection.name
        audit = dump(store, AuditProjection())["audit_log"]
        assert len(audit) == count
        assert len(dump(store, CasesProjection())["registry"]) == len(history.cases)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, batch_size=BATCH, where=st.floats(0, 1))
def test_the_as_of_fold_at_any_cutoff_equals_a_view_caught_up_to_that_cutoff(new_store, steps, batch_size, where):
    with new_store() as store:
        ledger = Ledger(store, clock=CLOCK)
        try:
            history = History(ledger)
            for step in steps:
                history.run(*step)
        finally:
            ledger.close()
        _, head = log_count_and_head(store)
        cutoff = round(where * head)

        for projection, view in ((CasesProjection(), "cases_cut"), (AuditProjection(), "audit_cut")):
            runner = Runner(store, projection, batch_size=batch_size, view_name=view, suffix="_cut")
            try:
                runner.catch_up(upto=cutoff)
            finally:
                runner.close()
            viewed = dump(store, projection, suffix="_cut", view=view)
            assert viewed["position"] == cutoff
            folded = fold_as_of(store, projection, cutoff)
            if projection.name == "cases":
                assert {k: dict(r) for k, r in folded.items()} == {r["case_id"]: r for r in viewed["registry"]}
            else:
                assert folded == {r["notification_id"]: tuple(r[col] for col in AUDIT.column_names)
                                  for r in viewed["audit_log"]}
                assert len(folded) == cutoff


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, batch_size=BATCH, cuts=st.lists(st.floats(0, 1), min_size=1, max_size=4))
def test_the_registry_as_of_any_cutoff_read_from_its_history_equals_the_fold(new_store, steps, batch_size, cuts):
    """The view's stored history answers the as-of registry (issue 20 §5):
    at any cut-off the same rows, in the same order, and the same CSV bytes
    as folding the log up to there — whatever the batches the runner took."""
    with new_store() as store:
        ledger = Ledger(store, clock=CLOCK)
        runner = Runner(store, CasesProjection(), batch_size=batch_size)
        try:
            history = History(ledger)
            for op, which, v, catch_up in steps:
                history.run(op, which, v, catch_up)
                if catch_up == 0:
                    runner.catch_up()
            runner.catch_up()
        finally:
            runner.close()
            ledger.close()
        _, head = log_count_and_head(store)
        db = ViewDB(store)
        try:
            for cutoff in sorted({round(where * head) for where in cuts} | {0, head}):
                from_history = list(rows_as_of(db, REGISTRY_HISTORY, REGISTRY.column_names, cutoff))
                folded = [dict(r) for r in registry_order(fold_as_of(store, CasesProjection(), cutoff).values())]
                assert from_history == folded, cutoff
                assert registry_csv(from_history, Role.SUPERVISOR) == registry_csv(folded, Role.SUPERVISOR)
                assert list(registry_rows_as_of(store, cutoff)) == folded  # the public way, the view being there
            # the statistics as of a moment are summed from those rows: at the head, the live view's figures
            views = Views(store)
            try:
                rows = list(registry_rows_as_of(store, head))
                for by in ("unit", "service_type", "month", "quarter"):
                    assert stats_of_rows(rows, by) == views.stats(EVERY, by), by
                    assert stats_of_rows(rows, by, MARKET) == views.stats(EVERY, by, unit=MARKET), by
            finally:
                views.close()
        finally:
            db.close()
