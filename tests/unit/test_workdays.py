"""Working days and service deadlines (``ledger.workdays``) and ``ledger due``."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import cli
from ledger.errors import InvalidInput
from ledger.values import CST, DeadlineClass, Due
from ledger.workdays import Holiday, WorkCalendarView, YearSchedule, compute_due, known_schedules_from_package

KNOWN = {s.year: s for s in known_schedules_from_package()}
VIEW = WorkCalendarView(KNOWN)

SCHEDULE_2027 = YearSchedule(
    year=2027,
    holidays=tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in (1, 2, 3)),
    makeup_workdays=(),
    source="手工录入（测试）",
)


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, tz: timezone = CST) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=CST)


# --------------------------------------------------------------- the calendar


def test_the_package_schedules_cover_2026_with_national_day_and_its_make_up_days():
    s2026 = KNOWN[2026]
    holidays = {h.day: h.name for h in s2026.holidays}
    assert all(holidays[date(2026, 10, d)] == "国庆节" for d in range(1, 8))
    assert {date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)} <= set(s2026.makeup_workdays)
    assert 2027 not in KNOWN


def test_every_schedule_from_the_package_passes_its_own_check():
    for schedule in KNOWN.values():
        schedule.check()
    assert min(KNOWN) <= 2010 and max(KNOWN) == 2026


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 10), True),  # Saturday, make-up day (调休上班)
        (date(2026, 2, 28), True),  # Saturday, make-up day after Spring Festival
        (date(2026, 9, 20), True),  # Sunday, make-up day
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),
        (date(2026, 2, 18), False),  # Spring Festival, a Wednesday
        (date(2026, 11, 21), False),  # an ordinary Saturday
        (date(2026, 11, 20), True),  # an ordinary Friday
    ],
)
def test_working_days_follow_the_official_schedule(day, working):
    assert VIEW.is_workday(day) is working


@settings(max_examples=300)
@given(day=st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 12, 31)))
def test_the_view_agrees_with_chinese_calendar_on_every_known_day(day):
    assert VIEW.is_workday(day) is chinese_calendar.is_workday(day)


# ------------------------------------------------------------- compute_due


def test_consultation_is_due_at_the_end_of_the_first_working_day_after_the_start_day():
    due = compute_due(at(2026, 11, 17, 9, 30), DeadlineClass.CONSULTATION, VIEW)  # a Tuesday
    assert due.target == due.limit == end_of(2026, 11, 18)
    assert due.limit.time() == time(23, 59, 59)
    assert due.limit.utcoffset() == timedelta(hours=8)
    assert due.provisional is False and due.assumed_years == ()


def test_the_start_day_is_excluded_even_when_accepted_at_its_first_minute():
    due = compute_due(at(2026, 11, 17, 0, 0), DeadlineClass.CONSULTATION, VIEW)
    assert due.limit == end_of(2026, 11, 18)


def test_general_needs_have_a_target_of_3_and_a_limit_of_5_working_days():
    due = compute_due(at(2026, 11, 16), DeadlineClass.GENERAL, VIEW)  # a Monday
    assert due.deadline_class is DeadlineClass.GENERAL
    assert due.start == at(2026, 11, 16)
    assert due.target == end_of(2026, 11, 19)
    assert due.limit == end_of(2026, 11, 23)  # the weekend does not count
    assert due.provisional is False


def test_a_friday_start_skips_the_weekend():
    friday = at(2026, 11, 20, 16, 45)
    assert compute_due(friday, DeadlineClass.CONSULTATION, VIEW).limit == end_of(2026, 11, 23)
    general = compute_due(friday, DeadlineClass.GENERAL, VIEW)
    assert (general.target, general.limit) == (end_of(2026, 11, 25), end_of(2026, 11, 27))


def test_a_start_on_a_saturday_counts_from_monday():
    due = compute_due(at(2026, 11, 21), DeadlineClass.CONSULTATION, VIEW)
    assert due.limit == end_of(2026, 11, 23)


def test_urgent_needs_are_due_24_clock_hours_after_the_start_even_over_a_holiday():
    due = compute_due(at(2026, 9, 30, 15, 20), DeadlineClass.URGENT, VIEW)
    assert due.target == due.limit == at(2026, 10, 1, 15, 20)
    assert due.provisional is False


def test_urgent_needs_run_on_the_clock_into_an_unrecorded_year_without_being_provisional():
    due = compute_due(at(2026, 12, 31, 20, 0), DeadlineClass.URGENT, VIEW)
    assert due.limit == at(2027, 1, 1, 20, 0)
    assert (due.provisional, due.assumed_years) == (False, ())


def test_statutory_holidays_do_not_count_and_a_make_up_saturday_does():
    # From 2026-09-30: 10-01..07 National Day; 10-08 Thu (1), 10-09 Fri (2),
    # 10-10 Sat make-up (3), 10-12 Mon (4), 10-13 Tue (5).
    start = at(2026, 9, 30)
    assert compute_due(start, DeadlineClass.CONSULTATION, VIEW).limit == end_of(2026, 10, 8)
    general = compute_due(start, DeadlineClass.GENERAL, VIEW)
    assert general.target == end_of(2026, 10, 10)
    assert general.limit == end_of(2026, 10, 13)


def test_a_make_up_saturday_is_the_next_working_day_after_a_friday():
    assert compute_due(at(2026, 10, 9), DeadlineClass.CONSULTATION, VIEW).limit == end_of(2026, 10, 10)
    assert compute_due(at(2026, 2, 27), DeadlineClass.CONSULTATION, VIEW).limit == end_of(2026, 2, 28)


def test_spring_festival_2026_does_not_count_but_its_make_up_saturdays_do():
    # 02-13 Fri (1), 02-14 Sat make-up (2), 02-15..23 holiday, 02-24 Tue (3),
    # 02-25 (4), 02-26 (5).
    due = compute_due(at(2026, 2, 12), DeadlineClass.GENERAL, VIEW)
    assert due.target == end_of(2026, 2, 24)
    assert due.limit == end_of(2026, 2, 26)
    consult = compute_due(at(2026, 2, 14, 11, 0), DeadlineClass.CONSULTATION, VIEW)
    assert consult.limit == end_of(2026, 2, 24)


def test_a_start_in_another_offset_is_counted_from_its_china_standard_time_day():
    # 2026-11-19T20:00Z is Friday 2026-11-20 04:00 in China.
    due = compute_due(datetime(2026, 11, 19, 20, 0, tzinfo=timezone.utc), DeadlineClass.CONSULTATION, VIEW)
    assert due.start == at(2026, 11, 20, 4, 0)
    assert due.start.utcoffset() == timedelta(hours=8)
    assert due.limit == end_of(2026, 11, 23)


def test_chinese_calendar_itself_cannot_answer_for_2027():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_an_acceptance_on_2026_12_30_is_due_provisionally_assuming_monday_to_friday_less_the_statutory_days_in_2027():
    due = compute_due(at(2026, 12, 30), DeadlineClass.GENERAL, VIEW)
    # 12-31 Thu (1), 2027-01-01 Fri 元旦 (statutory: rest), 01-04 Mon (2), 01-05 (3), 01-06 (4), 01-07 (5)
    assert due.target == end_of(2027, 1, 5)
    assert due.limit == end_of(2027, 1, 7)
    assert due.provisional is True
    assert due.assumed_years == (2027,)


def test_a_consultation_ending_inside_the_recorded_year_is_not_provisional():
    due = compute_due(at(2026, 12, 30), DeadlineClass.CONSULTATION, VIEW)
    assert due.limit == end_of(2026, 12, 31)
    assert (due.provisional, due.assumed_years) == (False, ())


def test_with_a_recorded_2027_schedule_the_same_due_is_final_and_skips_its_holidays():
    view = WorkCalendarView({**KNOWN, 2027: SCHEDULE_2027})
    due = compute_due(at(2026, 12, 30), DeadlineClass.GENERAL, view)
    # 12-31 (1), 01-01..03 holiday, 01-04 (2), 01-05 (3), 01-06 (4), 01-07 (5)
    assert due.target == end_of(2027, 1, 5)
    assert due.limit == end_of(2027, 1, 7)
    assert (due.provisional, due.assumed_years) == (False, ())
    consult = compute_due(at(2026, 12, 31), DeadlineClass.CONSULTATION, view)
    assert consult.limit == end_of(2027, 1, 4)
    assert consult.provisional is False


def test_a_period_crossing_two_unrecorded_years_names_both():
    view = WorkCalendarView({})
    due = compute_due(at(2026, 12, 30), DeadlineClass.GENERAL, view)
    assert due.assumed_years == (2026, 2027)
    assert due.provisional is True


@pytest.mark.parametrize("deadline_class", list(DeadlineClass))
def test_a_naive_start_is_rejected(deadline_class):
    with pytest.raises(InvalidInput) as info:
        compute_due(datetime(2026, 11, 20, 10, 0), deadline_class, VIEW)
    error = info.value.errors[0]
    assert (error.field, error.code) == ("from", "naive_datetime")
    assert "时区" in error.message


moments = st.datetimes(
    min_value=datetime(2005, 1, 1),
    max_value=datetime(2026, 12, 20),
    timezones=st.sampled_from([CST, timezone.utc, timezone(timedelta(hours=-5))]),
)


@settings(max_examples=200)
@given(start=moments, deadline_class=st.sampled_from([DeadlineClass.CONSULTATION, DeadlineClass.GENERAL]))
def test_a_day_period_ends_at_the_last_second_of_a_working_day_counted_after_the_start_day(start, deadline_class):
    due = compute_due(start, deadline_class, VIEW)
    local_day = start.astimezone(CST).date()
    n_target, n_limit = (1, 1) if deadline_class is DeadlineClass.CONSULTATION else (3, 5)
    for end, n in ((due.target, n_target), (due.limit, n_limit)):
        assert end.tzinfo == CST and end.time() == time(23, 59, 59)
        assert chinese_calendar.is_workday(end.date())
        days = [local_day + timedelta(days=k) for k in range(1, (end.date() - local_day).days + 1)]
        assert sum(chinese_calendar.is_workday(d) for d in days) == n
    assert due.start <= due.target <= due.limit
    assert due.provisional is False


@settings(max_examples=100)
@given(start=moments)
def test_urgent_is_always_exactly_24_hours_later_in_china_standard_time(start):
    due = compute_due(start, DeadlineClass.URGENT, VIEW)
    assert due.limit - start == timedelta(hours=24)
    assert due.limit.utcoffset() == timedelta(hours=8)
    assert due.target == due.limit


def test_compute_due_returns_a_due_value_equal_for_equal_inputs():
    a = compute_due(at(2026, 11, 20), DeadlineClass.GENERAL, VIEW)
    b = compute_due(at(2026, 11, 20), DeadlineClass.GENERAL, WorkCalendarView(KNOWN))
    assert isinstance(a, Due) and a == b


# ------------------------------------------------------------ YearSchedule.check


def check_error(schedule: YearSchedule):
    with pytest.raises(InvalidInput) as info:
        schedule.check()
    return info.value.errors[0]


def test_a_sensible_hand_made_schedule_passes_its_check():
    SCHEDULE_2027.check()
    YearSchedule(year=2027, holidays=(), makeup_workdays=(date(2027, 1, 9),), source="x").check()


def test_a_holiday_outside_the_year_is_rejected():
    schedule = YearSchedule(
        year=2027, holidays=(Holiday(day=date(2026, 12, 31), name="元旦"),), makeup_workdays=(), source="x"
    )
    error = check_error(schedule)
    assert (error.field, error.code) == ("holidays[0].day", "wrong_year")


def test_a_make_up_day_outside_the_year_is_rejected():
    schedule = YearSchedule(year=2027, holidays=(), makeup_workdays=(date(2028, 1, 8),), source="x")
    error = check_error(schedule)
    assert (error.field, error.code) == ("makeup_workdays[0]", "wrong_year")


def test_a_make_up_day_on_a_weekday_is_rejected():
    schedule = YearSchedule(
        year=2027, holidays=(), makeup_workdays=(date(2027, 1, 9), date(2027, 1, 11)), source="x"
    )  # Saturday fine, Monday not
    error = check_error(schedule)
    assert (error.field, error.code) == ("makeup_workdays[1]", "not_weekend")


def test_a_day_both_holiday_and_make_up_day_is_rejected():
    saturday = date(2027, 1, 2)
    schedule = YearSchedule(
        year=2027, holidays=(Holiday(day=saturday, name="元旦"),), makeup_workdays=(saturday,), source="x"
    )
    error = check_error(schedule)
    assert (error.field, error.code) == ("makeup_workdays[0]", "also_holiday")


def test_a_holiday_without_a_name_is_rejected():
    schedule = YearSchedule(
        year=2027, holidays=(Holiday(day=date(2027, 1, 1), name="  "),), makeup_workdays=(), source="x"
    )
    error = check_error(schedule)
    assert (error.field, error.code) == ("holidays[0].name", "required")


# -------------------------------------------------------------------- CLI


@pytest.fixture
def sqlite_env(tmp_path, monkeypatch):
    path = tmp_path / "cli.sqlite3"
    monkeypatch.delenv("LEDGER_DSN", raising=False)
    monkeypatch.setenv("LEDGER_SQLITE", str(path))
    return path


def test_ledger_due_prints_iso_times_and_a_provisional_due_into_2027(sqlite_env, capsys):
    assert cli.main(["due", "--from", "2026-12-30T10:00:00+08:00", "--class", "general"]) == 0
    out = capsys.readouterr().out
    assert "provisional: yes" in out
    assert "2027" in out
    assert "目标时限 target: 2027-01-05T23:59:59+08:00" in out  # 2027-01-01 元旦 rests even before 2027 is recorded
    assert "最迟时限 limit:  2027-01-07T23:59:59+08:00" in out
    data = json.loads(out.strip().splitlines()[-1])
    assert data == {
        "class": "general",
        "from": "2026-12-30T10:00:00+08:00",
        "target": "2027-01-05T23:59:59+08:00",
        "limit": "2027-01-07T23:59:59+08:00",
        "provisional": True,
        "assumed_years": [2027],
    }
    assert sqlite_env.exists()  # the embedded store was created and migrated


def test_ledger_due_says_not_provisional_inside_a_recorded_year(sqlite_env, capsys):
    assert cli.main(["due", "--from", "2026-09-30T10:00:00+08:00", "--class", "consultation"]) == 0
    out = capsys.readouterr().out
    assert "provisional: no" in out
    assert json.loads(out.strip().splitlines()[-1])["limit"] == "2026-10-08T23:59:59+08:00"


def test_ledger_due_reads_a_time_without_offset_as_china_standard_time(sqlite_env, capsys):
    assert cli.main(["due", "--from", "2026-11-20T10:00:00", "--class", "urgent"]) == 0
    data = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert data["from"] == "2026-11-20T10:00:00+08:00"
    assert data["limit"] == "2026-11-21T10:00:00+08:00"


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T10:00:00+08:00", ""])
def test_ledger_due_with_a_bad_from_returns_2_and_explains(sqlite_env, capsys, value):
    assert cli.main(["due", "--from", value, "--class", "general"]) == 2
    captured = capsys.readouterr()
    assert "--from" in captured.err
    assert captured.out == ""
