"""The workbench's page of the suggestion boxes and mailboxes (seed 003 四):
the 司法局 installs one — every refusal beside its field in Chinese, nothing
written — with the keeper chosen from the directory's users (shown with their
unit); the collecting unit changes its keeper; others may not. And the people
chosen from a select instead of a typed username elsewhere: the feedback
form's 审核 and a legal review's other officers."""

from __future__ import annotations

import re

import httpx
import pytest

from projections.runner import wait_for
from tests.e2e import feedback_payloads as fp
from tests.e2e import legal_review_payloads as lp
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET_STAFF, SUPERVISOR
from tests.e2e.test_guidance_documents_pages import csrf, signed_in

REGISTRAR = "zhangmin"


@pytest.fixture
def office(api: Api) -> Api:
    fp.seed_office(api)
    return api


def err(html: str, field: str) -> str:
    found = re.search(rf'<span class="field-error" id="err-{field}">([^<]*)</span>', html)
    return found.group(1) if found else ""


def install(client: httpx.Client, **fields: str) -> httpx.Response:
    page = client.get("/w/feedback/boxes")
    data = {"_csrf_token": csrf(page.text), "idempotency_key": f"k-{len(fields)}-{sorted(fields.items())}"}
    return client.post("/w/feedback/boxes", data={**data, **fields}, follow_redirects=False)


BOX = {"kind": "box", "site": "town_centre", "site_name": "如城街道为民服务中心", "collecting_unit": fp.OFFICE,
       "keeper": fp.CLERK}


def test_the_bureau_installs_a_box_choosing_its_keeper_and_every_refusal_sits_beside_its_field(office: Api):
    api = office
    client = signed_in(api, SUPERVISOR)
    page = client.get("/w/feedback/boxes")
    assert page.status_code == 200 and "设置建议箱或电子信箱" in page.text
    assert f'<option value="{fp.CLERK}">陈立（{fp.OFFICE}）</option>' in page.text  # a person with their unit
    head = api.head()
    empty = install(client)
    assert empty.status_code == 422
    assert (err(empty.text, "kind"), err(empty.text, "site"), err(empty.text, "collecting_unit"), err(empty.text, "keeper"),
            err(empty.text, "site_name")) == ("请选择建议箱或电子信箱", "请选择设置地点的类型", "请选择收集处理单位",
                                              "请选择管理人", "设置地点（中心名称）不能为空")
    wrong = install(client, **{**BOX, "collecting_unit": "市司法局执法监督科", "keeper": "wujian"})
    assert wrong.status_code == 422 and "不是司法局" in err(wrong.text, "collecting_unit")
    stranger = install(client, **{**BOX, "keeper": "wanglei"})
    assert stranger.status_code == 422 and err(stranger.text, "keeper") == f"管理人王磊不是{fp.OFFICE}的人员"
    assert 'value="如城街道为民服务中心"' in stranger.text  # what was typed stays
    mailbox = install(client, **{**BOX, "kind": "mailbox"})
    assert mailbox.status_code == 422 and "信箱地址" in err(mailbox.text, "address")
    assert api.head() == head  # nothing written
    done = install(client, **BOX)
    assert done.status_code in (302, 303) and done.headers["location"] == "/w/feedback/boxes"
    listed = client.get("/w/feedback/boxes")
    assert "已设置如城街道为民服务中心建议箱" in listed.text
    boxes = api.get(SUPERVISOR, "/feedback/boxes", params={"wait_for": api.head()}).json()
    assert [(b["site_name"], b["keeper_name"], b["collecting_unit"]) for b in boxes] == [
        ("如城街道为民服务中心", "陈立", fp.OFFICE)]


def test_the_collecting_unit_changes_the_keeper_from_its_people_and_others_may_not(office: Api):
    api = office
    box_id = api.ok(SUPERVISOR, "/feedback/boxes", fp.box(), status=201)["record_id"]
    assert wait_for(api.settings, ("feedback",), api.head(), 10)
    clerk = signed_in(api, fp.CLERK)
    page = clerk.get("/w/feedback/boxes")
    assert page.status_code == 200 and "设置建议箱或电子信箱" not in page.text  # the 司法局 installs
    assert f'<option value="{fp.HEAD}">顾明（{fp.OFFICE}）</option>' in page.text
    assert "王磊" not in page.text  # only the collecting unit's people to choose from
    url = f"/w/feedback/boxes/{box_id}/keeper"
    token = csrf(page.text)
    head = api.head()
    none = clerk.post(url, data={"_csrf_token": token, "keeper": ""}, follow_redirects=False)
    assert none.status_code == 422 and err(none.text, "keeper-1") == "请选择新的管理人"
    same = clerk.post(url, data={"_csrf_token": token, "keeper": fp.CLERK}, follow_redirects=False)
    assert same.status_code == 422 and err(same.text, "keeper-1") == "管理人已是陈立"
    assert api.head() == head
    changed = clerk.post(url, data={"_csrf_token": token, "keeper": fp.HEAD, "idempotency_key": "keeper-1"},
                         follow_redirects=False)
    assert changed.status_code in (302, 303)
    assert "已更换管理人" in clerk.get("/w/feedback/boxes").text
    assert api.get(SUPERVISOR, "/feedback/boxes", params={"wait_for": api.head()}).json()[0]["keeper_name"] == "顾明"
    market = signed_in(api, MARKET_STAFF)
    other = market.get("/w/feedback/boxes")
    assert other.status_code == 200 and box_id not in other.text
    tried = market.post(url, data={"_csrf_token": csrf(other.text), "keeper": fp.CLERK}, follow_redirects=False)
    assert tried.status_code == 404  # another unit's box is unknown to it
    assert signed_in(api, REGISTRAR).get("/w/feedback/boxes").status_code == 403


def test_the_feedback_forms_reviewer_and_a_reviews_officers_are_chosen_from_the_units_people(office: Api):
    api = office
    clerk = signed_in(api, fp.CLERK)
    form = clerk.get("/w/feedback/forms/new")
    assert '<select id="reviewer" name="reviewer">' in form.text
    assert f'<option value="{fp.HEAD}">顾明（{fp.OFFICE}）</option>' in form.text
    assert f'<option value="{fp.CLERK}"' not in form.text  # the clerk is not their own reviewer
    staff = signed_in(api, MARKET_STAFF)
    new = staff.get("/w/legal-reviews/new")
    assert '<select id="officers" name="officers" multiple' in new.text
    assert f'<option value="{lp.MARKET_REVIEWER}">钱律（' in new.text and 'value="wanglei"' not in new.text
    data = {"_csrf_token": csrf(new.text), "idempotency_key": "review-officers", **lp.draft(),
            "officers": [lp.MARKET_REVIEWER]}
    sent = staff.post("/w/legal-reviews/new", data=data, follow_redirects=False)
    assert sent.status_code in (302, 303), sent.text
    review_id = sent.headers["location"].rsplit("/", 1)[1]
    record = api.get(MARKET_STAFF, f"/legal-reviews/{review_id}").json()
    assert [o["id"] for o in record["officers"]] == [MARKET_STAFF, lp.MARKET_REVIEWER]  # the requester, then the chosen
    # the officer chosen may not review it (承办人员不能审核本案)
    refused = api.post(lp.MARKET_REVIEWER, f"/legal-reviews/{review_id}/opinions", lp.opinion())
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "own_case"
    # the review is cited by its short number on its page
    assert re.search(r"法制审核 法审〔\d{4}〕\d+号", staff.get(f"/w/legal-reviews/{review_id}").text)
