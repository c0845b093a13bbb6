"""Valid example values for the supervision feedback tests (seed 003 四):
the 司法局's department, a 司法所 that collects a town centre's box, two
enforcement units, and their people; override what a test is about."""

from __future__ import annotations

from datetime import date, datetime

from ledger.directory import UnitKind
from ledger.directory.commands import RegisterUnit, RegisterUser
from ledger.feedback.commands import (
    AnswerSuggestionLetter,
    CheckBox,
    FillInFeedbackForm,
    InstallBox,
    IssueSuggestionLetter,
)
from ledger.feedback.values import ActCategory, BoxKind, BoxSite, FeedbackSource
from ledger.values import CST, Actor, Role
from tests.builders import ADMIN, FIRE, MARKET, ctx

BUREAU = "司法局执法监督科"  # the 司法局's 行政执法协调监督科 (a supervision unit)
OFFICE = "如城司法所"  # collects the 如城街道为民服务中心's box and mailbox
TOWN_CENTRE = "如城街道为民服务中心"

WU = Actor(id="wujian", name="吴监", role=Role.SUPERVISOR, unit=BUREAU)
CHEN = Actor(id="chenli", name="陈立", role=Role.UNIT_STAFF, unit=OFFICE)  # the box's keeper, 制表
GU = Actor(id="guming", name="顾明", role=Role.UNIT_STAFF, unit=OFFICE)  # 所长, 审核
WANG = Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=MARKET)
SUN = Actor(id="sunhao", name="孙浩", role=Role.UNIT_STAFF, unit=FIRE)
PEOPLE = (WU, CHEN, GU, WANG, SUN)

ON_TIME = datetime(2026, 11, 4, 10, 0, tzinfo=CST)  # before the 5th: October's forms are on time


def seed_feedback_directory(ledger, office_kind: UnitKind = UnitKind.OTHER) -> None:
    """The units and people, registered by an administrator. The 司法所 is a
    unit of any kind the directory has (a kind of its own comes with issue 18 item 1)."""
    for name, kind in ((BUREAU, UnitKind.SUPERVISION), (OFFICE, office_kind), (MARKET, UnitKind.ENFORCEMENT),
                       (FIRE, UnitKind.ENFORCEMENT)):
        ledger.execute(ctx(ADMIN), RegisterUnit(name=name, kind=kind))
    for who in PEOPLE:
        ledger.execute(ctx(ADMIN), RegisterUser(username=who.id, display_name=who.name, role=who.role, unit=who.unit))


def install_cmd(**over) -> InstallBox:
    values = dict(kind=BoxKind.SUGGESTION_BOX, site=BoxSite.TOWN_CENTRE, site_name=TOWN_CENTRE,
                  collecting_unit=OFFICE, keeper=CHEN.id)
    values.update(over)
    return InstallBox(**values)


def check_cmd(box_id, **over) -> CheckBox:
    values = dict(box_id=box_id, month="2026-10", received=2, note="收到来信2封", business_time=ON_TIME)
    values.update(over)
    return CheckBox(**values)


def form_cmd(box_id=None, **over) -> FillInFeedbackForm:
    values = dict(
        month="2026-10", source=FeedbackSource.MAILBOX if box_id else FeedbackSource.CONTACT_POINT,
        source_detail="" if box_id else "如皋市恒力机械有限公司（企业联系点）", box_id=box_id,
        category=ActCategory.INSPECTION, problem="市场监管所一个月内对同一企业重复检查三次，每次要求提交相同材料",
        suggestion="建议统筹检查计划，推行“综合查一次”", reviewer=GU.id, business_time=ON_TIME,
    )
    values.update(over)
    return FillInFeedbackForm(**values)


def letter_cmd(**over) -> IssueSuggestionLetter:
    values = dict(unit=MARKET, problems="对同一企业重复检查，增加企业负担", suggestions="制定年度检查计划，合并同类检查",
                  reply_due=date(2026, 12, 20))
    values.update(over)
    return IssueSuggestionLetter(**values)


def answer_cmd(letter_id, **over) -> AnswerSuggestionLetter:
    values = dict(letter_id=letter_id, reply="已制定检查计划并合并同类检查", measures="印发检查计划，建立“综合查一次”清单")
    values.update(over)
    return AnswerSuggestionLetter(**values)


def box_with_form(ledger) -> tuple:
    """A town centre's box (collected by the 司法所), checked for October, and one form from it."""
    seed_feedback_directory(ledger)
    box = ledger.execute(ctx(WU), install_cmd()).record_id
    ledger.execute(ctx(CHEN), check_cmd(box))
    form = ledger.execute(ctx(CHEN), form_cmd(box)).record_id
    return box, form


def day(text: str) -> date:
    return date.fromisoformat(text)
