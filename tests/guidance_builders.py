"""Valid example values and commands for administrative guidance (行政指导)
tests; override what a test is about."""

from __future__ import annotations

from datetime import date, timedelta
from importlib.resources import files

from ledger.commands import Context
from ledger.directory import UnitKind
from ledger.directory.commands import RegisterUnit, RegisterUser
from ledger.guidance.commands import (
    DeliverGuidanceOpinion,
    IssueGuidanceOpinion,
    RegisterGuidanceRecord,
    StartGuidance,
)
from ledger.guidance.values import (
    SEED_METHODS,
    Addressee,
    AddresseeKind,
    Delivery,
    DeliveryMethod,
    Matter,
    Stage,
    Way,
)
from ledger.matters.commands import PublishMatterEdition
from ledger.matters.importing import parse_matters
from ledger.matters.values import MatterEdition
from ledger.values import Actor, Role
from tests.builders import ADMIN, FIRE, MARKET, T0, VALID_USCC, ctx

# Officers as the directory knows them (usernames are actor ids).
WANG = Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=MARKET)
ZHAO = Actor(id="zhaojing", name="赵静", role=Role.UNIT_STAFF, unit=MARKET)
SUN = Actor(id="sunhao", name="孙浩", role=Role.UNIT_STAFF, unit=FIRE)

START_AT = T0
OPINION_AT = T0 + timedelta(hours=2)
DELIVER_AT = T0 + timedelta(days=1)
RECORD_AT = T0 + timedelta(days=1, hours=1)
ANSWER_AT = T0 + timedelta(days=2)
LATER = T0 + timedelta(days=10)


def seed_directory(ledger) -> None:
    """The two units and their officers, registered by an administrator."""
    for unit in (MARKET, FIRE):
        ledger.execute(ctx(ADMIN), RegisterUnit(name=unit, kind=UnitKind.ENFORCEMENT))
    for who in (WANG, ZHAO, SUN):
        ledger.execute(
            ctx(ADMIN), RegisterUser(username=who.id, display_name=who.name, role=who.role, unit=who.unit)
        )
    for unit in (MARKET, FIRE):
        publish_matters(ledger, unit)


def publish_matters(ledger, authority: str = MARKET) -> None:
    """The unit's catalogue of guidance matters, from the sample file: its
    item 3 (食品经营许可事项指导) is the matter ``start_cmd`` cites."""
    items = parse_matters(files("ledger").joinpath("samples/guidance_matters_sample.csv").read_bytes(), SEED_METHODS)
    edition = MatterEdition(version="2026版", title=f"{authority}行政指导事项目录清单（2026版）",
                            effective_from=date(2026, 1, 1), items=items)
    ledger.execute(ctx(ADMIN), PublishMatterEdition(authority=authority, edition=edition))


def firm(**over) -> Addressee:
    values = dict(
        kind=AddresseeKind.ORGANISATION,
        name="鲁味轩餐饮有限公司",
        id_number=VALID_USCC,
        address="人民西路88号",
        contact="刘芳",
        phone="13953312345",
    )
    values.update(over)
    return Addressee(**values)


def start_cmd(**over) -> StartGuidance:
    values = dict(
        business_time=START_AT,
        way=Way.WRITTEN,
        addressee=firm(),
        officers=("wanglei", "zhaojing"),
        matter=Matter(text="食品经营许可事项指导", catalogue_ref="2026版/3"),
        method="提示提醒",
        stage=Stage.BEFORE,
        legal_basis="《中华人民共和国食品安全法》第三十五条",
    )
    values.update(over)
    return StartGuidance(**values)


def opinion_cmd(guidance_id, **over) -> IssueGuidanceOpinion:
    values = dict(
        guidance_id=guidance_id,
        business_time=OPINION_AT,
        problem_of="食品经营许可证到期未延续",
        problems="许可证将于2026年12月到期，尚未申请延续",
        opinion="在有效期届满30个工作日前提出延续申请",
        contact_person="王磊",
        contact_phone="0533-2345678",
    )
    values.update(over)
    return IssueGuidanceOpinion(**values)


def deliver_cmd(guidance_id, on: date | None = None, **over) -> DeliverGuidanceOpinion:
    values = dict(
        guidance_id=guidance_id,
        business_time=DELIVER_AT,
        delivery=Delivery(
            delivered_on=on or DELIVER_AT.date(), method=DeliveryMethod.DIRECT, receiver="刘芳"
        ),
    )
    values.update(over)
    return DeliverGuidanceOpinion(**values)


def record_cmd(guidance_id, **over) -> RegisterGuidanceRecord:
    values = dict(
        guidance_id=guidance_id,
        business_time=RECORD_AT,
        guided_at=DELIVER_AT,
        place="人民西路88号",
        content="食品经营许可延续",
    )
    values.update(over)
    return RegisterGuidanceRecord(**values)


def as_(actor: Actor) -> Context:
    return ctx(actor)


def make_head(ledger, who: Actor) -> None:
    """Make ``who`` the head (单位负责人) of their unit: who marks typical cases."""
    from ledger.directory import Post
    from ledger.directory.commands import SetUserPost

    ledger.execute(ctx(ADMIN), SetUserPost(username=who.id, post=Post.HEAD))
