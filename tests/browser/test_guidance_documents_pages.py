"""A guidance's paper in a real browser: an officer issues a 责令改正通知书 from
its form (a due date before today refused beside its field), lands on the
guidance page, issues the notice as PDF from the documents section (the
file comes back and is listed), and tracks its items."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from ledger.values import CST
from tests.browser.conftest import shot, sign_in
from tests.builders import VALID_USCC


def admonition(server: str) -> str:
    """A 劝导警示 guidance of the market regulator, started over the API."""
    token = httpx.post(f"{server}/auth/login", json={"username": "wanglei", "password": "demo-password-2026"}).json()
    body = {"way": "written", "officers": ["wanglei"], "matter": {"text": "食品经营许可事项指导"}, "method": "劝导警示",
            "stage": "during", "legal_basis": "《食品经营许可和备案管理办法》第三十一条",
            "addressee": {"kind": "organisation", "name": "临淄区某某饭店有限公司", "id_number": VALID_USCC,
                          "address": "临淄区闻韶路1号"}}
    r = httpx.post(f"{server}/guidance", json=body, headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


def test_an_officer_orders_a_correction_issues_the_notice_and_tracks_it(page: Page, server: str, tmp_path: Path) -> None:
    gid = admonition(server)
    sign_in(page, "wanglei")
    page.goto(f"/w/guidance/{gid}/correction-order")
    page.get_by_label("存在的问题").fill("经营场所未悬挂食品经营许可证")
    page.get_by_label("责令改正的事项（每行一项）").fill("在经营场所显著位置悬挂许可证正本\n建立许可证信息公示台账")
    page.get_by_label("改正期限").fill((datetime.now(CST) - timedelta(days=1)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="下达责令改正通知书").click()
    expect(page.locator("#err-due_on")).to_contain_text("早于通知书日期")
    shot(page, "guidance_correction_order_error")
    page.get_by_label("改正期限").fill((datetime.now(CST) + timedelta(days=7)).strftime("%Y-%m-%d"))
    page.get_by_role("button", name="下达责令改正通知书").click()
    expect(page).to_have_url(f"{page.url.split('/w/')[0]}/w/guidance/{gid}")

    with page.expect_download() as download:
        page.get_by_role("button", name="出具责令改正通知书（PDF）").click()
    pdf = tmp_path / "order.pdf"
    download.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "责令改正通知书" in text and "经营场所未悬挂食品经营许可证" in text
    page.reload()
    expect(page.locator(".guidance-documents table")).to_contain_text("责令改正通知书")
    shot(page, "guidance_documents_section")

    page.goto(f"/w/guidance/{gid}/correction-order")
    page.get_by_label("第1项状态").select_option("done")
    page.get_by_role("button", name="保存改正情况").click()
    expect(page.get_by_role("alert")).to_be_visible()  # done without its evidence
    page.get_by_label("第1项整改证据").fill("现场照片两张")
    page.get_by_role("button", name="保存改正情况").click()
    expect(page).to_have_url(f"{page.url.split('/w/')[0]}/w/guidance/{gid}")
    page.goto(f"/w/guidance/{gid}/correction-order")
    expect(page.get_by_label("第1项整改证据")).to_have_value("现场照片两张")
    shot(page, "guidance_correction_tracking")
