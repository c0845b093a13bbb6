"""A realistic case recorded through its whole lifecycle (``ledger demo``).

A restaurant company, fined last year for a lapsed food business licence,
books compliance guidance and help with rectification; two units visit it
together; the market regulator then revokes its own earlier fine under the
no-penalty list, in writing; the file is rated, followed up and archived.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
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
from ledger.demo.mediation import record_demo_mediations
from ledger.demo.network import RUCHENG, seed_network_demo
from ledger.demo.risk_points import seed_risk_points_demo
from ledger.demo.typical_cases import seed_typical_cases_demo
from ledger.directory import Post, UnitKind
from ledger.directory.commands import SetUserPost
from ledger.directory.setup import ensure_unit, ensure_user, system_context
from ledger.matters.commands import PublishMatterEdition
from ledger.matters.importing import parse_matters
from ledger.matters.values import MatterEdition
from ledger.supervision.commands import DeclareMajorDecision
from ledger.values import CST, Actor, DeadlineClass, FourList, ListItemCited, PenaltyDecision, Person, Reversal, Role

OFFICE = "市司法局行政执法协调监督科"
MARKET = "市市场监督管理局"
FIRE = "市消防救援支队"

REGISTRAR = Actor(id="u-zhang", name="张敏", role=Role.REGISTRAR, unit=OFFICE)
DISPATCHER = Actor(id="u-li", name="李强", role=Role.DISPATCHER, unit=OFFICE)
MARKET_STAFF = Actor(id="u-wang", name="王磊", role=Role.UNIT_STAFF, unit=MARKET)
LEGAL_REVIEWER = Actor(id="qianlv", name="钱律", role=Role.UNIT_STAFF, unit=MARKET)  # the market regulator's 法制审核

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


def publish_sample_guidance_matters(ledger: Ledger, authority: str = MARKET) -> None:
    """The market regulator's catalogue of guidance matters (行政指导事项目录清单),
    from the sample file shipped in ``ledger/samples/`` (docs/GUIDANCE-MATTERS.md),
    unless it has one: what its public page lists."""
    ensure_unit(ledger, authority, UnitKind.ENFORCEMENT)
    catalogue = ledger.matter_catalogue(authority)
    if catalogue is not None and catalogue.editions:
        return
    data = files("ledger").joinpath("samples/guidance_matters_sample.csv").read_bytes()
    ledger.publish_matter_edition(
        system_context(),
        PublishMatterEdition(
            authority=authority,
            basis="行政指导事项目录清单向社会公开（源行审字〔2021〕5号 三（一）；临淄区人社局行政指导实施方案 二（四））",
            edition=MatterEdition(
                version="2026版",
                title=f"{authority}行政指导事项目录清单（2026版）",
                document_number="市市监发〔2025〕88号",
                effective_from=date(2026, 1, 1),
                items=parse_matters(data, ledger.authority_methods(authority)),
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
    supervision: it shows as overdue in the supervisors' queue. It was made
    on the unit's legal review (法制审核), passed by its legal reviewer 钱律."""
    from ledger.legal_review.commands import GiveLegalReviewOpinion, RequestLegalReview
    from ledger.legal_review.values import DraftDecision, MajorKind, PartyKind, ReviewOutcome

    reviewed_at = datetime.combine(today - timedelta(days=22), datetime.min.time(), CST).replace(hour=10)
    review = ledger.execute(_ctx(MARKET_STAFF), RequestLegalReview(
        business_time=reviewed_at,
        draft=DraftDecision(
            party="淄博某建材有限公司", party_kind=PartyKind.ORGANISATION, party_code=DEMO_USCC,
            facts="生产不符合强制性国家标准的建筑用砂浆，货值金额4.6万元",
            legal_basis="《中华人民共和国产品质量法》第四十九条",
            proposed="没收违法所得，并处货值金额二倍罚款（9.2万元）", kind=MajorKind.FINE, amount_yuan=Decimal("92000"),
        ),
    ))
    ledger.execute(_ctx(LEGAL_REVIEWER), GiveLegalReviewOpinion(
        review_id=review.record_id, outcome=ReviewOutcome.PASSED, business_time=reviewed_at + timedelta(days=1),
        opinion="违法事实清楚，证据确凿，适用依据正确，程序合法，裁量适当"))
    result = ledger.declare_major_decision(
        _ctx(MARKET_STAFF),
        DeclareMajorDecision(
            decision_number="淄张市监罚〔2026〕203号",
            decided_on=today - timedelta(days=20),
            party="淄博某建材有限公司",
            summary="生产不符合强制性国家标准的产品，没收违法所得并处货值金额二倍罚款",
            basis="《中华人民共和国产品质量法》第四十九条",
            legal_review_id=review.record_id,
        ),
    )
    return result.case_id


