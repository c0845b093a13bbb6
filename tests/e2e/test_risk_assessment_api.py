"""The periodic assessment report through the HTTP API (/risk-points/assessments):
a guidance of the last quarter cites a risk point; the market regulator's draft
shows it under 实施防控; a report for the current quarter is refused (not over),
one without its 总结评估 is refused field by field, one whose sections changed
since they were seen is a conflict — each appending nothing; the report is
submitted, read back as JSON, DOCX, PDF and XLSX with its snapshot's hash; other
units see nothing of it; the supervisors' queue shows it; the setting is the
supervisors'."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledger.register_reports.values import previous_quarter, quarter_first_day, quarter_of
from ledger.values import CST
from tests.e2e import guidance_payloads as g
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR
from tests.e2e.test_supervision_api import appends_nothing, got, refused

BASE = "/risk-points/assessments"
SUMMARY = {"experience": "公布风险点后主动提示，企业及时自查", "problems": "个别经营者仍未建立台账", "suggestions": "下季度开展专项回访"}


def fields(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body["errors"]}


def cited_last_quarter(api: Api) -> tuple[str, dict[str, Any]]:
    year, quarter = previous_quarter(datetime.now(CST).date())
    at = datetime.combine(quarter_first_day(year, quarter), datetime.min.time(), CST) + timedelta(days=9, hours=9)
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(way="simple", business_time=at.isoformat()), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/simple", g.simple(at=at.isoformat(), business_time=at.isoformat()))
    api.ok(MARKET_STAFF, "/risk-points/citations", {"record_kind": "guidance", "record_id": gid, "codes": ["SP-01"],
                                                    "business_time": (at + timedelta(hours=1)).isoformat()}, status=201)
    return gid, {"kind": "quarter", "year": year, "number": quarter}


def test_a_report_drawn_refused_submitted_and_read_in_every_format(api: Api) -> None:
    gid, period = cited_last_quarter(api)
    key = f"{period['year']}-Q{period['number']}"
    draft = got(api, MARKET_STAFF, f"{BASE}/draft", authority=MARKET, period=key, wait_for=api.head())
    assert draft["over"] and draft["sections"]["basics"]["edition"] == "2026版"
    (line,) = [m for m in draft["sections"]["measures"] if "当场解答许可延续所需材料" in m["content"]]
    assert (line["point_code"], line["record_kind"], line["staff"]) == ("SP-01", "行政指导", "王磊")
    assert [p["heading"] for p in draft["paragraphs"]] == ["一、基本情况", "二、实施防控", "三、对比分析"]
    assert api.get(FIRE_STAFF, f"{BASE}/draft", params={"authority": MARKET, "period": key}).status_code == 403
    assert api.get(ADMIN, f"{BASE}/draft", params={"authority": MARKET, "period": key}).status_code == 403

    now_year, now_quarter = quarter_of(datetime.now(CST).date())
    body = {"authority": MARKET, "period": period, "summary": SUMMARY, "sections_sha256": draft["sections_sha256"]}
    with appends_nothing(api):
        error = refused(api.post(MARKET_STAFF, BASE, {**body, "period": {"kind": "quarter", "year": now_year,
                                                                         "number": now_quarter}}), 422)
        assert fields(error) == {"period": "period_not_over"}
        error = refused(api.post(MARKET_STAFF, BASE, {**body, "summary": {**SUMMARY, "problems": "", "suggestions": ""}}), 422)
        assert fields(error) == {"summary.problems": "required", "summary.suggestions": "required"}
        refused(api.post(MARKET_STAFF, BASE, {**body, "sections_sha256": "0" * 64}), 409, "conflict")
        error = refused(api.post(FIRE_STAFF, BASE, body), 422)
        assert fields(error) == {"authority": "other_unit"}
        assert api.post(MARKET_STAFF, BASE, {**body, "sections": draft["sections"]}).status_code == 400
    done = api.ok(MARKET_STAFF, BASE, body, status=201)
    rid = done["record_id"]
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, BASE, body), 409, "already_submitted")

    report = got(api, SUPERVISOR, f"{BASE}/{rid}")
    assert report["summary"] == SUMMARY and report["sections"] == draft["sections"] and len(report["sha256"]) == 64
    for fmt, start in (("docx", b"PK"), ("pdf", b"%PDF"), ("xlsx", b"PK")):
        r = api.get(MARKET_STAFF, f"{BASE}/{rid}", params={"format": fmt})
        assert r.status_code == 200 and r.content.startswith(start) and r.headers["x-snapshot-sha256"] == report["sha256"]
    assert api.get(FIRE_STAFF, f"{BASE}/{rid}").status_code == 404
    # the authority's copies were issued (DocumentIssued on the report); a supervisor's is the same file, not an issue
    pdf = api.get(MARKET_STAFF, f"{BASE}/{rid}", params={"format": "pdf"})
    before = api.head()
    theirs = api.get(SUPERVISOR, f"{BASE}/{rid}", params={"format": "pdf"})
    assert theirs.content == pdf.content and api.head() == before
    (row,) = api.get(SUPERVISOR, "/documents/verify", params={"sha256": pdf.headers["x-content-sha256"]}).json()["issues"][:1]
    assert (row["kind"], row["subject"], row["assessment_id"], row["about"]) == ("risk_assessment", "risk_assessment", rid, key)
    rows = got(api, AUDITOR, BASE, wait_for=done["notification_id"])
    assert [r["report_id"] for r in rows if r["authority"] == MARKET] == [rid]
    assert got(api, FIRE_STAFF, BASE) == []

    (mine,) = [q for q in got(api, SUPERVISOR, f"{BASE}/queue", all="true") if q["authority"] == MARKET]
    assert mine["period_key"] == key and mine["status"] == ("late" if report["late"] else "on_time")
    assert mine["report_id"] == rid
    late = got(api, SUPERVISOR, f"{BASE}/queue")
    assert all(q["status"] in ("late", "overdue") for q in late)
    assert [q["authority"] for q in got(api, MARKET_STAFF, f"{BASE}/queue", all="true")] == [MARKET]


def test_the_setting_is_the_supervisors_and_decides_the_period(api: Api) -> None:
    assert got(api, FIRE_STAFF, f"{BASE}/schedules", authority=FIRE) == {
        "authority": FIRE, "period": "quarter", "due_days": 15, "counting": "working"}
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"{BASE}/schedules", {"authority": FIRE, "period": "year"}), 403, "scheduler_only")
        error = refused(api.post(SUPERVISOR, f"{BASE}/schedules", {"authority": FIRE, "period": "year", "due_days": 91}),
                        422)
        assert fields(error) == {"due_days": "out_of_range"}
    api.ok(SUPERVISOR, f"{BASE}/schedules", {"authority": FIRE, "period": "year", "due_days": 20})
    assert got(api, FIRE_STAFF, f"{BASE}/schedules", authority=FIRE)["period"] == "year"
    last_year = datetime.now(CST).year - 1
    with appends_nothing(api):
        error = refused(api.post(FIRE_STAFF, BASE, {"authority": FIRE, "period": {"kind": "quarter", "year": last_year,
                                                                                  "number": 4}, "summary": SUMMARY}), 422)
        assert fields(error) == {"period": "wrong_kind"}
    draft = got(api, FIRE_STAFF, f"{BASE}/draft", authority=FIRE, period=str(last_year))
    assert draft["due"]["days"] == 20 and draft["sections"]["basics"]["edition"] == ""
    assert api.get(FIRE_STAFF, f"{BASE}/draft", params={"authority": FIRE, "period": "2026-Q9"}).status_code == 422
