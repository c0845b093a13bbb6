"""Casework through the workbench in a real browser: a joint visit with one
opinion in a part per unit, a penalty revoked by choosing a four-lists item
in force on the decision date (each condition confirmed) and its supervisor
review, follow-ups and rectification, a correction shown against the entry
it corrects, the case as of a moment, the due time explained, the chain
positions and the bundle; a stale form, a double submit, keyboard-only
booking."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import shot, sign_in
from tests.browser.test_workbench import book, uscc

ROOT = Path(__file__).resolve().parents[2]


def soon() -> str:
    """In two hours, as a datetime-local field takes it (China time)."""
    from datetime import datetime, timedelta

    from ledger.values import CST

    return (datetime.now(CST) + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()


def booked_and_accepted(page: Page, name: str, pause_ms: int = 0) -> str:
    sign_in(page, "zhangmin")
    book(page, name)
    url = page.url
    page.wait_for_timeout(pause_ms)  # the two events a second apart, to look between them
    page.get_by_role("link", name="受理或不予受理").click()
    page.get_by_label("一般服务需求").check()
    page.get_by_role("button", name="受理", exact=True).click()
    expect(page.locator("h1 .state")).to_have_text("已受理")
    sign_out(page)
    return url


def dispatched_jointly(page: Page, name: str) -> str:
    url = booked_and_accepted(page, name)
    sign_in(page, "liqiang")
    page.goto(url)
    page.get_by_role("link", name="派单").click()
    page.locator(".unit", has_text="市市场监督管理局").get_by_label("王磊").check()
    page.locator(".unit", has_text="消防").get_by_label("孙浩").check()
    page.get_by_label("服务形式").select_option(label="联合上门服务")
    page.get_by_label("牵头单位").select_option(label="市市场监督管理局")
    page.get_by_label("约定服务时间").fill(soon())
    page.get_by_role("button", name="派单").click()
    expect(page.locator("h1 .state")).to_have_text("已派单")
    sign_out(page)
    return url


def served_jointly(page: Page, name: str) -> str:
    url = dispatched_jointly(page, name)
    sign_in(page, "wanglei")  # the lead unit writes the one opinion
    page.goto(url)
    page.get_by_role("link", name="填写指导服务意见书").click()
    page.get_by_label("服务地点").fill("张店区人民西路88号")
    page.get_by_label("服务内容").fill("食品安全与消防安全联合指导")
    page.get_by_label("现场情况及发现问题").fill("进货台账不全；疏散通道堆放杂物")
    page.get_by_label("整改建议及指导意见").fill("建立进货查验记录；清理疏散通道")
    market = page.get_by_role("group", name=re.compile("市市场监督管理局部分"))
    fire = page.get_by_role("group", name=re.compile("消防.*部分"))
    market.get_by_label("发现问题").fill("进货查验台账不全")
    market.get_by_label("指导意见").fill("按规定建立进货查验记录")
    shot(page, "20-serve-joint-form")
    page.get_by_role("button", name="保存意见书").click()  # the fire brigade's part is missing
    expect(page.locator(".field-error")).to_contain_text("该单位发现的问题")
    expect(page.get_by_label("服务地点")).to_have_value("张店区人民西路88号")  # the input is kept
    fire = page.get_by_role("group", name=re.compile("消防.*部分"))
    fire.get_by_label("发现问题").fill("疏散通道堆放杂物")
    fire.get_by_label("指导意见").fill("立即清理疏散通道")
    page.get_by_role("button", name="保存意见书").click()
    expect(page.locator("h1 .state")).to_have_text("已服务")
    facts = page.locator(".facts")
    expect(facts).to_contain_text("按规定建立进货查验记录")
    expect(facts).to_contain_text("立即清理疏散通道")
    shot(page, "21-case-joint-served")
    return url


def test_a_joint_visit_then_a_revocation_citing_a_four_lists_item_reviewed_by_the_supervisor(page: Page) -> None:
    url = served_jointly(page, "联合服务测试餐饮有限公司")
    # wanglei (still signed in) revokes an earlier penalty under the no-penalty list
    page.get_by_role("link", name="撤销或重新作出行政处罚").click()
    page.get_by_label("原处罚决定书文号").first.fill("淄张市监罚〔2025〕201号")
    page.get_by_label("原处罚决定日期").first.fill("2025-10-20")
    page.get_by_role("button", name="列出该日有效的清单事项").click()
    row = page.locator("tr", has_text="第12项").first
    expect(row).to_be_visible()
    row.get_by_role("radio").check()
    row.get_by_label("初次违法").check()
    row.get_by_label("危害后果轻微").check()  # 及时改正 left unconfirmed
    page.get_by_label("处理结果").fill("撤销原罚款决定，予以批评教育")
    page.get_by_label("书面说明").fill("当事人系初次违法，危害后果轻微并已及时改正，依法撤销原处罚决定。")
    page.get_by_label("法制审核人员").select_option(label="钱律（市市场监督管理局）")
    page.get_by_role("button", name="保存并提交监督审查").click()
    expect(page.locator(".field-error")).to_contain_text("及时改正")  # the condition not confirmed is named
    row = page.locator("tr", has_text="第12项").first
    expect(row.get_by_label("初次违法")).to_be_checked()  # what was ticked is kept
    row.get_by_label("及时改正").check()
    shot(page, "22-reversal-form")
    page.get_by_role("button", name="保存并提交监督审查").click()
    expect(page.locator(".facts")).to_contain_text("淄张市监罚〔2025〕201号")
    expect(page.locator(".timeline")).to_contain_text("撤销行政处罚")
    sign_out(page)

    sign_in(page, "wujian")  # the supervisor reviews it
    page.goto("/w/supervision")
    page.locator("tr", has_text="淄张市监罚〔2025〕201号").get_by_role("link", name="审查").click()
    expect(page.locator("body")).to_contain_text("不予处罚清单")
    page.get_by_role("button", name="审查通过").click()
    expect(page.locator(".facts")).to_contain_text("审查通过")
    shot(page, "23-review-confirmed")


def test_follow_up_rectification_a_correction_and_a_remark_show_in_the_timeline(page: Page) -> None:
    url = served_jointly(page, "回访整改测试有限公司")
    page.get_by_role("link", name="整改跟踪").click()
    page.get_by_label("第1项整改事项").fill("建立进货查验记录")
    page.get_by_label("第1项整改期限").fill("2020-01-01")  # before the service
    page.get_by_role("button", name="保存整改情况").click()
    expect(page.locator(".field-error")).to_contain_text("整改期限早于服务日期")
    from datetime import date, timedelta

    page.get_by_label("第1项整改期限").fill((date.today() + timedelta(days=15)).isoformat())
    page.get_by_label("第2项整改事项").fill("清理疏散通道")
    page.get_by_label("第2项整改期限").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_label("第2项状态").select_option(label="已整改")
    page.get_by_label("第2项整改证据").fill("现场照片3张")
    shot(page, "24-rectification-form")
    page.get_by_role("button", name="保存整改情况").click()
    expect(page.locator(".facts")).to_contain_text("清理疏散通道")
    page.get_by_role("link", name="回访").first.click()
    page.get_by_role("group", name="回访方式").get_by_label("电话回访").check()
    page.get_by_label("回访情况").fill("台账已建立，通道已清理")
    page.get_by_role("button", name="保存回访记录").click()
    expect(page.locator(".facts")).to_contain_text("台账已建立，通道已清理")
    sign_out(page)

    sign_in(page, "zhangmin")  # the registrar corrects the phone number booked
    page.goto(url)
    page.get_by_role("link", name="更正记录").click()
    page.get_by_label("要更正的记录").select_option(label="第1项 预约申请")
    page.get_by_role("button", name="选择").click()
    page.get_by_label("联系电话", exact=True).check()
    page.get_by_label("联系电话更正为").fill("13953319999")
    page.get_by_role("button", name="保存更正").click()  # no reason given
    expect(page.locator(".field-error")).to_contain_text("更正理由")
    page.get_by_label("更正理由").fill("申请人来电告知联系电话登记有误")
    page.get_by_role("button", name="保存更正").click()
    first = page.locator(".timeline li").first
    expect(first.locator(".correction")).to_contain_text(re.compile(r"联系电话 \S*13953312345 → \S*13953319999"))
    page.get_by_role("link", name="批注").click()
    page.get_by_label("所涉记录").select_option(label="第1项 预约申请")
    page.get_by_label("批注内容").fill("电话已核实")
    page.get_by_role("button", name="保存批注").click()
    expect(page.locator(".timeline li").first.locator(".remark")).to_contain_text("电话已核实")
    expect(page.locator(".facts")).to_contain_text("13953319999")
    shot(page, "25-case-corrected")


def test_the_case_page_explains_the_due_time_shows_chain_positions_and_a_past_state(page: Page, tmp_path: Path) -> None:
    url = booked_and_accepted(page, "时限说明测试有限公司", pause_ms=1100)
    sign_in(page, "zhangmin")
    page.goto(url)
    page.get_by_text("时限如何计算").click()
    why = page.locator("details.why")
    expect(why).to_contain_text("当日不计入")
    expect(why).to_contain_text("第5个工作日")
    expect(why).to_contain_text("节假日安排")
    expect(page.locator(".timeline")).to_contain_text("校验链第")
    shot(page, "26-case-due-explained")
    page.emulate_media(media="print")  # prints on A4 without the menu, the header or the forms
    expect(page.get_by_role("navigation", name="主菜单")).to_be_hidden()
    expect(page.locator(".asof")).to_be_hidden()
    expect(page.locator(".timeline")).to_be_visible()
    page.pdf(path=str(tmp_path / "case.pdf"), format="A4")
    shot(page, "29-case-print")
    page.emulate_media(media="screen")
    # the state before acceptance: the first event's recording time
    recorded = page.locator(".timeline li").first.locator(".when").inner_text()
    moment = re.search(r"记录时间 (\S+ \S+)", recorded).group(1).replace(" ", "T")
    page.get_by_label("查看某一时刻的状态").fill(moment)
    page.get_by_role("button", name="查看").click()
    expect(page.locator("h1 .state")).to_have_text("已预约")
    expect(page.locator(".timeline li")).to_have_count(1)
    expect(page.get_by_role("link", name="受理或不予受理")).to_have_count(0)  # a past state offers no forms
    shot(page, "27-case-as-of")
    page.get_by_role("link", name="返回当前状态").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载本案校验包").click()
    bundle = tmp_path / "bundle.json"
    download.value.save_as(bundle)
    assert json.loads(bundle.read_text())["case_id"] in url
    checked = subprocess.run([sys.executable, str(ROOT / "tools" / "verify_bundle.py"), str(bundle)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_form_opened_before_someone_else_changed_the_case_saves_nothing_and_shows_the_current_state(
        browser: Browser, server: str, page: Page) -> None:
    url = booked_and_accepted(page, "并发修改测试有限公司")
    dispatcher = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768}, locale="zh-CN").new_page()
    sign_in(dispatcher, "liqiang")
    dispatcher.goto(url + "/dispatch")  # the form is opened …
    sign_in(page, "zhangmin")  # … meanwhile the registrar remarks on the case
    page.goto(url + "/annotate")
    page.get_by_label("批注内容").fill("申请人要求上午服务")
    page.get_by_role("button", name="保存批注").click()
    expect(page.locator(".timeline")).to_contain_text("申请人要求上午服务")
    dispatcher.locator(".unit", has_text="市市场监督管理局").get_by_label("王磊").check()
    dispatcher.get_by_label("服务形式").select_option(label="上门指导")
    dispatcher.get_by_label("约定服务时间").fill(soon())
    dispatcher.get_by_role("button", name="派单").click()
    expect(dispatcher.get_by_role("alert")).to_contain_text("您填写的内容未保存")
    expect(dispatcher.locator("h1 .state")).to_have_text("已受理")  # not dispatched
    expect(dispatcher.locator(".timeline")).to_contain_text("申请人要求上午服务")  # the current state is shown
    shot(dispatcher, "28-stale-form")
    dispatcher.context.close()


def test_a_form_sent_twice_books_once(page: Page) -> None:
    sign_in(page, "zhangmin")
    page.goto("/w/book")
    page.get_by_label("单位", exact=True).check()
    page.get_by_label("申请单位/个人").fill("重复提交测试有限公司")
    page.get_by_label("统一社会信用代码/身份证号").fill(uscc())
    page.get_by_label("地址").fill("张店区人民西路88号")
    page.get_by_label("联系人").fill("刘芳")
    page.get_by_label("联系电话").fill("13953312345")
    page.get_by_label("合规经营指导").check()
    page.get_by_label("需求简述").fill("重复提交")
    page.get_by_label("预约方式").select_option(label="电话预约")
    fields = page.locator("form.paper").evaluate(
        "f => Array.from(new FormData(f).entries())")  # what the browser would send, key included
    page.get_by_role("button", name="提交预约").dblclick()  # a double click …
    page.wait_for_url(re.compile(r"/w/cases/"))
    first = page.url
    again = page.request.post("/w/book", form=dict(fields), max_redirects=0)  # … and the form sent again
    assert again.status == 302, again.status
    assert again.headers["location"].rstrip("/") in first  # the same case, not a second one
    page.goto("/w/registry")
    expect(page.get_by_role("cell", name="重复提交测试有限公司")).to_have_count(1)


def tab_to(page: Page, label: str, limit: int = 80) -> None:
    """Press Tab until the focused field is the one labelled ``label``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement; const l = e && e.labels && e.labels[0];"
            " return l ? l.textContent.trim() : ''; }")
        if focused == label:
            return
    raise AssertionError(f"{label} cannot be reached with Tab")