def record_demo_guidance(ledger: Ledger, now: datetime) -> list[UUID]:
    """Two acts of the market regulator's own guidance (行政指导): a written
    one from its 意见书 to the effect recorded, and a simple one by phone."""
    from ledger.guidance.commands import (
        AcceptGuidance,
        DeliverGuidanceOpinion,
        IssueGuidanceOpinion,
        RecordGuidanceEffect,
        RecordSimpleGuidance,
        RegisterGuidanceRecord,
        StartGuidance,
    )
    from ledger.guidance.values import (
        Addressee,
        AddresseeKind,
        Delivery,
        DeliveryMethod,
        Matter,
        SimpleForm,
        SimpleSituation,
        Stage,
        Way,
    )

    officer = _ctx(Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=MARKET))
    day = now.replace(hour=9, minute=30, second=0, microsecond=0)
    start = day - timedelta(days=12)
    firm = Addressee(kind=AddresseeKind.ORGANISATION, name="淄博鲁味轩餐饮有限公司", id_number=DEMO_USCC,
                     address="张店区人民西路88号", contact="刘芳", phone="13953312345")
    written = ledger.execute(officer, StartGuidance(
        business_time=start, way=Way.WRITTEN, addressee=firm, officers=("wanglei", "qianlv"),
        matter=Matter(text="", catalogue_ref="2026版/3"), method="提示提醒", stage=Stage.BEFORE,
        legal_basis="《中华人民共和国食品安全法》第三十五条")).case_id
    ledger.execute(officer, IssueGuidanceOpinion(
        guidance_id=written, business_time=start + timedelta(hours=1), problem_of="食品经营许可证即将到期未申请延续",
        problems="食品经营许可证将于下月到期，尚未提出延续申请", opinion="在有效期届满30个工作日前向本局提出延续申请，并备齐健康证明等材料",
        contact_person="王磊", contact_phone="0533-2345678"))
    ledger.execute(officer, DeliverGuidanceOpinion(
        guidance_id=written, business_time=start + timedelta(days=1),
        delivery=Delivery(delivered_on=(start + timedelta(days=1)).date(), method=DeliveryMethod.DIRECT, receiver="刘芳")))
    ledger.execute(officer, RegisterGuidanceRecord(
        guidance_id=written, business_time=start + timedelta(days=1, hours=1), guided_at=start + timedelta(days=1),
        place="张店区人民西路88号", content="食品经营许可延续的时限、材料和办理渠道"))
    ledger.execute(officer, AcceptGuidance(guidance_id=written, business_time=start + timedelta(days=2)))
    ledger.execute(officer, RecordGuidanceEffect(guidance_id=written, business_time=day - timedelta(days=3),
                                                 effect="已按期提出延续申请，许可证已延续"))
    simple = ledger.execute(officer, StartGuidance(
        business_time=day - timedelta(days=2), way=Way.SIMPLE,
        addressee=Addressee(kind=AddresseeKind.INDIVIDUAL_BUSINESS, name="张店区城南便利店"), officers=("wanglei",),
        matter=Matter(text="预包装食品标签标注"), method="政策指引", stage=Stage.DURING,
        legal_basis="《中华人民共和国食品安全法》第六十七条")).case_id
    ledger.execute(officer, RecordSimpleGuidance(
        guidance_id=simple, business_time=day - timedelta(days=2, minutes=-20), at=day - timedelta(days=2, minutes=-15),
        form=SimpleForm.PHONE, situation=SimpleSituation.ROUTINE_BUSINESS, officer="wanglei",
        content="电话说明预包装食品标签应标注的事项和常见问题"))
    return [written, simple]


DEMO_PASSWORD = "demo-password-2026"


def seed_demo(ledger: Ledger, credentials) -> list[tuple[str, str, str]]:
    """Units, one user per role and a few realistic cases. Returns (username, role, unit)."""
    ensure_unit(ledger, OFFICE, UnitKind.COORDINATION)
    ensure_unit(ledger, MARKET, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, FIRE, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, "市司法局执法监督科", UnitKind.SUPERVISION)
    publish_sample_guidance_matters(ledger)
    users = [
        ("zhangmin", "张敏", Role.REGISTRAR, OFFICE),
        ("liqiang", "李强", Role.DISPATCHER, OFFICE),
        ("wanglei", "王磊", Role.UNIT_STAFF, MARKET),
        ("qianlv", "钱律", Role.UNIT_STAFF, MARKET),  # the market regulator's legal reviewer (法制审核)
        ("sunhao", "孙浩", Role.UNIT_STAFF, FIRE),
        ("fengfa", "冯法", Role.UNIT_STAFF, FIRE),  # the fire brigade's legal reviewer (法制审核)
        ("wujian", "吴监", Role.SUPERVISOR, "市司法局执法监督科"),
        ("zhengshen", "郑审", Role.AUDITOR, "市司法局执法监督科"),
        ("admin", "系统管理员", Role.ADMINISTRATOR, OFFICE),
    ]
    created = [ensure_user(ledger, credentials, u, n, r, unit, DEMO_PASSWORD) for u, n, r, unit in users]
    if created[users.index(("wanglei", "王磊", Role.UNIT_STAFF, MARKET))]:
        # the market regulator's officer heads its guidance work: marks typical cases (seed 004 五(三))
        ledger.execute(system_context(), SetUserPost(username="wanglei", post=Post.HEAD))
    if any(created):
        now = datetime.now(CST)
        record_demo_case(ledger, now.replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=14))
        record_demo_filing(ledger, now.date())
        seed_typical_cases_demo(ledger, guidance := record_demo_guidance(ledger, now), MARKET)  # ledger.demo.typical_cases
        seed_risk_points_demo(ledger, guidance, now)  # ledger.demo.risk_points
        record_demo_mediations(ledger, now)  # ledger.demo.mediation: one agreed, one ended with a referral
    # the supervision network (seed 003 一–三): the 司法所 staff sign in with the same password
    seed_network_demo(ledger, credentials, DEMO_PASSWORD)
    users += [("rcsuozhang", "刘建华", Role.UNIT_STAFF, RUCHENG)]
    return [(u, r.value, unit) for u, _, r, unit in users]
