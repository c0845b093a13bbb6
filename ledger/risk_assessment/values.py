"""Value types of the periodic assessment report of the legal-risk prevention
(法律风险防控分析评估报告, seed 002 第二十一条): periods and their deadlines, the
four sections as submitted, and the canonical form a snapshot's SHA-256 is
computed over.

**The four sections** (第二十一条(一)–(四)):

1. ``Basics`` 基本情况 — the points identified and their measures (the edition
   of the authority's list in force on the period's last day), the opinions
   solicited for it, and its publication (date, channels, document number).
2. ``MeasureLine`` 实施防控 — one line per citation of a point in the period by a
   booked case, a service, a guidance or a mediation: its time, place, staff and
   what was done, read from that record's view.
3. ``Comparison`` 对比分析 — the same period of the year before: records citing
   each point, the ratings of the cited cases (rated, satisfied), penalties
   reversed on them.
4. ``Summary`` 总结评估 — written by the authority: 取得的经验、存在问题和意见建议.

**Deadlines.** A period's report is due ``due_days`` days after its last day
(that day not counted), in working days on the ledger's calendar unless the
authority's schedule counts calendar days (``ledger.register_reports.values``'s
``ReportDue``, ``provisional`` when a year's schedule was assumed). A report
for a period not yet over is refused: on the last day itself too.

**The canonical form** of a snapshot (what ``sha256`` is computed over): the
bytes ``msgspec.json.encode`` writes for ``{"authority": …, "period": …,
"sections": …, "summary": …}`` — keys in that order, Structs as objects with
their fields in declaration order, UTF-8 without escapes, no whitespace.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import msgspec

from ledger.register_reports.values import DayCounting, ReportDue
from ledger.values import LabelledEnum, Struct
from ledger.workdays import WorkCalendarView

DEFAULT_DUE_DAYS = 15
MAX_DUE_DAYS = 90
QUARTER_LABELS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodKind(LabelledEnum):
    """How often an authority assesses (its setting)."""

    QUARTER = "quarter", "每季度"
    YEAR = "year", "每年度"


class Period(Struct):
    """One period: a quarter (``number`` 1–4) or a year (``number`` 0)."""

    kind: PeriodKind
    year: int
    number: int = 0

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1) if self.kind is PeriodKind.YEAR else date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        if self.kind is PeriodKind.YEAR or self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年度" if self.kind is PeriodKind.YEAR else f"{self.year}年{QUARTER_LABELS[self.number]}"

    @property
    def key(self) -> str:
        """``2026`` or ``2026-Q3``: the period in a path or a file name."""
        return str(self.year) if self.kind is PeriodKind.YEAR else f"{self.year}-Q{self.number}"

    def last_year(self) -> Period:
        """The same period of the year before (对比分析的同期)."""
        return Period(kind=self.kind, year=self.year - 1, number=self.number)


def parse_period(text: str) -> Period | None:
    """``2026`` or ``2026-Q3`` (case-insensitive); None when it is neither."""
    text = text.strip().upper()
    year, _, quarter = text.partition("-Q")
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        return None
    if not quarter:
        return Period(kind=PeriodKind.YEAR, year=int(year)) if "-" not in text else None
    return Period(kind=PeriodKind.QUARTER, year=int(year), number=int(quarter)) if quarter in "1234" and len(
        quarter) == 1 else None


def latest_ended(kind: PeriodKind, today: date) -> Period:
    """The last period of ``kind`` that is over on ``today``."""
    if kind is PeriodKind.YEAR:
        return Period(kind=kind, year=today.year - 1)
    quarter = (today.month - 1) // 3 + 1
    return Period(kind=kind, year=today.year - 1, number=4) if quarter == 1 else Period(
        kind=kind, year=today.year, number=quarter - 1)


class Schedule(Struct):
    """An authority's setting: how often, and how many days after a period its report is due."""

    period: PeriodKind = PeriodKind.QUARTER
    due_days: int = DEFAULT_DUE_DAYS
    counting: DayCounting = DayCounting.WORKING


def assessment_due(period: Period, schedule: Schedule, calendar: WorkCalendarView) -> ReportDue:
    """When ``period``'s report is due: ``due_days`` days after its last day."""
    last = period.last_day
    if schedule.counting is DayCounting.WORKING:
        due_on, assumed = calendar.add_working_days(last, schedule.due_days)
    else:
        due_on, assumed = last + timedelta(days=schedule.due_days), set()
    return ReportDue(counting=schedule.counting, days=schedule.due_days, start=last + timedelta(days=1),
                     due_on=due_on, provisional=bool(assumed), assumed_years=tuple(sorted(assumed)))


# ---------------------------------------------------------------- the sections


class PointLine(Struct):
    """A point of the list in force, with how often it was cited in the period."""

    code: str
    category: str
    point: str
    grade: str  # 高 / 中 / 低 (the label, as published)
    legal_basis: str
    measures: str
    cited: int


class Basics(Struct):
    """基本情况: the list in force on the period's last day and its publication."""

    edition: str = ""  # the version, empty when none was in force
    title: str = ""
    effective_from: str = ""
    document_number: str = ""
    published_on: str = ""
    channels: str = ""
    solicitations: int = 0
    points: tuple[PointLine, ...] = ()

    def graded(self, grade: str) -> int:
        return sum(1 for p in self.points if p.grade == grade)


class MeasureLine(Struct):
    """实施防控: one record that cited a point — when, where, who, what."""

    point_code: str
    point: str
    record_kind: str  # label
    reference: str
    time: str
    place: str
    staff: str
    content: str
    unit: str


class ComparisonLine(Struct):
    point_code: str
    point: str
    now: int
    before: int


class Comparison(Struct):
    """对比分析: this period against the same period of the year before."""

    before_label: str
    lines: tuple[ComparisonLine, ...] = ()
    rated_now: int = 0
    satisfied_now: int = 0
    rated_before: int = 0
    satisfied_before: int = 0
    reversals_now: int = 0
    reversals_before: int = 0


class Sections(Struct):
    """The first three sections, as the server drew them from the views."""

    basics: Basics
    measures: tuple[MeasureLine, ...]
    comparison: Comparison


class Summary(Struct):
    """总结评估, written by the authority."""

    experience: str
    problems: str
    suggestions: str


def canonical(authority: str, period: Period, sections: Sections, summary: Summary) -> bytes:
    """The bytes a snapshot's ``sha256`` is computed over (module docstring)."""
    return msgspec.json.encode({"authority": authority, "period": period, "sections": sections, "summary": summary})


def snapshot_sha256(authority: str, period: Period, sections: Sections, summary: Summary) -> str:
    return hashlib.sha256(canonical(authority, period, sections, summary)).hexdigest()


def sections_sha256(sections: Sections) -> str:
    """The hash of the three drawn sections alone (``msgspec.json.encode``):
    what the submitter saw before writing the 总结评估."""
    return hashlib.sha256(msgspec.json.encode(sections)).hexdigest()


class Snapshot(Struct):
    """The report as submitted and its hash."""

    sections: Sections
    summary: Summary
    sha256: str
    submitted_at: datetime
    submitted_by: str
