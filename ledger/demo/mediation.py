"""The demo's administrative mediations (行政调解): one from start to a signed
协议书, and one ended without agreement with the way pointed to (行政复议),
both by the market regulator's officer, with their documents issued."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from stdnum.cn import uscc

from ledger.application import Ledger
from ledger.case.values import DocumentFormat, DocumentKind
from ledger.commands import Context
from ledger.documents.mediation import IssueMediationDocument
from ledger.mediation.commands import (
    AcceptMediation,
    ConcludeMediationAgreement,
    EndMediation,
    NotifyMediationRights,
    RecordMediationConsent,
    RecordMediationSession,
    SetMediationDeadline,
    StartMediation,
)
from ledger.mediation.values import (
    Agreement,
    Consent,
    ConsentMethod,
    Notice,
    Party,
    PartyKind,
    Procedure,
    Referral,
    Representative,
    RightsNotice,
    SealKind,
    Signature,
    SignatureForm,
    StartWay,
    Statement,
)
from ledger.values import Actor, Role

DEMO_RIC = "11010519491231002X"  # a valid resident ID (GB 11643 check digit), masked for most roles
RIGHTS = "当事人享有自愿参加调解、申请回避、陈述申辩和质证、随时撤回同意终止调解等权利；调解遵循自愿、合法、公正、效率原则。"


def _ctx() -> Context:
    from ledger.demo import MARKET

    return Context(actor=Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=MARKET), request_id="demo-mediation")


def _opened(ledger: Ledger, officer: Context, start: datetime, parties: tuple[Party, ...], matter: str,
            dispute: str) -> UUID:
    mid = ledger.execute(officer, StartMediation(
        business_time=start, way=StartWay.ON_APPLICATION, procedure=Procedure.GENERAL, parties=parties, matter=matter,
        dispute=dispute, legal_basis="《中华人民共和国民法典》第二百八十八条、第二百九十四条", source="投诉举报")).case_id
    for i in range(len(parties)):
        at = start + timedelta(minutes=10 + i)
        ledger.execute(officer, RecordMediationConsent(mediation_id=mid, business_time=at, consent=Consent(
            party=i, given_at=at, method=ConsentMethod.WRITTEN)))
    accepted_at = start + timedelta(hours=1)
    ledger.execute(officer, AcceptMediation(mediation_id=mid, business_time=accepted_at, notice=Notice(
        meet_at=accepted_at + timedelta(days=1), place="市市场监督管理局三楼调解室",
        observe="请携带身份证明及证据材料按时到场；委托代理人须提交授权委托书")))
    ledger.execute(officer, NotifyMediationRights(mediation_id=mid, business_time=accepted_at + timedelta(days=1),
                                                  rights=RightsNotice(given_at=accepted_at + timedelta(days=1),
                                                                      method="书面告知", content=RIGHTS)))
    return mid


def record_demo_mediations(ledger: Ledger, now: datetime) -> list[UUID]:
    from ledger.demo import DEMO_USCC, MARKET

    officer = _ctx()
    ledger.execute(officer, SetMediationDeadline(authority=MARKET, working_days=30))
    day = now.replace(hour=9, minute=0, second=0, microsecond=0)
    restaurant = Party(kind=PartyKind.ORGANISATION, name="淄博鲁味轩餐饮管理有限公司", id_number=DEMO_USCC,
                       address="张店区人民西路88号", phone="13953312345",
                       representative=Representative(name="刘芳", capacity="法定代表人"))
    neighbour = Party(kind=PartyKind.INDIVIDUAL, name="张华", id_number=DEMO_RIC, address="张店区人民西路90号",
                      representative=None)

    start = day - timedelta(days=10)
    agreed = _opened(ledger, officer, start, (restaurant, neighbour), "餐饮油烟噪声扰民纠纷",
                     "张华反映餐厅排烟设备夜间噪声扰民，要求整改并补偿；餐厅对噪声来源有异议")
    session_at = start + timedelta(days=1, hours=1)
    ledger.execute(officer, RecordMediationSession(
        mediation_id=agreed, business_time=session_at, held_at=session_at, place="市市场监督管理局三楼调解室",
        mediators=("wanglei", "qianlv"), invited=("陈工（环境监测工程师）",),
        statements=(Statement(party=0, statement="排烟设备已于上月更换，夜间22时后停用", evidence="设备更换发票、营业时间表"),
                    Statement(party=1, statement="夜间噪声仍影响休息", argument="更换后仍有低频噪声", evidence="手机录制的噪声视频")),
        disputes="夜间噪声是否超标；补偿数额", course="释明相邻关系的法律规定；陈工说明检测方法；双方同意以现场检测结果为准协商",
        recorder="钱律"))
    ledger.execute(officer, ConcludeMediationAgreement(
        mediation_id=agreed, business_time=start + timedelta(days=2), agreement=Agreement(
            signed_on=(start + timedelta(days=2)).date(), matters="餐饮油烟噪声扰民纠纷",
            facts="经现场检测，夜间排烟设备噪声超过标准3分贝", result="餐厅加装隔音罩，并一次性补偿张华人民币2000元",
            performance="餐厅于协议签订之日起15日内完成整改并支付补偿",
            signatures=(Signature(party=0, form=SignatureForm.SIGNED_AND_SEALED, signed_by="刘芳"),
                        Signature(party=1, form=SignatureForm.SIGNED, signed_by="张华")),
            seal=SealKind.MEDIATION)))

    start = day - timedelta(days=5)
    body = "92370303MA3C7Q2N9"  # a 个体工商户's code (登记管理部门 9, 类别 2)
    tenant = Party(kind=PartyKind.INDIVIDUAL_BUSINESS, name="张店区老王便利店", id_number=body + uscc.calc_check_digit(body),
                   representative=Representative(name="王建国", capacity="负责人"))
    ended = _opened(ledger, officer, start, (restaurant, tenant), "预付卡退费纠纷",
                    "便利店称餐厅预付卡停止使用后未退余额；餐厅称已按约定折算")
    session_at = start + timedelta(days=1, hours=2)
    ledger.execute(officer, RecordMediationSession(
        mediation_id=ended, business_time=session_at, held_at=session_at, place="市市场监督管理局三楼调解室",
        mediators=("wanglei",), statements=(
            Statement(party=0, statement="已按约定折算余额"), Statement(party=1, statement="要求全额退还余额3200元")),
        disputes="预付卡余额的计算方式", course="释明《单用途商业预付卡管理办法》相关规定，双方分歧较大"))
    ledger.execute(officer, EndMediation(
        mediation_id=ended, business_time=start + timedelta(days=2), referral=Referral.LITIGATION,
        body="张店区人民法院", contact="张店区人民西路1号，诉讼服务热线0533-2180000",
        explanation="双方对余额计算方式分歧较大，均不同意调解方案"))
    for mid, kind, session in ((agreed, DocumentKind.MEDIATION_RECORD, 1), (agreed, DocumentKind.MEDIATION_AGREEMENT, None),
                               (ended, DocumentKind.MEDIATION_TERMINATION, None)):
        ledger.issue_mediation_document(officer, IssueMediationDocument(mediation_id=mid, kind=kind,
                                                                        format=DocumentFormat.PDF, session=session))
    return [agreed, ended]
