"""Legal review of major decisions and credit repair through the HTTP API:
request → refused self-review → fail → resubmission → pass → the major
decision declared on it → filed → the supervisor's 备案审查 → the year-end
indicators; the lists filed with the 司法局; a credit-repair request guided
and concluded; each refused request names its field and appends nothing;
another unit's staff see nothing of it."""

from __future__ import annotations

from typing import Any

from ledger.supervision import MajorDecisionFiling
from tests.e2e import legal_review_payloads as lp
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR
from tests.e2e.test_supervision_api import appends_nothing, got, refused

NUMBER = "淄张市监罚〔2026〕501号"


def fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body["errors"]}


def test_a_review_in_two_rounds_then_the_decision_filed_and_reviewed_by_the_supervisor(api: Api) -> None:
    rid = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(), status=201)["record_id"]
    with appends_nothing(api):
        body = refused(api.post(MARKET_STAFF, f"/legal-reviews/{rid}/opinions", lp.opinion()), 422, "invalid_input")
        assert fields(body) == {"reviewer": "own_case"}
        refused(api.post(FIRE_STAFF, f"/legal-reviews/{rid}/opinions", lp.opinion()), 404, "legal_review_not_found")
        refused(api.post(SUPERVISOR, f"/legal-reviews/{rid}/opinions", lp.opinion()), 403, "issuing_unit_only")
        body = refused(api.post(MARKET_STAFF, "/supervision/filings", {
            "decision_number": NUMBER, "decided_on": p.today(), "party": "某建材公司", "summary": "罚款9.2万元",
            "legal_review_id": rid}), 422, "invalid_input")
        assert fields(body) == {"legal_review_id": "not_passed"}
        body = refused(api.post(MARKET_STAFF, "/supervision/filings", {
            "decision_number": NUMBER, "decided_on": p.today(), "party": "某建材公司", "summary": "罚款9.2万元"}),
            422, "invalid_input")
        assert fields(body) == {"legal_review_id": "legal_review_required"}
    api.ok(lp.MARKET_REVIEWER, f"/legal-reviews/{rid}/opinions", lp.opinion("failed", opinion="货值金额认定证据不足"))
    api.ok(MARKET_STAFF, f"/legal-reviews/{rid}/resubmissions",
           {"draft": lp.draft(amount_yuan="80000"), "response": "补充了货值金额的鉴定意见"}, status=201)
    done = api.ok(lp.MARKET_REVIEWER, f"/legal-reviews/{rid}/opinions", lp.opinion())
    rounds = got(api, MARKET_STAFF, f"/legal-reviews/{rid}/rounds", wait_for=done["notification_id"])
    assert [(r["number"], r["outcome"], r["previous_round"]) for r in rounds] == [(1, "failed", None), (2, "passed", 1)]
    assert rounds[1]["response"] == "补充了货值金额的鉴定意见" and rounds[0]["outcome_label"] == "审核未通过"
    assert got(api, MARKET_STAFF, f"/legal-reviews/{rid}")["state"] == "passed"

    declared = api.ok(MARKET_STAFF, "/supervision/filings", {
        "decision_number": NUMBER, "decided_on": p.today(), "party": "某建材公司", "summary": "罚款8万元",
        "legal_review_id": rid}, status=201)
    fid = str(MajorDecisionFiling.create_id(MARKET, NUMBER))
    assert declared["record_id"] == fid
    with appends_nothing(api):
        refused(api.post(SUPERVISOR, f"/legal-reviews/filings/{fid}/review", {"outcome": "ok"}), 409, "not_filed")
    api.ok(MARKET_STAFF, f"/supervision/filings/{fid}/file", {"filed_on": p.today(), "reference": "苏执监备〔2026〕9号"})
    with appends_nothing(api):
        body = refused(api.post(SUPERVISOR, f"/legal-reviews/filings/{fid}/review", {"outcome": "letter"}), 422)
        assert fields(body) == {"finding": "required"}
        refused(api.post(MARKET_STAFF, f"/legal-reviews/filings/{fid}/review", {"outcome": "ok"}), 403, "supervisor_only")
    reviewed = api.ok(SUPERVISOR, f"/legal-reviews/filings/{fid}/review", {"outcome": "letter", "finding": "未说明从重理由"})
    (filing,) = [f for f in got(api, SUPERVISOR, "/legal-reviews/filings", wait_for=reviewed["notification_id"])
                 if f["filing_id"] == fid]
    assert (filing["review_id"], filing["filing_review"], filing["finding"]) == (rid, "letter", "未说明从重理由")
    assert filing["filing_review_label"] == "发现问题，拟制发整改建议书"

    (market,) = [r for r in got(api, SUPERVISOR, "/legal-reviews/indicators") if r["unit"] == MARKET]
    assert market["passed"] >= 2 and market["on_time"] >= 1  # this review and the demo's; this filing
    assert market["requested"] == market["passed"] + market["failed"] + market["pending"]
    assert [r["unit"] for r in got(api, MARKET_STAFF, "/legal-reviews/indicators")] == [MARKET]
    assert got(api, FIRE_STAFF, "/legal-reviews/indicators") == []
    history = got(api, AUDITOR, f"/legal-reviews/{rid}/history")
    assert [e["event"] for e in history] == ["Requested", "Numbered", "Reviewed", "Resubmitted", "Reviewed", "Cited"]


