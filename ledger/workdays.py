"""The Chinese working-day calendar and the service deadlines (pure).

A working day is Monday–Friday, minus statutory holidays, plus the make-up
weekend days (调休上班) of the State Council's yearly notice. The notice is
data: each year's schedule is recorded in the ledger; for a year without one
we fall back to Monday–Friday and mark the result *provisional*.

Day periods exclude the start day and end at the end of the Nth working day;
the 24-hour period of urgent needs runs on the clock (S0 §三.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from lunar_python import Lunar

from ledger.errors import InvalidInput
from ledger.values import CST, DeadlineClass, Due, Struct, check_instant


class Holiday(Struct):
    day: date
    name: str


class YearSchedule(Struct):
    """One year's official schedule: rest days of the statutory holidays
    (weekends included, as published) and the weekend days worked instead."""

    year: int
    holidays: tuple[Holiday, ...]
    makeup_workdays: tuple[date, ...]
    source: str

    def check(self) -> None:
        """Raise ``InvalidInput`` unless every date lies in the year and makes sense."""
        for i, h in enumerate(self.holidays):
            if h.day.year != self.year:
                raise InvalidInput.one(f"holidays[{i}].day", "wrong_year", f"{h.day}不在{self.year}年内")
            if not h.name.strip():
                raise InvalidInput.one(f"holidays[{i}].name", "required", "节假日名称不能为空")
        rest = {h.day for h in self.holidays}
        for i, d in enumerate(self.makeup_workdays):
            if d.year != self.year:
                raise InvalidInput.one(f"makeup_workdays[{i}]", "wrong_year", f"{d}不在{self.year}年内")
            if d.weekday() < 5:
                raise InvalidInput.one(f"makeup_workdays[{i}]", "not_weekend", f"{d}是工作日，调休上班日应为周末")
            if d in rest:
                raise InvalidInput.one(f"makeup_workdays[{i}]", "also_holiday", f"{d}同时被列为节假日和调休上班日")


# Business day periods end at the last second of the Nth working day.
END_OF_DAY = time(23, 59, 59)

WORKING_DAYS = {DeadlineClass.CONSULTATION: (1, 1), DeadlineClass.GENERAL: (3, 5)}
URGENT_HOURS = 24


class WorkCalendarView:
    """Answers "is this a working day?" from the recorded year schedules; a
    year without one rests on the statutory holidays (``ledger.workdays``)
    and works Monday to Friday otherwise."""

    def __init__(self, schedules: Mapping[int, YearSchedule]) -> None:
        self._known = set(schedules)
        self._sources = {year: s.source for year, s in schedules.items()}
        self._names = {h.day: h.name for s in schedules.values() for h in s.holidays}
        self._rest = set(self._names)
        self._makeup = {d for s in schedules.values() for d in s.makeup_workdays}
        self._assumed_rest: dict[int, frozenset[date]] = {}

    def knows(self, year: int) -> bool:
        return year in self._known

    def is_workday(self, day: date) -> bool:
        if day in self._makeup:
            return True
        if day in self._rest:
            return False
        if day.year not in self._known and day in self._statutory(day.year):
            return False
        return day.weekday() < 5

    def source(self, year: int) -> str | None:
        """Where the recorded schedule of ``year`` comes from (None: not recorded)."""
        return self._sources.get(year)

    def why(self, day: date) -> str:
        """Why ``day`` is or is not a working day, in the clerks' words."""
        weekday = "一二三四五六日"[day.weekday()]
        if day in self._makeup:
            return f"周{weekday}，调休上班，计入"
        if day in self._rest:
            return f"{self._names[day]}放假，不计"
        if day.year not in self._known and day in self._statutory(day.year):
            name = dict(statutory_holidays(day.year))[day]
            return f"{name}（按法定节假日推定）放假，不计"
        return f"周{weekday}，计入" if day.weekday() < 5 else f"周{weekday}，休息日，不计"

    def _statutory(self, year: int) -> frozenset[date]:
        days = self._assumed_rest.get(year)
        if days is None:
            days = self._assumed_rest[year] = frozenset(d for d, _ in statutory_holidays(year))
        return days

    def add_working_days(self, start: date, n: int) -> tuple[date, set[int]]:
        """The date of the nth working day after ``start`` (start excluded),
        and the years crossed that had no recorded schedule."""
        assumed: set[int] = set()
        day, count = start, 0
        while count < n:
            day += timedelta(days=1)
            if not self.knows(day.year):
                assumed.add(day.year)
            if self.is_workday(day):
                count += 1
        return day, assumed


def compute_due(start: datetime, deadline_class: DeadlineClass, calendar: WorkCalendarView) -> Due:
    """The due time(s) for a need accepted at ``start`` (an aware datetime)."""
    check_instant("from", start)
    local = start.astimezone(CST)
    if deadline_class is DeadlineClass.URGENT:
        limit = local + timedelta(hours=URGENT_HOURS)
        return Due(deadline_class=deadline_class, start=local, target=limit, limit=limit, provisional=False)
    target_days, limit_days = WORKING_DAYS[deadline_class]
    target_day, assumed = calendar.add_working_days(local.date(), target_days)
    limit_day, more = calendar.add_working_days(local.date(), limit_days)
    assumed |= more
    return Due(
        deadline_class=deadline_class,
        start=local,
        target=datetime.combine(target_day, END_OF_DAY, CST),
        limit=datetime.combine(limit_day, END_OF_DAY, CST),
        provisional=bool(assumed),
        assumed_years=tuple(sorted(assumed)),
    )


