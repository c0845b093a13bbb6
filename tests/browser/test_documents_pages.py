"""Documents in the workbench: issuing from the case page (the file comes
back, the issue shows in the list and the timeline), and 文书核验 telling a
file the ledger issued from one it never did; rendered pages as pictures."""

from __future__ import annotations

import subprocess
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import SHOTS, shot, sign_in


def demo_case(page: Page) -> str:
    page.goto("/w/registry")
    page.locator("tr", has_text="淄博鲁味轩餐饮管理有限公司").first.get_by_role("link", name="查看").click()
    return page.url


def test_the_registrar_issues_the_application_and_the_supervisor_verifies_it(page: Page, tmp_path: Path) -> None:
    sign_in(page, "zhangmin")
    url = demo_case(page)
    with page.expect_download() as pdf:
        page.get_by_role("button", name="出具指导服务申请表（PDF）").click()
    issued = tmp_path / "application.pdf"
    pdf.value.save_as(issued)
    assert issued.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(issued), "-"], capture_output=True, text=True, check=True).stdout
    assert "指导服务申请表" in text and "淄博鲁味轩餐饮管理有限公司" in text
    # a picture of the rendered form, to look at beside the seed's annex 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(issued), str(SHOTS / "doc-application-from-page")],
                   check=True)
    page.goto(url)
    expect(page.locator(".docs table")).to_contain_text("指导服务申请表")
    expect(page.locator(".timeline")).to_contain_text("出具文书")
    shot(page, "40-case-documents")
    page.get_by_role("button", name="退出").click()

    sign_in(page, "wujian")
    page.goto("/w/documents/verify")
    page.get_by_label("文书文件").set_input_files(str(issued))
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("status")).to_contain_text("该文件由本账本出具")
    expect(page.locator("table.grid")).to_contain_text("张敏")
    shot(page, "41-document-verified")
    altered = tmp_path / "altered.pdf"
    data = bytearray(issued.read_bytes())
    data[len(data) // 2] ^= 1
    altered.write_bytes(bytes(data))
    page.get_by_label("文书文件").set_input_files(str(altered))
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("alert")).to_contain_text("本账本从未出具该文件")
    shot(page, "42-document-not-issued")


def test_the_auditor_sees_what_was_issued_but_issues_nothing(page: Page) -> None:
    sign_in(page, "zhengshen")
    demo_case(page)
    expect(page.get_by_role("button", name="出具指导服务申请表（PDF）")).to_have_count(0)


def test_the_registry_page_exports_what_its_filters_select_as_csv_and_excel(page: Page) -> None:
    import io

    import openpyxl

    sign_in(page, "wanglei")  # unit staff: their unit's cases only, IDs masked as on screen
    page.goto("/w/registry")
    expect(page.get_by_role("link", name="导出Excel")).to_be_visible()
    shown = page.locator("tbody tr").count()
    excel = page.request.get("/w/registry.xlsx")
    assert excel.status == 200 and excel.headers["x-content-sha256"]
    sheet = openpyxl.load_workbook(io.BytesIO(excel.body()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "申请单位/个人" in rows[0] and len(rows) - 1 == shown
    names = [r[rows[0].index("申请单位/个人")] for r in rows[1:]]
    assert "淄博鲁味轩餐饮管理有限公司" in names
    csv = page.request.get("/w/registry.csv")
    assert csv.status == 200 and csv.text().count("\n") - 1 == shown


def test_the_audit_log_and_the_statistics_export_what_the_page_shows_as_excel(page: Page) -> None:
    import io

    import openpyxl

    def sheet(response) -> list[tuple]:
        assert response.status == 200, response.text()
        return list(openpyxl.load_workbook(io.BytesIO(response.body()), read_only=True).worksheets[0].iter_rows(values_only=True))

    sign_in(page, "zhengshen")  # the auditor
    page.goto("/w/audit?action=Applied")
    expect(page.get_by_role("link", name="导出Excel")).to_be_visible()
    rows = sheet(page.request.get("/w/audit.xlsx?action=Applied"))
    assert len(rows) - 1 == page.locator("tbody tr").count()  # the demo's bookings: fewer than a page
    page.get_by_role("button", name="退出").click()
    sign_in(page, "zhangmin")
    page.goto("/w/stats?by=unit")
    rows = sheet(page.request.get("/w/stats/export.xlsx?by=unit"))
    units = {r[0] for r in rows[1:]}
    assert "市市场监督管理局" in units and "市消防救援支队" in units
