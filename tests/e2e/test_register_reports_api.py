"""The quarterly register report over HTTP (issue 17 item 5): the unit's
register of the previous quarter submitted as a snapshot, refused with field
errors when it may not be (quarter not over, a second submission, another
unit's, an unsubmitted report received, nothing received to consolidate),
returned and corrected, received, consolidated and forwarded; per endpoint,
role and unit; the XLSX of a version the same bytes today as at submission."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

import openpyxl
import pytest

from ledger.register_reports import RegisterReport
from ledger.register_reports.values import previous_quarter, quarter_first_day, quarter_of
from ledger.values import CST
from tests.e2e import guidance_payloads as gp
from tests.e2e.conftest import Api
from tests.e2e.payloads import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    OFFICE,
    REGISTRAR,
    SUPERVISOR,
)

TODAY = datetime.now(CST).date()
YEAR, QUARTER = previous_quarter(TODAY)
PERIOD = {"year": YEAR, "quarter": QUARTER}
FIRM = "季度报送测试餐饮有限公司"


def given_last_quarter(api: Api, name: str = FIRM) -> str:
    """A simple guidance the market regulator gave in the previous quarter."""
    at = datetime.combine(quarter_first_day(YEAR, QUARTER) + timedelta(days=9), datetime.min.time(), CST) \
        + timedelta(hours=9)
    gid = api.ok(MARKET_STAFF, "/guidance", gp.start(way="simple", addressee={"kind": "organisation", "name": name},
                                                     method="提示提醒", business_time=at.isoformat()), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/simple",
           gp.simple(at=(at + timedelta(hours=1)).isoformat(), business_time=(at + timedelta(hours=1)).isoformat()))
    return gid


def errors(r: Any) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in r.json().get("errors", [])]


def submitted(api: Api, user: str = MARKET_STAFF, unit: str = MARKET, **over: Any) -> str:
    return api.ok(user, "/register-reports", {"unit": unit, **PERIOD, **over}, status=201)["record_id"]


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [tuple(c for c in row) for row in ws.iter_rows(values_only=True)]


def test_a_unit_submits_last_quarters_register_and_the_office_takes_it_through_to_the_platform(api: Api) -> None:
    gid = given_last_quarter(api)
    draft = api.get(MARKET_STAFF, "/register-reports/draft").json()
    assert (draft["unit"], draft["year"], draft["quarter"], draft["submitted"], draft["quarter_over"]) == (
        MARKET, YEAR, QUARTER, False, True)
    assert [line["matter"].split("：")[0] for line in draft["lines"]] == [FIRM]
    assert draft["explained"][0].startswith(f"{YEAR}年第{QUARTER}季度登记簿报送期限") and draft["due"]["days"] == 5

    rid = submitted(api, register_sha256=draft["sha256"])
    assert rid == draft["report_id"] == str(RegisterReport.create_id(MARKET, YEAR, QUARTER))
    report = api.get(MARKET_STAFF, f"/register-reports/{rid}").json()
    assert (report["state"], report["unit"], report["period"]) == ("submitted", MARKET, f"{YEAR}年第{QUARTER}季度")
    (v1,) = report["versions"]
    assert v1["snapshot"]["sha256"] == draft["sha256"] and v1["snapshot"]["lines"] == draft["lines"]
    assert report["late"] is (datetime.now(CST).date() > datetime.fromisoformat(report["due"]["due_on"]).date())

    # the office: returned with a reason, the unit fixes the record and corrects
    refused = api.post(REGISTRAR, f"/register-reports/{rid}/return", {"reason": ""})
    assert refused.status_code == 422 and errors(refused) == [("reason", "required")]
    api.ok(REGISTRAR, f"/register-reports/{rid}/return", {"reason": "指导结果未登记"})
    same = api.post(MARKET_STAFF, f"/register-reports/{rid}/corrections", {"corrects": 1})
    assert same.status_code == 422 and errors(same) == [("lines", "unchanged")]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/effect", {"effect": "相对人已按提示整改"})
    assert api.ok(MARKET_STAFF, f"/register-reports/{rid}/corrections", {"corrects": 1})["number"] == "2"
    api.ok(DISPATCHER, f"/register-reports/{rid}/receive", {"version": 2})
    report = api.get(REGISTRAR, f"/register-reports/{rid}").json()
    assert [(v["number"], v["corrects"], v["return_reason"]) for v in report["versions"]] == [
        (1, 0, "指导结果未登记"), (2, 1, "")]
    assert report["state"] == "received" and "相对人已按提示整改" in report["versions"][1]["snapshot"]["lines"][0]["result"]

    # each version's register as submitted, bit for bit
    for number in (1, 2):
        r = api.get(SUPERVISOR, f"/register-reports/{rid}", params={"format": "xlsx", "version": number})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
        recorded = report["versions"][number - 1]["snapshot"]
        assert r.headers["x-content-sha256"] == r.headers["x-recorded-content-sha256"] == recorded["xlsx_sha256"]
        assert r.headers["x-snapshot-sha256"] == recorded["sha256"]
        rows = sheet_rows(r.content)
        assert rows[0][0] == "行政指导事项登记簿" and rows[2] == ("序号", "时间", "指导事项", "指导结果", "指导人员")
        assert rows[3][2].startswith(FIRM) and rows[3][3] == recorded["lines"][0]["result"]

    cid = api.ok(REGISTRAR, "/register-reports/consolidations", PERIOD, status=201)["record_id"]
    c = api.get(SUPERVISOR, f"/register-reports/consolidations/{cid}").json()
    assert [(r["unit"], r["version"]) for r in c["reports"]] == [(MARKET, 2)] and c["office"] == OFFICE
    x = api.get(REGISTRAR, f"/register-reports/consolidations/{cid}", params={"format": "xlsx"})
    assert x.status_code == 200 and x.headers["x-consolidation-sha256"] == c["sha256"]
    rows = sheet_rows(x.content)
    assert rows[2][:3] == ("序号", "报送单位", "时间") and rows[3][1] == MARKET
    bad = api.post(REGISTRAR, f"/register-reports/consolidations/{cid}/forward",
                   {"forwarded_on": (TODAY + timedelta(days=1)).isoformat(), "platform_ref": ""})
    assert bad.status_code == 422 and errors(bad) == [("forwarded_on", "in_future"), ("platform_ref", "required")]
    api.ok(REGISTRAR, f"/register-reports/consolidations/{cid}/forward",
           {"forwarded_on": TODAY.isoformat(), "platform_ref": "协同平台回执2026-0318"})
    again = api.post(REGISTRAR, f"/register-reports/consolidations/{cid}/forward",
                     {"forwarded_on": TODAY.isoformat(), "platform_ref": "协同平台回执2026-0319"})
    assert again.status_code == 409
    head = api.head()
    (listed,) = api.get(AUDITOR, "/register-reports/consolidations", params={"wait_for": head, **PERIOD}).json()
    assert listed["platform_ref"] == "协同平台回执2026-0318" and listed["forwarded"] is True


def test_the_rules_refuse_with_field_errors_and_write_nothing(api: Api) -> None:
    before = api.head()
    this_year, this_quarter = quarter_of(TODAY)
    not_over = api.post(MARKET_STAFF, "/register-reports", {"unit": MARKET, "year": this_year, "quarter": this_quarter})
    assert not_over.status_code == 422 and errors(not_over) == [("quarter", "quarter_not_over")]
    other = api.post(FIRE_STAFF, "/register-reports", {"unit": MARKET, **PERIOD})
    assert other.status_code == 422 and errors(other) == [("unit", "other_unit")]
    missing = str(RegisterReport.create_id(FIRE, YEAR, QUARTER))
    unsubmitted = api.post(REGISTRAR, f"/register-reports/{missing}/receive", {})
    assert unsubmitted.status_code == 422 and errors(unsubmitted) == [("report_id", "not_submitted")]
    none = api.post(REGISTRAR, "/register-reports/consolidations", PERIOD)
    assert none.status_code == 422 and errors(none) == [("reports", "none_received")]
    backdated = api.post(MARKET_STAFF, "/register-reports", {"unit": MARKET, **PERIOD,
                                                             "business_time": datetime.now(CST).isoformat()})
    assert backdated.status_code == 422 and errors(backdated) == [("business_time", "not_allowed")]
    assert api.head() == before  # nothing written

    submitted(api)
    after = api.head()
    twice = api.post(MARKET_STAFF, "/register-reports", {"unit": MARKET, **PERIOD})
    assert twice.status_code == 422 and errors(twice) == [("quarter", "already_submitted")]
    assert "再次报送须作为更正" in twice.json()["errors"][0]["message"]
    stale = api.post(MARKET_STAFF, f"/register-reports/{RegisterReport.create_id(MARKET, YEAR, QUARTER)}/corrections",
                     {"corrects": 1, "reason": "补登", "register_sha256": "0" * 64})
    assert stale.status_code == 409  # the register looked at is not the register now
    assert api.head() == after


@pytest.mark.parametrize(("user", "path", "body", "status"), [
    (SUPERVISOR, "/register-reports", {"unit": "市司法局执法监督科", **PERIOD}, 403),
    (REGISTRAR, "/register-reports", {"unit": OFFICE, **PERIOD}, 403),
    (MARKET_STAFF, "/register-reports/consolidations", PERIOD, 403),
    (AUDITOR, "/register-reports/consolidations", PERIOD, 403),
    (ADMIN, "/register-reports/consolidations", PERIOD, 403),
])
def test_each_role_does_only_its_part(api: Api, user: str, path: str, body: dict[str, Any], status: int) -> None:
    before = api.head()
    r = api.post(user, path, body)
    assert r.status_code == status, r.text
    assert api.head() == before


def test_reads_are_scoped_by_unit_and_role(api: Api) -> None:
    given_last_quarter(api)
    rid = submitted(api)
    head = api.head()
    params = {"wait_for": head, **PERIOD}
    # the report: its unit, the office, supervisors and auditors; another unit's staff learn nothing
    for user in (MARKET_STAFF, REGISTRAR, DISPATCHER, SUPERVISOR, AUDITOR):
        assert api.get(user, f"/register-reports/{rid}").status_code == 200, user
    assert api.get(FIRE_STAFF, f"/register-reports/{rid}").status_code == 404
    assert api.get(FIRE_STAFF, f"/register-reports/{rid}", params={"format": "xlsx"}).status_code == 404
    assert api.get(ADMIN, f"/register-reports/{rid}").status_code == 404
    assert api.get(ADMIN, "/register-reports", params=params).status_code == 403
    assert api.post(FIRE_STAFF, f"/register-reports/{rid}/corrections", {"corrects": 1, "reason": "x"}).status_code == 404
    # the list
    assert [r["unit"] for r in api.get(REGISTRAR, "/register-reports", params=params).json()] == [MARKET]
    assert api.get(FIRE_STAFF, "/register-reports", params=params).json() == []
    assert api.get(FIRE_STAFF, "/register-reports", params={**params, "unit": MARKET}).status_code == 403
    # the queue: every unit with active staff; a unit's staff see their own row
    queue = api.get(REGISTRAR, "/register-reports/queue", params={**params, "all": "true"}).json()
    rows = {r["unit"]: r for r in queue["rows"]}
    assert set(rows) == {MARKET, FIRE} and queue["due"]["days"] == 5 and queue["explained"]
    assert rows[FIRE]["submitted"] is False and rows[FIRE]["status"] in ("missing", "overdue")
    assert rows[MARKET]["submitted"] is True
    fire = api.get(FIRE_STAFF, "/register-reports/queue", params={**params, "all": "true"}).json()["rows"]
    assert [r["unit"] for r in fire] == [FIRE]
    # the unit's draft: its own only
    assert api.get(FIRE_STAFF, "/register-reports/draft", params={"unit": MARKET, **PERIOD}).status_code == 403
    assert api.get(REGISTRAR, "/register-reports/draft", params=PERIOD).status_code == 422  # which unit?
    assert api.get(REGISTRAR, "/register-reports/draft", params={"unit": MARKET, **PERIOD}).json()["submitted"] is True
    # consolidations: not for a unit's staff
    assert api.get(MARKET_STAFF, "/register-reports/consolidations", params=params).status_code == 403
    assert api.get(SUPERVISOR, "/register-reports/consolidations", params=params).json() == []


def test_a_retried_submission_returns_the_first_answer_and_appends_nothing(api: Api) -> None:
    given_last_quarter(api)
    headers = {"Idempotency-Key": "quarterly-report-once"}
    first = api.post(MARKET_STAFF, "/register-reports", {"unit": MARKET, **PERIOD}, headers=headers)
    assert first.status_code == 201
    after = api.head()
    given_last_quarter(api, name="另一家公司")  # the register moves on; the retry still gets the first answer
    moved = api.head()
    retry = api.post(MARKET_STAFF, "/register-reports", {"unit": MARKET, **PERIOD}, headers=headers)
    assert retry.status_code == 201 and retry.json() == first.json() and api.head() == moved > after


def test_the_due_date_of_a_quarter_is_explained_day_by_day(api: Api) -> None:
    r = api.get(MARKET_STAFF, "/register-reports/due", params={"year": 2026, "quarter": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["due"]["due_on"] == "2026-10-13" and body["due"]["counting"] == "working"
    assert any("国庆节放假，不计" in line for line in body["explained"])
    q4 = api.get(MARKET_STAFF, "/register-reports/due", params={"year": 2026, "quarter": 4}).json()
    assert q4["due"]["provisional"] is True and q4["due"]["assumed_years"] == [2027]
    half = api.get(MARKET_STAFF, "/register-reports/due", params={"year": 2026})
    assert half.status_code == 422 and errors(half) == [("quarter", "required")]


def test_the_report_and_its_file_on_sqlite_and_postgresql(store_api: Api) -> None:
    api = store_api
    given_last_quarter(api)
    rid = submitted(api)
    api.ok(REGISTRAR, f"/register-reports/{rid}/receive", {"version": 1})
    cid = api.ok(REGISTRAR, "/register-reports/consolidations", PERIOD, status=201)["record_id"]
    report = api.get(MARKET_STAFF, f"/register-reports/{rid}").json()
    r = api.get(MARKET_STAFF, f"/register-reports/{rid}", params={"format": "xlsx"})
    assert r.headers["x-content-sha256"] == report["versions"][0]["snapshot"]["xlsx_sha256"]
    rows = api.get(SUPERVISOR, "/register-reports", params={"wait_for": api.head(), **PERIOD}).json()
    assert [(x["unit"], x["state"], x["version"]) for x in rows] == [(MARKET, "received", 1)]
    (c,) = api.get(SUPERVISOR, "/register-reports/consolidations", params=PERIOD).json()
    assert c["consolidation_id"] == cid and c["units"] == f"{MARKET}（第1版）"
