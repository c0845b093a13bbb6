"""Oversight in a real browser: unit staff declare and file major penalty
decisions (field errors beside their fields; a late filing flagged by the
ledger) and see only their unit's; the supervisor sees overdue and due-soon
filings marked in words; 账本校验 shows the digest to keep, prints cleanly
and checks a kept digest (intact, or a red warning); other roles refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import httpx
from playwright.sync_api import Browser, Page, expect

from ledger.values import CST, Role
from tests.browser.conftest import shot, sign_in


def today() -> date:
    return datetime.now(CST).date()


@contextmanager
def signed_in(browser: Browser, server: str, username: str) -> Iterator[Page]:
    """A second person at another desk (their own browser context)."""
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        p = context.new_page()
        sign_in(p, username)
        yield p
    finally:
        context.close()


REVIEWERS = {"wanglei": "qianlv", "sunhao": "fengfa"}  # each unit's legal reviewer (法制审核) in the demo


def passed_review(page: Page, staff: str, party: str) -> str:
    """A legal review of the decision, requested by ``staff`` and passed by the
    unit's reviewer over the API (a major decision is declared only on one:
    tests/browser/test_legal_review_pages.py does the same through the pages)."""
    base = re.match(r"^https?://[^/]+", page.url).group(0)  # type: ignore[union-attr]
    with httpx.Client(base_url=base) as client:
        def token(user: str) -> dict[str, str]:
            r = client.post("/auth/login", json={"username": user, "password": "demo-password-2026"})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = client.post("/legal-reviews", headers=token(staff), json={"draft": {
            "party": party, "party_kind": "individual", "facts": "违法事实", "legal_basis": "《中华人民共和国行政处罚法》",
            "proposed": "罚款", "kind": "fine", "amount_yuan": "60000"}})
        assert r.status_code == 201, r.text
        review_id = r.json()["record_id"]
        r = client.post(f"/legal-reviews/{review_id}/opinions", headers=token(REVIEWERS[staff]),
                        json={"outcome": "passed", "opinion": "事实清楚，依据正确"})
        assert r.status_code == 200, r.text
    return review_id


def declare(page: Page, number: str, decided_on: date, party: str = "淄博某建材有限公司",
            summary: str = "生产不符合强制性国家标准的产品，没收违法所得并处罚款", staff: str = "wanglei") -> None:
    page.goto("/w/filings")
    review_id = passed_review(page, staff, party)
    page.get_by_role("link", name="登记重大行政处罚决定").click()
    page.get_by_label("法制审核编号（须审核通过）").fill(review_id)
    page.get_by_label("处罚决定书文号").fill(number)
    page.get_by_label("处罚决定日期").fill(decided_on.isoformat())
    page.get_by_label("当事人").fill(party)
    page.get_by_label("处罚内容").fill(summary)
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("heading", name=re.compile(re.escape(number)))).to_be_visible()


def row_of(page: Page, number: str):  # noqa: ANN201 - a Playwright locator
    return page.locator("tbody tr").filter(has=page.get_by_role("cell", name=number, exact=True))


def due_in_row(page: Page, number: str) -> date:
    column = page.locator("thead th").all_inner_texts().index("备案期限")
    return date.fromisoformat(row_of(page, number).locator("td").nth(column).inner_text().strip())


def test_unit_staff_declare_and_file_major_decisions_and_a_late_filing_is_flagged(page: Page, browser: Browser,
                                                                                  server: str) -> None:
    with signed_in(browser, server, "sunhao") as other:  # another unit's decision
        declare(other, "淄消行罚决字〔2026〕77号", today() - timedelta(days=2), party="某餐饮店", staff="sunhao")
    sign_in(page, "wanglei")
    page.goto("/w/filings/new")
    page.get_by_label("处罚决定书文号").fill("淄张市监罚〔2026〕301号")
    page.get_by_label("当事人").fill("   ")
    page.get_by_label("关联案件编号（选填）").fill("第15号")
    page.get_by_role("button", name="登记").click()  # no date, a blank party, a bad case number: all said at once
    expect(page.get_by_role("alert")).to_contain_text("请按提示修改")
    errors = page.locator(".field-error")
    expect(errors).to_have_text(["请填写处罚决定日期", "当事人不能为空", re.compile("^关联案件编号格式不正确")])
    expect(page.get_by_label("处罚决定书文号")).to_have_value("淄张市监罚〔2026〕301号")
    page.get_by_label("关联案件编号（选填）").fill("")
    page.get_by_label("处罚决定日期").fill((today() + timedelta(days=3)).isoformat())
    page.get_by_label("当事人").fill("淄博某建材有限公司")
    page.get_by_label("处罚内容").fill("没收违法所得并处罚款")
    page.get_by_role("button", name="登记").click()
    expect(errors).to_have_text(["处罚决定日期晚于今天"])
    shot(page, "oversight-01-declare-errors")
    page.get_by_label("处罚决定日期").fill(today().isoformat())
    page.get_by_label("关联案件编号（选填）").fill("6f1d3c2a-9b7e-4c1d-8a2b-3e4f5a6b7c8d")  # no such case
    page.get_by_role("button", name="登记").click()
    expect(errors).to_have_text([re.compile("^没有编号为.*的案件")])
    page.goto("/w/filings")
    expect(row_of(page, "淄张市监罚〔2026〕301号")).to_have_count(0)  # nothing written on error

    declare(page, "淄张市监罚〔2026〕301号", today() - timedelta(days=3))
    expect(page.locator("h1 .mark")).to_have_text(re.compile(r"^未备案（剩\d+天）$"))
    page.get_by_label("备案日期").fill((today() - timedelta(days=5)).isoformat())
    page.get_by_label("备案编号或报送凭证").fill("鲁执监备〔2026〕1201号")
    page.get_by_role("button", name="报送备案").click()
    expect(page.locator(".field-error")).to_have_text("备案日期早于处罚决定日期")
    expect(page.get_by_label("备案编号或报送凭证")).to_have_value("鲁执监备〔2026〕1201号")
    shot(page, "oversight-02-file-error")
    page.get_by_label("备案日期").fill(today().isoformat())
    page.get_by_role("button", name="报送备案").click()
    expect(page.locator("h1 .mark")).to_have_text("已备案")
    expect(page.locator(".late-note")).to_have_count(0)
    expect(page.get_by_role("button", name="报送备案")).to_have_count(0)  # filed once only
    expect(page.locator(".timeline li")).to_have_count(2)

    declare(page, "淄张市监罚〔2026〕302号", today() - timedelta(days=40), party="张店某五金商店")
    due = date.fromisoformat(page.locator(".facts dd").nth(4).inner_text())
    expect(page.locator("h1 .mark")).to_have_text(f"已逾期{(today() - due).days}天")
    shot(page, "oversight-03-filing-overdue")
    page.get_by_label("备案编号或报送凭证").fill("鲁执监备〔2026〕1202号")
    page.get_by_role("button", name="报送备案").click()
    expect(page.locator("h1 .mark")).to_have_text("逾期备案")
    expect(page.locator(".late-note")).to_contain_text(f"晚于备案期限{due.isoformat()}")
    shot(page, "oversight-04-filed-late")

    page.goto("/w/filings")
    expect(page.get_by_label("作出单位")).to_have_count(0)  # unit staff read their own unit's only
    expect(row_of(page, "淄张市监罚〔2026〕301号").locator(".mark")).to_have_text("已备案")
    expect(row_of(page, "淄张市监罚〔2026〕302号").locator(".mark")).to_have_text("逾期备案")
    expect(row_of(page, "淄张市监罚〔2026〕203号")).to_have_count(1)  # the demo's, of the same unit
    expect(row_of(page, "淄消行罚决字〔2026〕77号")).to_have_count(0)
    shot(page, "oversight-05-filings-unit-staff")
    page.get_by_label("备案状态").select_option(label="逾期备案")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(row_of(page, "淄张市监罚〔2026〕302号")).to_have_count(1)
    filing_url = page.get_by_role("link", name="查看").get_attribute("href")

    with signed_in(browser, server, "sunhao") as other:  # another unit's staff
        other.goto("/w/filings")
        expect(other.get_by_role("heading", name="重大行政处罚决定备案")).to_be_visible()
        expect(row_of(other, "淄张市监罚〔2026〕301号")).to_have_count(0)
        expect(row_of(other, "淄张市监罚〔2026〕302号")).to_have_count(0)
        expect(row_of(other, "淄消行罚决字〔2026〕77号")).to_have_count(1)
        other.goto("/w/filings?unit=市市场监督管理局")  # a unit asked for in the address is not another's list
        expect(row_of(other, "淄张市监罚〔2026〕203号")).to_have_count(0)
        other.goto(filing_url or "")
        expect(other.get_by_role("heading", name="备案事项不存在")).to_be_visible()


def test_the_supervisor_sees_overdue_and_due_soon_filings_marked_and_filters_them(page: Page, browser: Browser,
                                                                                server: str) -> None:
    with signed_in(browser, server, "sunhao") as staff:
        declare(staff, "淄消行罚决字〔2026〕88号", today() - timedelta(days=30), party="某商场有限公司",
                summary="消防设施未保持完好有效，罚款", staff="sunhao")
        declare(staff, "淄消行罚决字〔2026〕89号", today() - timedelta(days=14), party="某宾馆",
                summary="占用疏散通道，罚款", staff="sunhao")
    sign_in(page, "wujian")
    page.goto("/w/filings")
    expect(page.get_by_role("link", name="登记重大行政处罚决定")).to_have_count(0)
    overdue = row_of(page, "淄消行罚决字〔2026〕88号").locator(".mark")
    expect(overdue).to_have_text(f"已逾期{(today() - due_in_row(page, '淄消行罚决字〔2026〕88号')).days}天")
    expect(overdue).to_have_class(re.compile(r"\boverdue\b"))
    expect(overdue).to_have_css("color", "rgb(192, 54, 44)")
    left = (due_in_row(page, "淄消行罚决字〔2026〕89号") - today()).days
    soon = row_of(page, "淄消行罚决字〔2026〕89号").locator(".mark")
    expect(soon).to_have_text("今天到期" if left == 0 else f"即将到期（剩{left}天）" if left <= 3 else f"未备案（剩{left}天）")
    if left <= 3:  # 15 days after the decision, or the next working day
        expect(soon).to_have_class(re.compile(r"\bsoon\b"))
    expect(row_of(page, "淄张市监罚〔2026〕203号").locator(".mark")).to_have_text(re.compile(r"^已逾期\d+天$"))  # the demo's
    shot(page, "oversight-06-filings-supervisor")

    page.get_by_label("备案状态").select_option(label="已逾期")
    page.get_by_role("button", name="查询").click()
    marks = page.locator("tbody .mark")
    expect(marks.first).to_be_visible()
    expect(marks).to_have_text([re.compile(r"^已逾期\d+天$")] * marks.count())
    expect(row_of(page, "淄消行罚决字〔2026〕89号")).to_have_count(0)
    page.get_by_label("作出单位").select_option("市消防救援支队")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(row_of(page, "淄消行罚决字〔2026〕88号")).to_have_count(1)
    expect(page.get_by_label("作出单位")).to_have_value("市消防救援支队")
    shot(page, "oversight-07-filings-filtered")
    row_of(page, "淄消行罚决字〔2026〕88号").get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", name=re.compile("淄消行罚决字"))).to_be_visible()
    expect(page.get_by_role("button", name="报送备案")).to_have_count(0)  # only the deciding unit files
    shot(page, "oversight-08-filing-supervisor")


def test_the_digest_to_keep_prints_cleanly_and_a_kept_digest_is_checked(page: Page, browser: Browser,
                                                                       server: str) -> None:
    sign_in(page, "wujian")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="账本校验").click()
    expect(page.get_by_role("heading", name="账本校验")).to_be_visible()
    expect(page.get_by_text("保存在本系统之外")).to_be_visible()
    position = page.locator("#head-position").inner_text()
    digest = page.locator("#head-digest").inner_text()
    assert int(position) > 0 and re.fullmatch(r"[0-9a-f]{64}", digest)
    shot(page, "oversight-09-integrity")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="主菜单")).to_be_hidden()
    expect(page.get_by_role("button", name="核验")).to_be_hidden()
    expect(page.locator("#head-digest")).to_be_visible()
    expect(page.get_by_text("保管人签名")).to_be_visible()
    shot(page, "oversight-10-integrity-print")
    page.emulate_media(media="screen")

    with signed_in(browser, server, "wanglei") as staff:  # the log grows after the digest was kept
        declare(staff, "淄张市监罚〔2026〕401号", today() - timedelta(days=1))

    page.get_by_label("保存时的位置（通知编号）").fill(position)
    # as copied from paper: in groups, capitals
    page.get_by_label("保存时的摘要（64位十六进制）").fill(" ".join(digest[i:i + 8] for i in range(0, 64, 8)).upper())
    page.get_by_role("button", name="核验").click()
    expect(page.get_by_role("status")).to_contain_text("账本完整")
    expect(page.get_by_role("status")).to_contain_text(f"第{position}号及之前的记录与当时完全一致")
    shot(page, "oversight-11-integrity-intact")

    forged = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    page.get_by_label("保存时的摘要（64位十六进制）").fill(forged)
    page.get_by_role("button", name="核验").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"警告：账本在第{position}号（含）之前被改动过")
    expect(alert).to_contain_text(digest)  # what today's log gives at that position
    expect(alert).to_have_css("color", "rgb(142, 31, 22)")
    shot(page, "oversight-12-integrity-altered")

    response = page.goto("/w/integrity?position=abc&digest=12345")
    assert response is not None and response.status == 422
    expect(page.locator(".field-error")).to_have_text(["位置应为不小于0的整数（通知编号）",
                                                       "摘要应为64位十六进制字符（0–9、a–f），您填写的是5位"])
    expect(page.get_by_label("保存时的位置（通知编号）")).to_have_value("abc")
    shot(page, "oversight-13-integrity-errors")

    with signed_in(browser, server, "zhengshen") as auditor:
        response = auditor.goto("/w/integrity")
        assert response is not None and response.status == 200
        expect(auditor.locator("#head-digest")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))


def test_roles_without_oversight_are_refused_by_the_same_rule_as_the_api(page: Page, server: str) -> None:
    sign_in(page, "zhangmin")  # the registrar reads no supervision data
    response = page.goto("/w/filings")
    assert response is not None and response.status == 403
    expect(page.get_by_text(f"{Role.REGISTRAR.label}不能查阅执法监督信息")).to_be_visible()
    response = page.goto("/w/integrity")
    assert response is not None and response.status == 403

    sign_in(page, "wanglei")  # unit staff file decisions but keep no digest
    response = page.goto("/w/integrity")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无权查看")).to_be_visible()
    expect(page.get_by_text("只有执法监督和审计人员可以获取账本摘要")).to_be_visible()
    expect(page.locator("#head-digest")).to_have_count(0)
    shot(page, "oversight-14-integrity-refused")

    token = httpx.post(f"{server}/auth/login", json={"username": "wanglei", "password": "demo-password-2026"}).json()
    api = httpx.get(f"{server}/ledger/digest", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert api.status_code == 403 and api.json()["code"] == "role_not_allowed"
    assert "只有执法监督和审计人员可以获取账本摘要" in api.text
