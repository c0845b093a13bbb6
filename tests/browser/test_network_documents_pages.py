"""The network's papers and lists in a real browser (seed 003 二、四): the
司法局's supervisor opens the demo's invited supervisor from the network
page, issues the 聘任书 of the term as PDF (its text carries the number and
the 聘期) and sees it listed as issued; sets up a suggestion box — refused
beside its fields first, the keeper chosen from the directory's people —
and downloads the letters' list as Excel. An enforcement unit's officer's
menu has no 联系点与结对. Screenshots along the way."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import SHOTS, shot, sign_in
from tests.browser.test_casework import sign_out


def test_the_bureau_issues_a_letter_of_appointment_and_sets_up_a_box(page: Page, tmp_path: Path) -> None:
    sign_in(page, "wujian")
    page.goto("/w/network")
    page.locator("#supervisors ~ table").first.get_by_role("link", name="王明").click()
    expect(page.locator("h1")).to_have_text("特邀行政执法监督员 · 王明")
    row = page.locator("#terms ~ table").first.locator("tr", has_text="第1届")
    number = row.locator("td").nth(1).inner_text().strip()
    assert re.fullmatch(r"\d{4}年第\d+号", number), number
    expect(page.get_by_role("button", name="出具第1届聘任书（DOCX）")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="出具第1届聘任书（PDF）").click()
    pdf = tmp_path / "letter.pdf"
    download.value.save_as(pdf)
    # the paper as it prints, to be looked at beside the page
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(SHOTS / "network_appointment_letter_pdf")],
                   check=True)
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                              check=True).stdout)
    assert number in text and "特邀行政执法监督员聘任书" in text and re.search(r"聘期一年，自\d{4}年\d+月\d+日起至", text)
    page.reload()
    expect(page.locator("#documents ~ table").first).to_contain_text(number)
    shot(page, "network_supervisor_letters")

    page.goto("/w/feedback/boxes")
    page.get_by_role("button", name="设置", exact=True).click()
    expect(page.locator("#err-kind")).to_have_text("请选择建议箱或电子信箱")
    expect(page.locator("#err-keeper")).to_have_text("请选择管理人")
    page.get_by_label("电子信箱").check()
    page.get_by_label("设置地点类型").select_option("司法局")
    page.get_by_label("设置地点（中心名称）").fill("市司法局")
    page.get_by_label("收集处理单位").select_option("市司法局执法监督科")
    page.get_by_label("管理人", exact=True).select_option(label="吴监（市司法局执法监督科）")
    page.get_by_role("button", name="设置", exact=True).click()
    expect(page.locator("#err-address")).to_contain_text("信箱地址")
    shot(page, "feedback_boxes_errors")
    page.get_by_label("信箱地址（网址或邮箱）").fill("jdk@rugao.gov.cn")
    page.get_by_role("button", name="设置", exact=True).click()
    expect(page.locator(".ok-box")).to_have_text("已设置市司法局电子信箱")
    expect(page.locator("#boxes ~ table").first.locator("tr", has_text="jdk@rugao.gov.cn")).to_contain_text("吴监")
    shot(page, "feedback_boxes")

    page.goto("/w/suggestion-letters")
    with page.expect_download() as sheet:
        page.get_by_role("link", name="下载整改建议书台账（Excel）").click()
    book = openpyxl.load_workbook(io.BytesIO(open(sheet.value.path(), "rb").read()), read_only=True)
    assert "编号" in next(r for r in book.worksheets[0].iter_rows(values_only=True) if r and r[0] == "序号")
    sign_out(page)

    sign_in(page, "wanglei")  # the market regulator's officer: not a 司法所's
    expect(page.get_by_role("link", name="法制审核")).to_be_visible()
    expect(page.get_by_role("link", name="联系点与结对")).to_have_count(0)
    shot(page, "menu_enforcement_unit")
