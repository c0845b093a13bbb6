"""Who saw personal data, in a real browser: the supervisor opens a
person's case (the full ID on screen), then finds that very view in 个人信息访问记录
— account, role, unit, route, case — filters by account (a bad time is named
beside its field) and exports; unit staff have no such page."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in
from tests.e2e import payloads as p

PERSON_ID = p.VALID_RIC


def booked_person(server: str) -> str:
    token = httpx.post(f"{server}/auth/login", json={"username": p.REGISTRAR, "password": "demo-password-2026"}).json()
    r = httpx.post(f"{server}/cases", json=p.book(individual=True),
                   headers={"Authorization": f"Bearer {token['access_token']}"})
    assert r.status_code == 201, r.text
    return r.json()["case_id"]


def test_a_supervisors_view_of_a_persons_id_is_found_in_the_access_log(page: Page, server: str) -> None:
    cid = booked_person(server)
    sign_in(page, p.SUPERVISOR)
    page.goto(f"/w/cases/{cid}")
    expect(page.get_by_text(PERSON_ID).first).to_be_visible()
    page.get_by_role("link", name="个人信息访问记录").click()
    expect(page.get_by_role("heading", name="个人信息访问记录")).to_be_visible()
    row = page.locator("table.grid tbody tr").first
    expect(row).to_contain_text(p.SUPERVISOR)
    expect(row).to_contain_text("执法监督")
    expect(row).to_contain_text("/w/cases/")
    expect(row.get_by_role("link", name="案件")).to_have_attribute("href", f"/w/cases/{cid}")
    page.get_by_label("账号").fill(p.SUPERVISOR)
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table.grid tbody tr").first).to_contain_text(p.SUPERVISOR)
    shot(page, "access-log")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(f"/w/access-log?since=yesterday&username={p.SUPERVISOR}")
    expect(page.get_by_text("时刻格式应为 年-月-日 时:分")).to_be_visible()


def test_unit_staff_have_no_access_log_page(page: Page) -> None:
    sign_in(page, p.MARKET_STAFF)
    expect(page.get_by_role("link", name="个人信息访问记录")).to_have_count(0)
    response = page.goto("/w/access-log")
    assert response is not None and response.status == 403
