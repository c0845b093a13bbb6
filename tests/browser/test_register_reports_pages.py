"""The quarterly register report in a real browser: the unit sees last
quarter's register with its deadline and why, submits it (late, marked so);
the office's queue shows the unit that has not reported and the late one,
returns with a reason (field error when missing), the unit corrects; the
office receives, consolidates and records forwarding upward; the XLSX of the
unit's register as submitted and of the consolidation download, and the
unit's file is the very file recorded at submission."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import openpyxl
from playwright.sync_api import Browser, Page, expect

from ledger.register_reports.values import period_label, previous_quarter, quarter_first_day
from ledger.values import CST
from tests.browser.conftest import shot, sign_in

MARKET, FIRE = "市市场监督管理局", "市消防救援支队"
TODAY = datetime.now(CST).date()
YEAR, QUARTER = previous_quarter(TODAY)
PERIOD = period_label(YEAR, QUARTER)
FIRM = "淄博季度报送示范餐饮有限公司"


@contextmanager
def signed_in(browser: Browser, server: str, username: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768}, locale="zh-CN",
                                  accept_downloads=True)
    try:
        p = context.new_page()
        sign_in(p, username)
        yield p
    finally:
        context.close()


def api(server: str, username: str) -> httpx.Client:
    token = httpx.post(f"{server}/auth/login", json={"username": username, "password": "demo-password-2026"}).json()
    return httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token['access_token']}"})


def guidance_last_quarter(server: str) -> str:
    """王磊's simple guidance to the firm in the previous quarter (over the API)."""
    at = datetime.combine(quarter_first_day(YEAR, QUARTER) + timedelta(days=20), datetime.min.time(), CST) \
        + timedelta(hours=10)
    with api(server, "wanglei") as c:
        gid = c.post("/guidance", json={
            "business_time": at.isoformat(), "way": "simple", "addressee": {"kind": "organisation", "name": FIRM},
            "officers": ["wanglei"], "matter": {"text": "食品经营许可延续提示"}, "method": "提示提醒",
            "stage": "before", "legal_basis": "《中华人民共和国食品安全法》第三十五条"}).json()["case_id"]
        r = c.post(f"/guidance/{gid}/simple", json={
            "business_time": at.isoformat(), "at": at.isoformat(), "form": "phone", "situation": "routine_business",
            "officer": "wanglei", "content": "电话提示许可证到期前申请延续"})
        assert r.status_code == 200, r.text
    return gid


def row(page: Page, unit: str) -> Any:
    return page.locator("table.reports tbody tr").filter(has=page.get_by_role("cell", name=unit, exact=True))


