"""The catalogue of guidance matters in a real browser: the public page read
by a visitor who never signs in (the demo's market regulator's 2026版), and
the administrator's import — a file with errors that publishes nothing, then
the sample XLSX — whose matters then appear on the public page."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from ledger.demo import FIRE, MARKET
from tests.browser.conftest import shot, sign_in

SAMPLES = Path(__file__).resolve().parents[2] / "ledger" / "samples"


def listed(page: Page, authority: str, attempts: int = 50) -> None:
    """The index lists ``authority`` (it reads the audit view, a moment behind a new catalogue)."""
    for _ in range(attempts):
        page.goto("/public/guidance-matters")
        if page.get_by_role("link", name=authority).count():
            return
        time.sleep(0.2)
    raise AssertionError(f"{authority} is not listed on the public page")


def test_a_visitor_reads_the_catalogue_of_guidance_matters_without_signing_in(page: Page) -> None:
    response = page.goto(f"/public/guidance-matters/{quote(MARKET)}")
    assert response is not None and response.status == 200
    assert page.url.endswith(f"/public/guidance-matters/{quote(MARKET)}")  # not sent to /login
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{MARKET} · 行政指导事项目录")
    expect(page.get_by_role("heading", level=2)).to_have_text(f"{MARKET}行政指导事项目录清单（2026版）")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("2026版")
    expect(facts).to_contain_text("2026-01-01")
    table = page.get_by_role("table", name=re.compile("的指导事项"))
    expect(table.locator("thead th")).to_have_text(
        ["编号", "指导事项", "实施主体", "指导依据", "指导内容", "指导方式", "相对人权利", "备注"])
    expect(table.locator("tbody tr")).to_have_count(7)
    food = table.locator("tbody tr").filter(has_text="食品安全主体责任落实指导")
    expect(food).to_contain_text("意见建议、劝导警示、行政约谈")
    expect(food).to_contain_text("自愿接受、可拒绝，拒绝不影响其合法权益")
    expect(page.locator("script")).to_have_count(0)
    expect(page.get_by_role("link", name="工作人员登录")).to_be_visible()
    # no session: the page keeps nothing of the visitor (the stylesheet, served under the
    # workbench's /static/, carries the workbench's CSRF token, a random value)
    assert {c["name"] for c in page.context.cookies()} <= {"ledger_csrf"}
    shot(page, "public-01-guidance-matters-market")

    page.get_by_label("施行日期").fill("2025-12-31")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("2025-12-31没有施行中的目录版本。")).to_be_visible()

    listed(page, MARKET)
    expect(page.get_by_role("row", name=re.compile(MARKET))).to_contain_text("市市监发〔2025〕88号")
    shot(page, "public-02-guidance-matters-index")


def test_the_administrator_imports_a_catalogue_which_then_is_public(page: Page, browser: Browser, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "编号,指导事项,实施主体,指导依据,指导内容,指导方式,相对人权利\n"
        "1,消防安全管理制度建设指导,防火监督科,《中华人民共和国消防法》第十六条,指导建立消防安全责任制,意见建议,自愿接受、可拒绝\n"
        "1,疏散通道管理指导,防火监督科,,指导保持疏散通道畅通,罚款,自愿接受、可拒绝\n",
        encoding="utf-8",
    )
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="行政指导事项目录").click()
    expect(page.get_by_role("heading", name="行政指导事项目录")).to_be_visible()
    page.get_by_role("link", name=re.compile("导入目录")).click()
    page.get_by_label("发布单位").select_option(label=FIRE)
    page.get_by_label("目录名称").fill("市消防救援支队行政指导事项目录清单（2026版）")
    page.get_by_label("生效日期").fill("2026-01-01")
    page.get_by_label("目录文件").set_input_files(str(bad))
    page.get_by_role("button", name="导入并发布").click()
    table = page.get_by_role("table", name="文件中的错误")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table).to_contain_text("与第2行的编号重复")
    expect(table).to_contain_text("指导依据不能为空")
    expect(table).to_contain_text("“罚款”不在本单位的行政指导方式之中")
    expect(table.locator("tbody tr").first).to_contain_text("第3行")
    expect(page.locator("#version-error")).to_have_text("目录版本不能为空")  # the form's own field, at the same time
    shot(page, "admin-matters-01-import-errors")
    assert page.request.get(f"/public/guidance-matters/{quote(FIRE)}").status == 404  # nothing published

    page.get_by_label("目录版本").fill("2026版")
    page.get_by_label("发布文号（选填）").fill("淄消〔2026〕5号")
    page.get_by_label("目录文件").set_input_files(str(SAMPLES / "guidance_matters_sample.xlsx"))
    page.get_by_role("button", name="导入并发布").click()
    expect(page.get_by_role("status")).to_have_text(f"已发布{FIRE}行政指导事项目录“2026版”，共7项")
    expect(page.locator("table.grid tbody tr")).to_have_count(7)
    shot(page, "admin-matters-02-edition")
    page.goto("/w/admin/guidance-matters")
    fire = page.get_by_role("row", name=re.compile("淄消〔2026〕5号"))
    expect(fire.locator("td")).to_have_text([re.compile(FIRE), "2026版", f"{FIRE}行政指导事项目录清单（2026版）",
                                             "淄消〔2026〕5号", "2026-01-01", "长期", "7", "查看事项"])
    shot(page, "admin-matters-03-catalogues")

    visitor = browser.new_context(base_url=page.url.split("/w/")[0], locale="zh-CN").new_page()
    try:
        visitor.goto(f"/public/guidance-matters/{quote(FIRE)}")
        expect(visitor.get_by_role("heading", level=2)).to_have_text("市消防救援支队行政指导事项目录清单（2026版）")
        expect(visitor.locator("table.grid tbody tr")).to_have_count(7)
        listed(visitor, FIRE)
    finally:
        visitor.context.close()


def test_the_administrator_sets_an_authoritys_methods_and_one_still_named_by_a_matter_stays(page: Page) -> None:
    sign_in(page, "admin")
    page.goto(f"/w/admin/guidance-matters/{quote(MARKET)}/methods")
    box = page.get_by_label("行政指导方式（每行一种）")
    kept = ["政策指引", "意见建议", "提示提醒", "劝导警示", "案件回访", "行政约谈", "行政走（回）访"]  # 示范引领 dropped
    box.fill("\n".join(kept))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#methods-error")).to_contain_text("2026版第6项（示范引领）")
    shot(page, "admin-matters-04-methods-in-use")
    box.fill("\n".join([*kept, "示范引领"]))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_have_text(f"已设置{MARKET}的行政指导方式，共8种")
    visitor = page.context.browser.new_context(base_url=page.url.split("/w/")[0]).new_page()  # type: ignore[union-attr]
    try:
        visitor.goto(f"/public/guidance-matters/{quote(MARKET)}")
        expect(visitor.get_by_text("本单位的行政指导方式：政策指引、意见建议、提示提醒、劝导警示、案件回访、行政约谈、行政走（回）访、示范引领。",
                                   exact=False)).to_be_visible()
    finally:
        visitor.context.close()


def test_the_administration_pages_of_the_catalogue_are_refused_to_every_other_role(page: Page) -> None:
    sign_in(page, "wanglei")  # the market regulator's own staff edit its catalogue over the API, not here
    for path in ("/w/admin/guidance-matters", "/w/admin/guidance-matters/import",
                 f"/w/admin/guidance-matters/{quote(MARKET)}/methods", f"/w/admin/guidance-matters/{quote(MARKET)}/2026版"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_text("系统管理页面仅供系统管理员使用")).to_be_visible()
    response = page.goto(f"/public/guidance-matters/{quote(MARKET)}")  # the public page stays open to them too
    assert response is not None and response.status == 200
