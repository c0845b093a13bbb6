"""The administrator's pages in a real browser: units, users (create, assign,
confirm a grant proposed by another administrator, disable and enable with a
confirmation step, reset a password), the working-day schedule of a year
recorded after seeing the provisional deadlines it recomputes, the four
lists' import (a good CSV and one with errors), and every other role refused.

The store is seeded before the server starts with cases accepted on
30 and 31 December 2026 (a ledger whose clock says so): their deadlines run
into 2027, which no package knows yet, so they are provisional."""

from __future__ import annotations

import csv
import os
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from ledger.application import Ledger
from ledger.case.commands import AcceptCase
from ledger.settings import Settings
from ledger.store.migrate import migrate
from ledger.values import CST, DeadlineClass
from tests.browser.conftest import shot, sign_in
from tests.builders import REGISTRAR, book_cmd, ctx
from tests.serving import serving

SAMPLE = Path(__file__).resolve().parents[2] / "ledger" / "samples" / "four_lists_sample.csv"
LATE_DECEMBER = (datetime(2026, 12, 30, 10, 0, tzinfo=CST), datetime(2026, 12, 31, 15, 0, tzinfo=CST))


def seed_provisional_cases(settings: Settings) -> list[str]:
    """Two accepted cases whose deadlines assumed Monday–Friday for 2027; their numbers."""
    numbers = []
    for at, deadline_class in zip(LATE_DECEMBER, (DeadlineClass.GENERAL, DeadlineClass.CONSULTATION), strict=True):
        ledger = Ledger(settings, clock=lambda at=at: at)
        try:
            case_id = ledger.book(ctx(REGISTRAR), book_cmd(business_time=at)).case_id
            result = ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, deadline_class=deadline_class))
            assert ledger.get_case(case_id).due.assumed_years == (2027,)
            numbers.append(str(result.number))
        finally:
            ledger.close()
    return numbers


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    where = tmp_path_factory.mktemp("admin")
    settings = Settings(backend="sqlite", sqlite_path=str(where / "ledger.sqlite3"))
    migrate(settings)
    return where, seed_provisional_cases(settings)


@pytest.fixture(scope="module")
def server(seeded: tuple[Path, list[str]]) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    with serving([sys.executable, "-m", "ledger.cli", "serve", "--demo"], seeded[0], env) as base:
        yield base


@pytest.fixture
def other(browser: Browser, server: str) -> Iterator[Page]:
    """A second browser (its own cookies): the user the administrator acts on."""
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768}, locale="zh-CN")
    yield context.new_page()
    context.close()


def row(page: Page, text: str):  # noqa: ANN201 - a Playwright locator
    return page.locator("table.grid tbody tr", has_text=text)


def create_user(page: Page, username: str, name: str, role: str, unit: str, password: str) -> None:
    page.goto("/w/admin/users")
    page.get_by_role("link", name="新增用户").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("姓名").fill(name)
    page.get_by_label("角色").select_option(label=role)
    page.get_by_label("单位").select_option(label=unit)
    page.get_by_label("初始密码").fill(password)
    page.get_by_role("button", name="创建用户").click()


def choose_own_password(page: Page, username: str, temporary: str, own: str) -> None:
    """Sign in with the administrator's password: the only way on is choosing one's own."""
    sign_in(page, username, temporary)
    expect(page).to_have_url(re.compile(r"/w/password$"))
    page.goto("/w/")
    expect(page).to_have_url(re.compile(r"/w/password$"))  # nothing else opens first
    expect(page.get_by_text("管理员已重置您的密码")).to_be_visible()  # and the page says why
    page.get_by_label("当前密码").fill(temporary)
    page.get_by_label("新密码（至少10位）").fill(own)
    page.get_by_label("再次输入新密码").fill(own)
    page.get_by_role("button", name="保存新密码").click()
    sign_in(page, username, own)
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()


