"""Administrative mediation (行政调解) over HTTP: start to agreement with its
documents (verifiable), an end with a referral, consent withdrawn, field
errors that write nothing, the unit scope and masking per role, the queue,
the authority's period and the notices of the right to mediation (第十五条)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from ledger.demo import MARKET
from ledger.values import CST
from tests.builders import VALID_RIC, VALID_USCC
from tests.e2e import legal_review_payloads as lp
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, DISPATCHER, FIRE_STAFF, MARKET_STAFF, REGISTRAR, SUPERVISOR


def at(minutes: int = 0) -> str:
    """A consent's time, before the mediation is accepted (half an hour ago, plus ``minutes``)."""
    return (datetime.now(CST) - timedelta(minutes=30 - minutes)).isoformat(timespec="seconds")


def now() -> str:
    """An act after the acceptance: the request's own time comes later still."""
    return datetime.now(CST).isoformat(timespec="seconds")


def start_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "way": "on_application", "procedure": "general", "matter": "油烟噪声扰民纠纷", "dispute": "夜间噪声扰民，要求补偿",
        "parties": [
            {"kind": "organisation", "name": "鲁味轩餐饮有限公司", "id_number": VALID_USCC,
             "representative": {"name": "刘芳", "capacity": "法定代表人"}},
            {"kind": "individual", "name": "张华", "id_number": VALID_RIC},
        ],
    }
    body.update(over)
    return body


def opened(api: Api, **over: Any) -> str:
    """Started, both consenting, accepted, rights notified: ready for a session."""
    mid = api.ok(MARKET_STAFF, "/mediations", start_body(**over), status=201)["case_id"]
    for party in (0, 1):
        api.ok(MARKET_STAFF, f"/mediations/{mid}/consents",
               {"consent": {"party": party, "given_at": at(party), "method": "written"}})
    accepted = api.ok(MARKET_STAFF, f"/mediations/{mid}/acceptance", {"notice": {
        "meet_at": (datetime.now(CST) + timedelta(days=1)).isoformat(timespec="seconds"), "place": "调解室",
        "observe": "携带证据材料"}})
    assert accepted["number"].endswith("号")
    api.ok(MARKET_STAFF, f"/mediations/{mid}/rights",
           {"rights": {"given_at": now(), "method": "书面告知", "content": "自愿调解、随时撤回同意等权利"}})
    return mid


def session_body(**over: Any) -> dict[str, Any]:
    body = {"held_at": now(), "place": "调解室", "mediators": ["wanglei", "qianlv"], "invited": ["陈工（工程师）"],
            "statements": [{"party": 0, "statement": "设备已更换"}, {"party": 1, "statement": "仍有噪声", "evidence": "视频"}],
            "disputes": "噪声是否超标", "course": "释明相邻关系规定"}
    body.update(over)
    return body


def agreement_body(signatures: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"agreement": {
        "signed_on": datetime.now(CST).date().isoformat(), "matters": "噪声扰民", "facts": "夜间超标3分贝",
        "result": "加装隔音罩并补偿2000元", "performance": "15日内履行", "seal": "mediation",
        "signatures": signatures if signatures is not None else [
            {"party": 0, "form": "signed_and_sealed", "signed_by": "刘芳"}, {"party": 1, "form": "signed", "signed_by": "张华"}]}}


def view(api: Api, mid: str, user: str = MARKET_STAFF) -> dict[str, Any]:
    r = api.get(user, f"/mediations/{mid}")
    assert r.status_code == 200, r.text
    return r.json()


def refused(api: Api, user: str, path: str, body: Any, status: int) -> dict[str, Any]:
    before = api.head()
    r = api.post(user, path, body)
    assert r.status_code == status, r.text
    assert api.head() == before  # nothing written
    return r.json()