def test_a_quarters_register_goes_from_the_unit_through_the_office_to_the_platform(browser: Browser, server: str) -> None:
    gid = guidance_last_quarter(server)

    with signed_in(browser, server, "wanglei") as unit:
        unit.get_by_role("link", name="登记簿报送").click()
        expect(unit.get_by_role("heading", level=1)).to_have_text(f"{MARKET} · {PERIOD}行政指导事项登记簿")
        expect(unit.locator(".facts")).to_contain_text("24时前（季度开始5个工作日内）")
        expect(unit.locator("ol.explained li").first).to_contain_text("按工作日计算")
        expect(unit.locator("table.register tbody tr")).to_have_count(1)
        expect(unit.locator("table.register tbody tr").first).to_contain_text(FIRM)
        shot(unit, "register-report-01-unit-before-submitting")
        unit.get_by_role("button", name="提交", exact=True).click()
        expect(unit.get_by_role("heading", name="报送版本")).to_be_visible()
        expect(unit.locator("h1 .mark")).to_have_text("已报送，待接收")
        expect(unit.locator(".facts")).to_contain_text("逾期报送")  # the quarter's deadline has passed
        expect(unit.locator("table.versions tbody tr")).to_have_count(1)
        expect(unit.get_by_role("button", name="提交", exact=True)).to_have_count(0)  # once; then 更正
        shot(unit, "register-report-02-unit-submitted")

    with signed_in(browser, server, "zhangmin") as office:
        office.get_by_role("link", name="登记簿报送").click()
        expect(office.get_by_role("heading", level=1)).to_have_text(f"行政指导事项登记簿报送 · {PERIOD}")
        expect(row(office, FIRE).locator(".mark")).to_have_text(re.compile(r"^(逾期未报送（已逾期\d+天）|未报送.*)$"))
        expect(row(office, MARKET).locator(".mark")).to_have_text("逾期报送")
        expect(row(office, MARKET)).to_contain_text("待接收")
        shot(office, "register-report-03-office-queue")
        row(office, MARKET).get_by_role("button", name=f"退回{MARKET}的登记簿").click()
        expect(office.get_by_role("alert")).to_contain_text("请按提示修改")
        expect(row(office, MARKET).locator(".field-error")).to_have_text("退回须写明理由")
        row(office, MARKET).get_by_label(f"退回{MARKET}的理由").fill("指导结果未登记")
        row(office, MARKET).get_by_role("button", name=f"退回{MARKET}的登记簿").click()
        expect(row(office, MARKET).locator(".mark")).to_have_text("已退回，待更正")
        expect(row(office, MARKET)).to_contain_text("退回理由：指导结果未登记")
        shot(office, "register-report-04-office-returned")

    with signed_in(browser, server, "wanglei") as unit:
        unit.goto(f"/w/register-reports/unit?year={YEAR}&quarter={QUARTER}")
        expect(unit.locator(".late-note")).to_contain_text("办公室已退回第1版：指导结果未登记")
        unit.get_by_role("button", name="提交更正").click()  # nothing changed yet
        expect(unit.locator("#correct .field-error")).to_contain_text("登记簿与第1版完全相同")
        with api(server, "wanglei") as c:
            assert c.post(f"/guidance/{gid}/effect", json={"effect": "已按期申请延续，许可证有效"}).status_code == 200
        unit.goto(f"/w/register-reports/unit?year={YEAR}&quarter={QUARTER}")
        expect(unit.get_by_role("heading", name=re.compile("当前登记簿（与已报送的第1版不同）"))).to_be_visible()
        unit.get_by_role("button", name="提交更正").click()
        expect(unit.locator("table.versions tbody tr")).to_have_count(2)
        expect(unit.locator("table.versions tbody tr").nth(1)).to_contain_text("更正第1版")
        expect(unit.locator("h1 .mark")).to_have_text("已报送，待接收")
        shot(unit, "register-report-05-unit-corrected")
        with unit.expect_download() as download:
            unit.get_by_role("link", name="下载第1版（XLSX）").click()
        first = download.value.path().read_bytes()
        with api(server, "wanglei") as c:
            report = c.get(f"/register-reports/{_report_id(c)}").json()
        recorded = report["versions"][0]["snapshot"]
        assert hashlib.sha256(first).hexdigest() == recorded["xlsx_sha256"]  # the file recorded at submission
        ws = openpyxl.load_workbook(io.BytesIO(first)).worksheets[0]
        cells = [r for r in ws.iter_rows(values_only=True)]
        assert cells[0][0] == "行政指导事项登记簿" and cells[3][2].startswith(FIRM) and "已按期申请延续" not in str(cells[3])

    with signed_in(browser, server, "liqiang") as office:  # the dispatcher is the office too
        office.goto(f"/w/register-reports?year={YEAR}&quarter={QUARTER}")
        row(office, MARKET).get_by_role("button", name=f"接收{MARKET}的登记簿").click()
        expect(row(office, MARKET).locator(".mark")).to_have_text("逾期报送")
        expect(row(office, MARKET)).to_contain_text("已接收")
        office.get_by_role("link", name="汇总与上报").click()
        expect(office.locator("table.received tbody tr")).to_have_count(1)
        office.get_by_role("button", name="汇总", exact=True).click()
        expect(office.get_by_role("heading", name="第1次汇总")).to_be_visible()
        expect(office.locator(".facts")).to_contain_text(f"{MARKET}（第2版，1条）")
        office.get_by_label("协同平台回执号").fill("   ")
        office.get_by_role("button", name="登记上报").click()
        expect(office.locator("#forward .field-error")).to_have_text("请填写协同平台的报送编号（回执号）")
        shot(office, "register-report-06-forward-error")
        office.get_by_label("协同平台回执号").fill("淄人社协同〔2026〕0318号")
        office.get_by_role("button", name="登记上报").click()
        expect(office.locator("h1 .mark")).to_have_text(re.compile("^(已上报|逾期上报)$"))
        expect(office.locator(".facts")).to_contain_text("淄人社协同〔2026〕0318号")
        expect(office.get_by_role("button", name="登记上报")).to_have_count(0)
        shot(office, "register-report-07-forwarded")
        with office.expect_download() as download:
            office.get_by_role("link", name="下载汇总登记簿（XLSX）").click()
        ws = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
        cells = [r for r in ws.iter_rows(values_only=True)]
        assert cells[2][:3] == ("序号", "报送单位", "时间") and cells[3][1] == MARKET and "已按期申请延续" in str(cells[3])

    with signed_in(browser, server, "sunhao") as other:  # another unit: its own register only, no consolidation
        other.goto("/w/register-reports")
        expect(other.get_by_role("heading", level=1)).to_have_text(f"{FIRE} · {PERIOD}行政指导事项登记簿")
        expect(other.locator("table.register")).not_to_contain_text(FIRM)
        other.goto(f"/w/register-reports/unit?unit={MARKET}")
        expect(other.get_by_role("heading", name="无权查看")).to_be_visible()
        other.goto("/w/register-reports/consolidation")
        expect(other.get_by_role("heading", name="无权查看")).to_be_visible()
        shot(other, "register-report-08-other-unit-refused")


def _report_id(client: httpx.Client) -> str:
    (report,) = client.get("/register-reports", params={"year": YEAR, "quarter": QUARTER}).json()
    return report["report_id"]
