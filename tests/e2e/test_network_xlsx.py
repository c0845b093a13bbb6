"""The network's and the feedback's lists as Excel files, read back with
openpyxl: 附件2 企业联系点名单, 附件3 特邀行政执法监督员名单 (resident IDs masked
for a 司法所's staff, in full for the 司法局), 附件4 结对名单, each within the
reader's scope (another 司法所 gets only its own rows); the feedback forms
(附件5) and the 整改建议书 as the desk and the letters' page list them."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.demo.network import seed_network_demo
from projections.runner import wait_for
from tests.e2e import feedback_payloads as fp
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET, MARKET_STAFF, SUPERVISOR
from tests.e2e.test_guidance_documents_pages import signed_in

HEAD, SOUTH = "rcsuozhang", "cnganjing"
FIRE = "市消防救援支队"
RIC = "110105198001010016"  # the demo supervisor's


def sheet(client, url: str) -> list[tuple]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert r.headers["content-disposition"].endswith('.xlsx"') or ".xlsx" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def table(rows: list[tuple], first: str) -> tuple[tuple, list[tuple]]:
    """The header row (the one starting with ``first``) and the rows under it."""
    at = next(i for i, r in enumerate(rows) if r and r[0] == first)
    return rows[at], [r for r in rows[at + 1:] if any(v is not None for v in r)]


def caught_up(api: Api, *views: str) -> None:
    """The pages read the views; the writes here went through the API, not their session."""
    assert wait_for(api.settings, views, api.head(), 10)


@pytest.fixture
def network(api: Api) -> Api:
    seed_network_demo(api.ledger, api.app.state.credentials, DEMO_PASSWORD)
    caught_up(api, "network")
    return api


def test_annexes_2_to_4_come_as_excel_with_ids_masked_by_role_and_rows_by_office(network: Api):
    api = network
    office = signed_in(api, HEAD)
    header, points = table(sheet(office, "/w/network/xlsx/contact-points"), "序号")
    assert header[:7] == ("序号", "镇（街道）", "企业名称", "统一社会信用代码", "企业地址", "法人代表", "联系方式")
    assert sorted(p[2] for p in points) == ["如皋市福寿机械有限公司", "如皋市花木盆景有限公司"]
    assert [p[0] for p in points] == [1, 2]
    header, supervisors = table(sheet(office, "/w/network/xlsx/supervisors"), "序号")
    assert header[:7] == ("序号", "镇（街道）", "人员类别", "姓名", "身份证号码", "所在单位", "手机号码")
    (row,) = supervisors
    assert row[3] == "王明" and row[4] != RIC and row[4].startswith("110105") and "*" in row[4]
    assert row[2] == "企业负责人或员工" and row[9]  # the 聘任书's number
    header, pairings = table(sheet(office, "/w/network/xlsx/pairings"), "序号")
    assert "司法所人员姓名" in header and "结对企业名称" in header
    (pairing,) = pairings
    assert pairing[header.index("结对企业名称")] == "如皋市宏达纺织有限公司"
    assert "劳动合同审查" in pairing[header.index("收集的法治需求")]

    bureau = signed_in(api, SUPERVISOR)
    _, every = table(sheet(bureau, "/w/network/xlsx/supervisors"), "序号")
    assert [r[4] for r in every] == [RIC]  # the 司法局 reads the number in full, as on its pages
    south = signed_in(api, SOUTH)
    assert table(sheet(south, "/w/network/xlsx/contact-points"), "序号")[1] == []  # not 如城's rows
    assert signed_in(api, HEAD).get("/w/network/xlsx/nothing").status_code == 404


@pytest.fixture
def office(api: Api) -> Api:
    fp.seed_office(api)
    return api


def test_the_feedback_forms_and_the_letters_come_as_excel_within_the_scope(office: Api):
    api = office
    form_id = api.ok(fp.CLERK, "/feedback/forms", fp.form(), status=201)["record_id"]
    letter = api.ok(SUPERVISOR, "/suggestion-letters", fp.letter(form_id=form_id), status=201)
    api.ok(SUPERVISOR, "/suggestion-letters", fp.letter(unit=FIRE, problems="消防检查未出示证件"), status=201)
    caught_up(api, "feedback")
    clerk = signed_in(api, fp.CLERK)
    assert 'href="/w/feedback/forms/xlsx"' in clerk.get("/w/feedback").text
    header, forms = table(sheet(clerk, "/w/feedback/forms/xlsx"), "序号")
    assert header[:8] == ("序号", "月份", "单位", "情况来源", "具体联系点、监督员、结对企业、信箱（邮箱）、其他", "问题类型",
                          "问题描述", "建议意见")
    (form,) = forms
    assert form[1] == fp.this_month() and form[2] == fp.OFFICE and form[3] == "联系点"
    assert form[header.index("审核")] == "顾明" and form[header.index("制表")] == "陈立"
    assert form[header.index("是否逾期")] == "按期" and form[header.index("整改建议书编号")] == letter["number"]
    assert table(sheet(clerk, "/w/feedback/forms/xlsx?month=2000-01"), "序号")[1] == []

    bureau = signed_in(api, SUPERVISOR)
    assert 'href="/w/suggestion-letters/xlsx"' in bureau.get("/w/suggestion-letters").text
    header, letters = table(sheet(bureau, "/w/suggestion-letters/xlsx"), "序号")
    assert header[:4] == ("序号", "编号", "被建议整改单位", "制发单位")
    assert {r[2] for r in letters} == {MARKET, FIRE}
    assert len(letters) == 2 and {r[header.index("状态")] for r in letters} == {"已制发，待答复"}
    market = signed_in(api, MARKET_STAFF)
    _, theirs = table(sheet(market, "/w/suggestion-letters/xlsx"), "序号")
    assert [(r[1], r[2]) for r in theirs] == [(letter["number"], MARKET)]  # only the letters addressed to it
    _, none = table(sheet(market, "/w/feedback/forms/xlsx"), "序号")
    assert none == []  # not its forms
    _, answered = table(sheet(bureau, "/w/suggestion-letters/xlsx?state=verified"), "序号")
    assert answered == []
