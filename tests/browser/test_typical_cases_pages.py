"""Typical cases in a real browser: the market regulator's head proposes —
first with nothing filled in (refused beside the fields), then a guidance the
party refused (refused beside the record: never typical against the party),
then an accepted one; the reviewer (吴监, 执法监督) opens the round, is refused
a decision without a reason beside it, decides every proposal and closes the
round; the fire brigade's staff read the published list. Screenshots along
the way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playwright.sync_api import Page, expect

from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.browser.test_casework import sign_out
from tests.e2e import guidance_payloads as g


def _api(page: Page, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = page.request.post(path, data=body, headers={"Authorization": f"Bearer {token}"})
    assert r.ok, r.text()
    return r.json()


def guidance(page: Page, *, terminated: bool) -> str:
    """A simple-way guidance of the market regulator, accepted or terminated (through the API)."""
    login = page.request.post("/auth/login", data={"username": "wanglei", "password": "demo-password-2026"})
    token = login.json()["access_token"]
    gid = _api(page, token, "/guidance", g.start(way="simple", matter={"text": "食品贮存场所温湿度管理"}))["case_id"]
    _api(page, token, f"/guidance/{gid}/simple", g.simple())
    if terminated:
        _api(page, token, f"/guidance/{gid}/termination", {"reason": "refused"})
    else:
        _api(page, token, f"/guidance/{gid}/acceptance", {})
    return gid


def test_a_head_proposes_the_reviewer_selects_and_the_list_is_published(page: Page) -> None:
    year = datetime.now(CST).year
    refused_gid = guidance(page, terminated=True)
    accepted_gid = guidance(page, terminated=False)

    sign_in(page, "wanglei")
    page.goto("/w/typical-cases")
    page.get_by_role("link", name="推荐典型案例").click()
    page.get_by_role("button", name="提交推荐").click()
    expect(page.locator("#err-kind")).to_have_text("请选择案件类型")
    expect(page.locator("#err-record_id")).to_contain_text("案件编号")
    page.get_by_label("案件类型").select_option("guidance")
    page.get_by_label("案件编号（系统编号）").fill(refused_gid)
    page.get_by_label("推荐理由（成功经验和创新做法）").fill("多次上门提示")
    page.get_by_role("button", name="提交推荐").click()
    expect(page.locator("#err-record_id")).to_contain_text("不能推荐为典型案例")
    shot(page, "typical-01-refusal-never-proposed")
    page.get_by_label("案件编号（系统编号）").fill(accepted_gid)
    page.get_by_label("推荐类别").select_option("excellent")
    page.get_by_label("推荐理由（成功经验和创新做法）").fill("电话提示温湿度记录要求，商户当日整改，做法简便易推广")
    page.get_by_role("button", name="提交推荐").click()
    expect(page.locator("h1")).to_contain_text(f"{year}年度")
    expect(page.get_by_text("电话提示温湿度记录要求")).to_be_visible()
    shot(page, "typical-02-proposed")
    sign_out(page)

    sign_in(page, "wujian")
    page.goto(f"/w/typical-cases?year={year}")
    page.get_by_role("button", name="开始评选（停止接受推荐）").click()
    forms = page.locator("form.compact")
    first = forms.first
    first.get_by_label("入选", exact=True).check()
    first.get_by_role("button", name="提交评选意见").click()
    expect(page.locator("[id^=err-reason-]")).to_have_text("请填写评选意见")
    shot(page, "typical-03-decision-needs-reason")
    while page.locator("form.compact").count():
        form = page.locator("form.compact").first
        form.get_by_label("入选", exact=True).check()
        form.get_by_label("评选意见").fill("主动服务、成效明显，予以推广")
        form.get_by_role("button", name="提交评选意见").click()
        expect(page.locator("h1")).to_be_visible()
    page.get_by_role("button", name="结束评选并公布入选名单").click()
    expect(page.locator("ol.published li").first).to_contain_text("主动服务、成效明显")
    shot(page, "typical-04-published-reviewer")
    sign_out(page)

    sign_in(page, "sunhao")
    page.goto(f"/w/typical-cases?year={year}")
    expect(page.locator("ol.published")).to_contain_text("市场监督管理局")
    expect(page.get_by_role("link", name="下载入选名单（Excel）")).to_be_visible()
    shot(page, "typical-05-published-other-unit")
