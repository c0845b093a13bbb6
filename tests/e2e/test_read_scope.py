"""Every read endpoint applies the unit scope: a case (and a reversal, and a
major-decision filing) of one unit is invisible to the staff of another unit
and visible to the unit's own staff — in JSON and in every export format.

The operations come from the served OpenAPI document, so a new GET endpoint
fails here until it is listed below, either with the requests that exercise
it or among the reads that carry no case data (and why).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from ledger.register_reports.values import previous_quarter, quarter_first_day
from ledger.values import CST
from projections.cases import STAGES
from tests.e2e import feedback_payloads as fp
from tests.e2e import guidance_payloads as gp
from tests.e2e import legal_review_payloads as lp
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR

NAME = "甲单位专属范围测试有限公司"
REVERSED = "淄张市监罚〔2026〕777号"
FILED = "淄张市监罚〔2026〕778号"
NO_RECORD = "00000000-0000-4000-8000-000000000000"

# Reads that return no case data, and why they need no unit scope.
NOT_CASE_DATA = {
    "health": "liveness and projection state",
    "whoAmI": "the caller's own account",
    "listUnits": "the directory (administrators, supervisors, auditors)",
    "listUsers": "the directory (administrators, supervisors, auditors)",
    "getDue": "a deadline computed from the calendar",
    "getLedgerDigest": "a hash of the whole log (supervisors and auditors)",
    "checkLedgerConsistency": "a hash of the whole log (supervisors and auditors)",
    "listCatalogues": "the four lists are published law",
    "getCatalogueEdition": "the four lists are published law",
    "browseCatalogue": "the four lists are published law",
    "listGuidanceMethods": "an authority's list of guidance methods (the seeds' names)",
    "getRegisterReportDue": "a quarter's reporting deadline computed from the calendar",
    "listGuidanceMatterCatalogues": "the catalogues of guidance matters are public (seed 004 二(四))",
    "browseGuidanceMatters": "the catalogues of guidance matters are public (seed 004 二(四))",
    "getGuidanceMatterEdition": "the catalogues of guidance matters are public (seed 004 二(四))",
    "getReviewThreshold": "an authority's large-fine standard (a rule, no case data)",
    "getMediationDeadline": "an authority's period for mediations in working days (a setting, no case data)",
    "getAssessmentSchedule": "an authority's assessment period and deadline (a setting, no case data)",
    "listRiskPointRegisters": "the lists of legal-risk points are published (seed 002 第二十条(二))",
    "browseRiskPoints": "the lists of legal-risk points are published (seed 002 第二十条(二))",
    "getRiskEdition": "the lists of legal-risk points are published (seed 002 第二十条(二))",
    "exportRiskPointsXlsx": "the lists of legal-risk points are published (seed 002 第二十条(二))",
    "exportRiskPointsDocx": "the lists of legal-risk points are published (seed 002 第二十条(二))",
    "exportRiskPointsPdf": "the lists of legal-risk points are published (seed 002 第二十条(二))",
}


def recorded(api: Api) -> dict[str, str]:
    """A case of the market regulator only (served, waiting for its rating),
    a revocation by it (under review), a major-decision filing of it and an
    administrative guidance it started (to the same named firm)."""
    case_id = api.book(name=NAME)["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{case_id}/dispatch", p.dispatch((MARKET,)))
    api.ok(MARKET_STAFF, f"/cases/{case_id}/serve", p.serve())
    api.ok(MARKET_STAFF, f"/cases/{case_id}/penalty-revocations", p.reversal(number=REVERSED))
    api.ok(MARKET_STAFF, "/supervision/filings", {"decision_number": FILED, "decided_on": p.today(),
                                                  "party": "某公司", "summary": "吊销许可证",
                                                  "legal_review_id": lp.passed_review(api)}, status=201)
    guidance = api.ok(MARKET_STAFF, "/guidance", gp.start(addressee=gp.firm(name=NAME)), status=201)["case_id"]
    report, consolidation = reported_last_quarter(api)
    feedback = fed_back(api)
    legal_review = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(party=NAME), status=201)["record_id"]
    repair = api.ok(MARKET_STAFF, "/credit-repairs", lp.repair(firm=NAME), status=201)["record_id"]
    mediation = api.ok(MARKET_STAFF, "/mediations", mediation_start(NAME), status=201)["case_id"]  # ledger.mediation
    head = str(api.head())
    rows = api.get(SUPERVISOR, "/supervision/reversals", params={"wait_for": head}).json()
    (review,) = [r["review_id"] for r in rows if r["decision_number"] == REVERSED]
    return {"case_id": case_id, "review_id": review, "head": head, "guidance_id": guidance, "report_id": report,
            "consolidation_id": consolidation, "legal_review_id": legal_review, "repair_id": repair, "mediation_id": mediation, **feedback}


def mediation_start(name: str) -> dict[str, Any]:
    """An administrative mediation between the named firm and a person (tests/e2e/test_mediation_api.py runs it)."""
    from tests.builders import VALID_RIC, VALID_USCC

    return {"way": "ex_officio", "procedure": "general", "matter": "噪声扰民纠纷", "dispute": "夜间噪声",
            "parties": [{"kind": "organisation", "name": name, "id_number": VALID_USCC,
                         "representative": {"name": "刘芳", "capacity": "法定代表人"}},
                        {"kind": "individual", "name": "张华", "id_number": VALID_RIC}]}


def fed_back(api: Api) -> dict[str, str]:
    """The market regulator as a collecting unit (a 便民服务分中心's mailbox is
    collected by the centre itself): its mailbox checked two months ago with
    letters and no form from it, a late form about the named firm, and a
    letter to the market regulator about the same firm."""
    box = api.ok(SUPERVISOR, "/feedback/boxes", {
        "kind": "mailbox", "site": "service_centre", "site_name": f"{NAME}便民服务分中心", "address": "box@example.cn",
        "collecting_unit": MARKET, "keeper": MARKET_STAFF}, status=201)["record_id"]
    old = fp.months_ago(2)
    api.ok(MARKET_STAFF, f"/feedback/boxes/{box}/checks", {"month": old, "received": 1}, status=201)
    form = api.ok(MARKET_STAFF, "/feedback/forms", fp.form(month=old, source_detail=NAME, reviewer="qianlv"),
                  status=201)["record_id"]
    letter = api.ok(SUPERVISOR, "/suggestion-letters", fp.letter(problems=f"{NAME}反映重复检查"), status=201)["record_id"]
    return {"box_id": box, "form_id": form, "letter_id": letter}


def reported_last_quarter(api: Api) -> tuple[str, str]:
    """The market regulator's register of the previous quarter (a guidance
    to the named firm in it), submitted, received and consolidated."""
    year, quarter = previous_quarter(datetime.now(CST).date())
    at = datetime.combine(quarter_first_day(year, quarter), datetime.min.time(), CST) + timedelta(days=9, hours=9)
    earlier = api.ok(MARKET_STAFF, "/guidance", gp.start(way="simple", addressee={"kind": "organisation", "name": NAME},
                                                         business_time=at.isoformat()), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{earlier}/simple", gp.simple(at=at.isoformat(), business_time=at.isoformat()))
    period = {"year": year, "quarter": quarter}
    report = api.ok(MARKET_STAFF, "/register-reports", {"unit": MARKET, **period}, status=201)["record_id"]
    api.ok(p.REGISTRAR, f"/register-reports/{report}/receive", {})
    return report, api.ok(p.REGISTRAR, "/register-reports/consolidations", period, status=201)["record_id"]


def requests(ids: dict[str, str]) -> dict[str, list[tuple[str, dict[str, Any], bool]]]:
    """Per operation: (path, query, whether the market's staff must see a marker)."""
    cid, rid, head, gid = ids["case_id"], ids["review_id"], ids["head"], ids["guidance_id"]
    report, consolidation = ids["report_id"], ids["consolidation_id"]
    return {
        "getQueue": [(f"/queues/{stage}", {}, stage == "rating") for stage in STAGES],
        "getRegistry": [
            ("/registry", {}, True),
            ("/registry", {"format": "csv"}, True),
            ("/registry", {"as_of": head}, True),
            ("/registry", {"as_of": head, "format": "csv"}, True),
        ],
        "getGuidanceRegister": [("/registry/guidance-register", {}, True),
                                ("/registry/guidance-register", {"as_of": head}, True)],
        "getCase": [(f"/cases/{cid}", {}, True)],
        "getCaseHistory": [(f"/cases/{cid}/history", {}, True)],
        "listCaseDocuments": [(f"/cases/{cid}/documents", {}, True)],
        # a file (compressed: no marker to read); another unit gets 404 (tests/e2e/test_documents_api.py reads it)
        "issueCaseDocument": [(f"/cases/{cid}/documents/application", {"format": "pdf"}, False)],
        "verifyDocument": [("/documents/verify", {"sha256": "0" * 64}, False)],
        "listReversals": [
            ("/supervision/reversals", {}, True),
            ("/supervision/reversals", {"format": "csv"}, True),
            ("/supervision/reversals", {"as_of": head}, True),
            ("/supervision/reversals", {"as_of": head, "format": "csv"}, True),
        ],
        "supervisionQueue": [("/supervision/queue", {}, True)],
        "reviewHistory": [(f"/supervision/reviews/{rid}/history", {}, True)],
        "listMajorDecisionFilings": [("/supervision/filings", {}, True)],
        "getAuditLog": [("/audit", {}, False), ("/audit", {"case_id": cid}, False)],
        "getAccessLog": [("/access-log", {}, False), ("/access-log", {"record": cid}, False)],
        "listGuidance": [("/guidance", {}, True), ("/guidance", {"open": "true"}, True)],
        "getGuidance": [(f"/guidance/{gid}", {}, True)],
        "getGuidanceHistory": [(f"/guidance/{gid}/history", {}, True)],
        # the guidance's id is among the markers: the listing names it
        "listGuidanceDocuments": [(f"/guidance/{gid}/documents", {}, True)],
        # nothing to issue yet (409 for its unit); another unit gets 404 (tests/e2e/test_guidance_documents_api.py)
        "issueGuidanceDocument": [(f"/guidance/{gid}/documents/guidance_opinion", {"format": "pdf"}, False)],
        # the guidance is started, not given: nothing to send yet (tests/e2e/test_guidance_platform_api.py sends)
        "getGuidancePlatformPending": [("/guidance/platform-export", {}, False),
                                       ("/guidance/platform-export", {"unsent_only": "false"}, False)],
        "listGuidancePlatformExports": [("/guidance/platform-exports", {}, False)],
        # the quarterly register report: the report's id and the firm (in its lines) are markers
        "listRegisterReports": [("/register-reports", {}, True)],
        "getRegisterReportQueue": [("/register-reports/queue", {"all": "true"}, True)],
        "getRegisterReportDraft": [("/register-reports/draft", {}, True)],
        "getRegisterReport": [(f"/register-reports/{report}", {}, True),
                              (f"/register-reports/{report}", {"format": "xlsx"}, False)],
        # every unit's registers: the office, supervisors and auditors only (a unit's staff get 403 / 404)
        "listRegisterConsolidations": [("/register-reports/consolidations", {}, False)],
        # the supervision network: no market record in it (another 司法所's are unknown: tests/e2e/test_network_api.py)
        "listNetworkQuotas": [("/network/quotas/2026", {}, False)],
        "listContactPoints": [("/contact-points", {}, False)],
        "getContactPoint": [(f"/contact-points/{NO_RECORD}", {}, False)],
        "getContactPointHistory": [(f"/contact-points/{NO_RECORD}/history", {}, False)],
        "listInvitedSupervisors": [("/invited-supervisors", {}, False), ("/invited-supervisors", {"expiring": "true"}, False)],
        "getInvitedSupervisor": [(f"/invited-supervisors/{NO_RECORD}", {}, False)],
        "getInvitedSupervisorHistory": [(f"/invited-supervisors/{NO_RECORD}/history", {}, False)],
        "listPairings": [("/pairings", {}, False)],
        "checkPairings": [("/pairings/check", {}, False)],
        "getPairing": [(f"/pairings/{NO_RECORD}", {}, False)],
        "listNetworkReports": [("/network-reports", {}, False)],
        "getNetworkReport": [(f"/network-reports/{NO_RECORD}", {}, False)],
        "getRegisterConsolidation": [(f"/register-reports/consolidations/{consolidation}", {}, False),
                                     (f"/register-reports/consolidations/{consolidation}", {"format": "xlsx"}, False)],
        # supervision feedback: the market regulator collects a mailbox and is the addressee of a letter
        "listFeedbackBoxes": [("/feedback/boxes", {}, True)],
        "getFeedbackBox": [(f"/feedback/boxes/{ids.get('box_id')}", {}, True)],
        "listFeedbackChecks": [("/feedback/checks", {}, True)],
        "listFeedbackForms": [("/feedback/forms", {}, True)],
        "getFeedbackForm": [(f"/feedback/forms/{ids.get('form_id')}", {}, True)],
        "feedbackFormHistory": [(f"/feedback/forms/{ids.get('form_id')}/history", {}, True)],
        "feedbackLateQueue": [("/feedback/late", {}, True)],
        "feedbackDashboard": [("/feedback/dashboard", {}, True)],
        "listSuggestionLetters": [("/suggestion-letters", {}, True)],
        "getSuggestionLetter": [(f"/suggestion-letters/{ids.get('letter_id')}", {}, True)],
        "suggestionLetterHistory": [(f"/suggestion-letters/{ids.get('letter_id')}/history", {}, True)],
        # legal review (法制审核) and credit repair: the market's review and request name the firm
        "listLegalReviews": [("/legal-reviews", {}, True), ("/legal-reviews", {"state": "pending"}, True)],
        "getLegalReview": [(f"/legal-reviews/{ids.get('legal_review_id')}", {}, True)],
        "listLegalReviewRounds": [(f"/legal-reviews/{ids.get('legal_review_id')}/rounds", {}, True)],
        "legalReviewHistory": [(f"/legal-reviews/{ids.get('legal_review_id')}/history", {}, True)],
        "listLegalFilings": [("/legal-reviews/filings", {}, True)],
        # per unit counts, no marker: another unit's figures are its own (tests/e2e/test_legal_review_api.py)
        "legalReviewIndicators": [("/legal-reviews/indicators", {}, False)],
        "listCreditRepairs": [("/credit-repairs", {}, True)],
        "getCreditRepair": [(f"/credit-repairs/{ids.get('repair_id')}", {}, True)],
        "creditRepairHistory": [(f"/credit-repairs/{ids.get('repair_id')}/history", {}, True)],
        # administrative mediation: the market's mediation names the firm among its parties; nothing issued yet
        # (409 for its unit); no 纠纷化解 case served here (tests/e2e/test_mediation_api.py owes and gives a notice)
        "listMediations": [("/mediations", {}, True), ("/mediations", {"open": "true"}, True)],
        "getMediation": [(f"/mediations/{ids.get('mediation_id')}", {}, True)],
        "getMediationHistory": [(f"/mediations/{ids.get('mediation_id')}/history", {}, True)],
        "listMediationDocuments": [(f"/mediations/{ids.get('mediation_id')}/documents", {}, False)],
        "issueMediationDocument": [(f"/mediations/{ids.get('mediation_id')}/documents/mediation_agreement", {}, False)],
        "listMediationRightNotices": [("/mediations/right-notices", {}, False)],
        # typical cases: no market record proposed here (the demo's guidance is); a unit's own proposals and the
        # published list are read in tests/e2e/test_typical_cases_api.py
        "listTypicalCases": [("/typical-cases", {}, False)],
        "exportTypicalCases": [("/typical-cases/list.xlsx", {"year": datetime.now(CST).year}, False)],
        "listTypicalCaseRounds": [("/typical-cases/rounds", {}, False)],
        "getTypicalCaseRound": [(f"/typical-cases/rounds/{datetime.now(CST).year}", {}, False)],
        "typicalCaseRoundHistory": [(f"/typical-cases/rounds/{datetime.now(CST).year}/history", {}, False)],
        # assessment reports: none of the market's submitted here (tests/e2e/test_risk_assessment_api.py submits
        # one and reads it as another unit: 404, an empty list, a draft refused 403)
        "listRiskAssessments": [("/risk-points/assessments", {}, False)],
        "riskAssessmentQueue": [("/risk-points/assessments/queue", {"all": "true"}, False)],
        "getRiskAssessmentDraft": [("/risk-points/assessments/draft", {"authority": MARKET, "period": "2026-Q3"}, False)],
        "getRiskAssessment": [(f"/risk-points/assessments/{NO_RECORD}", {}, False)],
        # risk-point citations and warnings: no market record cites a point here (the unit scope of both,
        # with citations, is read in tests/e2e/test_risk_points_api.py)
        "listRiskCitations": [("/risk-points/citations", {"record_id": gid}, False), ("/risk-points/citations", {}, False)],
        "listRiskWarnings": [("/risk-points/warnings", {}, False)],
    }


# Aggregates: no marker to look for, so the other unit's figures must not
# move when the market's case is served, and the market's must.
AGGREGATES = {
    "getStats": [("/stats", {"by": by}) for by in ("unit", "service_type", "month", "quarter")],
    "reversalStats": [("/supervision/reversals/stats", {"by": by}) for by in ("unit", "item", "month")],
}


def served_get_operations(api: Api) -> set[str]:
    schema = api.client.get("/schema/openapi.json").json()
    return {op["operationId"] for item in schema["paths"].values() for method, op in item.items() if method == "get"}


def text(api: Api, user: str, path: str, query: dict[str, Any]) -> tuple[int, str]:
    r = api.get(user, path, params={**query, **({} if "as_of" in query else {"wait_for": api.head()})})
    return r.status_code, r.text


def test_every_get_operation_is_scoped_or_declared_free_of_case_data(api: Api) -> None:
    listed = set(NOT_CASE_DATA) | set(AGGREGATES) | set(requests({"case_id": "x", "review_id": "x", "head": "1", "guidance_id": "x",
                                                                  "report_id": "x", "consolidation_id": "x"}))
    unlisted = served_get_operations(api) - listed
    assert not unlisted, f"GET operations with no scope test: {sorted(unlisted)} (list them in this file)"


def test_a_units_records_are_invisible_to_other_units_staff_and_visible_to_its_own(api: Api) -> None:
    aggregates = [(op, path, q) for op, reqs in AGGREGATES.items() for path, q in reqs]
    before = {(op, path, str(q)): text(api, FIRE_STAFF, path, q) for op, path, q in aggregates}
    market_before = {(op, path, str(q)): text(api, MARKET_STAFF, path, q) for op, path, q in aggregates}
    ids = recorded(api)
    markers = (NAME, ids["case_id"], REVERSED, FILED, ids["guidance_id"], ids["report_id"])
    checked = 0
    for op, reqs in requests(ids).items():
        for path, query, market_sees in reqs:
            status, body = text(api, FIRE_STAFF, path, query)
            assert status in (200, 403, 404), f"{op} {path} {query}: {status} {body}"
            if status == 200:
                leaked = [m for m in markers if m in body]
                assert not leaked, f"{op} {path} {query}: the fire brigade's staff read {leaked}"
            status, body = text(api, MARKET_STAFF, path, query)
            if market_sees:
                assert status == 200, f"{op} {path} {query}: {status} {body}"
                assert any(m in body for m in markers), f"{op} {path} {query}: the market's staff miss their own record"
            checked += 1
    for op, reqs in AGGREGATES.items():
        for path, query in reqs:
            key = (op, path, str(query))
            assert text(api, FIRE_STAFF, path, query) == before[key], f"{op} {query}: another unit's case moved the figures"
            assert text(api, MARKET_STAFF, path, query) != market_before[key], f"{op} {query}: own case not counted"
    assert checked >= 20


@pytest.mark.parametrize("path", ["/registry", "/registry/guidance-register", "/stats", "/queues/rating"])
def test_administrators_read_no_case_data(api: Api, path: str) -> None:
    assert api.get(ADMIN, path).status_code == 403


def test_administrators_read_only_directory_events_in_the_audit_log(api: Api) -> None:
    recorded(api)
    rows = api.get(ADMIN, "/audit", params={"limit": 5000, "wait_for": api.head()}).json()
    assert rows and {r["aggregate"] for r in rows} <= {"unit", "user", "admin_roster", "calendar", "catalogue", "guidance_matters", "risk_points"}
    assert all(r["case_id"] is None for r in rows)
    everything = api.get(SUPERVISOR, "/audit", params={"limit": 5000}).json()
    assert "case" in {r["aggregate"] for r in everything}
