"""The workbench as clerks use it, in a real browser: signing in, booking on
the annex 1 form (field errors beside their fields, input kept), accepting
with the number and due time shown, the case's timeline, what another unit
may not see, escaping, CSRF, signing out."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in

USCC = "91370303MA3C7Q2N8"  # + check digit below


def uscc() -> str:
    from stdnum.cn import uscc as u

    return USCC + u.calc_check_digit(USCC)


def book(page: Page, name: str, *, types: tuple[str, ...] = ("合规经营指导",)) -> None:
    page.goto("/w/book")
    page.get_by_label("单位", exact=True).check()
    page.get_by_label("申请单位/个人").fill(name)
    page.get_by_label("统一社会信用代码/身份证号").fill(uscc())
    page.get_by_label("地址").fill("张店区人民西路88号")
    page.get_by_label("联系人").fill("刘芳")
    page.get_by_label("联系电话").fill("13953312345")
    for t in types:
        page.get_by_label(t).check()
    page.get_by_label("需求简述").fill("指导后厨台账和消防通道整改")
    page.get_by_label("预约方式").select_option(label="电话预约")
    page.get_by_role("button", name="提交预约").click()


def test_a_wrong_password_is_told_plainly_and_the_right_one_opens_the_workbench(page: Page) -> None:
    sign_in(page, "zhangmin", "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("zhangmin")
    shot(page, "01-login-failed")
    sign_in(page, "zhangmin")
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.get_by_text("张敏")).to_be_visible()
    expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name="预约登记")).to_be_visible()
    shot(page, "02-registrar-home")


def test_a_booking_with_errors_keeps_the_input_and_names_each_field_then_books_and_is_accepted(page: Page) -> None:
    sign_in(page, "zhangmin")
    page.goto("/w/book")
    page.get_by_label("单位", exact=True).check()
    page.get_by_label("统一社会信用代码/身份证号").fill("123")
    page.get_by_label("需求简述").fill("需要指导")
    page.get_by_role("button", name="提交预约").click()
    expect(page.get_by_role("alert")).to_contain_text("请按提示修改")
    expect(page.get_by_label("需求简述")).to_have_value("需要指导")  # the rest of the input kept
    expect(page.locator(".field-error").first).to_be_visible()
    shot(page, "03-booking-errors")

    book(page, "淄博鲁味轩餐饮管理有限公司", types=("合规经营指导", "问题整改帮扶"))
    expect(page.get_by_role("heading", name="淄博鲁味轩餐饮管理有限公司")).to_be_visible()
    expect(page.locator("h1 .state")).to_have_text("已预约")
    shot(page, "04-case-booked")
    page.get_by_role("link", name="受理或不予受理").click()
    page.get_by_role("button", name="受理", exact=True).click()  # no class chosen
    expect(page.locator(".field-error")).to_have_text("请选择需求类别")
    page.get_by_label("一般服务需求（3至5个工作日）").check()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("h1 .state")).to_have_text("已受理")
    expect(page.locator(".facts")).to_contain_text(re.compile(r"\d{4}年第\d+号"))
    expect(page.locator(".timeline li")).to_have_count(2)
    shot(page, "05-case-accepted")


def test_an_applicant_named_as_a_script_is_shown_as_text(page: Page) -> None:
    sign_in(page, "zhangmin")
    book(page, "<script>alert(1)</script>有限公司")
    expect(page.get_by_role("heading", name="<script>alert(1)</script>有限公司")).to_be_visible()
    assert "<script>alert(1)</script>有限公司" not in page.content()  # escaped in the HTML
    page.goto("/w/registry")
    expect(page.get_by_role("cell", name="<script>alert(1)</script>有限公司").first).to_be_visible()
    shot(page, "06-registry-escaped")


def test_unit_staff_see_only_their_units_cases_in_pages(page: Page) -> None:
    sign_in(page, "zhangmin")
    book(page, "只在登记处的公司")
    case_url = page.url
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    sign_in(page, "sunhao")  # the fire brigade: the case is not dispatched to it
    page.goto(case_url)
    expect(page.get_by_role("heading", name="案件不存在")).to_be_visible()
    page.goto("/w/registry")
    expect(page.get_by_text("只在登记处的公司")).to_have_count(0)
    shot(page, "07-unit-staff-registry")


def test_a_form_posted_without_its_csrf_token_is_refused(server: str, page: Page) -> None:
    sign_in(page, "zhangmin")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    r = httpx.post(f"{server}/w/book", data={"name": "伪造的预约"}, cookies=cookies, follow_redirects=False)
    assert r.status_code == 403
    page.goto("/w/registry")
    expect(page.get_by_text("伪造的预约")).to_have_count(0)


def test_pages_send_a_content_security_policy_without_inline_script(server: str) -> None:
    r = httpx.get(f"{server}/login")
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert r.headers["x-content-type-options"] == "nosniff"
    # no inline script: the only script is our own file
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/workbench.js" defer>']


def test_the_whole_lifecycle_from_booking_to_archive_through_the_pages(page: Page) -> None:
    from datetime import datetime, timedelta

    sign_in(page, "zhangmin")
    book(page, "全流程测试餐饮有限公司")
    case_url = page.url
    page.get_by_role("link", name="受理或不予受理").click()
    page.get_by_label("咨询服务需求（1个工作日）").check()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("h1 .state")).to_have_text("已受理")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "liqiang")  # the dispatcher
    expect(page.get_by_role("cell", name="全流程测试餐饮有限公司")).to_be_visible()  # in the dispatch queue
    page.goto(case_url)
    page.get_by_role("link", name="派单").click()
    page.get_by_role("button", name="派单").click()  # nothing chosen: told what is missing
    expect(page.locator(".field-error").first).to_be_visible()
    page.locator(".unit", has_text="市市场监督管理局").get_by_label("王磊").check()
    page.get_by_label("服务形式").select_option(label="上门指导")
    from ledger.values import CST

    when = (datetime.now(CST) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")  # the form's time is China time
    page.get_by_label("约定服务时间").fill(when)
    shot(page, "08-dispatch-form")
    page.get_by_role("button", name="派单").click()
    expect(page.locator("h1 .state")).to_have_text("已派单")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "wanglei")  # the market regulator's officer
    page.goto(case_url)
    page.get_by_role("link", name="填写指导服务意见书").click()
    page.get_by_label("服务地点").fill("张店区人民西路88号 后厨")
    page.get_by_label("服务内容").fill("食品安全合规经营指导")
    page.get_by_label("现场情况及发现问题").fill("进货查验台账记录不全")
    page.get_by_label("指导意见").fill("建立并如实填写进货查验记录")
    page.get_by_label("现场服务").check()
    shot(page, "09-serve-form")
    page.get_by_role("button", name="保存意见书").click()
    expect(page.locator("h1 .state")).to_have_text("已服务")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "zhangmin")
    page.goto(case_url)
    page.get_by_role("link", name="电话回访评价").click()
    for scale, grade in (("服务响应", "非常及时"), ("服务态度", "好"), ("服务内容", "实用"), ("服务结果", "满意")):
        page.get_by_role("group", name=scale).get_by_label(grade, exact=True).check()
    page.get_by_role("group", name="评价方式").get_by_label("电话回访").check()
    shot(page, "10-rating-form")
    page.get_by_role("button", name="保存评价").click()
    expect(page.locator("h1 .state")).to_have_text("已评价")
    expect(page.locator(".checklist")).to_contain_text("✓ 服务满意度评价表已填写")
    page.get_by_role("button", name="归档").click()
    expect(page.locator("h1 .state")).to_have_text("已归档")
    expect(page.locator(".timeline li")).to_have_count(6)
    shot(page, "11-case-archived")


def test_the_auditor_reads_the_audit_log_and_the_administrator_only_directory_events(page: Page) -> None:
    sign_in(page, "zhengshen")  # the auditor
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="审计日志").click()
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    expect(page.get_by_role("cell", name="预约申请").first).to_be_visible()
    page.get_by_label("事项").select_option(label="受理")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("tbody tr").first).to_contain_text("受理")
    shot(page, "12-audit-log")
    page.get_by_role("button", name="退出").click()
    sign_in(page, "admin")
    page.goto("/w/audit")
    expect(page.get_by_role("cell", name="预约申请")).to_have_count(0)
    expect(page.locator("tbody")).to_contain_text("user")
    refused = page.goto("/w/registry")
    expect(page.get_by_role("heading", name="无权查看")).to_be_visible()
    assert refused.status == 403
    # a page made by an exception handler carries the same headers as any page
    assert "frame-ancestors 'none'" in refused.headers["content-security-policy"]
    assert refused.headers["x-content-type-options"] == "nosniff"


def test_a_supervisor_objects_to_a_reversal_and_the_issuing_unit_answers(page: Page) -> None:
    from datetime import date, timedelta

    sign_in(page, "wujian")  # the supervisor
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="监督待办").click()
    row = page.locator("tr", has_text="淄张市监罚〔2025〕118号").first
    expect(row).to_be_visible()
    row.get_by_role("link", name="审查").click()
    review_url = page.url
    page.get_by_role("button", name="制发整改建议书").click()  # empty: told what is missing
    expect(page.locator(".field-error").first).to_be_visible()
    page.get_by_label("存在的问题").fill("书面说明未写明危害后果")
    page.get_by_label("整改建议").fill("补充书面说明后报送")
    page.get_by_label("答复期限").fill((date.today() + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="制发整改建议书").click()
    expect(page.locator(".facts")).to_contain_text("已发整改建议书，待单位答复")
    shot(page, "13-review-objected")
    with page.expect_download() as letter:  # the letter as a formal document, recorded on the case
        page.get_by_role("button", name="出具整改建议书（PDF）").click()
    assert letter.value.suggested_filename.endswith(".pdf")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "sunhao")  # another unit's officer: the review is not theirs
    page.goto(review_url)
    expect(page.get_by_role("heading", name="审查不存在")).to_be_visible()
    page.get_by_role("button", name="退出").click()

    sign_in(page, "wanglei")  # the issuing unit answers
    page.goto(review_url)
    page.get_by_label("答复意见").fill("已补充书面说明")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator(".facts")).to_contain_text("单位已答复，待复核")
    shot(page, "14-review-answered")


def test_a_refusal_records_the_reason_the_one_time_notice_and_the_referral(page: Page) -> None:
    sign_in(page, "zhangmin")
    book(page, "不属受理范围的公司")
    page.get_by_role("link", name="受理或不予受理").click()
    page.get_by_role("button", name="不予受理").click()  # nothing written: told each field
    expect(page.locator(".field-error").first).to_be_visible()
    page.get_by_label("不予受理理由").fill("属于行政复议事项，不在指导服务范围")
    page.get_by_label("一次性告知内容").fill("请携带处罚决定书及身份证明向复议机关申请")
    page.get_by_label("引导至").fill("市人民政府行政复议办公室")
    page.get_by_label("联系方式").fill("0533-1234567，人民西路1号")
    page.get_by_role("button", name="不予受理").click()
    expect(page.locator(".facts")).to_contain_text("不予受理")
    expect(page.locator(".facts")).to_contain_text("属于行政复议事项")
    expect(page.locator(".facts")).to_contain_text("市人民政府行政复议办公室（0533-1234567，人民西路1号）")
    expect(page.get_by_role("button", name="归档")).to_be_visible()  # a refused case is archived next
    shot(page, "15-case-refused")
