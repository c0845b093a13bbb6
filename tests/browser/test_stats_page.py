"""统计分析 in a real browser, by role: the registrar reads every unit's
figures and both charts, and each chart prints the table's numbers; unit
staff read their own unit's only (no other unit in the table, the charts or
the chooser, and asking for another is refused); the administrator is
refused; a choice with nothing served shows sentences, not broken charts.

Besides the demo's joint visit (market regulator + fire brigade, rated well),
the module records through the JSON API one case the fire brigade served
alone, rated 一般/不满意 by phone, and one the market regulator served and
nobody rated yet, so that the units' figures differ."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from ledger.demo import FIRE, MARKET
from ledger.values import CST
from ledger_http.web.charts import SCALES, SMALL_N, figure
from tests.browser.conftest import shot, sign_in
from tests.e2e import payloads as p

SVG = "{http://www.w3.org/2000/svg}"
PASSWORD = "demo-password-2026"


class Api:
    """The JSON API of the module's server, as each demo user."""

    def __init__(self, base: str) -> None:
        self.base, self.tokens = base, {}

    def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = httpx.post(f"{self.base}/auth/login", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def ok(self, user: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        r = httpx.post(f"{self.base}{path}", json=body, headers=self.headers(user))
        assert r.status_code == status, f"{path}: {r.status_code} {r.text}"
        return r.json()

    def stats(self, user: str, by: str, **params: Any) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.base}/stats", params={"by": by, **params}, headers=self.headers(user))
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module")
def api(server: str) -> Api:
    api = Api(server)
    fire = api.ok(p.REGISTRAR, "/cases", p.book(name="张店区消防器材经营部"), 201)["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{fire}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{fire}/dispatch", p.dispatch(units=(FIRE,)))
    api.ok(p.FIRE_STAFF, f"/cases/{fire}/serve", p.serve(staff=[{"id": "sunhao", "name": "孙浩"}]))
    api.ok(p.REGISTRAR, f"/cases/{fire}/rate", p.rate(method="phone_follow_up", usefulness="fair", result="poor"))
    market = api.ok(p.REGISTRAR, "/cases", p.book(name="淄博齐鲁便民超市有限公司"), 201)["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{market}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{market}/dispatch", p.dispatch(units=(MARKET,)))
    last = api.ok(p.MARKET_STAFF, f"/cases/{market}/serve", p.serve())
    api.stats(p.REGISTRAR, "unit", wait_for=last["notification_id"])  # the views have caught up
    return api


def expected_row(row: dict[str, Any], label: str) -> list[str]:
    """A table line as the page must show the API's figures."""
    return [label, str(row["served"]), str(row["on_time"]), figure(row["on_time_rate"], row["served"]),
            str(row["rated"]), *(figure(row[f"{key}_satisfied_rate"], row["rated"]) for key, _ in SCALES)]


def table(page: Page) -> list[list[str]]:
    return page.locator("table.stats tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))")


def chart(page: Page, name: str) -> tuple[ET.Element, httpx.Headers]:
    """The chart the page shows (it has loaded and drawn), fetched again
    with the page's session to read what it says."""
    img = page.locator(f'img[src^="/w/stats/chart/{name}.svg"]')
    expect(img).to_be_visible()
    assert img.evaluate("i => i.complete && i.naturalWidth > 0")
    response = page.request.get(img.get_attribute("src") or "")
    assert response.status == 200 and response.headers["content-type"] == "image/svg+xml"
    return ET.fromstring(response.body()), httpx.Headers(response.headers)


def printed(svg: ET.Element) -> dict[int, list[str]]:
    """Per series (serie-0 = the first scale), the text beside each bar."""
    overlay = next(g for g in svg.iter(f"{SVG}g") if "text-overlay" in g.get("class", ""))
    out: dict[int, list[str]] = {}
    for g in overlay.iter(f"{SVG}g"):
        if m := re.search(r"serie-(\d+)", g.get("class", "")):
            out[int(m[1])] = [t.text or "" for t in g.iter(f"{SVG}text")]
    return out


def svg_texts(svg: ET.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def csp_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def test_the_registrar_reads_every_units_figures_and_each_chart_prints_the_tables_numbers(page: Page, api: Api) -> None:
    errors = csp_errors(page)
    sign_in(page, "zhangmin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计分析").click()
    expect(page.get_by_role("heading", name="统计分析")).to_be_visible()
    by_unit = api.stats(p.REGISTRAR, "unit")
    assert [r["unit"] for r in by_unit] == [MARKET, FIRE]
    rows = table(page)
    assert rows == [expected_row(r, r["unit"]) for r in by_unit]
    # the fire brigade: two rated cases, one 不满意 and 一般 → 50% with its n
    assert rows[1][7:] == ["50%（n=2）", "50%（n=2）"]
    assert rows[0][1] == "2" and rows[0][4] == "1"  # the market regulator's second case is not rated yet
    svg, headers = chart(page, "satisfaction")
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["cache-control"] == "private, no-store"
    # the chart's groups read top-down like the table; pygal draws bottom-up
    assert printed(svg) == {i: [row[5 + i] for row in reversed(rows)] for i in range(len(SCALES))}
    assert f"{FIRE}（2件）" in svg_texts(svg) and f"{MARKET}（1件）" in svg_texts(svg)
    expect(page.get_by_label("服务单位")).to_contain_text(FIRE)
    shot(page, "stats-01-registrar-by-unit")

    page.get_by_label("分组").select_option(label="按月")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table.stats thead th").first).to_have_text("月份")
    by_month = api.stats(p.REGISTRAR, "month")
    rows = table(page)
    assert [r[0] for r in rows] == [f"{m['month'][:4]}年{int(m['month'][5:])}月" for m in by_month]
    assert rows == [expected_row(m, row[0]) for m, row in zip(by_month, rows, strict=True)]
    svg, _ = chart(page, "on-time")
    assert printed(svg) == {0: [row[3] for row in rows]}
    assert [f"{row[0]}（{row[1]}件）" for row in rows] == [t for t in svg_texts(svg) if t.endswith("件）")]
    shot(page, "stats-02-registrar-by-month")

    for grouping, head in (("按服务类型", "服务类型"), ("按季度", "季度")):
        page.get_by_label("分组").select_option(label=grouping)
        page.get_by_role("button", name="查询").click()
        expect(page.locator("table.stats thead th").first).to_have_text(head)
        assert len(table(page)) == len(api.stats(p.REGISTRAR, "service_type" if head == "服务类型" else "quarter"))
    expect(page.locator("table.stats tbody tr").first).to_contain_text(re.compile(r"\d{4}年第[1-4]季度"))

    page.get_by_label("服务单位").select_option(FIRE)
    page.get_by_label("分组").select_option(label="按单位")
    page.get_by_role("button", name="查询").click()
    assert [r[0] for r in table(page)] == [FIRE]
    svg, _ = chart(page, "satisfaction")
    assert MARKET not in "".join(svg_texts(svg))
    assert errors == []


def test_unit_staff_read_their_own_units_figures_only_and_asking_for_another_unit_is_refused(page: Page, api: Api) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/stats")
    expect(page.get_by_text(f"统计范围：本单位（{MARKET}）")).to_be_visible()
    expect(page.get_by_label("服务单位")).to_have_count(0)  # nothing to choose, nothing to learn from the list
    own = api.stats(p.MARKET_STAFF, "unit")
    rows = table(page)
    assert rows == [expected_row(r, r["unit"]) for r in own] and [r[0] for r in rows] == [MARKET]
    assert rows[0][5:] == ["100%（n=1）"] * 4 and rows[0][3] == "100%（n=2）"
    expect(page.locator("main")).not_to_contain_text(FIRE)
    svg, _ = chart(page, "satisfaction")
    assert printed(svg) == {i: [rows[0][5 + i]] for i in range(len(SCALES))}
    assert not [t for t in svg_texts(svg) if FIRE in t]
    svg, _ = chart(page, "on-time")
    month_rows = api.stats(p.MARKET_STAFF, "month")
    assert printed(svg) == {0: [figure(m["on_time_rate"], m["served"]) for m in month_rows]}
    assert sum(m["served"] for m in month_rows) == 2 < SMALL_N  # his unit's two cases, not the fire brigade's
    shot(page, "stats-03-unit-staff")

    page.goto(f"/w/stats?unit={FIRE}")
    expect(page.get_by_role("heading", name="无权查看")).to_be_visible()
    expect(page.get_by_text("只能查看本单位的数据")).to_be_visible()
    assert page.request.get(f"/w/stats/chart/satisfaction.svg?unit={FIRE}").status == 403


def test_the_administrator_is_refused_the_statistics_and_their_charts(page: Page, api: Api) -> None:
    sign_in(page, "admin")
    expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name="统计分析")).to_have_count(0)
    response = page.goto("/w/stats")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="无权查看")).to_be_visible()
    expect(page.get_by_text("系统管理员不查阅案件数据")).to_be_visible()
    chart = page.request.get("/w/stats/chart/on-time.svg")
    assert chart.status == 403 and "image/svg" not in chart.headers["content-type"]
    shot(page, "stats-04-administrator-refused")


