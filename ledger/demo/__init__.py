"""A realistic case recorded through its whole lifecycle (``ledger demo``).

A restaurant company, fined last year for a lapsed food business licence,
books compliance guidance and help with rectification; two units visit it
together; the market regulator then revokes its own earlier fine under the
no-penalty list, in writing; the file is rated, followed up and archived.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from importlib.resources import files
from uuid import UUID

from stdnum.cn import uscc

from ledger.application import Ledger
from ledger.case.commands import (
    AcceptCase,
    ArchiveCase,
    BookGuidance,
    CorrectRecord,
    DispatchCase,
    RateService,
    RecordFollowUp,
    RecordService,
    RevokePenalty,
    TrackRectification,
)
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Assignment,
    Channel,
    Contact,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    Grade,
    RatingMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    ServiceForm,
    ServiceType,
    UnitEntry,
)
from ledger.catalogue import DEFAULT_LISTS, Edition
from ledger.catalogue.commands import PublishCatalogueEdition
from ledger.catalogue.importing import parse_items
from ledger.commands import Context
from ledger.directory import UnitKind
from ledger.directory.setup import ensure_unit, ensure_user, system_context
from ledger.supervision.commands import DeclareMajorDecision
from ledger.values import CST, Actor, DeadlineClass, FourList, ListItemCited, PenaltyDecision, Person, Reversal, Role

OFFICE = "市司法局行政执法协调监督科"
MARKET = "市市场监督管理局"
FIRE = "市消防救援支队"

REGISTRAR = Actor(id="u-zhang", name="张敏", role=Role.REGISTRAR, unit=OFFICE)
DISPATCHER = Actor(id="u-li", name="李强", role=Role.DISPATCHER, unit=OFFICE)
MARKET_STAFF = Actor(id="u-wang", name="王磊", role=Role.UNIT_STAFF, unit=MARKET)

_body = "91370303MA3C7Q2N8"
DEMO_USCC = _body + uscc.calc_check_digit(_body)


def _ctx(actor: Actor) -> Context:
    return Context(actor=actor, request_id=uuid.uuid4().hex)


def publish_sample_catalogue(ledger: Ledger, authority: str = MARKET) -> None:
    """The market regulator's four lists, from the sample file shipped in
    ``ledger/samples/`` (the documented import format), unless published."""

    ensure_unit(ledger, authority, UnitKind.ENFORCEMENT)
    if ledger.catalogue(authority) is not None:
        return
    items = parse_items(files("ledger").joinpath("samples/four_lists_sample.csv").read_bytes())
    ledger.publish_catalogue_edition(
        system_context(),
        PublishCatalogueEdition(
            authority=authority,
            basis="《中华人民共和国行政处罚法》第三十二条、第三十三条",
            edition=Edition(
                version="2025版",
                title=f"{authority}“四张清单”（2025版）",
                document_number="市市监发〔2024〕52号",
                effective_from=date(2025, 1, 1),
                effective_until=None,
                lists=DEFAULT_LISTS,
                items=items,
            ),
        ),
    )


def record_demo_case(ledger: Ledger, start: datetime) -> UUID:
    """Record the story, starting at ``start`` (it must be at least ten days ago)."""
    publish_sample_catalogue(ledger)
    t = start
    booked = ledger.book(
        _ctx(REGISTRAR),
        BookGuidance(
            business_time=t,
            applicant=Applicant(
                kind=ApplicantKind.ORGANISATION,
                name="淄博鲁味轩餐饮管理有限公司",
                id_number=DEMO_USCC,
                address="山东省淄博市张店区人民西路88号",
            ),
            contact=Contact(name="刘芳", phone="13953312345"),
            service_types=(ServiceType.COMPLIANCE_GUIDANCE, ServiceType.RECTIFICATION_ASSISTANCE),
            needs="去年因食品经营许可证过期被罚款，已重新办证；希望指导后厨台账和消防通道整改。",
            notes="希望上午上门",
            channel=Channel.PHONE,
        ),
    )
    case_id = booked.case_id
    assert case_id is not None
    ledger.accept(
        _ctx(REGISTRAR),
        AcceptCase(case_id=case_id, business_time=t + timedelta(minutes=20), deadline_class=DeadlineClass.GENERAL),
    )
    ledger.dispatch(
        _ctx(DISPATCHER),
        DispatchCase(
            case_id=case_id,
            business_time=t + timedelta(hours=2),
            assignments=(
                Assignment(unit=MARKET, staff=(Person(id="u-wang", name="王磊"), Person(id="u-zhao", name="赵静"))),
                Assignment(unit=FIRE, staff=(Person(id="u-sun", name="孙浩"),)),
            ),
            form=ServiceForm.JOINT_VISIT,
            lead_unit=MARKET,
            agreed_time=t + timedelta(days=2),
        ),
    )
    served_at = t + timedelta(days=2, hours=1)
    ledger.serve(
        _ctx(MARKET_STAFF),
        RecordService(
            case_id=case_id,
            business_time=served_at,
            place="张店区人民西路88号 鲁味轩后厨及库房",
            content="食品安全合规经营指导；消防安全隐患排查",
            findings="进货查验台账记录不全；后厨通道堆放纸箱，占用疏散通道。",
            advice="按《食品安全法》第五十三条建立进货查验记录；三日内清理疏散通道并设置标识。",
            staff=(Person(id="u-wang", name="王磊"), Person(id="u-sun", name="孙浩")),
            on_site=True,
            unit_entries=(
                UnitEntry(
                    unit=MARKET,
                    findings="进货查验台账记录不全",
                    advice="建立并如实填写进货查验记录",
                    staff=(Person(id="u-wang", name="王磊"),),
                ),
                UnitEntry(
                    unit=FIRE,
                    findings="疏散通道堆放杂物",
                    advice="立即清理并保持畅通",
                    staff=(Person(id="u-sun", name="孙浩"),),
                ),
            ),
        ),
    )
    ledger.rate(
        _ctx(MARKET_STAFF),
        RateService(
            case_id=case_id,
            business_time=served_at + timedelta(minutes=30),
            response=Grade.EXCELLENT,
            attitude=Grade.EXCELLENT,
            usefulness=Grade.GOOD,
            result=Grade.EXCELLENT,
            comments="指导具体，没有打扰正常营业。",
            method=RatingMethod.ONSITE_FORM,
        ),
    )
    ledger.track_rectification(
        _ctx(MARKET_STAFF),
        TrackRectification(
            case_id=case_id,
            business_time=served_at + timedelta(days=3),
            rectification=Rectification(
                penalty_decision="淄张市监罚〔2025〕118号",
                items=(
                    RectificationItem(
                        description="建立进货查验台账",
                        due_on=(served_at + timedelta(days=7)).date(),
                        status=RectificationStatus.DONE,
                        evidence="台账照片3张",
                    ),
                ),
            ),
        ),
    )
    ledger.follow_up(
        _ctx(MARKET_STAFF),
        RecordFollowUp(
            case_id=case_id,
            business_time=served_at + timedelta(days=4),
            follow_up=FollowUp(
                on=(served_at + timedelta(days=4)).date(),
                method=FollowUpMethod.VISIT,
                findings="台账已建立，疏散通道已清理。",
                rectification_status=RectificationStatus.DONE,
            ),
        ),
    )
    ledger.revoke_penalty(
        _ctx(MARKET_STAFF),
        RevokePenalty(
            case_id=case_id,
            business_time=served_at + timedelta(days=5),
            basis="《中华人民共和国行政处罚法》第三十三条第一款",
            reversal=Reversal(
                decision=PenaltyDecision(
                    number="淄张市监罚〔2025〕118号",
                    decided_on=date(2025, 9, 12),
                    issuing_unit=MARKET,
                    four_lists_applied=False,
                ),
                cited=ListItemCited(list=FourList.NO_PENALTY, catalogue_version="2025版", item_number="12"),
                conditions_met=("初次违法", "危害后果轻微", "及时改正"),
                outcome="撤销原罚款决定，予以批评教育",
                explanation="当事人许可证过期不足一个月，系初次违法且未发生食品安全事故，已及时重新办证，"
                "原决定未适用“四张清单”，依法撤销并书面说明。",
                legal_reviewer=Person(id="u-qian", name="钱律"),
            ),
        ),
    )
    ledger.correct(
        _ctx(REGISTRAR),
        CorrectRecord(
            case_id=case_id,
            business_time=served_at + timedelta(days=5, hours=1),
            basis="申请人来电告知联系电话登记有误",
            corrects_version=1,
            changes=(FieldChange(field="contact.phone", old="", new="13953312346"),),
        ),
    )
    ledger.archive(_ctx(REGISTRAR), ArchiveCase(case_id=case_id, business_time=served_at + timedelta(days=6)))
    return case_id


def record_demo_filing(ledger: Ledger, today: date) -> UUID | None:
    """A major penalty decision made 20 days ago and not yet filed with
    supervision: it shows as overdue in the supervisors' queue."""
    result = ledger.declare_major_decision(
        _ctx(MARKET_STAFF),
        DeclareMajorDecision(
            decision_number="淄张市监罚〔2026〕203号",
            decided_on=today - timedelta(days=20),
            party="淄博某建材有限公司",
            summary="生产不符合强制性国家标准的产品，没收违法所得并处货值金额二倍罚款",
            basis="《中华人民共和国产品质量法》第四十九条",
        ),
    )
    return result.case_id


