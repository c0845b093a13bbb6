"""Valid example values and commands for administrative mediation (行政调解)
tests; override what a test is about."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ledger.mediation.commands import (
    AcceptMediation,
    ConcludeMediationAgreement,
    NotifyMediationRights,
    RecordMediationConsent,
    RecordMediationSession,
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
    Representative,
    RightsNotice,
    SealKind,
    Signature,
    SignatureForm,
    StartWay,
    Statement,
)
from tests.builders import T0, VALID_RIC, VALID_USCC, ctx
from tests.guidance_builders import WANG

START_AT = T0  # Monday 2026-11-02 09:00
CONSENT_AT = T0 + timedelta(minutes=30)
ACCEPT_AT = T0 + timedelta(hours=1)
RIGHTS_AT = T0 + timedelta(hours=2)
SESSION_AT = T0 + timedelta(days=1)
AGREE_AT = T0 + timedelta(days=2)


def parties() -> tuple[Party, ...]:
    return (
        Party(kind=PartyKind.ORGANISATION, name="鲁味轩餐饮有限公司", id_number=VALID_USCC, address="人民西路88号",
              phone="13953312345", representative=Representative(name="刘芳", capacity="法定代表人")),
        Party(kind=PartyKind.INDIVIDUAL, name="张华", id_number=VALID_RIC, address="柳泉路9号",
              representative=Representative(name="李律", capacity="委托代理人")),
    )


def start_cmd(**over: Any) -> StartMediation:
    values: dict[str, Any] = dict(business_time=START_AT, way=StartWay.ON_APPLICATION, procedure=Procedure.GENERAL,
                                  parties=parties(), matter="餐饮油烟噪声扰民赔偿纠纷",
                                  dispute="张华称餐厅排烟设备噪声超标，要求赔偿并整改；餐厅对噪声来源有异议",
                                  legal_basis="《中华人民共和国民法典》第二百九十四条")
    values.update(over)
    return StartMediation(**values)


def consent_cmd(mid, party: int, at: datetime = CONSENT_AT, **over: Any) -> RecordMediationConsent:
    return RecordMediationConsent(mediation_id=mid, business_time=at + timedelta(seconds=1),
                                  consent=Consent(party=party, given_at=at, method=ConsentMethod.WRITTEN), **over)


def accept_cmd(mid, at: datetime = ACCEPT_AT, **over: Any) -> AcceptMediation:
    values: dict[str, Any] = dict(mediation_id=mid, business_time=at, notice=Notice(
        meet_at=at + timedelta(days=1), place="区市场监管局调解室", observe="请携带身份证明和相关证据材料，按时到场"))
    values.update(over)
    return AcceptMediation(**values)


def rights_cmd(mid, at: datetime = RIGHTS_AT) -> NotifyMediationRights:
    return NotifyMediationRights(mediation_id=mid, business_time=at, rights=RightsNotice(
        given_at=at, method="书面告知", content="当事人享有自愿调解、申请回避、随时终止调解等权利；调解遵循自愿、合法、公正、效率原则"))


def session_cmd(mid, at: datetime = SESSION_AT, **over: Any) -> RecordMediationSession:
    values: dict[str, Any] = dict(
        mediation_id=mid, business_time=at, held_at=at, place="区市场监管局调解室", mediators=("wanglei",),
        invited=("陈工（环保工程师）",),
        statements=(Statement(party=0, statement="排烟设备已于上月更换", evidence="设备更换发票"),
                    Statement(party=1, statement="夜间噪声仍影响休息", argument="更换后仍超标", evidence="自测噪声视频")),
        disputes="噪声是否超标；赔偿数额", course="释明相邻关系规定，双方同意委托检测后协商")
    values.update(over)
    return RecordMediationSession(**values)


def agreement(signed_on: date | None = None, signatures: tuple[Signature, ...] | None = None) -> Agreement:
    return Agreement(
        signed_on=signed_on or AGREE_AT.date(), matters="油烟噪声扰民赔偿", facts="经检测夜间噪声超标3分贝",
        result="餐厅加装隔音罩并一次性补偿张华2000元", performance="2026年11月30日前完成整改并支付",
        signatures=signatures if signatures is not None else (
            Signature(party=0, form=SignatureForm.SIGNED_AND_SEALED, signed_by="刘芳"),
            Signature(party=1, form=SignatureForm.SIGNED, signed_by="张华")),
        seal=SealKind.MEDIATION)


def agree_cmd(mid, at: datetime = AGREE_AT, **over: Any) -> ConcludeMediationAgreement:
    values: dict[str, Any] = dict(mediation_id=mid, business_time=at, agreement=agreement(at.date()))
    values.update(over)
    return ConcludeMediationAgreement(**values)


def accepted(ledger, **over: Any):
    """A general-procedure mediation, both parties consenting, accepted, rights given."""
    mid = ledger.execute(ctx(WANG), start_cmd(**over)).case_id
    ledger.execute(ctx(WANG), consent_cmd(mid, 0))
    ledger.execute(ctx(WANG), consent_cmd(mid, 1, CONSENT_AT + timedelta(minutes=1)))
    ledger.execute(ctx(WANG), accept_cmd(mid))
    ledger.execute(ctx(WANG), rights_cmd(mid))
    return mid
