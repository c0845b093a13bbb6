"""The supervision network through the workbench in a real browser (seed 003
一–二): 城南司法所's officer nominates an enterprise contact point — a USCC
with a wrong check digit is refused beside its field, nothing saved — and an
invited supervisor; the 司法局 plaques the contact point, which then appears
on the public list, and appoints the supervisor, whose 聘任书 number is shown.

The demo (``ledger serve --demo``) seeds the network (``seed_network_demo``):
this year's 附件1 quotas, 如城司法所's records, 城南司法所 with one officer
(吴涛, ``cnganjing``) and its one contact point seat still free."""

from __future__ import annotations

from datetime import datetime

from playwright.sync_api import Page, expect

from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out
from tests.builders import VALID_RIC, make_uscc

FIRM = "如皋市城南精密铸造有限公司"
GOOD_USCC = make_uscc("91320682MA1N8K2P3")
BAD_USCC = GOOD_USCC[:-1] + ("1" if GOOD_USCC[-1] != "1" else "2")  # the check digit wrong


def test_an_office_nominates_and_the_bureau_plaques_and_appoints(page: Page) -> None:
    sign_in(page, "cnganjing")
    page.get_by_role("link", name="联系点与结对").click()
    expect(page.locator("h1")).to_contain_text("城南司法所")
    page.get_by_role("link", name="提名企业联系点").click()
    expect(page.locator("#quota-left")).to_contain_text("尚余1家")
    page.get_by_label("企业名称").fill(FIRM)
    page.get_by_label("统一社会信用代码").fill(BAD_USCC)
    page.get_by_label("企业地址").fill("城南街道工业园区8号")
    page.get_by_label("法人代表").fill("孙立")
    page.get_by_label("联系方式").fill("13962700001")
    page.get_by_role("button", name="提名", exact=True).click()
    expect(page.locator("#err-enterprise-uscc")).to_be_visible()
    expect(page.locator("#err-enterprise-uscc")).to_contain_text("统一社会信用代码")
    expect(page.get_by_label("企业名称")).to_have_value(FIRM)  # what was typed stays
    shot(page, "network_nominate_bad_uscc")
    page.get_by_label("统一社会信用代码").fill(GOOD_USCC)
    page.get_by_role("button", name="提名", exact=True).click()
    expect(page.locator(".ok-box")).to_contain_text("提名企业联系点")
    row = page.locator("#contact-points ~ table").first.locator("tr", has_text=FIRM)
    expect(row).to_contain_text("待审核")
    expect(page.get_by_role("link", name="对外公布的名单")).to_be_visible()

    page.get_by_role("link", name="提名特邀监督员").click()
    page.get_by_label("企业负责人或员工").check()
    page.get_by_label("姓名").fill("钱进")
    page.get_by_label("身份证号码").fill(VALID_RIC)
    page.get_by_label("所在单位", exact=True).fill("如皋市城南五金有限公司")
    page.get_by_label("手机号码").fill("13812340001")
    page.get_by_role("button", name="提名", exact=True).click()
    expect(page.locator(".ok-box")).to_be_visible()
    supervisor = page.locator("#supervisors ~ table").first.locator("tr", has_text="钱进")
    expect(supervisor).to_contain_text("待聘任")
    expect(supervisor).not_to_contain_text(VALID_RIC)  # masked for the office's staff, as the API masks it
    shot(page, "network_office")
    sign_out(page)

    sign_in(page, "wujian")
    page.get_by_role("link", name="监督网络").click()
    expect(page.locator("h1")).to_have_text("行政执法监督网络（各司法所）")
    page.get_by_label("司法所").fill("城南司法所")
    page.get_by_role("button", name="查看").click()
    point = page.locator("tr", has_text=FIRM)
    point.get_by_role("link", name="审核挂牌").click()
    today = datetime.now(CST).date().isoformat()
    expect(page.get_by_label("挂牌日期")).to_have_value(today)
    shot(page, "network_plaque_form")
    page.get_by_role("button", name="挂牌").click()
    expect(page.locator(".ok-box")).to_contain_text("审核通过并挂牌")
    expect(page.locator("tr", has_text=FIRM)).to_contain_text(f"已挂牌（{today}挂牌）")

    page.locator("tr", has_text="钱进").get_by_role("link", name="聘任", exact=True).click()
    expect(page.get_by_label("聘期开始日期")).to_have_value(today)
    page.get_by_role("button", name="聘任", exact=True).click()
    done = page.locator(".ok-box")
    expect(done).to_contain_text("已聘任钱进，聘任书编号：")
    number = done.inner_text().split("聘任书编号：")[1].strip()
    assert number, "the 聘任书 has a number"
    expect(page.locator("tr", has_text="钱进")).to_contain_text(number)
    expect(page.locator("tr", has_text="钱进")).to_contain_text("在聘")
    shot(page, "network_bureau")

    page.goto("/public/contact-points")
    expect(page.locator("tr", has_text=FIRM)).to_contain_text(today)
    shot(page, "network_public_list")

    with page.expect_download() as download:
        page.goto("/w/network")
        page.get_by_role("link", name="下载名单（Excel）").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