def test_a_choice_with_nothing_served_shows_sentences_instead_of_charts(page: Page, api: Api) -> None:
    sign_in(page, "zhangmin")
    page.goto("/w/stats?unit=市司法局执法监督科")
    expect(page.get_by_text("尚无已完成指导服务的案件，暂无统计数据。")).to_be_visible()
    expect(page.get_by_text("尚无已评价的案件，暂无满意率图表。")).to_be_visible()
    expect(page.get_by_text("尚无已完成指导服务的案件，暂无按时办结率图表。")).to_be_visible()
    expect(page.locator(".charts img")).to_have_count(0)
    expect(page.get_by_label("服务单位")).to_have_value("市司法局执法监督科")  # the choice is kept
    shot(page, "stats-05-nothing-served")


def test_a_chart_is_not_given_to_anyone_signed_out(server: str) -> None:
    r = httpx.get(f"{server}/w/stats/chart/satisfaction.svg", follow_redirects=False)
    assert r.is_redirect and r.headers["location"].endswith("/login")
    assert b"<svg" not in r.content


def test_the_figures_as_of_a_moment_are_those_of_the_registry_then(page: Page, api: Api) -> None:
    """台账时点: the table, the charts and the export of the registry as the ledger knew it at that
    moment — now: the live figures; before anything was served: none; a malformed moment says so."""
    sign_in(page, "zhangmin")
    page.goto("/w/stats")
    live = table(page)
    now = datetime.now(CST).strftime("%Y-%m-%dT%H:%M:%S")
    page.get_by_label("台账时点").fill(now)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name=re.compile("时的台账"))).to_be_visible()
    assert table(page) == live
    assert api.stats(p.REGISTRAR, "unit", as_of=now) == api.stats(p.REGISTRAR, "unit")
    svg, _ = chart(page, "satisfaction")
    assert f"{FIRE}（2件）" in svg_texts(svg)
    shot(page, "stats-06-as-of-now")
    page.get_by_label("台账时点").fill("2020-01-01T00:00:00")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("尚无已完成指导服务的案件，暂无统计数据。")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert "asof-0" in download.value.suggested_filename  # nothing was recorded by then: the cut-off is 0
    page.goto("/w/stats?as_of=昨天")
    expect(page.get_by_text("时刻格式应为 年-月-日 时:分")).to_be_visible()
    assert table(page) == live  # the live figures, with the error beside the field
