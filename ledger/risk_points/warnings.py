"""自动预警 (seed 002 第二十二条): which warnings the rules raise on a day, from
the published lists and the citations alone (pure: the view's queries feed it).

Two rules per point:

- ``citations``: more than ``citation_threshold`` records cite the point
  within the last 30 days (the day itself and the 29 before). The warning's
  window is the first day of the current run of days over the threshold, so
  a warning handled once stays handled while the run lasts; a new run after
  the count fell back is a new warning.
- ``no_guidance``: a high-grade point, high in the list in force on both the
  first and the last day of the last quarter that has ended, that no guidance
  (a service or an agency guidance) cited in that quarter. On a quarter's
  last day the quarter is not over yet: it is judged from the next day.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ledger.risk_points.values import GUIDING_KINDS, RecordKind, RiskGrade, WarningRule

WINDOW_DAYS = 30
DAY = timedelta(days=1)


@dataclass(frozen=True)
class PointRule:
    code: str
    point: str
    grade: RiskGrade
    citation_threshold: int | None


@dataclass(frozen=True)
class Citation:
    code: str
    kind: RecordKind
    on: date


@dataclass(frozen=True)
class Raised:
    code: str
    point: str
    grade: RiskGrade
    rule: WarningRule
    window: str  # the key part naming the period: a run's first day, or 2026Q3
    detail: str


def quarter_of(day: date) -> tuple[date, date, str]:
    """The quarter holding ``day``: first day, last day, key (``2026Q3``)."""
    q = (day.month - 1) // 3
    first = date(day.year, 3 * q + 1, 1)
    nxt = date(day.year + 1, 1, 1) if q == 3 else date(day.year, 3 * q + 4, 1)
    return first, nxt - DAY, f"{day.year}Q{q + 1}"


def last_ended_quarter(today: date) -> tuple[date, date, str]:
    first, _, _ = quarter_of(today)
    return quarter_of(first - DAY)


def quarter_label(key: str) -> str:
    return f"{key[:4]}年第{key[-1]}季度"


def raised(points_on: Callable[[date], Iterable[PointRule]], citations: Iterable[Citation], today: date) -> list[Raised]:
    """The warnings raised on ``today``; ``points_on(day)`` gives the points
    of the list in force that day."""
    by_code: dict[str, list[date]] = {}
    guided: set[str] = set()
    q_first, q_last, q_key = last_ended_quarter(today)
    for c in citations:
        if c.on <= today:
            by_code.setdefault(c.code, []).append(c.on)
        if c.kind in GUIDING_KINDS and q_first <= c.on <= q_last:
            guided.add(c.code)
    out: list[Raised] = []
    current = list(points_on(today))
    for p in current:
        if p.citation_threshold is None:
            continue
        days = sorted(by_code.get(p.code, ()))

        def count(d: date, days: list[date] = days) -> int:
            return bisect_right(days, d) - bisect_left(days, d - (WINDOW_DAYS - 1) * DAY)

        n = count(today)
        if n <= p.citation_threshold:
            continue
        start = today
        while count(start - DAY) > p.citation_threshold:
            start -= DAY
        out.append(Raised(p.code, p.point, p.grade, WarningRule.CITATIONS, start.isoformat(),
                          f"近{WINDOW_DAYS}日被引用{n}次，超过预警阈值{p.citation_threshold}次（自{start}起）"))
    high_first = {p.code for p in points_on(q_first) if p.grade is RiskGrade.HIGH}
    for p in points_on(q_last):
        if p.grade is RiskGrade.HIGH and p.code in high_first and p.code not in guided:
            out.append(Raised(p.code, p.point, p.grade, WarningRule.NO_GUIDANCE, q_key,
                              f"{quarter_label(q_key)}没有指导服务或行政指导引用该高风险点"))
    return sorted(out, key=lambda r: (r.rule.value, r.code, r.window))
