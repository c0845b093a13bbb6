"""Every read endpoint applies the unit scope: a case (and a reversal, and a
major-decision filing) of one unit is invisible to the staff of another unit
and visible to the unit's own staff — in JSON and in every export format.

The operations come from the served OpenAPI document, so a new GET endpoint
fails here until it is listed below, either with the requests that exercise
it or among the reads that carry no case data (and why).
"""

from __future__ import annotations

from typing import Any

import pytest

from projections.cases import STAGES
from tests.e2e import guidance_payloads as gp
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR

NAME = "甲单位专属范围测试有限公司"
REVERSED = "淄张市监罚〔2026〕777号"
FILED = "淄张市监罚〔2026〕778号"

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
                                                  "party": "某公司", "summary": "吊销许可证"}, status=201)
    guidance = api.ok(MARKET_STAFF, "/guidance", gp.start(addressee=gp.firm(name=NAME)), status=201)["case_id"]
    head = str(api.head())
    rows = api.get(SUPERVISOR, "/supervision/reversals", params={"wait_for": head}).json()
    (review,) = [r["review_id"] for r in rows if r["decision_number"] == REVERSED]
    return {"case_id": case_id, "review_id": review, "head": head, "guidance_id": guidance}


def requests(ids: dict[str, str]) -> dict[str, list[tuple[str, dict[str, Any], bool]]]:
    """Per operation: (path, query, whether the market's staff must see a marker)."""
    cid, rid, head, gid = ids["case_id"], ids["review_id"], ids["head"], ids["guidance_id"]
    return {
        "getQueue": [(f"/queues/{stage}", {}, stage == "rating") for stage in STAGES],
        "getRegistry": [
            ("/registry", {}, True),
            ("/registry", {"format": "csv"}, True),
            ("/registry", {"as_of": head}, True),
            ("/registry", {"as_of": head, "format": "csv"}, True),
        ],
        "getGuidanceRegister": [("/registry/guidance-register", {}, True)],
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
        "getGuidance": [(f"/guidance/{gid}", {}, True)],
        "getGuidanceHistory": [(f"/guidance/{gid}/history", {}, True)],
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
    listed = set(NOT_CASE_DATA) | set(AGGREGATES) | set(requests({"case_id": "x", "review_id": "x", "head": "1", "guidance_id": "x"}))
    unlisted = served_get_operations(api) - listed
    assert not unlisted, f"GET operations with no scope test: {sorted(unlisted)} (list them in this file)"


def test_a_units_records_are_invisible_to_other_units_staff_and_visible_to_its_own(api: Api) -> None:
    aggregates = [(op, path, q) for op, reqs in AGGREGATES.items() for path, q in reqs]
    before = {(op, path, str(q)): text(api, FIRE_STAFF, path, q) for op, path, q in aggregates}
    market_before = {(op, path, str(q)): text(api, MARKET_STAFF, path, q) for op, path, q in aggregates}
    ids = recorded(api)
    markers = (NAME, ids["case_id"], REVERSED, FILED)
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
    assert rows and {r["aggregate"] for r in rows} <= {"unit", "user", "admin_roster", "calendar", "catalogue"}
    assert all(r["case_id"] is None for r in rows)
    everything = api.get(SUPERVISOR, "/audit", params={"limit": 5000}).json()
    assert "case" in {r["aggregate"] for r in everything}