def test_a_mediation_runs_from_start_to_agreement_and_its_paper_is_verifiable(api: Api) -> None:
    mid = opened(api)
    session = api.ok(MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    assert session["number"] == "第1次"
    api.ok(MARKET_STAFF, f"/mediations/{mid}/agreement", agreement_body())
    v = view(api, mid)
    assert (v["state"], v["state_label"]) == ("agreed", "已达成协议")
    assert [m["name"] for m in v["sessions"][0]["mediators"]] == ["王磊", "钱律"]
    events = [e["event"] for e in api.get(MARKET_STAFF, f"/mediations/{mid}/history").json()]
    assert events == ["Started", "ConsentRecorded", "ConsentRecorded", "AcceptanceDecided", "RightsNotified",
                      "SessionHeld", "AgreementConcluded"]

    docs = api.get(MARKET_STAFF, f"/mediations/{mid}/documents").json()
    assert [(d["kind"], d["session"]) for d in docs["available"]] == [("mediation_record", 1), ("mediation_agreement", None)]
    pdf = api.get(MARKET_STAFF, f"/mediations/{mid}/documents/mediation_agreement", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    sha = pdf.headers["X-Content-SHA256"]
    assert sha == hashlib.sha256(pdf.content).hexdigest()
    record = api.get(MARKET_STAFF, f"/mediations/{mid}/documents/mediation_record", params={"format": "docx", "session": 1})
    assert record.status_code == 200 and record.content.startswith(b"PK")
    listed = api.get(MARKET_STAFF, f"/mediations/{mid}/documents", params={"wait_for": api.head()}).json()
    assert {(d["kind"], d["format"]) for d in listed["issued"]} == {("mediation_agreement", "pdf"), ("mediation_record", "docx")}
    found = api.get(SUPERVISOR, "/documents/verify", params={"sha256": sha}).json()
    assert found["issued"] is True and found["issues"][0]["mediation_id"] == mid
    assert api.get(FIRE_STAFF, "/documents/verify", params={"sha256": sha}).json()["issued"] is False  # another unit's
    # the termination notice does not exist for an agreed mediation
    r = api.get(MARKET_STAFF, f"/mediations/{mid}/documents/mediation_termination")
    assert r.status_code == 409


def test_ending_without_agreement_points_the_way_on_the_termination_notice(api: Api) -> None:
    mid = opened(api)
    api.ok(MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    api.ok(MARKET_STAFF, f"/mediations/{mid}/termination", {
        "referral": "arbitration", "body": "市仲裁委员会", "contact": "0533-2100000", "explanation": "分歧过大"})
    v = view(api, mid)
    assert v["state"] == "ended" and v["ending"]["referral"] == "arbitration" and v["ending"]["body"] == "市仲裁委员会"
    doc = api.get(MARKET_STAFF, f"/mediations/{mid}/documents/mediation_termination", params={"format": "docx"})
    assert doc.status_code == 200
    after = refused(api, MARKET_STAFF, f"/mediations/{mid}/sessions", session_body(held_at=now()), 409)
    assert after["code"] == "closed"


def test_a_party_withdrawing_consent_ends_the_mediation(api: Api) -> None:
    mid = opened(api)
    api.ok(MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    api.ok(MARKET_STAFF, f"/mediations/{mid}/consents/withdrawal", {
        "party": 1, "reason": "决定起诉", "referral": "litigation", "body": "区人民法院", "contact": "0533-2180000"})
    v = view(api, mid)
    assert v["state"] == "ended" and v["withdrawal"]["party"] == 1 and v["ending"]["reason"] == "consent_withdrawn"


def test_bad_input_is_refused_by_field_and_writes_nothing(api: Api) -> None:
    one = refused(api, MARKET_STAFF, "/mediations", start_body(parties=start_body()["parties"][:1]), 422)
    assert [e["field"] for e in one["errors"]] == ["parties"]
    bad_id = start_body()
    bad_id["parties"][1]["id_number"] = "110105194912310021"
    assert [e["field"] for e in refused(api, MARKET_STAFF, "/mediations", bad_id, 422)["errors"]] == ["parties[1].id_number"]
    mid = api.ok(MARKET_STAFF, "/mediations", start_body(), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/mediations/{mid}/consents", {"consent": {"party": 0, "given_at": at(), "method": "oral"}})
    missing = refused(api, MARKET_STAFF, f"/mediations/{mid}/acceptance", {"notice": None}, 422)
    assert [e["field"] for e in missing["errors"]] == ["consents"]
    mid = opened(api)
    api.ok(MARKET_STAFF, f"/mediations/{mid}/sessions", session_body())
    unsigned = refused(api, MARKET_STAFF, f"/mediations/{mid}/agreement",
                       agreement_body([{"party": 0, "form": "sealed", "signed_by": "刘芳"}]), 422)
    assert [e["field"] for e in unsigned["errors"]] == ["agreement.signatures[1]"]
    stale = refused(api, MARKET_STAFF, f"/mediations/{mid}/agreement", {**agreement_body(), "expected_version": 1}, 409)
    assert stale["code"] == "conflict"


def test_reads_are_scoped_by_unit_and_resident_ids_masked_by_role(api: Api) -> None:
    mid = opened(api)
    assert api.get(FIRE_STAFF, f"/mediations/{mid}").status_code == 404
    assert api.post(FIRE_STAFF, f"/mediations/{mid}/sessions", session_body()).status_code == 404
    assert api.get(ADMIN, f"/mediations/{mid}").status_code in (403, 404)
    assert view(api, mid, REGISTRAR)["parties"][1]["id_number"] == VALID_RIC
    assert view(api, mid, SUPERVISOR)["parties"][1]["id_number"] == VALID_RIC
    for user in (MARKET_STAFF, AUDITOR, DISPATCHER):
        masked = view(api, mid, user)["parties"]
        assert masked[1]["id_number"] != VALID_RIC and "*" in masked[1]["id_number"]
        assert masked[0]["id_number"] == VALID_USCC  # an organisation's code is public
    history = api.get(AUDITOR, f"/mediations/{mid}/history").text
    assert VALID_RIC not in history
    wait = {"wait_for": api.head()}
    fire_rows = api.get(FIRE_STAFF, "/mediations", params=wait).json()
    assert all(r["unit"] != MARKET for r in fire_rows)
    assert api.get(FIRE_STAFF, "/mediations", params={**wait, "unit": MARKET}).status_code == 403
    assert mid in {r["mediation_id"] for r in api.get(AUDITOR, "/mediations", params=wait).json()}
    assert api.get(AUDITOR, f"/mediations/{mid}/documents/mediation_record", params={"session": 1}).status_code in (403, 409)


def test_the_queue_shows_open_mediations_with_age_and_the_demo_ones(api: Api) -> None:
    mid = opened(api)
    rows = api.get(MARKET_STAFF, "/mediations", params={"open": "true", "wait_for": api.head()}).json()
    mine = next(r for r in rows if r["mediation_id"] == mid)
    assert mine["open"] and mine["age_days"] == 0 and mine["due_on"] and not mine["overdue"]
    every = api.get(MARKET_STAFF, "/mediations").json()
    assert {"agreed", "ended"} <= {r["state"] for r in every}  # the demo: one agreed, one ended with a referral
    assert api.get(MARKET_STAFF, "/mediations", params={"overdue": "true"}).json() == []


def test_the_authority_sets_its_period_and_no_one_else(api: Api) -> None:
    assert api.get(MARKET_STAFF, "/mediations/deadline").json() == {"authority": MARKET, "working_days": 30}
    api.ok(MARKET_STAFF, "/mediations/deadline", {"authority": MARKET, "working_days": 20})
    assert api.get(REGISTRAR, "/mediations/deadline", params={"authority": MARKET}).json()["working_days"] == 20
    refused(api, FIRE_STAFF, "/mediations/deadline", {"authority": MARKET, "working_days": 5}, 403)
    refused(api, MARKET_STAFF, "/mediations/deadline", {"authority": MARKET, "working_days": 0}, 422)


def test_a_served_dispute_case_owes_the_right_notice_until_it_is_given(api: Api) -> None:
    cid = api.book(service_types=["dispute_mediation"])["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    api.ok(MARKET_STAFF, f"/cases/{cid}/serve", p.serve())
    owed = api.get(MARKET_STAFF, "/mediations/right-notices", params={"wait_for": api.head()}).json()["owed"]
    assert cid in {o["case_id"] for o in owed}
    assert cid not in {o["case_id"] for o in api.get(FIRE_STAFF, "/mediations/right-notices").json()["owed"]}
    body = {"source": "service", "ref": cid, "party": "淄博鲁味轩餐饮管理有限公司", "given_on": datetime.now(CST).date().isoformat(),
            "method": "written", "content": "可申请行政调解，也可通过诉讼等途径解决"}
    api.ok(MARKET_STAFF, "/mediations/right-notices", body, status=201)
    assert refused(api, MARKET_STAFF, "/mediations/right-notices", body, 409)["code"] == "notice_exists"
    after = api.get(MARKET_STAFF, "/mediations/right-notices", params={"wait_for": api.head()}).json()
    assert cid not in {o["case_id"] for o in after["owed"]} and cid in {g["ref"] for g in after["given"]}
    other = api.book()["case_id"]  # not a dispute: no notice owed, none accepted as a service source
    assert refused(api, MARKET_STAFF, "/mediations/right-notices", {**body, "ref": other}, 422)["errors"][0]["field"] == "ref"


def test_a_declared_major_decision_owes_the_right_notice_until_it_is_given(api: Api) -> None:
    """第十五条 for a major decision: declared (on a passed legal review), its party is owed the notice
    of the right to apply for mediation, in the unit's list only; the notice names the decision by its
    文号 — one the unit never declared is refused — and then nothing is owed."""
    number = f"淄张市监罚〔2026〕{datetime.now().microsecond}号"
    rid = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(), status=201)["record_id"]
    api.ok(lp.MARKET_REVIEWER, f"/legal-reviews/{rid}/opinions", lp.opinion())
    api.ok(MARKET_STAFF, "/supervision/filings", {"decision_number": number, "decided_on": p.today(),
                                                   "party": "某建材有限公司", "summary": "罚款8万元", "legal_review_id": rid},
           status=201)

    def owed(user: str) -> dict[str, dict[str, Any]]:
        body = api.get(user, "/mediations/right-notices", params={"wait_for": api.head()}).json()
        return {o["ref"]: o for o in body["owed"] if o["source"] == "major_decision"}

    assert owed(MARKET_STAFF)[number]["party"] == "某建材有限公司"
    assert owed(MARKET_STAFF)[number]["source_label"] == "作出重大行政执法决定"
    assert number not in owed(FIRE_STAFF)
    body = {"source": "major_decision", "ref": number, "party": "某建材有限公司", "given_on": p.today(),
            "method": "written", "content": "可就赔偿争议申请行政调解"}
    wrong = refused(api, MARKET_STAFF, "/mediations/right-notices", {**body, "ref": "淄张市监罚〔2026〕0号"}, 422)
    assert wrong["errors"][0]["field"] == "ref" and wrong["errors"][0]["code"] == "unknown_decision"
    api.ok(MARKET_STAFF, "/mediations/right-notices", body, status=201)
    assert number not in owed(MARKET_STAFF)
