"""Agency-initiated guidance (行政指导) through the workbench in a real browser:
an officer starts a written guidance (a bad identifier refused beside its
field, nothing saved), issues the 意见书, is refused a delivery dated before
it, delivers it, fills the 登记文书, records the party's acceptance and the
effect; the list and the 登记簿 show it; a simple guidance is terminated; a
supervisor reads it but has no steps; another unit's officer cannot see it."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out
from tests.browser.test_workbench import uscc


def start_written(page: Page, name: str) -> str:
    page.goto("/w/guidance")
    page.get_by_role("link", name="启动行政指导").click()
    page.get_by_label("书面形式").check()
    page.get_by_label("名称/姓名").fill(name)
    page.get_by_label("统一社会信用代码/身份证号").fill("91370300ABCDEFGHIJ")  # fails its check
    page.get_by_label("地址").fill("人民西路88号")
    page.get_by_label("指导事项", exact=True).fill("食品经营许可延续指导")
    page.get_by_label("行政指导方式").select_option("提示提醒")
    page.get_by_label("事前").check()
    page.get_by_label("法律依据").fill("《中华人民共和国食品安全法》第三十五条")
    page.get_by_role("button", name="启动").click()
    expect(page.locator("#err-addressee-id_number")).to_be_visible()
    shot(page, "guidance_start_error")
    page.get_by_label("统一社会信用代码/身份证号").fill(uscc())
    page.get_by_role("button", name="启动").click()
    expect(page.locator("h1 .state")).to_have_text("已启动")
    return page.url


def test_a_written_guidance_from_start_to_its_effect(page: Page) -> None:
    sign_in(page, "wanglei")
    url = start_written(page, "鲁味轩餐饮有限公司")
    page.get_by_role("link", name="行政指导意见书").click()
    page.get_by_label("关于你（单位）存在的……问题").fill("食品经营许可证到期未延续")
    page.get_by_label("存在问题").fill("许可证将于下月到期，尚未申请延续")
    page.get_by_label("指导意见").fill("在有效期届满30个工作日前提出延续申请")
    page.get_by_label("指导联系人").fill("王磊")
    page.get_by_label("联系电话").fill("0533-2345678")
    shot(page, "guidance_opinion_form")
    page.get_by_role("button", name="出具意见书").click()
    expect(page.locator(".facts")).to_contain_text("年第")
    number = page.locator(".facts dd", has_text="年第").first.inner_text()

    # a delivery dated before the 意见书 is refused beside its field; nothing saved
    page.get_by_role("link", name="送达意见书").click()
    page.get_by_label("送达日期").fill((datetime.now(CST) - timedelta(days=3)).strftime("%Y-%m-%d"))
    page.get_by_label("直接送达").check()
    page.get_by_label("受送达人（签收人）").fill("刘芳")
    page.get_by_role("button", name="登记送达").click()
    expect(page.locator("#err-delivery-delivered_on")).to_contain_text("早于意见书日期")
    page.get_by_label("送达日期").fill(datetime.now(CST).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="登记送达").click()
    expect(page.locator("h1 .state")).to_have_text("已实施")

    page.get_by_role("link", name="行政指导登记文书").click()
    page.get_by_label("指导地点").fill("人民西路88号")
    page.get_by_label("指导内容（事项）").fill("食品经营许可延续")
    page.get_by_role("button", name="填写登记文书").click()
    expect(page.locator(".facts")).to_contain_text("登记文书")

    page.get_by_role("link", name="相对人接受行政指导").click()
    page.get_by_role("button", name="登记接受").click()
    expect(page.locator("h1 .state")).to_have_text("已接受")
    page.get_by_role("link", name="指导取得的效益、效果").click()
    page.get_by_label("效益、效果").fill("已按期申请许可延续")
    page.get_by_role("button", name="登记效果").click()
    expect(page.locator(".facts")).to_contain_text("已按期申请许可延续")
    expect(page.locator(".timeline li")).to_have_count(6)
    shot(page, "guidance_page")

    # the unit's list shows it, with its 意见书 number
    page.goto("/w/guidance")
    row = page.locator("tr", has_text="鲁味轩餐饮有限公司").first
    expect(row).to_contain_text("已接受")
    expect(row).to_contain_text(number.split("，")[0])
    expect(row).to_contain_text("待报送")
    shot(page, "guidance_list")

    # 报送: the file drawn and the export recorded; the act is no longer pending
    page.get_by_role("link", name="报送行政指导专区").click()
    expect(page.locator("tr", has_text="鲁味轩餐饮有限公司").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出Excel并登记报送").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A1"].value == "行政指导编号"
    assert "鲁味轩餐饮有限公司" in {c.value for c in sheet["D"]}
    page.goto("/w/guidance/platform")
    expect(page.locator("tr", has_text="鲁味轩餐饮有限公司")).to_have_count(0)
    expect(page.locator("table").nth(1)).to_contain_text("王磊")
    shot(page, "guidance_platform")

    sign_out(page)

    # a supervisor reads it, with no steps; another unit's officer cannot see it
    sign_in(page, "wujian")
    page.goto(url)
    expect(page.locator("h1 .state")).to_have_text("已接受")
    expect(page.locator(".actions")).to_have_count(0)
    sign_out(page)
    sign_in(page, "sunhao")
    page.goto(url)
    expect(page.locator("h1")).to_contain_text("行政指导不存在")
    sign_out(page)


def test_a_simple_guidance_is_recorded_and_then_terminated_with_its_reason_only(page: Page) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/guidance/new")
    page.get_by_label("简易形式").check()
    page.get_by_label("名称/姓名").fill("城南便利店")
    page.get_by_label("个体工商户").check()
    # a matter from the unit's catalogue brings its wording and its 指导依据
    page.get_by_label("目录事项").select_option("2026版/3")
    page.get_by_label("行政指导方式").select_option("政策指引")
    page.get_by_label("事中").check()
    page.get_by_role("button", name="启动").click()
    expect(page.locator("h1 .state")).to_have_text("已启动")
    expect(page.locator(".facts")).to_contain_text("食品经营许可事项指导（目录 2026版/3）")
    expect(page.locator(".facts dd.pre").first).not_to_be_empty()
    page.get_by_role("link", name="简易形式行政指导").click()
    page.get_by_label("电话").check()
    page.get_by_label("在办理、咨询日常业务过程中").check()
    page.get_by_label("指导人员").select_option(label="王磊")
    page.get_by_label("指导内容").fill("电话说明标签标注要求")
    page.get_by_role("button", name="登记").click()
    expect(page.locator("h1 .state")).to_have_text("已实施")
    page.get_by_role("link", name="终止行政指导").click()
    expect(page.locator(".note")).to_contain_text("不影响相对人的任何合法权益")
    page.once("dialog", lambda d: d.accept())
    page.get_by_label("明确表示拒绝行政指导").check()
    page.get_by_role("button", name="终止").click()
    expect(page.locator("h1 .state")).to_have_text("已终止")
    expect(page.locator(".actions")).to_have_count(0)  # nothing more can be done
    shot(page, "guidance_terminated")
