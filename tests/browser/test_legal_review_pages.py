"""Legal review of a major decision in a real browser: the market
regulator's officer requests review (refused beside its fields first), may
not review the own case, the unit's legal reviewer fails it, the officer
resubmits, the reviewer passes it; the major decision is then declared on
the review (refused without one); and a credit-repair request is guided and
concluded. Screenshots along the way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out
from tests.builders import VALID_USCC


def test_a_review_failed_resubmitted_passed_and_the_decision_declared_on_it(page: Page) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/legal-reviews")
    page.get_by_role("link", name="申请法制审核").click()
    page.get_by_label("当事人", exact=True).fill("如皋某化工有限公司")
    page.get_by_label("统一社会信用代码（法人或者其他组织）").fill("123")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("#err-party_code")).to_contain_text("统一社会信用代码")
    expect(page.locator("#err-facts")).to_have_text("违法事实不能为空")
    expect(page.locator("#err-amount_yuan")).to_have_text("罚款须填写拟罚款金额")
    shot(page, "legal_review_01_request_errors")
    page.get_by_label("统一社会信用代码（法人或者其他组织）").fill(VALID_USCC)
    page.get_by_label("拟罚款金额（元）").fill("120000")
    page.get_by_label("违法事实").fill("未取得排污许可证排放污染物，持续两个月")
    page.get_by_label("法律依据").fill("《排污许可管理条例》第三十三条")
    page.get_by_label("拟作出的决定").fill("责令改正，罚款12万元")
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator("h1")).to_contain_text("待审核")
    review_url = page.url
    # the requester may not review the own case
    page.get_by_label("审核通过", exact=True).check()
    page.get_by_label("审核意见（理由）").fill("同意")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("#err-reviewer")).to_contain_text("不能审核自己承办的案件")
    shot(page, "legal_review_02_own_case_refused")
    sign_out(page)

    sign_in(page, "qianlv")
    page.goto("/w/legal-reviews")
    page.get_by_role("link", name="如皋某化工有限公司").first.click()
    page.get_by_label("审核未通过", exact=True).check()
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("#err-opinion")).to_have_text("审核意见（理由）不能为空")
    page.get_by_label("审核意见（理由）").fill("排放持续时间的证据不足，罚款数额裁量理由未说明")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("h1")).to_contain_text("审核未通过")
    sign_out(page)

    sign_in(page, "wanglei")
    page.goto(review_url)
    page.get_by_label("拟罚款金额（元）").fill("100000")
    page.get_by_label("对审核意见的处理说明").fill("补充了在线监测记录，按裁量基准调整为10万元")
    page.get_by_role("button", name="重新送审").click()
    expect(page.locator("h1")).to_contain_text("待审核")
    expect(page.locator(".round")).to_have_count(2)
    sign_out(page)

    sign_in(page, "qianlv")
    page.goto(review_url)
    page.get_by_label("审核通过", exact=True).check()
    page.get_by_label("审核意见（理由）").fill("事实清楚，证据确凿，裁量适当")
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("h1")).to_contain_text("审核通过")
    shot(page, "legal_review_03_two_rounds_passed")
    sign_out(page)

    sign_in(page, "wanglei")
    decided = (datetime.now(CST) - timedelta(days=1)).strftime("%Y-%m-%d")
    page.goto("/w/filings/new")
    page.get_by_label("处罚决定书文号").fill("皋环罚〔2026〕61号")
    page.get_by_label("处罚决定日期").fill(decided)
    page.get_by_label("当事人").fill("如皋某化工有限公司")
    page.get_by_label("处罚内容").fill("责令改正，罚款10万元")
    page.get_by_role("button", name="登记").click()
    shot(page, "legal_review_04_declare_without_review")
    expect(page.locator(".field-error")).to_contain_text("须先经法制审核")
    shot(page, "legal_review_04_declare_without_review")
    page.goto(review_url)
    page.get_by_role("link", name="依本审核登记重大行政处罚决定").click()
    # cited by its short number (法审〔2026〕N号), not the id in the page's address
    expect(page.get_by_label("法制审核编号（须审核通过）")).to_have_value(re.compile(r"^法审〔\d{4}〕\d+号$"))
    page.get_by_label("处罚决定书文号").fill("皋环罚〔2026〕61号")
    page.get_by_label("处罚决定日期").fill(decided)
    page.get_by_label("当事人").fill("如皋某化工有限公司")
    page.get_by_label("处罚内容").fill("责令改正，罚款10万元")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("h1")).to_contain_text("皋环罚〔2026〕61号")
    page.get_by_label("备案日期").fill(datetime.now(CST).strftime("%Y-%m-%d"))
    page.get_by_label("备案编号或报送凭证").fill("苏执监备〔2026〕61号")
    page.get_by_role("button", name="报送备案").click()
    page.goto(review_url)
    expect(page.locator(".facts").first).to_contain_text("皋环罚〔2026〕61号")
    page.goto("/w/legal-reviews")
    expect(page.locator("h2").filter(has_text="年度考核指标")).to_be_visible()
    shot(page, "legal_review_05_list_and_indicators")
    page.get_by_role("button", name="报送清单备案").click()  # the four lists filed with the 司法局 (seed 003 八)
    expect(page.locator("#err-reference")).to_have_text("备案文号或回执编号不能为空")
    page.get_by_label("备案文号或回执编号").fill("皋司备〔2026〕12号")
    page.get_by_role("button", name="报送清单备案").click()
    expect(page.get_by_text("最近一次备案")).to_contain_text("皋司备〔2026〕12号")
    sign_out(page)

    sign_in(page, "wujian")  # the supervisor's 备案审查: a problem needs its finding
    page.goto("/w/legal-reviews/filings")
    page.get_by_role("radio", name="发现问题，拟制发整改建议书").first.check()
    page.get_by_role("button", name="备案审查 皋环罚〔2026〕61号").click()
    expect(page.locator("#err-finding")).to_have_text("审查发现的问题不能为空")
    page.get_by_label("审查发现的问题").fill("未说明罚款数额的裁量理由")
    page.get_by_role("button", name="备案审查 皋环罚〔2026〕61号").click()
    expect(page.get_by_role("row", name="皋环罚〔2026〕61号")).to_contain_text("未说明罚款数额的裁量理由")
    shot(page, "legal_review_06_filing_review")
    page.goto("/w/legal-reviews")
    page.get_by_label("执法主体").fill("市市场监督管理局")
    page.get_by_label("对公民（元以上）").fill("0")
    page.get_by_role("button", name="设定标准").click()
    expect(page.locator("#err-individual_yuan")).to_have_text("标准金额应大于0")
    expect(page.locator("#err-source")).to_contain_text("不能为空")
    shot(page, "legal_review_06b_threshold_errors")
    page.get_by_label("对公民（元以上）").fill("3000")
    page.get_by_label("标准依据（文件名称、文号）").fill("市政府关于较大数额罚款标准的规定")
    page.get_by_role("button", name="设定标准").click()
    expect(page.get_by_role("heading", name="重大执法决定法制审核")).to_be_visible()


def test_a_credit_repair_request_is_guided_and_repaired(page: Page) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/credit-repairs")
    page.get_by_label("企业名称").fill("如皋某化工有限公司")
    page.get_by_label("统一社会信用代码").fill("91370303MA3C7Q2N80")
    page.get_by_role("button", name="受理").click()
    expect(page.locator("#err-uscc")).to_have_text("统一社会信用代码校验位错误")
    expect(page.locator("#err-decision_number")).to_have_text("行政处罚决定书文号不能为空")
    shot(page, "legal_review_07_repair_errors")
    page.get_by_label("统一社会信用代码").fill(VALID_USCC)
    page.get_by_label("行政处罚决定书文号").fill("皋环罚〔2026〕61号")
    page.get_by_label("申请事项").fill("罚款已缴纳、已整改，申请指导信用修复")
    page.get_by_role("button", name="受理").click()
    expect(page.locator("h1")).to_contain_text("已申请，待指导")
    page.get_by_label("指导内容").fill("指导企业通过“信用中国”网站提交信用修复书面申请，附缴款凭证和整改报告")
    page.get_by_role("button", name="记录指导").click()
    expect(page.locator("h1")).to_contain_text("已指导")
    page.get_by_label("不符合修复条件", exact=True).check()
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#err-reason")).to_have_text("不符合修复条件的理由不能为空")
    page.get_by_label("已修复", exact=True).check()
    page.get_by_role("button", name="办结").click()
    expect(page.locator("h1")).to_contain_text("已修复")
    expect(page.locator(".timeline li")).to_have_count(3)
    shot(page, "legal_review_08_repair_done")