def test_the_administrator_registers_a_unit_and_a_form_without_name_or_kind_says_so_beside_the_fields(page: Page) -> None:
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="单位管理").click()
    expect(row(page, "市市场监督管理局")).to_contain_text("行政执法单位")
    page.get_by_role("button", name="登记单位").click()
    expect(page.locator("#kind-error")).to_have_text("请选择单位类别")
    expect(page.locator("#name-error")).to_contain_text("单位名称不能为空")
    page.get_by_label("单位名称").fill("市生态环境局")
    page.get_by_role("button", name="登记单位").click()
    expect(page.locator("#kind-error")).to_have_text("请选择单位类别")
    expect(page.get_by_label("单位名称")).to_have_value("市生态环境局")  # input kept
    expect(row(page, "市生态环境局")).to_have_count(0)  # nothing written
    shot(page, "admin-01-units-errors")
    page.get_by_label("单位类别").select_option(label="行政执法单位")
    sent = {name: page.locator(f"form.paper input[name={name}]").get_attribute("value") or ""
            for name in ("_csrf_token", "idempotency_key")}
    page.get_by_role("button", name="登记单位").click()
    expect(page.get_by_role("status")).to_have_text("已登记单位“市生态环境局”")
    expect(row(page, "市生态环境局")).to_contain_text("行政执法单位")
    # the same form sent again (a double click, a resend) answers as the first time and registers nothing more
    again = page.request.post("/w/admin/units", form={**sent, "name": "市生态环境局", "kind": "enforcement"})
    assert again.ok and "已存在" not in again.text()
    page.get_by_label("单位名称").fill("市生态环境局")
    page.get_by_label("单位类别").select_option(label="行政执法单位")
    page.get_by_role("button", name="登记单位").click()
    expect(page.locator("#name-error")).to_have_text("单位“市生态环境局”已存在")
    expect(row(page, "市生态环境局")).to_have_count(1)
    response = page.goto("/w/admin/units")
    assert response is not None and "frame-ancestors 'none'" in response.headers["content-security-policy"]
    shot(page, "admin-02-units")


def test_a_user_is_created_assigned_disabled_enabled_and_reset_and_each_change_reaches_their_open_session(
    page: Page, other: Page
) -> None:
    sign_in(page, "admin")
    create_user(page, "Zhou Tao", "周涛", "执法单位人员", "市市场监督管理局", "short")
    expect(page.locator("#username-error")).to_contain_text("用户名为2至32位小写字母")
    expect(page.locator("#password-error")).to_have_text("密码至少10位")
    expect(page.get_by_label("姓名")).to_have_value("周涛")
    shot(page, "admin-03-user-new-errors")
    page.get_by_label("用户名").fill("zhoutao")
    page.get_by_label("初始密码").fill("temporary-pass-1")
    page.get_by_role("button", name="创建用户").click()
    expect(page.get_by_role("status")).to_contain_text("已创建用户 zhoutao（周涛）")
    expect(row(page, "zhoutao")).to_contain_text("执法单位人员")
    expect(row(page, "zhoutao")).to_contain_text("启用")

    # the new user's first sign-in: their own password first
    choose_own_password(other, "zhoutao", "temporary-pass-1", "zhoutao-own-pass-1")
    expect(other.get_by_text("市市场监督管理局")).to_be_visible()

    # assign to another unit, chosen from the directory
    row(page, "zhoutao").get_by_role("link", name="调整角色/单位").click()
    expect(page.get_by_label("新单位").locator("option")).to_contain_text(["市消防救援支队"])
    page.get_by_label("新单位").select_option(label="市消防救援支队")
    page.get_by_label("理由").fill("岗位调整")
    shot(page, "admin-04-user-assign")
    page.get_by_role("button", name="保存调整").click()
    expect(page.get_by_role("status")).to_have_text("已调整 zhoutao 的角色和单位")
    expect(row(page, "zhoutao")).to_contain_text("市消防救援支队")
    page.get_by_label("单位", exact=True).select_option(label="市消防救援支队")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table.grid tbody tr")).to_have_count(3)  # sunhao, fengfa (its legal reviewer) and zhoutao
    shot(page, "admin-05-users-filtered")

    # disable: a confirmation page, then their open session is out at once
    other.reload()
    expect(other.get_by_text("市消防救援支队")).to_be_visible()
    row(page, "zhoutao").get_by_role("link", name="停用").click()
    expect(page.get_by_text("已打开的会话也立即失效")).to_be_visible()
    shot(page, "admin-06-user-disable-confirm")
    page.get_by_role("button", name="确认停用").click()
    expect(page.get_by_role("status")).to_contain_text("已停用 zhoutao")
    expect(row(page, "zhoutao")).to_contain_text("停用")
    other.goto("/w/registry")
    expect(other).to_have_url(re.compile(r"/login$"))
    sign_in(other, "zhoutao", "zhoutao-own-pass-1")
    expect(other.get_by_role("alert")).to_have_text("用户名或密码错误")

    # enable: they sign in again with their own password
    row(page, "zhoutao").get_by_role("link", name="启用").click()
    page.get_by_role("button", name="确认启用").click()
    expect(page.get_by_role("status")).to_have_text("已启用 zhoutao")
    sign_in(other, "zhoutao", "zhoutao-own-pass-1")
    expect(other.get_by_role("heading", name="工作台")).to_be_visible()

    # reset: their session ends, and the temporary password only lets them choose a new one
    row(page, "zhoutao").get_by_role("link", name="重置密码").click()
    suggested = page.get_by_label("临时密码").input_value()
    assert len(suggested) >= 10
    page.get_by_label("临时密码").fill("123")
    page.get_by_role("button", name="重置密码").click()
    expect(page.locator("#new_password-error")).to_have_text("密码至少10位")
    page.get_by_label("临时密码").fill(suggested)
    shot(page, "admin-07-user-reset-password")
    page.get_by_role("button", name="重置密码").click()
    expect(page.get_by_role("status")).to_contain_text("已重置 zhoutao 的密码")
    expect(row(page, "zhoutao")).to_contain_text("待本人改密")
    other.goto("/w/")
    expect(other).to_have_url(re.compile(r"/login$"))
    choose_own_password(other, "zhoutao", suggested, "zhoutao-new-pass-2")
    shot(page, "admin-08-users")


