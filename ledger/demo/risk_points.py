"""The demo's published list of legal-risk points (seed 002 第二十条): the market
regulator's points for 食品经营者 and 药品零售企业, drafted, put to the
parties for opinions, published on its portal and WeChat account, and cited
by the demo's agency guidance."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ledger.commands import Context
from ledger.risk_points.commands import CiteRiskPoints, DraftRiskEdition, PublishRiskEdition, SolicitRiskOpinion
from ledger.risk_points.values import (
    RecordKind,
    RiskEdition,
    RiskGrade,
    RiskLikelihood,
    RiskPoint,
    RiskPublication,
    RiskSeverity,
    RiskSolicitation,
)
from ledger.values import CST

FOOD = "食品经营者"
DRUGS = "药品零售企业"

SAMPLE_POINTS = (
    RiskPoint(
        code="SP-01", category=FOOD, point="经营超过保质期的食品",
        manifestation="货架、仓库存放过期预包装食品；临期食品未分区、未标示",
        cause="进货查验和定期检查制度落实不到位，库存管理粗放",
        harm="可能引发食源性疾病，危害消费者身体健康",
        severity=RiskSeverity.SEVERE, likelihood=RiskLikelihood.HIGH,
        basis="《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条",
        measures="行政提示：发放临期食品管理提示函；行政辅导：指导建立进货查验、定期清查记录",
        citation_threshold=3,
    ),
    RiskPoint(
        code="SP-02", category=FOOD, point="从业人员未取得健康证明上岗",
        manifestation="接触直接入口食品的从业人员无有效健康证明",
        cause="经营者对从业人员健康管理要求不了解，人员流动频繁",
        harm="可能传播传染性疾病",
        severity=RiskSeverity.SERIOUS, likelihood=RiskLikelihood.MEDIUM,
        basis="《中华人民共和国食品安全法》第四十五条、第一百二十六条第一款第（六）项",
        measures="行政建议：建立从业人员健康档案；普法宣传：集中培训",
    ),
    RiskPoint(
        code="SP-03", category=FOOD, point="未按规定公示食品经营许可证",
        manifestation="经营场所未在显著位置悬挂或摆放许可证正本",
        cause="新开办经营者不熟悉公示要求",
        harm="消费者无法核验经营资质",
        severity=RiskSeverity.MINOR, likelihood=RiskLikelihood.HIGH,
        basis="《食品经营许可和备案管理办法》第四十五条、第五十三条",
        measures="行政提示：现场告知并当场指导改正（首违不罚）",
    ),
    RiskPoint(
        code="YP-01", category=DRUGS, point="执业药师不在岗销售处方药",
        manifestation="营业时间执业药师不在岗，仍销售处方药",
        cause="人员配备不足，挂证现象",
        harm="可能导致用药错误，危害公众用药安全",
        severity=RiskSeverity.SEVERE, likelihood=RiskLikelihood.MEDIUM,
        basis="《药品经营和使用质量监督管理办法》第三十九条、第七十四条",
        measures="行政约谈：约谈企业负责人；行政回访：一个月内回访整改情况",
        citation_threshold=2,
    ),
    RiskPoint(
        code="YP-02", category=DRUGS, point="药品购销记录不完整",
        manifestation="购进、销售记录缺少批号、有效期等项目",
        cause="记录制度不健全，计算机系统设置不完整",
        harm="药品质量问题发生时难以追溯",
        severity=RiskSeverity.SERIOUS, likelihood=RiskLikelihood.LOW,
        basis="《中华人民共和国药品管理法》第五十七条、第一百三十条",
        measures="行政辅导：指导完善购销记录系统字段",
        grade=RiskGrade.MEDIUM, grade_reason="近两年本市两起药品召回因记录不全未能追溯，调高一级",
    ),
)

SAMPLE_SOLICITATION = RiskSolicitation(
    consulted="辖区食品经营者、药品零售企业代表12家，区消费者协会",
    method="座谈会及门户网站公开征求意见（15日）",
    subject="违法风险点清单（征求意见稿）的风险点、等级和防控措施",
    opinion="建议对“未公示许可证”首次违法给予提示而非处罚；建议增加临期食品管理示范文本",
    answer="均予采纳：SP-03措施写明首违不罚，SP-01措施增加管理提示函",
    solicited_on=date(2026, 1, 10),
)


def draft_cmd(authority: str, *, version: str = "2026版", effective_from: date = date(2026, 2, 1),
              points: tuple[RiskPoint, ...] = SAMPLE_POINTS) -> DraftRiskEdition:
    return DraftRiskEdition(authority=authority, edition=RiskEdition(
        version=version, title=f"{authority}行政相对人违法风险点清单", effective_from=effective_from, points=points,
        document_number="市监法〔2026〕3号"))


def publish_sample_risk_points(ledger, ctx: Context, authority: str) -> bool:
    """Drafts, solicits and publishes the sample list if ``authority`` has none; True if it did."""
    register = ledger.risk_register(authority, for_update=False)
    if register is not None and register.publications:
        return False
    if register is None or "2026版" not in register.editions:
        ledger.execute(ctx, draft_cmd(authority))
    ledger.execute(ctx, SolicitRiskOpinion(authority=authority, version="2026版", solicitation=SAMPLE_SOLICITATION))
    ledger.execute(ctx, PublishRiskEdition(authority=authority, version="2026版", publication=RiskPublication(
        published_on=date(2026, 1, 25), channels=("门户网站", "微信公众号"))))
    return True


def cite_on_demo_guidance(ledger, ctx: Context, guidance_id, now: datetime) -> None:
    """The demo guidance addresses two of the points (a citation a week ago)."""
    ledger.execute(ctx, CiteRiskPoints(record_kind=RecordKind.GUIDANCE, record_id=guidance_id, codes=("SP-01", "SP-03"),
                                       business_time=(now - timedelta(days=7)).astimezone(CST)))


def seed_risk_points_demo(ledger, guidance_ids, now: datetime) -> None:
    """The market regulator's published list; its written demo guidance cites two points."""
    from ledger.demo import MARKET, _ctx
    from ledger.values import Actor, Role

    officer = _ctx(Actor(id="wanglei", name="王磊", role=Role.UNIT_STAFF, unit=MARKET))
    publish_sample_risk_points(ledger, officer, MARKET)
    if guidance_ids:
        cite_on_demo_guidance(ledger, officer, guidance_ids[0], now)
