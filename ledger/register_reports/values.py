"""Value types of the quarterly report of the 行政指导事项登记簿 (seed 004 六):
quarters and their reporting deadlines, the register's lines as submitted, and
the canonical form whose SHA-256 a snapshot carries.

Deadlines (pure, on the ledger's work calendar):

- A unit reports the previous quarter "每季度开始5日内": by the end of the 5th
  day of the new quarter, the quarter's first day counted as day 1 — with
  working days (the default) the 5th working day of the new quarter, with
  calendar days the 5th of its first month. Counted with
  ``WorkCalendarView.add_working_days`` from the reported quarter's last day
  (which excludes its start day), so the first day of the new quarter is the
  first day counted.
- The office (局办公室) reports the consolidation upward "汇总后于3日内": within
  3 days after the day it consolidated (that day not counted), in the same kind
  of days.
- A day period that touches a year whose State Council schedule is not recorded
  assumes Monday–Friday plus the statutory holidays and is *provisional*
  (``assumed_years``), as the cases' deadlines are.

The canonical form of a snapshot (what ``sha256`` is computed over): the UTF-8
bytes of the JSON object ``{"unit": …, "year": …, "quarter": …, "lines": […]}``
with the keys in exactly that order, each line an object with the keys
``seq, time, matter, result, staff, source, ref`` in that order, no whitespace
between tokens, non-ASCII characters written as themselves (not ``\\u``
escapes), ``"`` and ``\\`` and the control characters escaped as JSON requires
— what Python's ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``
writes. A consolidation's canonical form is ``{"office": …, "year": …,
"quarter": …, "reports": [{"unit": …, "version": …, "sha256": …}, …]}`` the same
way, in the order the reports are listed (by unit): it names each unit's
snapshot by its own hash, so the consolidated register is fixed by the reports
it cites.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from uuid import UUID

from ledger.values import CST, LabelledEnum, Struct
from ledger.workdays import END_OF_DAY, WorkCalendarView

REPORT_DAYS = 5  # 每季度开始5日内
FORWARD_DAYS = 3  # 汇总后于3日内
QUARTER_LABELS = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class DayCounting(LabelledEnum):
    """How the reporting periods count (``ledger.settings``: ``LEDGER_REPORT_DAYS``)."""

    WORKING = "working", "工作日"
    CALENDAR = "calendar", "自然日"


class ReportState(LabelledEnum):
    """Where the latest version of a unit's quarterly report stands."""

    SUBMITTED = "submitted", "已报送，待接收"
    RECEIVED = "received", "已接收"
    RETURNED = "returned", "已退回，待更正"


class RegisterLine(Struct):
    """One line of the 登记簿 as submitted (seed 001 附件4: 序号, 时间, 指导事项,
    指导结果, 指导人员), with where it came from: ``source`` ``case`` (a
    service on a booked case) or ``guidance`` (the unit's own), ``ref`` that
    record's id."""

    seq: int
    time: str
    matter: str
    result: str
    staff: str
    source: str = ""
    ref: str = ""


class ReportDue(Struct):
    """A reporting deadline: ``days`` days of ``counting`` from ``start`` (the
    first day counted), ending at the end of ``due_on``. ``provisional``: a
    year it touches had no recorded schedule (``assumed_years``)."""

    counting: DayCounting
    days: int
    start: date
    due_on: date
    provisional: bool
    assumed_years: tuple[int, ...] = ()

    @property
    def due_at(self) -> datetime:
        return datetime.combine(self.due_on, END_OF_DAY, CST)


class Snapshot(Struct):
    """The register as one version of a report submitted it: its lines, the
    SHA-256 of their canonical form (module docstring) and the SHA-256 of its
    XLSX file as rendered at submission (the file is drawn again, bit for bit,
    from these lines: ``projections.register_reports.export``)."""

    lines: tuple[RegisterLine, ...]
    sha256: str
    xlsx_sha256: str


class ReportVersion(Struct):
    """One submitted version of a unit's quarterly report and what the office
    did with it. ``corrects``: the version it replaces (0: the first)."""

    number: int
    snapshot: Snapshot
    submitted_at: datetime
    submitted_by: str
    corrects: int = 0
    reason: str = ""
    received_at: datetime | None = None
    received_by: str = ""
    returned_at: datetime | None = None
    returned_by: str = ""
    return_reason: str = ""


class ConsolidatedReport(Struct):
    """A unit's report as a consolidation includes it: which version, its hash."""

    report_id: UUID
    unit: str
    version: int
    sha256: str
    lines: int


class Forwarding(Struct):
    """报送上级: when, through the platform under which reference, and whether late."""

    forwarded_on: date
    platform_ref: str
    by: str
    late: bool