def test_a_grant_another_administrator_proposed_is_confirmed_by_a_second_one_never_by_the_proposer(
    page: Page, other: Page
) -> None:
    sign_in(page, "admin")
    create_user(page, "qianfang", "钱芳", "系统管理员", "市司法局行政执法协调监督科", "qianfang-temp-1")
    expect(row(page, "qianfang")).to_contain_text("系统管理员")
    choose_own_password(other, "qianfang", "qianfang-temp-1", "qianfang-own-pass")

    # the second administrator grants a role that reads case data: it waits for the first
    other.goto("/w/admin/users/liqiang/assign")
    other.get_by_label("新角色").select_option(label="审计人员")
    other.get_by_label("新单位").select_option(label="市司法局执法监督科")
    other.get_by_role("button", name="保存调整").click()
    expect(other.locator("#basis-error")).to_have_text("授予可查阅案件数据的角色须写明理由")
    other.get_by_label("理由").fill("轮岗至审计，依据局党组会议纪要")
    other.get_by_role("button", name="保存调整").click()
    expect(other.get_by_role("status")).to_contain_text("待另一名系统管理员确认")
    expect(row(other, "liqiang")).to_contain_text("统筹派单人员")  # not yet in effect
    expect(row(other, "liqiang")).to_contain_text("审计人员 · 市司法局执法监督科")
    row(other, "liqiang").get_by_role("link", name="确认授权").click()
    other.get_by_role("button", name="确认授权").click()
    expect(other.get_by_role("alert")).to_have_text("授权须由提出人以外的另一名系统管理员确认")  # the ledger's word
    shot(other, "admin-09-grant-refused-to-proposer")

    page.goto("/w/admin/users")
    page.get_by_label("状态").select_option(label="有待确认的授权")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("table.grid tbody tr")).to_have_count(1)
    expect(row(page, "liqiang")).to_contain_text("qianfang 提出：轮岗至审计")
    shot(page, "admin-10-users-pending-grant")
    row(page, "liqiang").get_by_role("link", name="确认授权").click()
    expect(page.locator(".facts")).to_contain_text("轮岗至审计")
    shot(page, "admin-10b-grant-confirm")
    page.get_by_role("button", name="确认授权").click()
    expect(page.get_by_role("status")).to_have_text("已确认 liqiang 的授权")
    expect(row(page, "liqiang")).to_contain_text("审计人员")
    expect(row(page, "liqiang").get_by_role("link", name="确认授权")).to_have_count(0)


