"""Administrative mediation (行政调解) through the workbench in a real browser:
the market regulator's officer starts a mediation (a bad resident ID refused
beside its field, nothing saved), records both parties' consents, accepts it
with the notice, gives the notice of rights, writes the 行政调解笔录, is
refused an agreement one party has not signed, then concludes it and issues
the 协议书; the list shows it closed."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import shot, sign_in
from tests.builders import VALID_RIC, VALID_USCC


def test_a_mediation_from_start_to_agreement(page: Page) -> None:
    sign_in(page, "wanglei")
    page.goto("/w/mediations")
    page.get_by_role("link", name="启动行政调解").click()
    page.get_by_label("依申请启动").check()
    page.get_by_label("一般程序").check()
    page.get_by_label("甲方名称/姓名").fill("淄博明湖物业管理有限公司")
    page.get_by_label("甲方统一社会信用代码/身份证号").fill(VALID_USCC)
    page.get_by_label("甲方法定代表人/负责人/委托代理人").fill("周明")
    page.get_by_label("乙方名称/姓名").fill("李娜")
    page.get_by_label("乙方统一社会信用代码/身份证号").fill("110105194912310021")  # wrong check digit
    page.get_by_label("调解事项").fill("物业费与漏水维修纠纷")
    page.get_by_label("争议纠纷简要情况").fill("业主因楼上漏水未修拒交物业费，物业公司要求补缴")
    page.get_by_role("button", name="启动").click()
    expect(page.locator("#err-parties-1-id_number")).to_be_visible()
    shot(page, "mediation_01_start_error")
    page.get_by_label("乙方统一社会信用代码/身份证号").fill(VALID_RIC)
    page.get_by_role("button", name="启动").click()
    expect(page.locator("h1 .state")).to_have_text("已启动（征求同意）")
    expect(page.get_by_role("link", name="受理", exact=True)).to_have_count(0)  # not before every consent

    for name in ("淄博明湖物业管理有限公司", "李娜"):
        page.get_by_role("link", name="记录当事人同意").click()
        page.get_by_label("当事人").select_option(label=name)
        page.get_by_label("书面同意").check()
        page.get_by_role("button", name="记录同意").click()
    page.get_by_role("link", name="受理", exact=True).click()
    page.get_by_label("调解地点").fill("市市场监督管理局三楼调解室")
    page.get_by_label("注意事项").fill("携带身份证明、物业服务合同和维修记录")
    page.get_by_role("button", name="受理").click()
    expect(page.locator("h1 .state")).to_have_text("已受理")

    page.get_by_role("link", name="告知权利义务和程序").click()
    page.get_by_role("button", name="登记告知").click()
    page.get_by_role("link", name="行政调解笔录").click()
    page.get_by_label("调解地点").fill("市市场监督管理局三楼调解室")
    page.get_by_label("淄博明湖物业管理有限公司陈述").fill("已安排维修，物业费应按合同缴纳")
    page.get_by_label("李娜陈述").fill("漏水三个月未修好")
    page.get_by_label("李娜举证、质证").fill("漏水照片、报修记录")
    page.get_by_label("争议焦点").fill("维修是否及时；物业费是否减免")
    page.get_by_label("调解经过（说服、劝导及依据）").fill("释明《物业管理条例》相关规定，双方各让一步")
    shot(page, "mediation_02_session_form")
    page.get_by_role("button", name="保存笔录").click()
    expect(page.locator("h2", has_text="行政调解笔录（第1次）")).to_be_visible()

    page.get_by_role("link", name="行政调解协议书").click()
    page.get_by_label("查证的事实").fill("漏水系楼上管道老化所致，物业于报修后两个月方维修")
    page.get_by_label("调解结果").fill("物业公司一周内修复并减免两个月物业费，业主补缴其余物业费")
    page.get_by_label("履行方式和期限").fill("2026年12月15日前履行完毕")
    page.get_by_label("淄博明湖物业管理有限公司签名或盖章").select_option("sealed")
    page.get_by_role("button", name="签订协议书").click()  # 李娜 has not signed
    expect(page.locator("#err-agreement-signatures-1")).to_contain_text("尚未签名或盖章")
    shot(page, "mediation_03_agreement_unsigned")
    page.get_by_label("李娜签名或盖章").select_option("signed")
    page.get_by_role("button", name="签订协议书").click()
    expect(page.locator("h1 .state")).to_have_text("已达成协议")
    with page.expect_download() as download:
        page.get_by_role("button", name="出具行政调解协议书（PDF）").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.reload()
    expect(page.locator("section", has_text="已出具")).to_contain_text("行政调解协议书")
    shot(page, "mediation_04_agreed")

    page.goto("/w/mediations")
    expect(page.locator("table.grid").first).to_contain_text("物业费与漏水维修纠纷")
    shot(page, "mediation_05_list")
