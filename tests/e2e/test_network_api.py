"""The supervision network over HTTP, per endpoint, role and office: a
司法所 nominates within its quota, the 司法局 plaques and appoints, the other
司法所 sees none of it, roles outside supervision are refused, resident IDs
are masked by role, and the rules answer with field-level reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.demo.network import seed_network_demo
from ledger.network.values import term_end
from ledger.values import CST
from projections.runner import wait_for as wait_for_views
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET_STAFF, SUPERVISOR
from tests.network_builders import RIC_2, uscc

HEAD, DEPUTY, OFFICER, SOUTH = "rcsuozhang", "rcfusuo", "rcganjing", "cnganjing"
AUDITOR, REGISTRAR = "zhengshen", "zhangmin"


@pytest.fixture
def network(api: Api) -> Api:
    seed_network_demo(api.ledger, api.app.state.credentials, DEMO_PASSWORD)
    return api


def today() -> str:
    return datetime.now(CST).date().isoformat()


def enterprise(n: int, **over) -> dict:
    return {"name": f"如皋市测试{n}号有限公司", "uscc": uscc(100 + n), "address": f"如城街道测试路{n}号",
            "legal_rep": "张三", "contact": "13962700000", **over}


def wait(api: Api) -> dict:
    return {"wait_for": api.head()}


def test_a_nomination_is_plaqued_published_and_listed_only_for_its_office(network: Api):
    api = network
    point = api.ok(SOUTH, "/contact-points", {"enterprise": enterprise(1)}, status=201)["record_id"]
    mine = api.get(SOUTH, "/contact-points", params=wait(api)).json()
    assert [r["contact_point_id"] for r in mine] == [point] and mine[0]["office"] == "城南司法所"
    assert point not in {r["contact_point_id"] for r in api.get(HEAD, "/contact-points", params=wait(api)).json()}
    assert api.get(HEAD, f"/contact-points/{point}").status_code == 404
    assert api.get(REGISTRAR, "/contact-points").status_code == 403
    assert api.get(MARKET_STAFF, "/contact-points", params=wait(api)).json() == []
    assert api.post(SOUTH, f"/contact-points/{point}/plaque", {"plaqued_on": today()}).status_code == 403
    api.ok(SUPERVISOR, f"/contact-points/{point}/plaque", {"plaqued_on": today()})
    assert api.get(SUPERVISOR, f"/contact-points/{point}").json()["state"] == "plaqued"
    history = api.get(SOUTH, f"/contact-points/{point}/history").json()
    assert len(history) == 2 and history[-1]["role"] == "supervisor" and history[-1]["event"] == "Plaqued"
    every = api.get(AUDITOR, "/contact-points", params=wait(api)).json()
    assert {r["office"] for r in every} == {"如城司法所", "城南司法所"} and len(every) == 3


def test_the_quota_refuses_the_third_contact_point_of_a_town_with_two(network: Api):
    api = network  # the demo has nominated 如城's two already
    r = api.post(HEAD, "/contact-points", {"enterprise": enterprise(2)})
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["enterprise"] and r.json()["errors"][0]["code"] == "quota_exceeded"
    quotas = {q["town"]: q for q in api.get(SUPERVISOR, f"/network/quotas/{datetime.now(CST).date().year}", params=wait(api)).json()}
    assert (quotas["如城"]["contact_points"], quotas["如城"]["contact_points_taken"]) == (2, 2)
    assert [q["town"] for q in api.get(HEAD, f"/network/quotas/{datetime.now(CST).date().year}").json()] == ["如城"]


def test_a_supervisor_is_appointed_renewed_and_masked_by_role(network: Api):
    api = network
    body = {"category": "counsel", "name": "赵律师", "id_number": RIC_2, "employer": "江苏某律师事务所",
            "mobile": "13812340000"}
    supervisor = api.ok(HEAD, "/invited-supervisors", body, status=201)["record_id"]
    letter = api.ok(SUPERVISOR, f"/invited-supervisors/{supervisor}/appointment", {"term_start": today()})["number"]
    assert letter.endswith("号") and letter.startswith(str(datetime.now(CST).date().year))
    shown = api.get(HEAD, f"/invited-supervisors/{supervisor}").json()
    assert (shown["id_number"], shown["mobile"]) == ("110105********0016", "+86138****0000")  # personal data
    full = api.get(SUPERVISOR, f"/invited-supervisors/{supervisor}").json()
    assert (full["id_number"], full["mobile"]) == (RIC_2, "+8613812340000")
    history = api.get(HEAD, f"/invited-supervisors/{supervisor}/history").json()
    assert RIC_2 not in str(history) and "13812340000" not in str(history)
    rows = {r["supervisor_id"]: r for r in api.get(HEAD, "/invited-supervisors", params=wait(api)).json()}
    assert rows[supervisor]["term_end"] == term_end(datetime.now(CST).date()).isoformat() and not rows[supervisor]["reminder"]
    assert RIC_2 not in str(rows) and rows[supervisor]["mobile"] == "+86138****0000"
    assert api.get(SUPERVISOR, "/invited-supervisors", params={"expiring": "true", **wait(api)}).json() == []
    renewed = api.ok(SUPERVISOR, f"/invited-supervisors/{supervisor}/renewal", {})
    assert renewed["number"] != letter
    assert api.get(SOUTH, f"/invited-supervisors/{supervisor}").status_code == 404


def test_a_pairing_overlapping_a_contact_point_is_refused_and_the_check_lists_who_is_short(network: Api):
    api = network
    points = api.get(HEAD, "/contact-points", params=wait(api)).json()
    overlap = {k: points[0][k] for k in ("name", "uscc", "address", "legal_rep", "contact")}
    r = api.post(HEAD, "/pairings", {"staff": OFFICER, "enterprise": overlap})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "overlaps_contact_point"
    pairing = api.ok(HEAD, "/pairings", {"staff": OFFICER, "enterprise": enterprise(7)}, status=201)["record_id"]
    api.ok(OFFICER, f"/pairings/{pairing}/visits", {"visit": {"visited_on": today(), "summary": "走访",
                                                              "needs": ["合规培训"]}})
    check = {r["username"]: r for r in api.get(HEAD, "/pairings/check", params=wait(api)).json()}
    assert {u: (r["post_label"], r["paired"], r["short"]) for u, r in check.items()} == {
        HEAD: ("所长", 1, True), DEPUTY: ("副所长", 0, True), OFFICER: ("司法干警", 1, False)}
    assert api.get(SOUTH, f"/pairings/{pairing}").status_code == 404
    assert any(p["needs_list"] == ["合规培训"] for p in api.get(SUPERVISOR, "/pairings", params=wait(api)).json())


def test_a_report_is_filed_and_forwarded_and_an_unknown_source_refused(network: Api):
    api = network
    point = next(r for r in api.get(HEAD, "/contact-points", params=wait(api)).json() if r["state"] == "plaqued")
    body = {"source": "contact_point", "source_id": point["contact_point_id"], "received_on": today(),
            "act_kind": "inspection", "unit_concerned": "市场监督管理局", "happened": "重复检查"}
    report = api.ok(OFFICER, "/network-reports", body, status=201)["record_id"]
    api.ok(HEAD, f"/network-reports/{report}/forward", {})
    rows = api.get(SUPERVISOR, "/network-reports", params={"forwarded": "true", **wait(api)}).json()
    assert [r["report_id"] for r in rows] == [report] and rows[0]["act_kind_label"] == "行政检查"
    assert api.get(SOUTH, f"/network-reports/{report}").status_code == 404
    assert api.get(SUPERVISOR, f"/network-reports/{report}").json()["happened"] == "重复检查"
    r = api.post(SOUTH, "/network-reports", body)
    assert r.status_code == 422 and r.json()["errors"][0] == {**r.json()["errors"][0], "field": "source_id"}
    tomorrow = (datetime.now(CST).date() + timedelta(days=1)).isoformat()
    r = api.post(HEAD, "/network-reports", {**body, "received_on": tomorrow, "happened": ""})
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"received_on", "happened"}


def test_the_published_list_shows_plaqued_contact_points_without_signing_in(network: Api):
    api = network
    wait_for_views(api.app.state.settings, ("network",), api.head(), 5.0)
    r = api.client.get("/public/contact-points")
    assert r.status_code == 200
    assert "如皋市福寿机械有限公司" in r.text  # plaqued in the demo
    assert "如皋市花木盆景有限公司" not in r.text and "13962712345" not in r.text  # nominated only; no phone