def test_recording_2027_lists_the_provisional_deadlines_it_recomputes_before_it_records_them(
    page: Page, seeded: tuple[Path, list[str]]
) -> None:
    numbers = seeded[1]
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="工作日安排").click()
    expect(row(page, "2027年")).to_contain_text("未登记")
    expect(row(page, "2027年")).to_contain_text("2件待重新计算")
    expect(page.get_by_text("2027年的国务院节假日安排尚未登记")).to_be_visible()
    shot(page, "admin-11-calendar")

    page.get_by_label("通知文号（登记依据）").fill("国办发明电〔2026〕7号")
    page.get_by_label("放假和调休上班日期").fill(
        "2027-01-01 至 2027-01-04 元旦 休\n2027-02-05 至 2027-02-11 春节\n2027-02-30 班\n2027-02-15 班")
    page.get_by_role("button", name=re.compile("下一步")).click()
    errors = page.locator("#days-lines-error li")
    expect(errors).to_have_text(["第2行：请在行末写明“休”（放假）或“班”（调休上班）", "第3行：“2027-02-30”不是有效日期"])
    expect(page.get_by_label("通知文号（登记依据）")).to_have_value("国办发明电〔2026〕7号")
    shot(page, "admin-12-calendar-errors")
    page.get_by_label("放假和调休上班日期").fill(
        "一、元旦：2027-01-01（周五）至 2027-01-04（周一）放假\n2月5日至11日 春节 放假\n2027-02-15 班")
    page.get_by_role("button", name=re.compile("下一步")).click()
    expect(page.get_by_text("第3行：2027-02-15是工作日，调休上班日应为周末")).to_be_visible()  # the ledger's rule, by line
    page.get_by_label("放假和调休上班日期").fill(
        "一、元旦：2027-01-01（周五）至 2027-01-04（周一）放假\n2月5日至11日 春节 放假\n2027-02-14 班")
    page.get_by_role("button", name=re.compile("下一步")).click()

    expect(page.get_by_role("heading", name="核对 2027年工作日安排")).to_be_visible()
    expect(row(page, "春节")).to_contain_text("2027-02-05（周五）")
    expect(row(page, "春节")).to_contain_text("7")
    deadlines = page.locator("table.grid").nth(1).locator("tbody tr")
    expect(deadlines).to_have_count(2)
    for number in numbers:
        expect(page.locator("table.grid").nth(1)).to_contain_text(number)
    # accepted 30 December, general: 1 January was assumed, 4 January now rests too
    expect(row(page, numbers[0])).to_contain_text("最迟 2027-01-07")
    expect(row(page, numbers[0])).to_contain_text("最迟 2027-01-08")
    expect(page.get_by_text("鲁味轩")).to_have_count(0)  # no case data: numbers and times only
    shot(page, "admin-13-calendar-confirm")
    page.get_by_role("button", name="确认登记").click()
    expect(page.get_by_role("status")).to_contain_text("2027年工作日安排已登记（依据：国办发明电〔2026〕7号）")
    expect(row(page, "2027年")).to_contain_text("已登记")
    expect(row(page, "2027年")).not_to_contain_text("待重新计算")
    expect(page.locator(".year-detail")).to_contain_text("2027-02-14（周日）")
    expect(row(page, "元旦")).to_contain_text("2027-01-01（周五）至2027-01-04（周一）")
    expect(row(page, "2027年")).to_contain_text("国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕7号）")
    shot(page, "admin-14-calendar-recorded")