def test_another_units_staff_see_no_review_and_a_fine_below_the_threshold_is_not_required(api: Api) -> None:
    small = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(amount_yuan="49999.99"), status=201)
    assert got(api, MARKET_STAFF, f"/legal-reviews/{small['record_id']}")["required"] is False
    rows = got(api, MARKET_STAFF, "/legal-reviews", state="pending", wait_for=small["notification_id"])
    assert small["record_id"] in {r["review_id"] for r in rows} and {r["unit"] for r in rows} == {MARKET}
    assert got(api, FIRE_STAFF, "/legal-reviews") == []
    assert api.get(FIRE_STAFF, f"/legal-reviews/{small['record_id']}").status_code == 404
    assert api.get(ADMIN, "/legal-reviews").status_code == 403
    standard = got(api, MARKET_STAFF, "/legal-reviews/thresholds", unit=MARKET)
    assert (standard["organisation_yuan"], standard["default"]) == ("50000", True)
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, "/legal-reviews/thresholds", {
            "unit": MARKET, "individual_yuan": "3000", "organisation_yuan": "30000", "source": "x"}), 403)
    api.ok(SUPERVISOR, "/legal-reviews/thresholds", {"unit": MARKET, "individual_yuan": "3000",
                                                    "organisation_yuan": "30000", "source": "市政府规定"})
    later = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(amount_yuan="49999.99"), status=201)
    assert got(api, MARKET_STAFF, f"/legal-reviews/{later['record_id']}")["required"] is True


def test_the_fire_brigade_files_its_lists_with_the_justice_bureau(api: Api) -> None:
    from tests.e2e.test_supervision_api import fire_edition

    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions", fire_edition(), status=201)
    with appends_nothing(api):
        body = refused(api.post(FIRE_STAFF, f"/catalogues/{FIRE}/justice-filings",
                                {"filed_on": p.in_days(1), "reference": "皋司备〔2026〕4号"}), 422)
        assert fields(body) == {"filed_on": "in_future"}
        refused(api.post(MARKET_STAFF, f"/catalogues/{FIRE}/justice-filings",
                         {"filed_on": p.today(), "reference": "皋司备〔2026〕4号"}), 403)
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/justice-filings", {"filed_on": p.today(), "reference": "皋司备〔2026〕4号"},
           status=201)
    assert api.ledger.catalogue(FIRE).filed_with_justice[1] == "皋司备〔2026〕4号"


def test_a_credit_repair_request_is_guided_and_concluded_within_its_unit(api: Api) -> None:
    with appends_nothing(api):
        body = refused(api.post(MARKET_STAFF, "/credit-repairs", lp.repair(uscc="91370303MA3C7Q2N80")), 422)
        assert fields(body) == {"uscc": "uscc_checksum"}
    repair = api.ok(MARKET_STAFF, "/credit-repairs", lp.repair(), status=201)["record_id"]
    assert api.post(FIRE_STAFF, f"/credit-repairs/{repair}/guidance", {
        "given_on": p.today(), "officer": {"id": "wanglei", "name": "王磊"}, "content": "x"}).status_code == 404
    api.ok(MARKET_STAFF, f"/credit-repairs/{repair}/guidance", {
        "given_on": p.today(), "officer": {"id": "wanglei", "name": "王磊"},
        "content": "指导企业在信用中国网站提交信用修复申请，附罚款缴纳凭证和整改报告"}, status=201)
    with appends_nothing(api):
        body = refused(api.post(MARKET_STAFF, f"/credit-repairs/{repair}/conclusion",
                                {"outcome": "not_eligible", "concluded_on": p.today()}), 422)
        assert fields(body) == {"reason": "required"}
    done = api.ok(MARKET_STAFF, f"/credit-repairs/{repair}/conclusion", {"outcome": "repaired", "concluded_on": p.today()})
    (row,) = got(api, MARKET_STAFF, "/credit-repairs", wait_for=done["notification_id"])
    assert (row["state"], row["guidance"], row["state_label"]) == ("repaired", 1, "已修复")
    assert got(api, FIRE_STAFF, "/credit-repairs") == []
    assert [r["repair_id"] for r in got(api, SUPERVISOR, "/credit-repairs")] == [repair]
