"""The due time explains itself: the walk from the start to the limit, one
line per day, agrees with ``compute_due`` and names every holiday skipped,
every make-up working day counted and every year assumed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from ledger.values import CST, DeadlineClass
from ledger.workdays import Holiday, WorkCalendarView, YearSchedule, compute_due, explain_due

SCHEDULE_2026 = YearSchedule(
    year=2026,
    holidays=tuple(Holiday(day=date(2026, 10, d), name="国庆节") for d in range(1, 8)),
    makeup_workdays=(date(2026, 10, 10),),
    source="国办发明电〔2025〕7号",
)


@pytest.mark.parametrize("start", [datetime(2026, 9, 30, 10, tzinfo=CST), datetime(2026, 12, 30, 16, tzinfo=CST),
                                   datetime(2026, 6, 5, 9, tzinfo=CST)])
@pytest.mark.parametrize("kind", [DeadlineClass.CONSULTATION, DeadlineClass.GENERAL])
def test_the_walk_ends_on_the_computed_limit_and_counts_as_many_working_days(start: datetime, kind: DeadlineClass) -> None:
    calendar = WorkCalendarView({2026: SCHEDULE_2026})
    due = compute_due(start, kind, calendar)
    lines = explain_due(due, calendar)
    walked = [line for line in lines[1:] if line[:2].isdigit() and "日 " in line]
    assert len(walked) == (due.limit.date() - start.date()).days
    counted = [line for line in walked if "个工作日" in line]
    assert len(counted) == (1 if kind is DeadlineClass.CONSULTATION else 5)
    assert f"{due.limit:%Y年%m月%d日}" in next(line for line in lines if "最迟办结时限" in line)
    # every day walked that is not counted is a weekend or a holiday, and says so
    for i, line in enumerate(walked):
        day = start.date() + timedelta(days=i + 1)
        assert ("计入" in line and "不计" not in line) == calendar.is_workday(day)


def test_holidays_and_make_up_days_are_named_and_the_source_is_cited() -> None:
    calendar = WorkCalendarView({2026: SCHEDULE_2026})
    lines = explain_due(compute_due(datetime(2026, 9, 30, 10, tzinfo=CST), DeadlineClass.GENERAL, calendar), calendar)
    assert "10月01日 国庆节放假，不计" in lines
    assert "10月10日 周六，调休上班，计入，第3个工作日（目标时限）" in lines
    assert "2026年节假日安排已登记（国办发明电〔2025〕7号）" in lines


def test_a_year_without_a_schedule_is_said_to_be_assumed_and_the_deadline_provisional() -> None:
    calendar = WorkCalendarView({2026: SCHEDULE_2026})
    due = compute_due(datetime(2026, 12, 30, 10, tzinfo=CST), DeadlineClass.GENERAL, calendar)
    lines = explain_due(due, calendar)
    assert due.provisional
    assert "2027年01月01日 元旦（按法定节假日推定）放假，不计" in lines
    assert any(line.startswith("2027年节假日安排尚未登记") and "暂定" in line for line in lines)


def test_an_urgent_need_runs_on_the_clock() -> None:
    calendar = WorkCalendarView({})
    lines = explain_due(compute_due(datetime(2026, 10, 1, 9, tzinfo=CST), DeadlineClass.URGENT, calendar), calendar)
    assert lines == ("紧急需求：自受理时（2026年10月01日 09:00）起连续计算24小时，节假日照常计算",)
