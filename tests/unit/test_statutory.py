"""The statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision),
computed years ahead, and the provisional deadlines that rest on them."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from ledger.values import CST, DeadlineClass
from ledger.workdays import (
    WorkCalendarView,
    assumed_note,
    compute_due,
    known_schedules_from_package,
    statutory_holidays,
)

KNOWN = {s.year: s for s in known_schedules_from_package()}


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), time(23, 59, 59), CST)


def test_each_year_has_the_thirteen_statutory_days_of_the_2024_revision():
    for year in range(2025, 2061):
        days = statutory_holidays(year)
        names = [name for _, name in days]
        # 13 statutory days; 中秋 can fall within 国庆 (as on 2028-10-03)
        assert len(days) == 13 and len({d for d, _ in days}) >= 12, year
        assert (names.count("春节"), names.count("劳动节"), names.count("国庆节")) == (4, 2, 3)
        assert all(d.year == year for d, _ in days)


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_statutory_day_is_a_rest_day_in_the_published_schedules(year: int):
    # the first two years under the 2024 revision, as the State Council published them
    rest = {h.day for h in KNOWN[year].holidays}
    missing = [(d, name) for d, name in statutory_holidays(year) if d not in rest]
    assert not missing


def test_the_2027_spring_festival_runs_from_new_years_eve_on_5_february():
    spring = [d for d, name in statutory_holidays(2027) if name == "春节"]
    assert spring == [date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)]
    lunar = {name: d for d, name in statutory_holidays(2027) if name in ("清明节", "端午节", "中秋节")}
    assert lunar == {"清明节": date(2027, 4, 5), "端午节": date(2027, 6, 9), "中秋节": date(2027, 9, 15)}


def test_a_provisional_deadline_in_2027_skips_the_spring_festival():
    # 2027-02-03 Wed: 02-04 Thu (1); 02-05 除夕 … 02-08 初三 rest; 02-09 (2), 02-10 (3), 02-11 (4), 02-12 (5)
    due = compute_due(datetime(2027, 2, 3, 10, tzinfo=CST), DeadlineClass.GENERAL, WorkCalendarView(KNOWN))
    assert (due.target, due.limit) == (end_of(2027, 2, 10), end_of(2027, 2, 12))
    assert (due.provisional, due.assumed_years) == (True, (2027,))
    assert "春节除夕至初三" in assumed_note(due.assumed_years) and "调休" in assumed_note(due.assumed_years)


def test_a_provisional_deadline_skips_labour_day_and_national_day():
    view = WorkCalendarView(KNOWN)
    # 2027-04-30 Fri: 05-01 Sat, 05-02 Sun (statutory, weekend anyway), 05-03 Mon (1)
    assert compute_due(datetime(2027, 4, 30, 10, tzinfo=CST), DeadlineClass.CONSULTATION, view).limit == end_of(2027, 5, 3)
    # 2027-09-30 Thu: 10-01 Fri 国庆 rest, 10-04 Mon (1)
    assert compute_due(datetime(2027, 9, 30, 10, tzinfo=CST), DeadlineClass.CONSULTATION, view).limit == end_of(2027, 10, 4)


def test_a_recorded_year_uses_its_schedule_not_the_statutory_assumption():
    # a recorded schedule is the whole truth: 2026-10-08 was published as a working day
    view = WorkCalendarView(KNOWN)
    assert view.is_workday(date(2026, 10, 9)) and not view.is_workday(date(2026, 10, 1))
    assert assumed_note(()) is None
