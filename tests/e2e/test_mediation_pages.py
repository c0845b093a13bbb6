"""The mediator's pages over HTTP: a step's field errors beside their fields
with nothing written, the page per role (steps for its unit's officers only,
another unit answered as unknown, a person's resident ID masked), issuing a
document from the page, and the 第十五条 reminder on a served 纠纷化解 case."""

from __future__ import annotations

from datetime import datetime

from ledger.values import CST
from tests.builders import VALID_RIC
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.test_guidance_documents_pages import csrf, form_of, signed_in
from tests.e2e.test_mediation_api import opened, session_body


def test_a_step_refused_shows_the_errors_beside_the_fields_and_writes_nothing(api: Api) -> None:
    mid = opened(api)
    api.ok(p.MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    client = signed_in(api, p.MARKET_STAFF)
    form = client.get(f"/w/mediations/{mid}/end")
    assert form.status_code == 200 and "引导解决的法定途径" in form.text
    before = api.head()
    r = client.post(f"/w/mediations/{mid}/end", data={**form_of(form.text), "referral": "review", "body": "",
                                                       "contact": "", "explanation": ""})
    assert r.status_code == 422 and api.head() == before
    for field in ("err-body", "err-contact", "err-explanation"):
        assert f'id="{field}"' in r.text
    done = client.post(f"/w/mediations/{mid}/end", data={**form_of(form.text), "referral": "review", "body": "区政府复议机构",
                                                          "contact": "0533-2100000", "explanation": "分歧过大"},
                       follow_redirects=False)
    assert done.status_code in (302, 303) and api.head() > before
    page = client.get(f"/w/mediations/{mid}")
    assert "调解终止" in page.text and "终止调解告知书" in page.text
    issued = client.post(f"/w/mediations/{mid}/documents/mediation_termination",
                         data={"_csrf_token": csrf(page.text), "format": "pdf"})
    assert issued.status_code == 200 and issued.content.startswith(b"%PDF")


def test_a_step_submitted_after_another_change_is_a_conflict_shown_on_the_mediations_page(api: Api) -> None:
    """The form carries the version it was opened on: a session recorded
    meanwhile (by a colleague, through the API) makes the submission a 409
    on the mediation's page, nothing written, not a silent merge."""
    mid = opened(api)
    api.ok(p.MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    client = signed_in(api, p.MARKET_STAFF)
    form = client.get(f"/w/mediations/{mid}/end")
    api.ok(p.MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())  # meanwhile
    before = api.head()
    r = client.post(f"/w/mediations/{mid}/end", data={**form_of(form.text), "referral": "review", "body": "区政府复议机构",
                                                       "contact": "0533-2100000", "explanation": "分歧过大"})
    assert r.status_code == 409 and "已有新的办理记录" in r.text and api.head() == before


def test_the_page_by_role(api: Api) -> None:
    mid = opened(api)
    officer = signed_in(api, p.MARKET_STAFF).get(f"/w/mediations/{mid}").text
    assert "行政调解笔录" in officer and VALID_RIC not in officer and "110105********002X" in officer
    supervisor = signed_in(api, p.SUPERVISOR).get(f"/w/mediations/{mid}").text
    assert VALID_RIC in supervisor and f"/w/mediations/{mid}/session" not in supervisor  # reads, no steps
    assert signed_in(api, p.FIRE_STAFF).get(f"/w/mediations/{mid}").status_code == 404
    listing = signed_in(api, p.AUDITOR).get("/w/mediations").text
    assert "油烟噪声扰民纠纷" in listing and "启动行政调解" not in listing


def test_a_served_dispute_case_page_reminds_of_the_right_notice_until_given(api: Api) -> None:
    cid = api.book(service_types=["dispute_mediation"])["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{cid}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    api.ok(p.MARKET_STAFF, f"/cases/{cid}/serve", p.serve())
    client = signed_in(api, p.MARKET_STAFF)
    page = client.get(f"/w/cases/{cid}").text
    assert "尚未告知当事人有申请行政调解的权利和途径" in page
    assert f"/w/mediations/right-notice?source=service&amp;ref={cid}" in page
    form = client.get(f"/w/mediations/right-notice?source=service&ref={cid}&party=x")
    r = client.post("/w/mediations/right-notice", data={
        **form_of(form.text), "source": "service", "ref": cid, "party": "淄博鲁味轩餐饮管理有限公司",
        "given_on": datetime.now(CST).date().isoformat(), "method": "written", "content": "可申请行政调解"},
        follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    page = client.get(f"/w/cases/{cid}").text
    assert "已告知当事人有申请行政调解的权利和途径" in page and "尚未告知" not in page


def test_the_officer_sets_the_authoritys_period_on_the_list_page(api: Api) -> None:
    client = signed_in(api, p.MARKET_STAFF)
    listing = client.get("/w/mediations")
    assert 'value="30"' in listing.text  # the demo's 30 working days
    before = api.head()
    bad = client.post("/w/mediations/deadline", data={**form_of(listing.text), "working_days": "0"})
    assert bad.status_code == 422 and 'id="err-working_days"' in bad.text and api.head() == before
    ok = client.post("/w/mediations/deadline", data={**form_of(listing.text), "working_days": "20"}, follow_redirects=False)
    assert ok.status_code in (302, 303)
    assert api.get(p.MARKET_STAFF, "/mediations/deadline").json()["working_days"] == 20


def test_a_mediation_cites_the_risk_points_it_addresses_from_its_page(api: Api) -> None:
    """The 风险点 box on the mediation's page (as on a case's and a guidance's):
    the unit's officer picks points of the list in force; the page then shows them."""
    mid = opened(api)
    # the demo's list (written at the server's start) in the risk-point view: a page read by a user
    # who has written nothing does not wait for it, and under load the view may still be behind
    api.get(p.MARKET_STAFF, "/risk-points/citations", params={"record_kind": "mediation", "record_id": mid,
                                                               "wait_for": api.head()})
    client = signed_in(api, p.MARKET_STAFF)
    page = client.get(f"/w/mediations/{mid}")
    assert page.status_code == 200 and "风险点" in page.text and 'value="SP-01"' in page.text
    cited = client.post("/w/risk-points/citations", follow_redirects=False, data={
        "_csrf_token": csrf(page.text), "record_kind": "mediation", "record_id": mid, "codes": "SP-01",
        "back": f"/w/mediations/{mid}"})
    assert cited.status_code in (302, 303), cited.text
    again = client.get(f"/w/mediations/{mid}")
    assert "SP-01 经营超过保质期的食品" in again.text and "引用" in again.text
    listed = api.get(p.MARKET_STAFF, "/risk-points/citations", params={"record_kind": "mediation", "record_id": mid,
                                                                       "wait_for": api.head()})
    assert listed.status_code == 200 and [c["point_code"] for c in listed.json()] == ["SP-01"], listed.text