def test_booking_works_with_the_keyboard_alone(page: Page) -> None:
    sign_in(page, "zhangmin")
    page.goto("/w/book")
    tab_to(page, "单位")
    page.keyboard.press("Space")
    for label, text in (("申请单位/个人", "键盘操作测试有限公司"), ("统一社会信用代码/身份证号", uscc()),
                        ("地址", "张店区人民西路88号"), ("联系人", "刘芳"), ("联系电话", "13953312345")):
        tab_to(page, label)
        page.keyboard.type(text)
    tab_to(page, "合规经营指导")
    page.keyboard.press("Space")
    tab_to(page, "需求简述")
    page.keyboard.type("仅用键盘完成预约")
    tab_to(page, "预约方式")
    page.keyboard.press("ArrowDown")  # the first channel
    tab_to(page, "紧急程度")
    page.keyboard.press("Tab")  # the submit button
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/w/cases/"))
    expect(page.locator("h1")).to_contain_text("键盘操作测试有限公司")


def test_every_role_starts_from_its_own_menu_and_queues(page: Page) -> None:
    """A screenshot per role of where the day starts (README: Using the workbench)."""
    starts = {"zhangmin": ("/w/", "待受理"), "liqiang": ("/w/", "待派单"), "wanglei": ("/w/", "待服务"),
              "wujian": ("/w/supervision", "待审查的撤销"), "zhengshen": ("/w/audit", "审计日志"),
              "admin": ("/w/admin/users", "用户")}
    for username, (path, words) in starts.items():
        sign_in(page, username)
        page.goto(path)
        expect(page.locator("main")).to_contain_text(words)
        expect(page.locator(".who")).to_contain_text("退出")
        shot(page, f"30-start-{username}")
        sign_out(page)
