"""The application on both stores: a whole case, reloads, as-of reads, the
immutable event table, migrations and the recorded calendar."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import psycopg
import pytest
from psycopg import sql

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import AcceptCase
from ledger.case.values import CaseState
from ledger.demo import record_demo_case
from ledger.store.migrate import migrate
from ledger.values import CST, DeadlineClass
from ledger.workdays import Holiday, YearSchedule
from tests.builders import ADMIN, NOW, REGISTRAR, book_cmd, ctx, fixed_clock


def test_a_whole_case_is_recorded_and_reloads_identically(ledger, store_settings):
    case_id = record_demo_case(ledger, NOW - timedelta(days=14))
    case = ledger.get_case(case_id)
    assert case.state is CaseState.ARCHIVED
    assert str(case.application_number) == "2026年第1号"
    assert case.contact.phone == "+8613953312346"  # the correction applied
    names = [type(e).__name__ for e in ledger.history(case_id)]
    assert names == [
        "Applied", "Accepted", "Dispatched", "Served", "Rated", "RectificationTracked",
        "FollowedUp", "PenaltyRevoked", "Corrected", "Archived",
    ]
    # a second application over the same store reloads the same state
    other = Ledger(store_settings, clock=fixed_clock())
    try:
        assert other.get_case(case_id) == case
        notifications = other.recorder.select_notifications(start=1, limit=1000)
        ids = [n.id for n in notifications]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
    finally:
        other.close()


def test_commands_return_the_notification_id_they_produced(ledger):
    first = ledger.book(ctx(REGISTRAR), book_cmd())
    second = ledger.book(ctx(REGISTRAR), book_cmd())
    assert second.notification_id > first.notification_id
    assert ledger.recorder.max_notification_id() == second.notification_id


def test_a_case_can_be_read_as_it_stood_at_a_past_recording_time(ledger):
    case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    between = datetime.now(CST)
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, deadline_class=DeadlineClass.CONSULTATION))
    assert ledger.case_as_of(case_id, between).state is CaseState.APPLIED
    assert ledger.get_case(case_id).state is CaseState.ACCEPTED


def test_migrations_apply_once_and_are_idempotent(store_settings):
    assert migrate(store_settings) == []  # the fixture applied them already


def test_the_calendar_is_seeded_from_the_package_and_saved_with_the_first_acceptance(ledger):
    from ledger.workcalendar import CALENDAR_ID

    years = ledger.calendar().schedules
    assert min(years) == 2004 and max(years) == 2026
    assert list(ledger.events.get(CALENDAR_ID)) == []  # a read does not write
    case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, deadline_class=DeadlineClass.GENERAL))
    stored = list(ledger.events.get(CALENDAR_ID))
    assert len(stored) == len(years) + 1  # Started + one event per year
    assert stored[-1].envelope.actor.role.value == "system"


def test_recording_a_year_recomputes_the_provisional_deadlines(store_settings):
    clock = fixed_clock(datetime(2027, 1, 5, 9, 0, tzinfo=CST))
    ledger = Ledger(store_settings, clock=clock)
    try:
        case_id = ledger.book(ctx(REGISTRAR), book_cmd(business_time=datetime(2026, 12, 30, 9, tzinfo=CST))).case_id
        ledger.accept(
            ctx(REGISTRAR),
            AcceptCase(
                case_id=case_id,
                business_time=datetime(2026, 12, 30, 10, tzinfo=CST),
                deadline_class=DeadlineClass.GENERAL,
            ),
        )
        due = ledger.get_case(case_id).due
        assert due.provisional and due.assumed_years == (2027,)
        assert due.target.date() == date(2027, 1, 5)  # Mon–Fri less 元旦 assumed: 31 Dec, 4 Jan, 5 Jan

        schedule = YearSchedule(  # a test schedule that also bridges Monday 4 January
            year=2027,
            holidays=tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in (1, 2, 3, 4)),
            makeup_workdays=(),
            source="国办发明电〔2026〕（测试）",
        )
        ledger.record_year_schedule(ctx(ADMIN), RecordYearSchedule(schedule=schedule, basis="国务院办公厅通知"))

        case = ledger.get_case(case_id)
        assert not case.due.provisional
        assert case.due.target.date() == date(2027, 1, 6)  # 31 Dec, 5 Jan, 6 Jan
        assert case.due.limit.date() == date(2027, 1, 8)
        last = ledger.history(case_id)[-1]
        assert type(last).__name__ == "DeadlineRecomputed"
        assert last.previous == due and last.envelope.basis == "国务院办公厅通知"
        # the index is resolved: recording the year again recomputes nothing more
        from ledger.workcalendar import ProvisionalDeadlines

        assert ledger.repository.get(ProvisionalDeadlines.create_id(2027)).case_ids == ()
    finally:
        ledger.close()


def test_updating_or_deleting_a_stored_event_is_refused_by_sqlite(sqlite_settings):
    ledger = Ledger(sqlite_settings, clock=fixed_clock())
    ledger.book(ctx(REGISTRAR), book_cmd())
    ledger.close()
    conn = sqlite3.connect(sqlite_settings.sqlite_path)
    try:
        for statement in ("UPDATE stored_events SET topic = 'x'", "DELETE FROM stored_events"):
            with pytest.raises(sqlite3.DatabaseError, match="immutable"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM stored_events").fetchone()[0] == 1
    finally:
        conn.close()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {t} SET topic = 'forged'",
        "UPDATE {t} SET state = state",
        "DELETE FROM {t}",
        "TRUNCATE {t}",
    ],
)
def test_updating_deleting_or_truncating_stored_events_is_refused_by_postgres(pg_settings, statement):
    ledger = Ledger(pg_settings, clock=fixed_clock())
    ledger.book(ctx(REGISTRAR), book_cmd())
    ledger.close()
    table = sql.Identifier(pg_settings.pg_schema, "ledger_events")
    with psycopg.connect(pg_settings.dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="immutable"):
            conn.execute(sql.SQL(statement).format(t=table))
        assert conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0] == 1
