"""The register of legal-risk points in a real browser, one flow: the fire
brigade's officer drafts a list point by point (a point without legal basis
refused beside its field, a grade against the rule without a reason refused),
records the opinions solicited, publishes it, and a visitor reads it on the
public page without signing in; then the market regulator's officer finds the
demo list's high points warned for the last quarter (no guidance cited them)
and records what was done about one."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote

from playwright.sync_api import Page, expect

from ledger.demo import FIRE
from ledger.values import CST
from tests.browser.conftest import shot, sign_in


def fill_point(page: Page, code: str, point: str, *, basis: str, severity: str, likelihood: str,
               grade: str = "按等级规则确定", reason: str = "") -> None:
    page.get_by_label("编号", exact=True).fill(code)
    page.get_by_label("相对人类别").fill("人员密集场所经营者")
    page.get_by_label("违法风险点").fill(point)
    page.get_by_label("表现形式").fill("安全出口上锁、疏散通道堆放杂物")
    page.get_by_label("形成原因").fill("消防安全主体责任意识淡薄")
    page.get_by_label("危害后果", exact=True).fill("发生火灾时人员无法及时疏散")
    page.get_by_label("危害程度").select_option(label=severity)
    page.get_by_label("发生概率").select_option(label=likelihood)
    page.get_by_label("风险等级").select_option(label=grade)
    page.get_by_label(re.compile("^等级调整理由")).fill(reason)
    page.get_by_label("法律依据").fill(basis)
    page.get_by_label("指导方式及措施").fill("行政提示：张贴疏散提示；行政约谈：约谈负责人")


def test_an_officer_drafts_solicits_and_publishes_a_list_the_public_then_reads(page: Page) -> None:
    today = datetime.now(CST).date().isoformat()
    sign_in(page, "sunhao")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="违法风险点").click()
    page.get_by_role("link", name="拟定新版本").click()
    page.get_by_label("版本", exact=True).fill("2026版")
    page.get_by_label("清单名称").fill("市消防救援支队行政相对人违法风险点清单")
    page.get_by_label("生效日期").fill(today)
    fill_point(page, "XF-01", "封闭、堵塞疏散通道和安全出口", basis=" ", severity="严重", likelihood="中",
               grade="低风险")
    page.get_by_role("button", name="加入草案").click()
    expect(page.locator("#err-point-basis")).to_have_text("法律依据不能为空")
    expect(page.locator("#err-point-grade")).to_contain_text("应为高风险；定为低风险须说明理由")
    expect(page.get_by_label("违法风险点")).to_have_value("封闭、堵塞疏散通道和安全出口")  # kept as typed
    shot(page, "risk-points-01-draft-errors")

    page.get_by_label("法律依据").fill("《中华人民共和国消防法》第二十八条、第六十条")
    page.get_by_label("风险等级").select_option(label="按等级规则确定")
    page.get_by_role("button", name="加入草案").click()
    expect(page.get_by_role("status")).to_contain_text("已将风险点XF-01加入")
    page.get_by_role("link", name="增加风险点").click()
    fill_point(page, "XF-02", "消防设施未保持完好有效", basis="《中华人民共和国消防法》第十六条、第六十条",
               severity="较重", likelihood="低", grade="中风险", reason="本市近年两起火灾因喷淋失效扩大，调高一级")
    page.get_by_role("button", name="加入草案").click()
    expect(page.get_by_role("status")).to_contain_text("共2项")

    page.get_by_role("link", name="公布").click()
    page.get_by_label("门户网站").check()
    page.get_by_role("button", name="公布").click()
    expect(page.locator("#err-version")).to_contain_text("公布前应当征求意见")
    page.goto(f"/w/risk-points/{quote(FIRE)}/editions/{quote('2026版')}/solicit")
    page.get_by_label("征求对象").fill("辖区商场、宾馆经营者代表8家")
    page.get_by_label("征求方式").fill("座谈会")
    page.get_by_label("征求内容").fill("违法风险点清单（征求意见稿）")
    page.get_by_label("反馈意见").fill("建议对消防设施维保提供示范合同")
    page.get_by_label("采纳情况").fill("采纳，XF-02措施增加示范文本")
    page.get_by_role("button", name="记录征求意见").click()
    page.get_by_role("link", name="公布").click()
    page.get_by_label("门户网站").check()
    page.get_by_label(re.compile("^其他渠道")).fill("微信公众号")
    page.get_by_role("button", name="公布").click()
    expect(page.get_by_role("status")).to_contain_text("已公布")
    register = page.get_by_role("table", name="2026版的违法风险点")
    expect(register.locator("tbody tr")).to_have_count(2)
    expect(register.locator("tbody tr").first).to_contain_text("危害后果严重 × 发生概率中 → 高风险（按等级规则）")
    expect(register.locator("tbody tr").nth(1)).to_contain_text("调整为中风险：本市近年两起火灾")
    expect(page.get_by_text("通过门户网站、微信公众号公布")).to_be_visible()
    shot(page, "risk-points-02-register-published")

    visitor = page.context.browser.new_page(base_url=page.url.split("/w/")[0])
    try:
        response = visitor.goto(f"/public/risk-points/{quote(FIRE)}")
        assert response is not None and response.status == 200
        table = visitor.get_by_role("table", name="人员密集场所经营者的违法风险点")
        expect(table.locator("thead th")).to_have_text(["编号", "违法风险点", "法律依据", "风险等级", "指导方式及措施"])
        expect(table.locator("tbody tr").first).to_contain_text("高风险")
        expect(visitor.locator(".facts")).to_contain_text("门户网站、微信公众号")
        expect(visitor.locator("script")).to_have_count(0)
        shot(visitor, "risk-points-03-public")
    finally:
        visitor.close()

    page.get_by_role("button", name="退出").click()
    sign_in(page, "wanglei")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="风险预警").click()
    queue = page.get_by_role("table", name="预警")
    warned = queue.locator("tbody tr").filter(has_text="SP-01")
    expect(warned).to_contain_text("高风险点一个季度内无指导")
    expect(warned).to_contain_text("待处理")
    warned.get_by_label("处理方式").select_option(label="已介入处置")
    warned.get_by_role("button", name="记录").click()
    expect(page.locator("#err-note")).to_have_text("处理情况不能为空（知悉或采取的措施）")
    warned = page.get_by_role("table", name="预警").locator("tbody tr").filter(has_text="SP-01")
    warned.get_by_label("处理方式").select_option(label="已介入处置")
    warned.get_by_label("处理情况").fill("组织辖区超市开展临期食品专项指导")
    warned.get_by_role("button", name="记录").click()
    expect(page.get_by_role("status")).to_contain_text("已记录对风险点SP-01预警的处理")
    done = page.get_by_role("table", name="预警").locator("tbody tr").filter(has_text="SP-01")
    expect(done).to_contain_text("已介入处置（组织辖区超市开展临期食品专项指导）")
    shot(page, "risk-points-04-warnings")
