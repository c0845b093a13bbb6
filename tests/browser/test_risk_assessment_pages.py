"""The assessment report in a real browser: a guidance of the last quarter
cites a risk point (through the API); the market regulator's officer opens the
current quarter (not over: said so, and refused on submitting), then the last
quarter's report page — the sections drawn from the records — is refused
without the 总结评估 (beside its fields), submits it and reads the report with
its SHA-256; the supervisor reads the late queue and sets an authority's
period, refused first beside a bad field. Screenshots along the way."""

from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from ledger.register_reports.values import previous_quarter, quarter_first_day, quarter_of
from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out
from tests.browser.test_typical_cases_pages import _api
from tests.e2e import guidance_payloads as g


def cited_last_quarter(page: Page) -> None:
    year, quarter = previous_quarter(datetime.now(CST).date())
    at = datetime.combine(quarter_first_day(year, quarter), datetime.min.time(), CST) + timedelta(days=9, hours=9)
    token = page.request.post("/auth/login", data={"username": "wanglei", "password": "demo-password-2026"}).json()[
        "access_token"]
    gid = _api(page, token, "/guidance", g.start(way="simple", business_time=at.isoformat(),
                                                 matter={"text": "临期食品下架管理"}))["case_id"]
    _api(page, token, f"/guidance/{gid}/simple", g.simple(at=at.isoformat(), business_time=at.isoformat(),
                                                          content="现场提示临期食品应单独存放并标注"))
    _api(page, token, "/risk-points/citations", {"record_kind": "guidance", "record_id": gid, "codes": ["SP-01"],
                                                 "business_time": (at + timedelta(hours=1)).isoformat()})


def test_the_report_of_the_last_quarter_is_written_submitted_and_watched(page: Page) -> None:
    cited_last_quarter(page)
    year, quarter = quarter_of(datetime.now(CST).date())
    sign_in(page, "wanglei")
    page.goto(f"/w/risk-points/assessments/draft?period={year}-Q{quarter}")
    expect(page.get_by_role("alert")).to_contain_text("尚未结束")
    page.get_by_label("取得的经验").fill("x")
    page.get_by_label("存在问题").fill("x")
    page.get_by_label("意见建议").fill("x")
    page.get_by_role("button", name="报送分析评估报告").click()
    expect(page.locator("#err-period")).to_contain_text("尚未结束，不能报送")
    shot(page, "risk-assessment-01-period-not-over")

    page.goto("/w/risk-points/assessments")
    page.get_by_role("link", name="撰写并报送").first.click()
    expect(page.get_by_text("现场提示临期食品应单独存放并标注")).to_be_visible()
    page.get_by_label("取得的经验").fill("风险点公布后上门提示，经营者当场整改")
    page.get_by_role("button", name="报送分析评估报告").click()
    expect(page.locator("#err-problems")).to_have_text("总结评估须写明存在问题")
    expect(page.locator("#err-suggestions")).to_have_text("总结评估须写明意见建议")
    shot(page, "risk-assessment-02-summary-required")
    page.get_by_label("存在问题").fill("部分小微经营者未建立临期食品台账")
    page.get_by_label("意见建议").fill("下季度对小微经营者开展专项回访")
    page.get_by_role("button", name="报送分析评估报告").click()
    expect(page.locator("h1")).to_contain_text("法律风险防控分析评估报告")
    expect(page.get_by_text("报告 SHA-256")).to_be_visible()
    expect(page.get_by_role("heading", name="四、总结评估")).to_be_visible()
    shot(page, "risk-assessment-03-submitted")
    sign_out(page)

    sign_in(page, "wujian")
    page.goto("/w/risk-points/assessments/queue")
    expect(page.get_by_role("heading", name="全部执法机关")).to_be_visible()
    page.get_by_label("执法机关", exact=True).fill("市消防救援支队")
    page.get_by_label("评估周期").select_option("year")
    page.get_by_label("期间结束后报送期限（天）").fill("十五")
    page.get_by_role("button", name="保存设定").click()
    expect(page.locator("#err-due_days")).to_have_text("报送期限应为天数（整数）")
    page.get_by_label("期间结束后报送期限（天）").fill("20")
    page.get_by_role("button", name="保存设定").click()
    expect(page.get_by_role("heading", name="全部执法机关")).to_be_visible()
    shot(page, "risk-assessment-04-queue-supervisor")