DEMO_PASSWORD = "demo-password-2026"


def seed_demo(ledger: Ledger, credentials) -> list[tuple[str, str, str]]:
    """Units, one user per role and a few realistic cases. Returns (username, role, unit)."""
    ensure_unit(ledger, OFFICE, UnitKind.COORDINATION)
    ensure_unit(ledger, MARKET, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, FIRE, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, "市司法局执法监督科", UnitKind.SUPERVISION)
    users = [
        ("zhangmin", "张敏", Role.REGISTRAR, OFFICE),
        ("liqiang", "李强", Role.DISPATCHER, OFFICE),
        ("wanglei", "王磊", Role.UNIT_STAFF, MARKET),
        ("qianlv", "钱律", Role.UNIT_STAFF, MARKET),  # the market regulator's legal reviewer (法制审核)
        ("sunhao", "孙浩", Role.UNIT_STAFF, FIRE),
        ("wujian", "吴监", Role.SUPERVISOR, "市司法局执法监督科"),
        ("zhengshen", "郑审", Role.AUDITOR, "市司法局执法监督科"),
        ("admin", "系统管理员", Role.ADMINISTRATOR, OFFICE),
    ]
    created = [ensure_user(ledger, credentials, u, n, r, unit, DEMO_PASSWORD) for u, n, r, unit in users]
    if any(created):
        now = datetime.now(CST)
        record_demo_case(ledger, now.replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=14))
        record_demo_filing(ledger, now.date())
    return [(u, r.value, unit) for u, _, r, unit in users]