def test_a_four_lists_file_with_errors_publishes_nothing_and_the_sample_publishes_an_edition(
    page: Page, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "清单,序号,违法行为,适用条件,违反条款,处罚依据,罚款下限（元）,罚款上限（元）\n"
        "不予处罚清单,1,未公示营业执照,初次违法；及时改正,《条例》第三十六条,《条例》第四十九条,,\n"
        "不予处罚清单,1,重复序号,初次违法,《条例》第一条,,,\n"
        "免罚清单,2,未知清单,初次违法,《条例》第二条,《条例》第三条,abc,100\n",
        encoding="utf-8",
    )
    sign_in(page, "admin")
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="四张清单").click()
    before = page.locator("table.grid tbody tr").count()
    page.get_by_role("link", name=re.compile("导入清单")).click()
    page.get_by_label("发布单位").select_option(label="市消防救援支队")
    page.get_by_label("清单名称").fill("消防安全领域轻微违法行为不予处罚清单")
    page.get_by_label("生效日期").fill("2026-01-01")
    page.get_by_label("清单文件").set_input_files(str(bad))
    page.get_by_role("button", name="导入并发布").click()
    table = page.get_by_role("table", name="文件中的错误")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table).to_contain_text("与第2行的序号重复")
    expect(table).to_contain_text("处罚依据")
    expect(table).to_contain_text("“abc”不是金额")
    expect(table).to_contain_text("免罚清单")
    expect(page.locator("#version-error")).to_have_text("清单版本不能为空")  # the form's own field, at the same time
    expect(page.get_by_label("清单名称")).to_have_value("消防安全领域轻微违法行为不予处罚清单")
    shot(page, "admin-15-catalogue-import-errors")
    page.goto("/w/admin/catalogues")
    expect(page.locator("table.grid tbody tr")).to_have_count(before)  # nothing published

    page.goto("/w/admin/catalogues/import")
    page.get_by_label("发布单位").select_option(label="市消防救援支队")
    page.get_by_label("清单版本").fill("2026版")
    page.get_by_label("清单名称").fill("消防安全领域轻微违法行为不予处罚清单")
    page.get_by_label("发布文号（选填）").fill("淄消〔2026〕3号")
    page.get_by_label("生效日期").fill("2026-01-01")
    page.get_by_label("清单文件").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="导入并发布").click()
    items = sum(1 for r in list(csv.reader(SAMPLE.read_text(encoding="utf-8-sig").splitlines()))[1:] if any(r))
    expect(page.get_by_role("status")).to_have_text(f"已发布市消防救援支队四张清单“2026版”，共{items}项")
    expect(page.locator(".facts")).to_contain_text(f"共{items}项")
    expect(page.locator("table.grid tbody tr")).to_have_count(items)
    shot(page, "admin-16-catalogue-edition")
    page.goto("/w/admin/catalogues")
    expect(row(page, "2026版")).to_contain_text("淄消〔2026〕3号")
    shot(page, "admin-17-catalogues")


@pytest.mark.parametrize("username", ["zhangmin", "wanglei", "wujian", "zhengshen"])
def test_every_other_role_is_refused_every_administration_page(page: Page, username: str) -> None:
    sign_in(page, username)
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    for path in ("/w/admin/units", "/w/admin/users", "/w/admin/users/new", "/w/admin/users/admin/password",
                 "/w/admin/calendar", "/w/admin/catalogues", "/w/admin/catalogues/import"):
        response = page.goto(path)
        assert response is not None and response.status == 403, path
        expect(page.get_by_text("系统管理页面仅供系统管理员使用")).to_be_visible()
    expect(page.get_by_role("navigation", name="主菜单").get_by_role("link", name="用户管理")).to_have_count(0)
    if username == "zhangmin":
        shot(page, "admin-18-refused")
        # a form posted anyway (with a valid CSRF token) is refused by the same guard, and writes nothing
        page.goto("/w/")
        token = page.locator("input[name=_csrf_token]").first.get_attribute("value")
        posted = page.request.post("/w/admin/units", form={"_csrf_token": token or "", "name": "越权单位", "kind": "other"})
        assert posted.status == 403
        sign_in(page, "admin")
        page.goto("/w/admin/units")
        expect(row(page, "越权单位")).to_have_count(0)
