"""Values of the supervision feedback slice (seed 003 四): where a box hangs and
who empties it, where a problem came from, which kind of enforcement act it is
about, and a letter's state. Enum values are stored forever; labels are the
seed's words."""

from __future__ import annotations

import re
from datetime import date, timedelta

from ledger.errors import InvalidInput
from ledger.values import LabelledEnum, Struct
from ledger.workdays import WorkCalendarView

EMPTY_NOTE = "本月无意见建议"  # what a month's check says when the box held nothing
FORMS_DUE_DAY = 5  # 次月5日前
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BoxKind(LabelledEnum):
    SUGGESTION_BOX = "box", "建议箱"
    MAILBOX = "mailbox", "电子信箱"


class BoxSite(LabelledEnum):
    """Where the box hangs (or whose address the mailbox is)."""

    JUSTICE_BUREAU = "justice_bureau", "司法局"
    SERVICE_CENTRE = "service_centre", "市级行政执法便民服务（分）中心"
    TOWN_CENTRE = "town_centre", "镇级为民服务中心"


class Collector(LabelledEnum):
    """Who collects a box, as seed 003 四 assigns it."""

    SUPERVISION = "supervision", "司法局行政执法协调监督科"
    CENTRE = "centre", "便民服务（分）中心"
    JUSTICE_OFFICE = "justice_office", "司法所"


def collector_of(site: BoxSite, kind: BoxKind) -> Collector:
    """司法局电子信箱、便民服务（分）中心建议箱由司法局行政执法协调监督科负责收集处理；
    便民服务（分）中心电子信箱由各便民服务（分）中心收集处理；镇级为民服务中心建议箱和
    电子信箱由司法所收集处理 (seed 003 四)."""
    if site is BoxSite.JUSTICE_BUREAU:
        return Collector.SUPERVISION
    if site is BoxSite.SERVICE_CENTRE:
        return Collector.SUPERVISION if kind is BoxKind.SUGGESTION_BOX else Collector.CENTRE
    return Collector.JUSTICE_OFFICE


class FeedbackSource(LabelledEnum):
    """附件5 情况来源."""

    CONTACT_POINT = "contact_point", "联系点"
    INVITED_SUPERVISOR = "invited_supervisor", "监督员"
    PAIRED_ENTERPRISE = "paired_enterprise", "结对企业"
    MAILBOX = "mailbox", "信箱（邮箱）"
    OTHER = "other", "其他"


class ActCategory(LabelledEnum):
    """The kind of enforcement act a problem is about (类型化, seed 003 一、四)."""

    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    LEVY = "levy", "行政征收"
    INSPECTION = "inspection", "行政检查"
    OTHER = "other", "其他"


class LetterState(LabelledEnum):
    ISSUED = "issued", "已制发，待答复"
    ANSWERED = "answered", "单位已答复，待核实"
    VERIFIED = "verified", "整改到位"
    REISSUED = "reissued", "已再次制发"


class LetterSource(LabelledEnum):
    """Why a letter was issued. ``REVERSAL`` letters are the objections of
    ``ledger.supervision.ReversalReview`` (their own events, read into the
    letters' list by the projection, never written here)."""

    FEEDBACK = "feedback", "建议意见反馈表"
    INITIATIVE = "initiative", "主动监督"
    REISSUE = "reissue", "再次制发"
    REVERSAL = "reversal", "处罚撤销审查"


class Person(Struct):
    """A user as the directory knew them when the record was made."""

    id: str
    name: str


def parse_month(text: str, field: str = "month") -> tuple[int, int]:
    """2026-10 → (2026, 10); anything else is a field error."""
    m = MONTH.match((text or "").strip())
    if not m:
        raise InvalidInput.one(field, "bad_month", "月份格式应为“年-月”，例如 2026-10")
    return int(m.group(1)), int(m.group(2))


def month_label(text: str) -> str:
    year, month = parse_month(text)
    return f"{year}年{month}月"


def forms_due(month: str, calendar: WorkCalendarView) -> date:
    """The last day a month's feedback forms reach the 司法局: 次月5日前.

    Counted in calendar days, as the seed writes it: the 5th of the next
    month is the last day (前 includes it, as in 4月12日前上报). When the 5th
    is a rest day by the recorded work calendar (a weekend, or a holiday such
    as 国庆 on 5 October), the last day moves to the next working day — the
    general rule on periods (民法典 Art. 203), as the 15-day filing does
    (``ledger.supervision.filing_due``). A year without a recorded schedule
    rests on weekends and the statutory holidays (``WorkCalendarView``)."""
    year, mon = parse_month(month)
    due = date(year + (mon == 12), mon % 12 + 1, FORMS_DUE_DAY)
    while not calendar.is_workday(due):
        due += timedelta(days=1)
    return due
