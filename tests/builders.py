"""Valid example values and commands for tests; override what a test is about."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from stdnum.cn import uscc

from ledger.case.commands import AcceptCase, BookGuidance, DispatchCase, RateService, RecordService
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Assignment,
    Channel,
    Contact,
    Grade,
    RatingMethod,
    ServiceForm,
    ServiceType,
    UnitEntry,
)
from ledger.catalogue import DEFAULT_LISTS, Edition, ListItem
from ledger.catalogue.commands import PublishCatalogueEdition
from ledger.commands import Context
from ledger.directory import Unit, UnitKind
from ledger.directory.commands import RegisterUnit
from ledger.values import (
    CST,
    Actor,
    DeadlineClass,
    Envelope,
    FourList,
    ListItemCited,
    PenaltyDecision,
    Person,
    Reversal,
    Role,
)

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=CST)  # a Friday
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=CST)  # a Monday, before NOW

OFFICE = "司法局协调监督科"
MARKET = "市场监督管理局"
FIRE = "消防救援支队"

REGISTRAR = Actor(id="r1", name="张敏", role=Role.REGISTRAR, unit=OFFICE)
DISPATCHER = Actor(id="d1", name="李强", role=Role.DISPATCHER, unit=OFFICE)
MARKET_STAFF = Actor(id="s1", name="王磊", role=Role.UNIT_STAFF, unit=MARKET)
FIRE_STAFF = Actor(id="s2", name="孙浩", role=Role.UNIT_STAFF, unit=FIRE)
OTHER_STAFF = Actor(id="s3", name="周涛", role=Role.UNIT_STAFF, unit="生态环境局")
SUPERVISOR = Actor(id="v1", name="吴监", role=Role.SUPERVISOR, unit="司法局执法监督科")
AUDITOR = Actor(id="a1", name="郑审", role=Role.AUDITOR, unit="审计")
ADMIN = Actor(id="m1", name="管理员", role=Role.ADMINISTRATOR, unit=OFFICE)


def fixed_clock(now: datetime = NOW) -> Callable[[], datetime]:
    return lambda: now


def make_uscc(body: str = "91370303MA3C7Q2N8") -> str:
    return body + uscc.calc_check_digit(body)


VALID_USCC = make_uscc()
VALID_RIC = "11010519491231002X"


def ctx(actor: Actor) -> Context:
    return Context(actor=actor, request_id=uuid.uuid4().hex)


def envelope(actor: Actor, at: datetime = T0, basis: str | None = None) -> Envelope:
    return Envelope(actor=actor, request_id=uuid.uuid4().hex, business_time=at, basis=basis)


def book_cmd(**over) -> BookGuidance:
    values = dict(
        business_time=T0,
        applicant=Applicant(
            kind=ApplicantKind.ORGANISATION, name="鲁味轩餐饮有限公司", id_number=VALID_USCC, address="人民西路88号"
        ),
        contact=Contact(name="刘芳", phone="13953312345"),
        service_types=(ServiceType.COMPLIANCE_GUIDANCE,),
        needs="指导后厨台账",
        channel=Channel.PHONE,
    )
    values.update(over)
    return BookGuidance(**values)


def single_assignment() -> tuple[Assignment, ...]:
    return (Assignment(unit=MARKET, staff=(Person(id="s1", name="王磊"),)),)


def joint_assignments() -> tuple[Assignment, ...]:
    return (
        Assignment(unit=MARKET, staff=(Person(id="s1", name="王磊"),)),
        Assignment(unit=FIRE, staff=(Person(id="s2", name="孙浩"),)),
    )


def serve_cmd(case_id, joint: bool = False, **over) -> RecordService:
    values = dict(
        case_id=case_id,
        business_time=T0 + timedelta(days=2),
        place="后厨",
        content="合规指导",
        findings="台账不全",
        advice="建立台账",
        staff=(Person(id="s1", name="王磊"),),
        on_site=True,
    )
    if joint:
        values["unit_entries"] = (
            UnitEntry(unit=MARKET, findings="台账不全", advice="建立台账", staff=(Person(id="s1", name="王磊"),)),
            UnitEntry(unit=FIRE, findings="通道堵塞", advice="清理通道", staff=(Person(id="s2", name="孙浩"),)),
        )
    values.update(over)
    return RecordService(**values)


def rate_cmd(case_id, **over) -> RateService:
    values = dict(
        case_id=case_id,
        business_time=T0 + timedelta(days=2, hours=1),
        response=Grade.EXCELLENT,
        attitude=Grade.GOOD,
        usefulness=Grade.GOOD,
        result=Grade.EXCELLENT,
        comments="很好",
        method=RatingMethod.ONSITE_FORM,
    )
    values.update(over)
    return RateService(**values)


def reversal(list_: FourList = FourList.NO_PENALTY, unit: str = MARKET, **over) -> Reversal:
    values = dict(
        decision=PenaltyDecision(
            number="张市监罚〔2025〕118号", decided_on=date(2025, 9, 12), issuing_unit=unit, four_lists_applied=False
        ),
        cited=ListItemCited(list=list_, catalogue_version="2025版", item_number="12"),
        conditions_met=("初次违法", "及时改正"),
        outcome="撤销原罚款决定",
        explanation="初次违法且危害轻微，已及时改正，依法撤销并书面说明。",
    )
    values.update(over)
    return Reversal(**values)


CATALOGUE_FROM = date(2024, 1, 1)


def sample_items() -> tuple[ListItem, ...]:
    """Item 12 of each standard list (conditions 初次违法 + 及时改正, no fine
    range) and item 13 of the lighter and mitigated lists with a fine range
    of 1,000–10,000 yuan."""
    items = [
        ListItem(
            list_code=k.value,
            number="12",
            violation="未按规定公示营业执照",
            conditions=("初次违法", "及时改正"),
            breached="《市场主体登记管理条例》第三十六条",
            penalty_basis="《市场主体登记管理条例》第四十九条",
        )
        for k in FourList
    ]
    items += [
        ListItem(
            list_code=k.value,
            number="13",
            violation="食品经营许可证过期未满一个月继续经营",
            conditions=("初次违法", "未造成危害后果"),
            breached="《食品安全法》第三十五条",
            penalty_basis="《食品安全法》第一百二十二条",
            fine_min_yuan=Decimal(1000),
            fine_max_yuan=Decimal(10000),
        )
        for k in (FourList.LIGHTER, FourList.MITIGATED)
    ]
    return tuple(items)


def sample_edition(**over) -> Edition:
    values = dict(
        version="2025版",
        title="市场监管领域四张清单（2025版）",
        document_number="张市监发〔2023〕40号",
        effective_from=CATALOGUE_FROM,
        effective_until=None,
        lists=DEFAULT_LISTS,
        items=sample_items(),
    )
    values.update(over)
    return Edition(**values)


def publish_catalogues(ledger, units: tuple[str, ...] = (MARKET, FIRE)) -> None:
    """Register the units (if needed) and publish the sample edition for each."""
    for unit in units:
        if not ledger.exists(Unit.create_id(unit)):
            ledger.register_unit(ctx(ADMIN), RegisterUnit(name=unit, kind=UnitKind.ENFORCEMENT))
        if ledger.catalogue(unit) is None:
            ledger.publish_catalogue_edition(
                ctx(ADMIN), PublishCatalogueEdition(authority=unit, edition=sample_edition(), business_time=T0)
            )


def dispatched_case(ledger, joint: bool = False):
    """Book, accept and dispatch a case (the units' catalogues published); returns its id."""
    publish_catalogues(ledger)
    case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.accept(
        ctx(REGISTRAR),
        AcceptCase(case_id=case_id, business_time=T0 + timedelta(minutes=10), deadline_class=DeadlineClass.GENERAL),
    )
    ledger.dispatch(
        ctx(DISPATCHER),
        DispatchCase(
            case_id=case_id,
            business_time=T0 + timedelta(hours=1),
            assignments=joint_assignments() if joint else single_assignment(),
            form=ServiceForm.JOINT_VISIT if joint else ServiceForm.ONSITE_VISIT,
            lead_unit=MARKET if joint else None,
            agreed_time=T0 + timedelta(days=2),
        ),
    )
    return case_id


def rated_case(ledger, joint: bool = False):
    case_id = dispatched_case(ledger, joint=joint)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, joint=joint))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id))
    return case_id
