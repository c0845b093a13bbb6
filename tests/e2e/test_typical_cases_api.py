"""Typical and excellent cases through the HTTP API: the market regulator's
head proposes an archived case and an accepted guidance; a terminated guidance
is refused (the party's refusal never makes a case typical) and appends
nothing; a staff member who is not the head and another unit are refused; the
reviewer (执法监督人员) opens the round, decides each with a reason and closes
it; the list is published to every unit, and as XLSX; roles without a reading
of cases are refused."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from openpyxl import load_workbook

from ledger.values import CST
from tests.e2e import guidance_payloads as g
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, DISPATCHER, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR
from tests.e2e.test_supervision_api import appends_nothing, got, refused

YEAR = datetime.now(CST).year
NOT_HEAD = "qianlv"  # the market regulator's legal reviewer: staff, not its head


def archived_case(api: Api) -> str:
    cid = api.book()["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    api.ok(MARKET_STAFF, f"/cases/{cid}/serve", p.serve())
    api.ok(MARKET_STAFF, f"/cases/{cid}/rate", p.rate())
    api.ok(REGISTRAR, f"/cases/{cid}/archive", {})
    return cid


def ended_guidance(api: Api, *, terminated: bool = False) -> str:
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(way="simple"), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/simple", g.simple())
    if terminated:
        api.ok(MARKET_STAFF, f"/guidance/{gid}/termination", {"reason": "refused"})
    else:
        api.ok(MARKET_STAFF, f"/guidance/{gid}/acceptance", {})
    return gid


def proposal(kind: str, record_id: str, **over: Any) -> dict[str, Any]:
    return {"kind": kind, "record_id": record_id, "distinction": "typical",
            "reason": "主动上门、当场指导整改，企业合规经营，做法可复制推广", **over}


def fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body["errors"]}


def test_proposals_refusals_the_round_and_the_published_list(api: Api) -> None:
    cid = archived_case(api)
    gid = ended_guidance(api)
    refused_guidance = ended_guidance(api, terminated=True)
    with appends_nothing(api):
        body = refused(api.post(MARKET_STAFF, "/typical-cases", proposal("guidance", refused_guidance)), 422,
                       "invalid_input")
        assert fields(body) == {"record_id": "refused_by_party"}
        refused(api.post(NOT_HEAD, "/typical-cases", proposal("case", cid)), 403, "not_unit_head")
        refused(api.post(FIRE_STAFF, "/typical-cases", proposal("case", cid)), 404, "record_not_found")
        body = refused(api.post(MARKET_STAFF, "/typical-cases", proposal("case", cid, reason="")), 422)
        assert fields(body) == {"reason": "required"}
        assert api.post(MARKET_STAFF, "/typical-cases", proposal("appeal", cid)).status_code == 400
    case_p = api.ok(MARKET_STAFF, "/typical-cases", proposal("case", cid), status=201)
    guidance_p = api.ok(MARKET_STAFF, "/typical-cases", proposal("guidance", gid, distinction="excellent"), status=201)
    assert case_p["number"] == str(YEAR)
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, "/typical-cases", proposal("case", cid)), 409, "already_proposed")

    mine = got(api, MARKET_STAFF, "/typical-cases", year=YEAR, wait_for=guidance_p["notification_id"])
    assert {case_p["record_id"], guidance_p["record_id"]} <= {r["proposal_id"] for r in mine}
    assert refused_guidance not in {r["record_id"] for r in mine}  # nothing of the refusal was written
    assert got(api, FIRE_STAFF, "/typical-cases", year=YEAR) == []
    assert api.get(ADMIN, "/typical-cases").status_code == 403

    round_ = got(api, SUPERVISOR, f"/typical-cases/rounds/{YEAR}")
    assert round_["state"] == "collecting"
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, f"/typical-cases/rounds/{YEAR}/review", {}), 403, "reviewer_only")
        refused(api.post(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/review",
                         {"expected_version": round_["version"] - 1}), 409, "conflict")
    api.ok(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/review", {"expected_version": round_["version"]})
    with appends_nothing(api):
        refused(api.post(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/close", {}), 422, "invalid_input")
        body = refused(api.post(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/decisions",
                                {"proposal_id": case_p["record_id"], "selected": True, "reason": ""}), 422)
        assert fields(body) == {"reason": "required"}
    for p_ in got(api, SUPERVISOR, f"/typical-cases/rounds/{YEAR}")["proposals"]:
        chosen = p_["id"] == case_p["record_id"]
        api.ok(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/decisions", {
            "proposal_id": p_["id"], "selected": chosen, "reason": "做法新颖，成效明显" if chosen else "同类案例已入选"})
    closed = api.ok(SUPERVISOR, f"/typical-cases/rounds/{YEAR}/close", {})

    published = got(api, FIRE_STAFF, "/typical-cases", year=YEAR, wait_for=closed["notification_id"])
    assert [r["proposal_id"] for r in published] == [case_p["record_id"]]
    assert published[0]["decision_label"] == "入选" and published[0]["decision_reason"] == "做法新颖，成效明显"
    not_selected = got(api, AUDITOR, "/typical-cases", year=YEAR, selected=False)
    assert guidance_p["record_id"] in {r["proposal_id"] for r in not_selected}
    (row,) = [r for r in got(api, DISPATCHER, "/typical-cases/rounds") if r["year"] == YEAR]
    assert row["state"] == "closed" and row["selected"] == 1
    # another unit reads the round's published selection only, and its history without the others' proposals
    assert [p_["id"] for p_ in got(api, FIRE_STAFF, f"/typical-cases/rounds/{YEAR}")["proposals"]] == [case_p["record_id"]]
    assert {e["event"] for e in got(api, FIRE_STAFF, f"/typical-cases/rounds/{YEAR}/history")} <= {
        "Started", "ReviewOpened", "Closed"}
    assert api.get(ADMIN, f"/typical-cases/rounds/{YEAR}").status_code == 403
    history = got(api, AUDITOR, f"/typical-cases/rounds/{YEAR}/history")
    assert history[0]["event"] == "Started" and history[-1]["event"] == "Closed"

    r = api.get(FIRE_STAFF, "/typical-cases/list.xlsx", params={"year": YEAR})
    assert r.status_code == 200 and r.headers["x-content-sha256"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert any("典型案例" in str(v) for v in values[0])
    assert any(MARKET in row and "做法新颖，成效明显" in row for row in values)
    assert api.get(ADMIN, "/typical-cases/list.xlsx", params={"year": YEAR}).status_code == 403

    late = ended_guidance(api)
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, "/typical-cases", proposal("guidance", late)), 409, "round_not_collecting")
