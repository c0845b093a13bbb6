"""A year's schedule as a clerk types it from the State Council's notice,
one line per holiday or make-up working day:

    2027-01-01 至 2027-01-03 元旦 休
    2月6日至13日 春节 放假
    2027-02-07 班

Dates are ``2027-01-01``, ``2027/1/1``, ``2027年1月1日`` or ``1月1日`` (the
form's year); ``至``/``到``/``~`` makes a range, and ``13日`` after ``至``
stays in the month before it, as the notice writes it. A line ending in
``休``/``放假`` lists rest days and names its holiday; one with ``班``/``上班``
lists weekend days worked instead (``调休上班``). Weekdays in brackets
(``（周五）``) and a leading ``一、`` are ignored. Every line is read; the
errors name their line. Only reading happens here: whether the days make a
valid schedule (in the year, make-up days on weekends…) the ledger decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from ledger.errors import FieldError, InvalidInput
from ledger.workdays import Holiday

DATE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"|(?P<m2>\d{1,2})\s*月\s*(?P<d2>\d{1,2})\s*日"
    r"|(?P<d3>\d{1,2})\s*日"
)
RANGE = re.compile(r"[至到~～—–]|\s-\s")
WEEKDAY_NOTE = re.compile(r"[（(]\s*(?:周|星期|礼拜)[一二三四五六日天]\s*[)）]")
NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+|\d+)\s*[、.．]\s*")
WORK = re.compile(r"调休上班|上班|补班|班")
REST = re.compile(r"放假调休|放假|休息|休")
LONGEST_RUN = 31  # days; a longer range is a typing mistake (春节 is at most nine)
WEEKDAYS = "一二三四五六日"


def weekday(day: date) -> str:
    return f"周{WEEKDAYS[day.weekday()]}"


def spans(days: list[date]) -> str:
    """Days as the notice writes them: consecutive ones as a range, with weekdays."""
    groups: list[list[date]] = []
    for day in sorted(days):
        if groups and (day - groups[-1][-1]).days == 1:
            groups[-1].append(day)
        else:
            groups.append([day])
    one = lambda d: f"{d.isoformat()}（{weekday(d)}）"  # noqa: E731
    return "、".join(one(g[0]) if len(g) == 1 else f"{one(g[0])}至{one(g[-1])}" for g in groups)


@dataclass
class Line:
    """One line as read: its number, 休 or 班, the holiday's name, the days."""

    number: int
    rest: bool
    name: str
    days: list[date]


@dataclass
class ScheduleText:
    lines: list[Line] = field(default_factory=list)
    holidays: tuple[Holiday, ...] = ()
    makeup: tuple[date, ...] = ()
    # the line each holidays[i] / makeup[i] came from, to name it in the ledger's errors
    holiday_lines: list[int] = field(default_factory=list)
    makeup_lines: list[int] = field(default_factory=list)


def parse_schedule(text: str, year: int) -> ScheduleText:
    """The lines of ``text``; ``InvalidInput`` naming each bad line (field ``days.N``)."""
    out = ScheduleText()
    errors: list[FieldError] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            line = _line(number, raw, year)
        except ValueError as e:
            errors.append(FieldError(f"days.{number}", "bad_line", f"第{number}行：{e}"))
            continue
        for day in line.days:
            if day in seen:
                errors.append(FieldError(f"days.{number}", "duplicate", f"第{number}行：{day.isoformat()}已在第{seen[day]}行列出"))
                break
            seen[day] = number
        out.lines.append(line)
    if not out.lines and not errors:
        errors.append(FieldError("days", "required", "请逐行填写放假和调休上班的日期"))
    if errors:
        raise InvalidInput(errors)
    holidays, makeup = [], []
    for line in out.lines:
        for day in line.days:
            if line.rest:
                holidays.append((day, line.name, line.number))
            else:
                makeup.append((day, line.number))
    holidays.sort()
    makeup.sort()
    out.holidays = tuple(Holiday(day=d, name=n) for d, n, _ in holidays)
    out.holiday_lines = [n for _, _, n in holidays]
    out.makeup = tuple(d for d, _ in makeup)
    out.makeup_lines = [n for _, n in makeup]
    return out


def _line(number: int, raw: str, year: int) -> Line:
    text = WEEKDAY_NOTE.sub("", NUMBERING.sub("", raw)).strip()
    dates: list[date] = []
    ranges: list[bool] = []  # before each date after the first: was it joined by 至?
    rest_of_line = []
    last = 0
    for m in DATE.finditer(text):
        between = text[last:m.start()]
        if dates:
            ranges.append(bool(RANGE.search(between)))
        rest_of_line.append(RANGE.sub(" ", between) if dates else between)
        dates.append(_date(m, year, dates[-1] if dates else None))
        last = m.end()
    rest_of_line.append(text[last:])
    if not dates:
        raise ValueError("没有找到日期（格式如 2027-01-01 或 1月1日）")
    words = "".join(rest_of_line)
    work = WORK.search(words)
    rest = REST.search(words) if not work else None
    if not work and not rest:
        raise ValueError("请在行末写明“休”（放假）或“班”（调休上班）")
    name = re.sub(r"[\s:：,，、;；。.]+", " ", (WORK if work else REST).sub(" ", words)).strip()
    name = re.sub(r"共\s*\d+\s*天", "", name).strip()
    days: list[date] = [dates[0]]
    for joined, day in zip(ranges, dates[1:], strict=True):
        if joined:
            start = days[-1]
            if day < start:
                raise ValueError(f"结束日期{day.isoformat()}早于开始日期{start.isoformat()}")
            if (day - start).days >= LONGEST_RUN:
                raise ValueError(f"{start.isoformat()}至{day.isoformat()}超过{LONGEST_RUN}天，请检查日期")
            days += [start + timedelta(days=i) for i in range(1, (day - start).days + 1)]
        else:
            days.append(day)
    if rest and not name:
        raise ValueError("请写明节日名称，如“元旦”")
    return Line(number=number, rest=bool(rest), name=name if rest else "", days=days)


def _date(m: re.Match[str], year: int, before: date | None) -> date:
    try:
        if m["y"]:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        if m["m2"]:
            return date(year, int(m["m2"]), int(m["d2"]))
        if before is None:
            raise ValueError(f"“{m[0]}”缺少月份")
        return date(before.year, before.month, int(m["d3"]))
    except ValueError as e:
        if "缺少月份" in str(e):
            raise
        raise ValueError(f"“{m[0].strip()}”不是有效日期") from None