def explain_due(due: Due, calendar: WorkCalendarView) -> tuple[str, ...]:
    """How ``due`` was counted, one line per step: the start, every day
    walked (each holiday skipped and each make-up working day counted), and
    for each year crossed whether its schedule is recorded (with its source)
    or was assumed, which makes the deadline provisional."""
    start = due.start.astimezone(CST)
    if due.deadline_class is DeadlineClass.URGENT:
        return (f"紧急需求：自受理时（{start:%Y年%m月%d日 %H:%M}）起连续计算{URGENT_HOURS}小时，节假日照常计算",)
    lines = [f"受理时间 {start:%Y年%m月%d日 %H:%M}，当日不计入，自次日起按工作日计算"]
    target_n, limit_n = WORKING_DAYS[due.deadline_class]
    day, count, years = start.date(), 0, set()
    while count < limit_n:
        day += timedelta(days=1)
        years.add(day.year)
        working = calendar.is_workday(day)
        count += working
        mark = f"第{count}个工作日" if working else ""
        shown = f"{day:%m月%d日}" if day.year == start.year else f"{day:%Y年%m月%d日}"
        lines.append(f"{shown} {calendar.why(day)}{'，' + mark if mark else ''}"
                     + ("（目标时限）" if working and count == target_n and target_n != limit_n else ""))
    lines.append(f"第{limit_n}个工作日 {day:%Y年%m月%d日} 24时前为最迟办结时限")
    for year in sorted(years):
        source = calendar.source(year)
        lines.append(f"{year}年节假日安排已登记（{source}）" if source else
                     f"{year}年节假日安排尚未登记：暂按法定节假日和周一至周五推算，时限为暂定，登记后自动重算")
    return tuple(lines)


def known_schedules_from_package() -> list[YearSchedule]:
    """Every year the installed chinese-calendar package knows, as schedules."""
    import chinese_calendar
    from chinese_calendar import constants

    chinese_names = {h.value: h.chinese for h in constants.Holiday}
    source = f"chinese-calendar {chinese_calendar.__version__}（国务院办公厅节假日安排通知）"
    years = sorted({d.year for d in constants.holidays} | {d.year for d in constants.workdays})
    return [
        YearSchedule(
            year=y,
            holidays=tuple(
                Holiday(day=d, name=chinese_names.get(n, n))
                for d, n in sorted(constants.holidays.items())
                if d.year == y
            ),
            makeup_workdays=tuple(sorted(d for d in constants.workdays if d.year == y)),
            source=source,
        )
        for y in years
    ]


# ------------------------------------------------------ statutory holidays
#
# The statutory public holidays (法定节假日), fixed by law years ahead.
#
# 《全国年节及纪念日放假办法》 as revised in 2024 (in force from 2025) gives every
# citizen: 元旦 1 day (1 January); 春节 4 days (除夕 to 正月初三); 清明节 1 day
# (the solar term); 劳动节 2 days (1–2 May); 端午节 1 day (五月初五); 中秋节
# 1 day (八月十五); 国庆节 3 days (1–3 October). Only the State Council's yearly
# arrangement — the days bridged to a weekend and the weekend days worked
# instead (调休) — is unknown until it is published; a year without a recorded
# schedule therefore rests on these days and is still marked provisional.
#
# The lunar dates and the solar term come from ``lunar_python`` (6tail's lunar
# calendar, MIT, maintained; pure Python), checked in the tests against the
# published 2025 and 2026 schedules.

# The first year under the 2024 revision. Earlier years are all published
# (chinese-calendar knows 2004 on), so they never need this fallback.
FIRST_YEAR = 2025


def _solar(lunar: Lunar) -> date:
    s = lunar.getSolar()
    return date(s.getYear(), s.getMonth(), s.getDay())


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """The statutory rest days of ``year`` with their names, in order
    (before 2025: none, see FIRST_YEAR)."""
    if year < FIRST_YEAR:
        return ()
    new_year = _solar(Lunar.fromYmd(year, 1, 1))  # 正月初一 falls in January or February
    qingming = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    days = [
        (date(year, 1, 1), "元旦"),
        *((new_year + timedelta(days=n), "春节") for n in range(-1, 3)),  # 除夕 to 初三
        (date(qingming.getYear(), qingming.getMonth(), qingming.getDay()), "清明节"),
        (date(year, 5, 1), "劳动节"),
        (date(year, 5, 2), "劳动节"),
        (_solar(Lunar.fromYmd(year, 5, 5)), "端午节"),
        (_solar(Lunar.fromYmd(year, 8, 15)), "中秋节"),
        *((date(year, 10, d), "国庆节") for d in (1, 2, 3)),
    ]
    return tuple(sorted(days))


def assumed_note(years: tuple[int, ...]) -> str | None:
    """What a provisional deadline assumed, in the clerks' words."""
    if not years:
        return None
    return (
        f"{'、'.join(str(y) for y in years)}年的国务院节假日安排尚未登记：已按法定节假日休息计算"
        "（元旦、春节除夕至初三、清明节、劳动节5月1日至2日、端午节、中秋节、国庆节10月1日至3日），"
        "连休和调休上班尚未计入，时限暂定"
    )
