"""The review list of reversed penalties (审查清单, reached from the
supervision queue), in a real browser: its filters select the rows shown,
and 导出Excel / 导出CSV download exactly those rows (read back with openpyxl
and the csv module), typed text never a formula, dates real dates, within
the user's scope (another unit's staff get none of them, and asking for that
unit is refused)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from pathlib import Path

import httpx
import openpyxl
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in
from tests.e2e import payloads as p

MARKET = p.MARKET
DEMO_DECISION = "淄张市监罚〔2025〕118号"  # the demo's revocation (不予处罚清单)
REMADE = "淄张市监罚〔2026〕77号"
OUTCOME = "=1+1 变更为警告"  # typed like a formula: must stay text


def remake_a_penalty(server: str) -> None:
    """A second reversal of the market unit, remade under the 从轻处罚清单,
    on a case booked, dispatched and served over the API (the demo's case
    with the first one is archived)."""
    with httpx.Client(base_url=server) as api:
        tokens: dict[str, str] = {}

        def ok(user: str, path: str, body: dict, status: int = 200) -> dict:
            if user not in tokens:
                login = api.post("/auth/login", json={"username": user, "password": "demo-password-2026"})
                tokens[user] = login.json()["access_token"]
            r = api.post(path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert r.status_code == status, f"{path}: {r.text}"
            return r.json()

        case_id = ok(p.REGISTRAR, "/cases", p.book(name="淄博鲁味轩餐饮管理有限公司二店"), 201)["case_id"]
        ok(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
        ok(p.DISPATCHER, f"/cases/{case_id}/dispatch", p.dispatch((MARKET,)))
        ok(p.MARKET_STAFF, f"/cases/{case_id}/serve", p.serve())
        body = p.reversal(list_="lighter", unit=MARKET, number=REMADE, new_sanction="警告")
        body["reversal"]["outcome"] = OUTCOME
        ok(p.MARKET_STAFF, f"/cases/{case_id}/penalty-remakes", body)


def shown_numbers(page: Page) -> list[str]:
    """The 原处罚决定书文号 of the review list's rows on the page."""
    return page.locator("table.grid").last.locator("tbody tr td:nth-child(3)").all_inner_texts()  # the page's last table


def workbook_rows(data: bytes) -> tuple[list[str], list[list]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws.freeze_panes == "A2"
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def download(page: Page, link: str) -> bytes:
    """Click the filter form's export link; the file the browser saves."""
    with page.expect_download() as d:
        page.locator("#filters").get_by_role("link", name=link).click()
    suffix = {"导出Excel": ".xlsx", "导出CSV": ".csv"}[link]
    assert d.value.suggested_filename.startswith("处罚撤销审查-") and d.value.suggested_filename.endswith(suffix)
    return Path(d.value.path()).read_bytes()


def test_the_review_list_exports_what_its_filters_select_as_excel_and_csv(page: Page, server: str) -> None:
    remake_a_penalty(server)
    sign_in(page, "wujian")  # the supervisor: every unit
    page.goto("/w/supervision")
    page.get_by_role("link", name="处罚撤销、重新作出审查清单").click()  # from the supervisor's queue
    expect(page.get_by_role("heading", name="处罚撤销、重新作出审查清单")).to_be_visible()
    assert sorted(shown_numbers(page)) == sorted([DEMO_DECISION, REMADE])

    page.get_by_label("适用清单").select_option(label="从轻处罚清单")
    page.get_by_label("作出单位").select_option(label=MARKET)
    page.locator("#filters").get_by_role("button", name="查询").click()
    assert shown_numbers(page) == [REMADE]
    shot(page, "supervision-review-list-filtered")

    header, lines = workbook_rows(download(page, "导出Excel"))
    number, outcome, listed = header.index("原处罚决定书文号"), header.index("处理结果"), header.index("适用清单")
    assert [line[number] for line in lines] == shown_numbers(page)
    (line,) = lines
    assert (line[outcome], line[listed], line[header.index("作出单位")]) == (OUTCOME, "从轻处罚清单", MARKET)
    assert isinstance(line[header.index("办理时间")], datetime) and line[header.index("原决定日期")] == datetime(2025, 9, 12)
    ws = openpyxl.load_workbook(io.BytesIO(download(page, "导出Excel"))).worksheets[0]
    assert ws.cell(2, outcome + 1).data_type == "s" and ws.cell(2, outcome + 1).quotePrefix  # text, not a formula

    table = list(csv.reader(io.StringIO(download(page, "导出CSV").decode("utf-8-sig"))))
    assert [r[table[0].index("原处罚决定书文号")] for r in table[1:]] == [REMADE]

    # the same files carry their SHA-256, as the API's exports do
    query = "list=lighter&unit=" + MARKET
    for suffix in ("xlsx", "csv"):
        response = page.request.get(f"/w/supervision/reversals.{suffix}?{query}")
        assert response.status == 200
        assert response.headers["x-content-sha256"] == hashlib.sha256(response.body()).hexdigest()

    refused = page.goto("/w/supervision/reversals?from=2026-13-01")  # a date that is none: told beside the field
    assert refused is not None and refused.status == 422
    expect(page.locator("#filters .field-error")).to_have_text("日期格式应为 年-月-日")
    page.get_by_role("button", name="退出").click()


def test_unit_staff_export_only_their_own_units_reversals(page: Page, server: str) -> None:
    sign_in(page, "sunhao")  # the fire brigade's officer: the market unit's reversals are not theirs
    page.goto("/w/supervision/reversals")
    expect(page.locator("table.grid").last).to_contain_text("暂无。")
    assert shown_numbers(page) == []
    expect(page.get_by_label("作出单位")).to_have_count(0)  # one unit only: nothing to choose
    header, lines = workbook_rows(download(page, "导出Excel"))
    assert "原处罚决定书文号" in header and lines == []
    refused = page.request.get("/w/supervision/reversals.xlsx?unit=" + MARKET)
    assert refused.status == 403
    page.get_by_role("button", name="退出").click()

    sign_in(page, "wanglei")  # the market unit's officer: their own unit's, every one
    page.goto("/w/supervision/reversals")
    header, lines = workbook_rows(download(page, "导出Excel"))
    assert sorted(line[header.index("原处罚决定书文号")] for line in lines) == sorted(shown_numbers(page))
    assert DEMO_DECISION in shown_numbers(page)
    shot(page, "supervision-review-list-unit-staff")