# ------------------------------------------------------------------ quarters


def quarter_first_day(year: int, quarter: int) -> date:
    return date(year, 3 * quarter - 2, 1)


def quarter_last_day(year: int, quarter: int) -> date:
    return next_quarter_start(year, quarter) - timedelta(days=1)


def next_quarter_start(year: int, quarter: int) -> date:
    return date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(day: date) -> tuple[int, int]:
    """The quarter a unit reports on ``day``: the one before ``day``'s."""
    year, quarter = quarter_of(day)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def period_label(year: int, quarter: int) -> str:
    return f"{year}年第{quarter}季度"


# ----------------------------------------------------------------- deadlines


def _count(after: date, days: int, counting: DayCounting, calendar: WorkCalendarView) -> tuple[date, set[int]]:
    """The ``days``-th day after ``after`` (not counted) and the unrecorded years crossed."""
    if counting is DayCounting.WORKING:
        return calendar.add_working_days(after, days)
    end = after + timedelta(days=days)
    return end, set()


def report_due(year: int, quarter: int, counting: DayCounting, calendar: WorkCalendarView) -> ReportDue:
    """When a unit's register of ``quarter`` is due (每季度开始5日内)."""
    start = next_quarter_start(year, quarter)
    due_on, assumed = _count(start - timedelta(days=1), REPORT_DAYS, counting, calendar)
    return ReportDue(counting=counting, days=REPORT_DAYS, start=start, due_on=due_on, provisional=bool(assumed),
                     assumed_years=tuple(sorted(assumed)))


def forward_due(consolidated_on: date, counting: DayCounting, calendar: WorkCalendarView) -> ReportDue:
    """When the office must report a consolidation made on ``consolidated_on`` upward (汇总后于3日内)."""
    due_on, assumed = _count(consolidated_on, FORWARD_DAYS, counting, calendar)
    return ReportDue(counting=counting, days=FORWARD_DAYS, start=consolidated_on + timedelta(days=1), due_on=due_on,
                     provisional=bool(assumed), assumed_years=tuple(sorted(assumed)))


def explain(due: ReportDue, calendar: WorkCalendarView, what: str) -> tuple[str, ...]:
    """How ``due`` was counted, one line per day walked (as ``ledger.workdays.explain_due``
    does for a case): why each day counts or not, and each year's schedule."""
    first = due.start
    if due.counting is DayCounting.CALENDAR:
        lines = [f"{what}：自{first:%Y年%m月%d日}起连续计算{due.days}日（自然日，节假日照常计算）",
                 f"第{due.days}日 {due.due_on:%Y年%m月%d日} 24时前为期限"]
        return tuple(lines)
    lines = [f"{what}：自{first:%Y年%m月%d日}起按工作日计算，共{due.days}个工作日"]
    day, count, years = first, 0, set()
    while True:
        years.add(day.year)
        working = calendar.is_workday(day)
        count += working
        lines.append(f"{day:%m月%d日} {calendar.why(day)}{f'，第{count}个工作日' if working else ''}")
        if working and count == due.days:
            break
        day += timedelta(days=1)
    lines.append(f"第{due.days}个工作日 {day:%Y年%m月%d日} 24时前为期限")
    for year in sorted(years):
        source = calendar.source(year)
        lines.append(f"{year}年节假日安排已登记（{source}）" if source else
                     f"{year}年节假日安排尚未登记：暂按法定节假日和周一至周五推算，期限为暂定")
    return tuple(lines)


# ------------------------------------------------------------ canonical forms


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def canonical_snapshot(unit: str, year: int, quarter: int, lines: tuple[RegisterLine, ...]) -> bytes:
    """The bytes a snapshot's ``sha256`` is computed over (module docstring)."""
    return _canonical({
        "unit": unit, "year": year, "quarter": quarter,
        "lines": [{"seq": li.seq, "time": li.time, "matter": li.matter, "result": li.result, "staff": li.staff,
                   "source": li.source, "ref": li.ref} for li in lines],
    })


def snapshot_sha256(unit: str, year: int, quarter: int, lines: tuple[RegisterLine, ...]) -> str:
    return hashlib.sha256(canonical_snapshot(unit, year, quarter, lines)).hexdigest()


def canonical_consolidation(office: str, year: int, quarter: int, reports: tuple[ConsolidatedReport, ...]) -> bytes:
    return _canonical({
        "office": office, "year": year, "quarter": quarter,
        "reports": [{"unit": r.unit, "version": r.version, "sha256": r.sha256} for r in reports],
    })


def consolidation_sha256(office: str, year: int, quarter: int, reports: tuple[ConsolidatedReport, ...]) -> str:
    return hashlib.sha256(canonical_consolidation(office, year, quarter, reports)).hexdigest()
