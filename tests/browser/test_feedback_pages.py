"""Supervision feedback through the workbench in a real browser: a unit's
clerk fills in one feedback form (refused beside its fields without source
or description, nothing saved), the 司法局 turns it into a rectification
suggestion letter to another unit, that unit answers it, the 司法局 verifies
it (整改到位); the desk, the letter's history and its PDF along the way.

The demo has no 司法所 yet (issue 18 item 1): the market regulator's two
officers stand for the collecting unit's clerk and reviewer."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from ledger.demo import FIRE
from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out


def test_a_feedback_form_becomes_a_letter_answered_and_verified(page: Page) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/feedback")
    page.get_by_role("link", name="填报反馈表").click()
    page.get_by_label("问题描述").fill("  ")
    page.get_by_role("button", name="报送反馈表").click()
    expect(page.locator("#err-source")).to_have_text("请选择情况来源")
    expect(page.locator("#err-problem")).to_have_text("问题描述不能为空")
    shot(page, "feedback_form_errors")
    page.get_by_label("情况来源").select_option("联系点")
    page.get_by_label("具体联系点、监督员、结对企业、其他").fill("如皋市恒力机械有限公司（企业联系点）")
    page.get_by_label("问题类型").select_option("行政检查")
    page.get_by_label("问题描述").fill("消防部门一个月内对同一企业重复检查三次，每次要求提交相同材料")
    page.get_by_label("建议意见").fill("统筹检查计划，推行“综合查一次”")
    page.get_by_label("审核", exact=True).select_option("qianlv")  # chosen from the unit's people, not typed
    page.get_by_role("button", name="报送反馈表").click()
    expect(page.locator("h1")).to_contain_text("行政执法监督建议意见反馈表")
    expect(page.locator(".facts")).to_contain_text("钱律")
    form_url = page.url
    sign_out(page)

    sign_in(page, "wujian")
    page.goto("/w/feedback")
    expect(page.locator("h1")).to_have_text("执法监督工作台")
    expect(page.get_by_role("link", name="重大行政处罚决定逾期未备案")).to_be_visible()
    expect(page.locator(".hooks")).to_contain_text("法制审核待审核")
    shot(page, "feedback_desk_supervisor")
    page.goto(form_url)
    page.get_by_label("被建议整改的行政执法单位").fill("不存在的执法局")
    page.get_by_label("答复期限").fill((datetime.now(CST) + timedelta(days=30)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="制发整改建议书").click()
    expect(page.locator("#err-unit")).to_contain_text("单位目录中没有")
    page.get_by_label("被建议整改的行政执法单位").fill(FIRE)
    page.get_by_role("button", name="制发整改建议书").click()
    shot(page, "feedback_letter_from_form")
    expect(page.locator("h1")).to_contain_text("行政执法监督问题整改建议书")
    expect(page.locator(".facts")).to_contain_text("已制发，待答复")
    letter_url = page.url
    with page.expect_download() as download:
        page.get_by_role("button", name="出具整改建议书（PDF）").click()
    assert download.value.suggested_filename.endswith(".pdf")
    shot(page, "feedback_letter_issued")
    sign_out(page)

    sign_in(page, "sunhao")
    page.goto("/w/suggestion-letters")
    expect(page.locator("table.grid")).to_contain_text("已制发，待答复")
    page.locator("table.grid a").first.click()
    assert page.url == letter_url
    page.get_by_label("答复意见（整改情况）").fill("已制定年度检查计划，合并同类检查")
    page.get_by_label("整改措施").fill("印发检查计划；建立综合查一次清单")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator(".facts")).to_contain_text("单位已答复，待核实")
    sign_out(page)

    sign_in(page, "wujian")
    page.goto(letter_url)
    page.get_by_label("核实意见").fill("经回访企业，检查已合并，整改到位")
    page.get_by_role("button", name="整改到位").click()
    expect(page.locator(".facts dd").first).to_have_text("整改到位")
    expect(page.locator(".timeline")).to_contain_text("核实整改到位")
    expect(page.locator(".timeline")).to_contain_text("单位答复")
    shot(page, "feedback_letter_verified")
    page.goto(form_url)
    expect(page.locator(".facts")).to_contain_text("整改到位")
    page.goto("/w/suggestion-letters")
    expect(page.locator("table.grid")).to_contain_text(FIRE)
    shot(page, "feedback_letters")
