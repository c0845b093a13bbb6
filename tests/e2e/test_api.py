"""The HTTP API end to end: the real Litestar app, a migrated store, the
projection runners running in-process, users logged in with bearer tokens.

The main flow runs on SQLite and on PostgreSQL; the rest on SQLite. Every
refused request is checked to have appended nothing to the ledger's log.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.directory import User
from ledger.values import CST
from tests.e2e import payloads as p
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
    VALID_RIC,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MASKED_RIC = VALID_RIC[:6] + "*" * 8 + VALID_RIC[-4:]
FORM_NUMBER = re.compile(r"^\d{4}年第\d+号$")


# ---------------------------------------------------------------- helpers


@contextmanager
def appends_nothing(api: Api) -> Iterator[None]:
    """The block's requests were refused: the ledger's log did not move."""
    before = api.head()
    yield
    assert api.head() == before, "a refused request appended to the ledger"


def refused(api: Api, response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    assert CHINESE.search(body["message"]), body
    return body


def case_at(api: Api, stage: str, **book: Any) -> str:
    """A new case brought to ``stage`` through the API; returns its id."""
    cid = api.book(**book)["case_id"]
    steps = [
        ("accepted", REGISTRAR, "accept", p.accept()),
        ("dispatched", DISPATCHER, "dispatch", p.dispatch()),
        ("served", MARKET_STAFF, "serve", p.serve()),
        ("rated", MARKET_STAFF, "rate", p.rate()),
    ]
    if stage == "applied":
        return cid
    for name, user, path, body in steps:
        api.ok(user, f"/cases/{cid}/{path}", body)
        if name == stage:
            return cid
    raise ValueError(stage)


def wait(api: Api, result: dict[str, Any]) -> dict[str, int]:
    return {"wait_for": result["notification_id"]}


def registry(api: Api, user: str, **params: Any) -> list[dict[str, Any]]:
    r = api.get(user, "/registry", params=params)
    assert r.status_code == 200, r.text
    return r.json()


# ------------------------------------------------------------ the main flow


def test_a_case_is_booked_served_reversed_archived_and_annotated_and_every_read_shows_it(store_api: Api) -> None:
    api = store_api
    booked = api.ok(REGISTRAR, "/cases", p.book(), status=201)
    cid = booked["case_id"]
    assert booked["version"] == 1 and booked["number"] is None and booked["notification_id"] == api.head()

    accepted = api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    assert accepted["version"] == 2 and FORM_NUMBER.match(accepted["number"])
    queue = api.get(DISPATCHER, "/queues/dispatch", params=wait(api, accepted)).json()
    assert [r["case_id"] for r in queue] == [cid]
    assert queue[0]["form_number"] == accepted["number"] and queue[0]["due_at"]

    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    served = api.ok(MARKET_STAFF, f"/cases/{cid}/serve", p.serve())
    assert FORM_NUMBER.match(served["number"])
    rated = api.ok(MARKET_STAFF, f"/cases/{cid}/rate", p.rate())
    assert FORM_NUMBER.match(rated["number"])
    api.ok(MARKET_STAFF, f"/cases/{cid}/rectifications", p.rectification())
    api.ok(MARKET_STAFF, f"/cases/{cid}/follow-ups", p.follow_up())
    api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal())
    api.ok(
        MARKET_STAFF,
        f"/cases/{cid}/penalty-remakes",
        p.reversal(list_="lighter", number="淄张市监罚〔2025〕120号", new_sanction="警告"),
    )
    api.ok(REGISTRAR, f"/cases/{cid}/corrections", p.correct())
    archived = api.ok(REGISTRAR, f"/cases/{cid}/archive", {})
    assert FORM_NUMBER.match(archived["number"])
    last = api.ok(SUPERVISOR, f"/cases/{cid}/annotations", p.annotate(about_version=4))
    assert last["version"] == 12 and last["notification_id"] == api.head()

    # the case itself
    case = api.get(REGISTRAR, f"/cases/{cid}").json()
    assert case["state"] == "archived" and case["state_label"] == "已归档" and case["version"] == 12
    assert case["application_number"] == accepted["number"] and case["archive_number"] == archived["number"]
    assert case["opinion"]["findings"] == "进货查验台账记录不全" and case["rating"]["response"] == "excellent"
    assert case["contact"]["phone"] == "+8613953312346"  # corrected, E.164
    assert [r["decision"]["number"] for r in case["reversals"]] == ["淄张市监罚〔2025〕118号", "淄张市监罚〔2025〕120号"]
    assert case["reversals"][1]["new_sanction"] == "警告"
    assert case["corrections"] == 1 and case["annotations"] == 1 and len(case["follow_ups"]) == 1

    # its history: who did each step comes from their token
    history = api.get(SUPERVISOR, f"/cases/{cid}/history").json()
    assert [(e["event"], e["actor_id"]) for e in history] == [
        ("Applied", REGISTRAR),
        ("Accepted", REGISTRAR),
        ("Dispatched", DISPATCHER),
        ("Served", MARKET_STAFF),
        ("Rated", MARKET_STAFF),
        ("RectificationTracked", MARKET_STAFF),
        ("FollowedUp", MARKET_STAFF),
        ("PenaltyRevoked", MARKET_STAFF),
        ("PenaltyRemade", MARKET_STAFF),
        ("Corrected", REGISTRAR),
        ("Archived", REGISTRAR),
        ("Annotated", SUPERVISOR),
    ]
    assert history[7]["basis"] == "《中华人民共和国行政处罚法》第三十三条第一款"

    # as of the moment of booking, the case was only applied for
    then = api.get(REGISTRAR, f"/cases/{cid}", params={"as_of": history[0]["recorded_at"]}).json()
    assert then["state"] == "applied" and then["version"] == 1 and then["application_number"] is None

    # the read models, once they have caught up with the last command
    rows = registry(api, REGISTRAR, **wait(api, last))
    row = next(r for r in rows if r["case_id"] == cid)
    assert row["state"] == "已归档" and row["archive_number"] == archived["number"]
    assert row["opinion_number"] == served["number"] and row["units"] == MARKET
    assert all(cid not in {r["case_id"] for r in api.get(REGISTRAR, f"/queues/{s}").json()}
               for s in ("acceptance", "dispatch", "service", "rating", "follow_up", "archiving"))
    audit = api.get(AUDITOR, "/audit", params={"case_id": cid, **wait(api, last)}).json()
    assert [a["action"] for a in audit] == [e["event"] for e in history]
    assert {a["case_id"] for a in audit} == {cid}
    stats = {s["unit"]: s for s in api.get(SUPERVISOR, "/stats", params={"by": "unit"}).json()}
    assert stats[MARKET]["served"] == 2 and stats[MARKET]["rated"] == 2  # ours and the demo case
    register = api.get(SUPERVISOR, "/registry/guidance-register").json()
    assert [r["seq"] for r in register] == list(range(1, len(register) + 1))
    services = [r for r in register if r["source"] == "case"]  # beside the demo's own guidance (行政指导)
    assert len(services) == 2 and "淄博鲁味轩餐饮管理有限公司" in services[1]["matter"]
    assert {r["source"] for r in register} == {"case", "guidance"}

    # a refused case and a withdrawn one, each archived with its reason
    refused_id = api.book(name="另一家餐饮公司")["case_id"]
    api.ok(REGISTRAR, f"/cases/{refused_id}/refuse", p.refuse())
    withdrawn_id = api.book(name="第三家餐饮公司")["case_id"]
    api.ok(REGISTRAR, f"/cases/{withdrawn_id}/accept", p.accept())
    w = api.ok(REGISTRAR, f"/cases/{withdrawn_id}/withdraw", p.withdraw())
    archiving = api.get(REGISTRAR, "/queues/archiving", params=wait(api, w)).json()
    assert {refused_id, withdrawn_id} <= {r["case_id"] for r in archiving}
    for case_id in (refused_id, withdrawn_id):
        api.ok(REGISTRAR, f"/cases/{case_id}/archive", {})
    assert api.get(REGISTRAR, f"/cases/{refused_id}").json()["referral"]["body"] == "市人民政府行政复议办公室"
    assert api.get(REGISTRAR, f"/cases/{withdrawn_id}").json()["withdrawal_reason"] == "申请人已自行完成整改，撤回申请"


# ---------------------------------------------------------------- case reads


def test_a_case_read_as_of_an_earlier_time_shows_the_earlier_state(api: Api) -> None:
    cid = api.book()["case_id"]
    before_accept = datetime.now(timezone.utc)
    time.sleep(0.01)
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    time.sleep(0.01)
    before_dispatch = datetime.now(timezone.utc)
    time.sleep(0.01)
    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())

    def as_of(t: datetime) -> dict[str, Any]:
        r = api.get(REGISTRAR, f"/cases/{cid}", params={"as_of": t.isoformat()})
        assert r.status_code == 200, r.text
        return r.json()

    assert (as_of(before_accept)["state"], as_of(before_accept)["version"]) == ("applied", 1)
    assert as_of(before_dispatch)["state"] == "accepted" and as_of(before_dispatch)["assignments"] == []
    assert api.get(REGISTRAR, f"/cases/{cid}").json()["state"] == "dispatched"
    early = api.get(REGISTRAR, f"/cases/{cid}", params={"as_of": "2020-01-01T00:00:00+08:00"})
    refused(api, early, 404, "case_not_found")


def test_history_names_the_token_holder_as_actor_and_a_body_cannot_claim_another_actor(api: Api) -> None:
    cid = api.book()["case_id"]
    with appends_nothing(api):
        smuggled = api.post(
            REGISTRAR,
            f"/cases/{cid}/accept",
            {"deadline_class": "general", "actor": {"id": "liqiang", "name": "李强", "role": "dispatcher", "unit": OFFICE}},
        )
        refused(api, smuggled, 400, "invalid_request")
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept(basis="材料齐全"))
    history = api.get(REGISTRAR, f"/cases/{cid}/history").json()
    assert [(e["actor_id"], e["actor_name"], e["role"], e["unit"]) for e in history] == [
        (REGISTRAR, "张敏", "registrar", OFFICE),
        (REGISTRAR, "张敏", "registrar", OFFICE),
    ]
    assert history[1]["basis"] == "材料齐全" and history[1]["data"]["deadline_class"] == "general"
    assert all(e["request_id"] for e in history)


def test_a_request_id_header_is_kept_in_the_events_audit_envelope(api: Api) -> None:
    r = api.post(REGISTRAR, "/cases", p.book(), headers={"X-Request-ID": "req-e2e-42"})
    assert r.status_code == 201
    history = api.get(REGISTRAR, f"/cases/{r.json()['case_id']}/history").json()
    assert history[0]["request_id"] == "req-e2e-42"


# -------------------------------------------------------------------- queues


def test_each_open_case_waits_in_the_queue_of_its_stage(api: Api) -> None:
    ids = {stage: case_at(api, stage) for stage in ("applied", "accepted", "dispatched", "served", "rated")}
    last = api.ok(REGISTRAR, f"/cases/{ids['applied']}/annotations", p.annotate())
    expected = {
        "acceptance": ids["applied"],
        "dispatch": ids["accepted"],
        "service": ids["dispatched"],
        "rating": ids["served"],
        "follow_up": ids["rated"],
    }
    for stage, cid in expected.items():
        rows = api.get(SUPERVISOR, f"/queues/{stage}", params=wait(api, last)).json()
        assert [r["case_id"] for r in rows] == [cid], stage
    service = api.get(MARKET_STAFF, "/queues/service").json()[0]
    assert service["units"] == MARKET and service["overdue"] is False and service["due_at"].endswith("+08:00")
    # the demo case is archived: nothing is left to do
    assert api.get(SUPERVISOR, "/queues/archiving").json() == []
    with appends_nothing(api):
        refused(api, api.get(SUPERVISOR, "/queues/nowhere"), 422, "invalid_input")


# ------------------------------------------------------------------ registry


def test_the_registry_filters_by_unit_service_type_state_and_application_time_and_pages(api: Api) -> None:
    market = case_at(api, "dispatched")
    fire = api.book(name="某消防器材公司", service_types=["legal_consultation"])["case_id"]
    api.ok(REGISTRAR, f"/cases/{fire}/accept", p.accept())
    last = api.ok(DISPATCHER, f"/cases/{fire}/dispatch", p.dispatch(units=(FIRE,)))
    everything = registry(api, REGISTRAR, **wait(api, last))
    demo = everything[0]["case_id"]  # seeded fourteen days ago: first in order of application
    assert [r["case_id"] for r in everything] == [demo, market, fire]

    def ids(**params: Any) -> list[str]:
        return [r["case_id"] for r in registry(api, REGISTRAR, **params)]

    assert ids(unit=MARKET) == [demo, market]
    assert ids(unit=FIRE) == [demo, fire]
    assert ids(service_type="legal_consultation") == [fire]
    assert ids(state="dispatched") == [market, fire]
    assert ids(state="archived") == [demo]
    since = (datetime.now(CST) - timedelta(days=1)).isoformat()
    assert ids(applied_from=since) == [market, fire]
    assert ids(applied_to=since) == [demo]
    assert ids(limit=2) == [demo, market]
    assert ids(limit=2, offset=2) == [fire]
    assert ids(offset=3) == []
    row = registry(api, REGISTRAR, service_type="legal_consultation")[0]
    assert row["service_types"] == "法律问题咨询" and row["state"] == "已派单" and row["channel"] == "电话预约"
    with appends_nothing(api):
        refused(api, api.get(REGISTRAR, "/registry", params={"limit": 0}), 400, "invalid_request")
        refused(api, api.get(REGISTRAR, "/registry", params={"service_type": "haircut"}), 400, "invalid_request")


def test_the_registry_exports_as_csv_with_the_sha256_of_the_file_in_a_header(api: Api) -> None:
    last = api.book(name="导出测试有限公司")
    r = api.get(REGISTRAR, "/registry", params={"format": "csv", "limit": 1, **wait(api, last)})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["X-Content-SHA256"] == hashlib.sha256(r.content).hexdigest()
    assert r.content.startswith("\ufeff".encode())  # a BOM, for Excel
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["申请表编号", "申请单位/个人", "统一社会信用代码/身份证号"] and rows[0][-1] == "案件ID"
    assert len(rows) == 3  # header, demo case, ours: CSV ignores paging
    assert rows[2][1] == "导出测试有限公司" and rows[2][-1] == last["case_id"]
    again = api.get(REGISTRAR, "/registry", params={"format": "csv"})
    assert again.headers["X-Content-SHA256"] == r.headers["X-Content-SHA256"]
    refused(api, api.get(REGISTRAR, "/registry", params={"format": "xml"}), 400, "invalid_request")


def test_the_registry_as_of_a_past_moment_shows_what_the_ledger_knew_then(api: Api) -> None:
    booked = api.book(name="时点查询有限公司")
    cid = booked["case_id"]
    time.sleep(0.01)
    moment = datetime.now(timezone.utc)
    time.sleep(0.01)
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    now_row = next(r for r in registry(api, REGISTRAR, wait_for=api.head()) if r["case_id"] == cid)
    assert now_row["state"] == "已受理" and now_row["form_number"]

    by_id = api.get(REGISTRAR, "/registry", params={"as_of": str(booked["notification_id"])})
    assert by_id.status_code == 200 and by_id.headers["X-Ledger-Cutoff"] == str(booked["notification_id"])
    then = next(r for r in by_id.json() if r["case_id"] == cid)
    assert then["state"] == "已预约" and then["form_number"] is None

    by_time = api.get(REGISTRAR, "/registry", params={"as_of": moment.isoformat(), "state": "applied"})
    assert [r["case_id"] for r in by_time.json()] == [cid]
    assert int(by_time.headers["X-Ledger-Cutoff"]) == booked["notification_id"]

    csv_then = api.get(REGISTRAR, "/registry", params={"as_of": str(booked["notification_id"]), "format": "csv"})
    assert csv_then.headers["X-Content-SHA256"] == hashlib.sha256(csv_then.content).hexdigest()
    assert "已预约" in csv_then.content.decode("utf-8-sig")
    refused(api, api.get(REGISTRAR, "/registry", params={"as_of": "last tuesday"}), 422, "invalid_input")


def test_the_guidance_register_lists_each_service_given_and_cuts_by_quarter(api: Api) -> None:
    cid = case_at(api, "served")
    last = api.ok(REGISTRAR, f"/cases/{cid}/annotations", p.annotate())
    api.get(REGISTRAR, "/registry", params=wait(api, last))
    lines = api.get(REGISTRAR, "/registry/guidance-register").json()
    assert [r["seq"] for r in lines] == list(range(1, len(lines) + 1))
    rows = [r for r in lines if r["source"] == "case"]  # the services; the demo's own guidance beside them
    assert len(rows) == 2
    assert rows[1]["result"] == "建立并如实填写进货查验记录" and rows[1]["staff"] == "王磊"
    assert rows[1]["matter"].startswith("淄博鲁味轩餐饮管理有限公司：合规经营指导")
    now = datetime.now(CST)
    quarter = (now.month - 1) // 3 + 1

    def quarter_of(row: dict[str, Any]) -> tuple[int, int]:
        year, month = re.match(r"(\d+)年(\d+)月", row["time"]).groups()  # type: ignore[union-attr]
        return int(year), (int(month) - 1) // 3 + 1

    expected = [r["matter"] for r in lines if quarter_of(r) == (now.year, quarter)]
    cut = api.get(REGISTRAR, "/registry/guidance-register", params={"year": now.year, "quarter": quarter}).json()
    assert [r["matter"] for r in cut] == expected and rows[1]["matter"] in expected  # ours was served just now
    assert [r["seq"] for r in cut] == list(range(1, len(cut) + 1))  # numbered within the quarter
    assert api.get(REGISTRAR, "/registry/guidance-register", params={"year": 2001, "quarter": 1}).json() == []
    refused(api, api.get(REGISTRAR, "/registry/guidance-register", params={"quarter": 5}), 400, "invalid_request")


# --------------------------------------------------------------------- audit


def test_the_audit_log_filters_by_actor_unit_case_action_and_recording_time(api: Api) -> None:
    cid = case_at(api, "dispatched")
    time.sleep(0.01)
    moment = datetime.now(timezone.utc)
    time.sleep(0.01)
    last = api.ok(MARKET_STAFF, f"/cases/{cid}/serve", p.serve())

    def audit(**params: Any) -> list[dict[str, Any]]:
        r = api.get(AUDITOR, "/audit", params={**params, **wait(api, last)})
        assert r.status_code == 200, r.text
        return r.json()

    everything = audit()
    assert [a["notification_id"] for a in everything] == sorted(a["notification_id"] for a in everything)
    assert everything[-1]["notification_id"] == last["notification_id"]
    assert [a["action"] for a in audit(case_id=cid)] == ["Applied", "Accepted", "Dispatched", "Served"]
    mine = audit(actor=MARKET_STAFF, case_id=cid)
    assert [(a["action"], a["actor_name"], a["role"], a["unit"]) for a in mine] == [
        ("Served", "王磊", "unit_staff", MARKET)
    ]
    # ours and the demo's (its case by u-wang; its filing's legal review passed by qianlv)
    assert {a["actor_id"] for a in audit(unit=MARKET)} == {MARKET_STAFF, "u-wang", "qianlv"}
    assert [a["aggregate"] for a in audit(action="Dispatched", case_id=cid)] == ["case"]
    assert {a["action"] for a in audit(recorded_from=moment.isoformat())} == {"Served", "NumberIssued"}
    assert all(a["recorded_at"] < moment.isoformat() for a in audit(recorded_to=moment.isoformat()))
    assert len(audit(limit=2, offset=1)) == 2 and audit(limit=2, offset=1)[0] == everything[1]
    users = audit(action="Registered", actor="system")
    assert {a["aggregate"] for a in users} == {"unit", "user"}


def test_only_supervisors_auditors_and_administrators_read_the_audit_log(api: Api) -> None:
    for user in (SUPERVISOR, AUDITOR, ADMIN):
        assert api.get(user, "/audit", params={"limit": 1}).status_code == 200
    for user in (REGISTRAR, DISPATCHER, MARKET_STAFF):
        refused(api, api.get(user, "/audit"), 403, "role_not_allowed")


# --------------------------------------------------------------- statistics


def test_statistics_by_unit_give_satisfaction_and_on_time_rates(api: Api) -> None:
    cid = case_at(api, "rated")
    last = api.ok(MARKET_STAFF, f"/cases/{cid}/follow-ups", p.follow_up())
    api.get(SUPERVISOR, "/registry", params=wait(api, last))
    stats = {s["unit"]: s for s in api.get(SUPERVISOR, "/stats", params={"by": "unit"}).json()}
    assert set(stats) == {MARKET, FIRE}
    market = stats[MARKET]
    assert (market["served"], market["rated"], market["on_time"], market["on_time_rate"]) == (2, 2, 2, 1.0)
    # ours: excellent, good, good, excellent; the demo's: excellent, excellent, good, excellent
    assert market["response_mean"] == 4.0 and market["attitude_mean"] == 3.5 and market["usefulness_mean"] == 3.0
    assert market["result_satisfied_rate"] == 1.0
    assert stats[FIRE]["served"] == 1
    by_type = api.get(SUPERVISOR, "/stats", params={"by": "service_type"}).json()
    assert {s["label"] for s in by_type} == {"合规经营指导", "问题整改帮扶"}
    refused(api, api.get(SUPERVISOR, "/stats", params={"by": "weather"}), 400, "invalid_request")


def test_statistics_as_of_a_moment_are_those_of_the_registry_then(api: Api) -> None:
    """``/stats?as_of=``: the figures of the registry as the ledger knew it at the cut-off — at the
    head the live figures, before a service the figures without it; a unit's staff their own only."""
    before = api.head()
    cid = case_at(api, "rated")
    head = api.head()
    for by in ("unit", "service_type", "month", "quarter"):
        live = api.get(SUPERVISOR, "/stats", params={"by": by, "wait_for": head}).json()
        then = api.get(SUPERVISOR, "/stats", params={"by": by, "as_of": str(head)})
        assert then.status_code == 200 and then.headers["X-Ledger-Cutoff"] == str(head)
        assert then.json() == live, by
    earlier = {s["unit"]: s for s in api.get(SUPERVISOR, "/stats", params={"by": "unit", "as_of": str(before)}).json()}
    now = {s["unit"]: s for s in api.get(SUPERVISOR, "/stats", params={"by": "unit", "as_of": str(head)}).json()}
    assert now[MARKET]["served"] == earlier.get(MARKET, {"served": 0})["served"] + 1, cid
    own = api.get(FIRE_STAFF, "/stats", params={"by": "unit", "as_of": str(head)}).json()
    assert {s["unit"] for s in own} <= {FIRE}
    sheet = api.get(SUPERVISOR, "/stats", params={"by": "unit", "as_of": str(head), "format": "xlsx"})
    assert sheet.status_code == 200 and f"asof-{head}" in sheet.headers["content-disposition"]


# ------------------------------------------------------------------ calendar


def test_a_due_date_into_an_unrecorded_year_is_provisional_until_the_administrator_records_it(api: Api) -> None:
    url = "/calendar/due?from=2026-12-30T10:00:00%2B08:00&class=general"
    before = api.get(REGISTRAR, url).json()
    assert before["provisional"] is True and before["assumed_years"] == [2027]
    assert before["start"] == "2026-12-30T10:00:00+08:00"
    # 1 January is a statutory day: it rests before the year is recorded
    assert (before["target"], before["limit"]) == ("2027-01-05T23:59:59+08:00", "2027-01-07T23:59:59+08:00")
    assert "法定节假日" in before["assumed"] and "调休" in before["assumed"]

    with appends_nothing(api):
        refused(api, api.post(REGISTRAR, "/calendar/years", p.year_2027()), 403, "calendar_admin_only")
    recorded = api.ok(ADMIN, "/calendar/years", p.year_2027())
    assert recorded["case_id"] is None and recorded["notification_id"] == api.head()

    after = api.get(REGISTRAR, url).json()
    assert after["provisional"] is False and after["assumed_years"] == []
    # the recorded schedule also rests on 4 January: the 3rd and 5th working days move
    assert (after["target"], after["limit"]) == ("2027-01-06T23:59:59+08:00", "2027-01-08T23:59:59+08:00")
    assert after["assumed"] is None
    urgent = api.get(REGISTRAR, "/calendar/due", params={"from": "2026-12-30T10:00:00", "class": "urgent"}).json()
    assert urgent["limit"] == "2026-12-31T10:00:00+08:00"  # naive times are China Standard Time
    with appends_nothing(api):
        refused(api, api.post(ADMIN, "/calendar/years", p.year_2027()), 422, "invalid_input")  # unchanged
        refused(api, api.get(REGISTRAR, "/calendar/due", params={"from": "2026-12-30", "class": "eventually"}), 400)


# ------------------------------------------------------- service endpoints


def test_health_the_openapi_schema_and_swagger_are_served_without_a_token(api: Api) -> None:
    health = api.client.get("/health").json()
    assert health.pop("database")["status"] == "ok"
    assert health == {"status": "ok", "listener": "off",  # SQLite: no cache listener
                      "projections": {"mode": "thread", "restarts": 0, "failing": [], "last_errors": {}}}
    schema = api.client.get("/schema/openapi.json")
    assert schema.status_code == 200
    operations = {op["operationId"] for path in schema.json()["paths"].values() for op in path.values()}
    assert {"bookGuidance", "remakePenalty", "getRegistry", "getDue", "disableUser", "login", "health"} <= operations
    swagger = api.client.get("/schema/swagger")
    assert swagger.status_code == 200 and "swagger-ui" in swagger.text.lower()


# ------------------------------------------------------------ administration


def test_the_administrator_registers_a_unit_and_a_user_who_then_logs_in_and_sees_themselves(api: Api) -> None:
    unit = api.ok(ADMIN, "/admin/units", {"name": "市生态环境局", "kind": "enforcement"}, status=201)
    assert unit["case_id"] is None and unit["version"] == 1
    user = api.ok(
        ADMIN, "/admin/users", {"username": "zhoutao", "display_name": "周涛", "role": "unit_staff", "unit": "市生态环境局"},
        status=201,
    )
    assert user["notification_id"] == api.head()
    assert api.login("zhoutao", "whatever-password").status_code == 401  # no password yet
    api.ok(ADMIN, "/auth/password", {"username": "zhoutao", "new_password": "zhoutao-password-1"})
    login = api.login("zhoutao", "zhoutao-password-1")
    assert login.status_code == 200
    token = login.json()
    assert (token["token_type"], token["role"], token["unit"], token["expires_in"]) == (
        "Bearer", "unit_staff", "市生态环境局", 8 * 3600,
    )
    me = api.client.get("/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me == {"username": "zhoutao", "display_name": "周涛", "role": "unit_staff", "unit": "市生态环境局"}
    with appends_nothing(api):
        refused(api, api.post(ADMIN, "/admin/units", {"name": "市生态环境局", "kind": "enforcement"}), 422, "invalid_input")
        dup = api.post(ADMIN, "/admin/users", {"username": "zhoutao", "display_name": "周", "role": "auditor", "unit": OFFICE})
        assert refused(api, dup, 422)["errors"][0]["code"] == "duplicate"
        nowhere = api.post(ADMIN, "/admin/users", {"username": "x2", "display_name": "某", "role": "auditor", "unit": "不存在的单位"})
        assert refused(api, nowhere, 422)["errors"][0] == {
            "field": "unit", "code": "unknown_unit", "message": "没有名为“不存在的单位”的单位，请先登记单位",
        }


def test_an_assignment_changes_a_users_role_and_unit_for_their_current_token(api: Api) -> None:
    assert api.get(FIRE_STAFF, "/auth/me").json()["unit"] == FIRE
    api.ok(ADMIN, f"/admin/users/{FIRE_STAFF}/assignment", {"role": "unit_staff", "unit": MARKET, "basis": "调岗"})
    assert api.get(FIRE_STAFF, "/auth/me").json() == {
        "username": FIRE_STAFF, "display_name": "孙浩", "role": "unit_staff", "unit": MARKET,
    }
    cid = case_at(api, "dispatched")  # a MARKET case: now theirs
    assert api.get(FIRE_STAFF, f"/cases/{cid}").status_code == 200
    with appends_nothing(api):
        refused(api, api.post(ADMIN, f"/admin/users/{FIRE_STAFF}/assignment", {"role": "unit_staff", "unit": MARKET, "basis": "调岗"}), 422)
        refused(api, api.post(ADMIN, "/admin/users/nobody/assignment", {"role": "auditor", "unit": MARKET}), 404, "user_not_found")


def test_a_disabled_users_token_stops_working_at_once_and_works_again_once_enabled(api: Api) -> None:
    token = api.token(MARKET_STAFF)
    assert api.get(MARKET_STAFF, "/auth/me").status_code == 200
    api.ok(ADMIN, f"/admin/users/{MARKET_STAFF}/disable")
    with appends_nothing(api):
        refused(api, api.get(MARKET_STAFF, "/auth/me"), 401, "not_authenticated")
        refused(api, api.post(MARKET_STAFF, "/cases", p.book()), 401)
        refused(api, api.login(MARKET_STAFF), 401)
        refused(api, api.post(ADMIN, f"/admin/users/{MARKET_STAFF}/disable"), 409, "already_disabled")
    api.ok(ADMIN, f"/admin/users/{MARKET_STAFF}/enable")
    assert api.token(MARKET_STAFF) == token  # the very same token
    assert api.get(MARKET_STAFF, "/auth/me").json()["username"] == MARKET_STAFF
    refused(api, api.post(ADMIN, f"/admin/users/{MARKET_STAFF}/enable"), 409, "already_enabled")
    history = api.get(ADMIN, "/audit", params={"actor": ADMIN, "action": "Disabled", "wait_for": api.head()}).json()
    assert [a["aggregate"] for a in history] == ["user"]


def test_users_change_their_own_password_but_only_an_administrator_changes_someone_elses(api: Api) -> None:
    with appends_nothing(api):
        other = api.post(REGISTRAR, "/auth/password", {"username": DISPATCHER, "new_password": "takeover-password"})
        refused(api, other, 403, "own_password_only")
        short = api.post(REGISTRAR, "/auth/password", {"new_password": "short", "current_password": DEMO_PASSWORD})
        assert refused(api, short, 422)["errors"][0] == {
            "field": "new_password", "code": "password_too_short", "message": "密码至少10位",
        }
        # one's own password changes only with the current one (an open session is not enough)
        for current in (None, "not-the-password"):
            body = {"new_password": "a-new-registrar-password", "current_password": current}
            assert refused(api, api.post(REGISTRAR, "/auth/password", body), 422)["errors"][0]["field"] == "current_password"
    r = api.ok(REGISTRAR, "/auth/password", {"new_password": "a-new-registrar-password", "current_password": DEMO_PASSWORD})
    assert r["case_id"] is None and r["notification_id"] == api.head()
    assert api.login(REGISTRAR).status_code == 401
    assert api.login(REGISTRAR, "a-new-registrar-password").status_code == 200
    api.ok(ADMIN, "/auth/password", {"username": DISPATCHER, "new_password": "reset-by-administrator"})
    signed_in = api.login(DISPATCHER, "reset-by-administrator")
    assert signed_in.status_code == 200 and signed_in.json()["must_change_password"] is True


# -------------------------------------------------------------------- errors


def undecodable(why: str) -> bytes:
    """A /cases body that cannot be decoded into BookGuidanceBody."""
    if why == "malformed":
        return b'{"applicant": {"kind": "organisation",'
    if why == "array":
        return b"[1, 2, 3]"
    body = p.book()
    if why == "wrong-types":
        body["service_types"] = "compliance_guidance"
        body["contact"] = {"name": "刘芳", "phone": 13953312345}
    elif why == "unknown-field":
        body["priority"] = "high"
    elif why == "missing-field":
        del body["needs"]
    elif why == "unknown-enum":
        body["channel"] = "carrier_pigeon"
    return json.dumps(body).encode()


UNDECODABLE = ["malformed", "array", "wrong-types", "unknown-field", "missing-field", "unknown-enum"]


@pytest.mark.parametrize("why", UNDECODABLE)
def test_a_body_that_does_not_decode_is_400_invalid_request_in_chinese_and_appends_nothing(api: Api, why: str) -> None:
    # (malformed JSON, found by these tests, used to be {"code": "http_error", "message": "Input data was truncated"})
    with appends_nothing(api):
        r = api.post(REGISTRAR, "/cases", headers={"Content-Type": "application/json"}, content=undecodable(why))
        body = refused(api, r, 400, "invalid_request")
    assert body["message"].startswith("请求数据格式错误")
    if why in ("wrong-types", "unknown-field", "missing-field"):
        assert body["errors"] and all(e["code"] == "invalid_value" for e in body["errors"])


def test_requests_without_a_token_or_with_a_bad_token_are_401(api: Api) -> None:
    secret = api.app.state.jwt.token_secret
    wrong_secret = jwt.encode({"sub": REGISTRAR, "exp": int(time.time()) + 3600, "iat": int(time.time())}, "x" * 48)
    unknown_user = jwt.encode({"sub": "ghost", "exp": int(time.time()) + 3600, "iat": int(time.time())}, secret)
    with appends_nothing(api):
        for headers in (
            {},
            {"Authorization": "Bearer not-a-jwt"},
            {"Authorization": f"Bearer {wrong_secret}"},
            {"Authorization": f"Bearer {unknown_user}"},
            {"Authorization": api.token(REGISTRAR)},  # no scheme
        ):
            r = api.client.post("/cases", json=p.book(), headers=headers)
            refused(api, r, 401, "not_authenticated")
            assert api.client.get("/registry", headers=headers).status_code == 401
        refused(api, api.login(REGISTRAR, "wrong-password"), 401)
        refused(api, api.login("ghost", "whatever"), 401)


def test_an_expired_token_is_401(api: Api) -> None:
    secret = api.app.state.jwt.token_secret
    past = int(time.time()) - 3600
    gen = api.ledger.get_user(REGISTRAR).credential_generation  # tokens name the password they were issued under
    expired = jwt.encode({"sub": REGISTRAR, "exp": past, "iat": past - 60, "gen": gen}, secret, algorithm="HS256")
    still_valid = jwt.encode({"sub": REGISTRAR, "exp": past + 7200, "iat": past - 60, "gen": gen}, secret, algorithm="HS256")
    assert api.client.get("/auth/me", headers={"Authorization": f"Bearer {still_valid}"}).status_code == 200
    with appends_nothing(api):
        r = api.client.post("/cases", json=p.book(), headers={"Authorization": f"Bearer {expired}"})
        refused(api, r, 401, "not_authenticated")


def test_a_token_expires_after_the_configured_token_hours(sqlite_settings, make_api) -> None:
    with make_api(sqlite_settings, token_hours=3 / 3600) as api:  # three seconds
        login = api.login(REGISTRAR).json()
        assert login["expires_in"] == 3
        headers = {"Authorization": f"Bearer {login['access_token']}"}
        assert api.client.get("/auth/me", headers=headers).status_code == 200
        exp = jwt.decode(login["access_token"], options={"verify_signature": False})["exp"]
        time.sleep(max(0.0, exp - time.time()) + 1.1)
        with appends_nothing(api):
            refused(api, api.client.post("/cases", json=p.book(), headers=headers), 401, "not_authenticated")


def test_an_unknown_case_is_404(api: Api) -> None:
    ghost = uuid.uuid4()
    with appends_nothing(api):
        refused(api, api.get(REGISTRAR, f"/cases/{ghost}"), 404, "case_not_found")
        refused(api, api.get(REGISTRAR, f"/cases/{ghost}/history"), 404, "case_not_found")
        refused(api, api.post(REGISTRAR, f"/cases/{ghost}/accept", p.accept()), 404, "case_not_found")
        refused(api, api.post(REGISTRAR, f"/cases/{ghost}/annotations", p.annotate()), 404, "case_not_found")
        refused(api, api.get(REGISTRAR, "/cases/not-a-uuid"), 404, "not_found")
        # the id of another aggregate (a user) is not a case
        refused(api, api.get(REGISTRAR, f"/cases/{User.create_id(REGISTRAR)}"), 404, "case_not_found")


def test_a_step_in_the_wrong_state_is_409_and_so_is_archiving_an_incomplete_file(api: Api) -> None:
    cid = case_at(api, "accepted")
    with appends_nothing(api):
        again = refused(api, api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept()), 409, "wrong_state")
        assert "已受理" in again["message"]
        # not dispatched yet: unit staff do not see the case, so they are not told its state
        refused(api, api.post(MARKET_STAFF, f"/cases/{cid}/serve", p.serve()), 404, "case_not_found")
        refused(api, api.post(REGISTRAR, f"/cases/{cid}/archive", {}), 409, "wrong_state")
    rated = case_at(api, "rated")
    open_item = p.rectification()
    open_item["rectification"]["items"][0].update(status="open", evidence="")
    api.ok(MARKET_STAFF, f"/cases/{rated}/rectifications", open_item)
    with appends_nothing(api):
        incomplete = refused(api, api.post(REGISTRAR, f"/cases/{rated}/archive", {}), 409, "incomplete_file")
        assert "整改事项已跟踪完毕" in incomplete["message"]


def test_a_stale_expected_version_is_409_with_the_current_version(api: Api) -> None:
    cid = api.book()["case_id"]
    api.ok(SUPERVISOR, f"/cases/{cid}/annotations", p.annotate(note="请尽快受理"))
    with appends_nothing(api):
        stale = api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept(expected_version=1))
        body = refused(api, stale, 409, "conflict")
    assert body["current_version"] == 2
    assert api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept(expected_version=2))["version"] == 3


def test_a_body_over_one_megabyte_is_413(api: Api) -> None:
    with appends_nothing(api):
        r = api.post(REGISTRAR, "/cases", p.book(needs="需" * 400_000))  # 1.2 MB of UTF-8
        refused(api, r, 413, "body_too_large")
    just_under = api.post(REGISTRAR, "/cases", p.book(needs="需" * 300_000))
    assert just_under.status_code == 201


def test_invalid_fields_are_422_each_with_its_field_code_and_a_chinese_message(api: Api) -> None:
    bad = p.book(needs="  ")
    bad["applicant"]["id_number"] = bad["applicant"]["id_number"][:-1] + ("0" if bad["applicant"]["id_number"][-1] != "0" else "1")
    bad["contact"]["phone"] = "12345"
    with appends_nothing(api):
        body = refused(api, api.post(REGISTRAR, "/cases", bad), 422, "invalid_input")
    problems = {e["field"]: e for e in body["errors"]}
    assert set(problems) == {"needs", "applicant.id_number", "contact.phone"}
    assert problems["needs"]["code"] == "required"
    assert problems["applicant.id_number"]["code"] == "uscc_checksum"
    assert problems["contact.phone"]["code"] in ("phone_invalid", "phone_format")
    assert all(CHINESE.search(e["message"]) for e in body["errors"])
    future = (datetime.now(CST) + timedelta(days=1)).isoformat()
    with appends_nothing(api):
        r = api.post(REGISTRAR, "/cases", p.book(business_time=future))
        assert refused(api, r, 422)["errors"] == [
            {"field": "business_time", "code": "in_future", "message": "办理时间不能晚于当前时间"}
        ]
        naive = api.post(REGISTRAR, "/cases", p.book(business_time="2026-11-02T09:00:00"))
        assert refused(api, naive, 422)["errors"][0]["code"] == "naive_datetime"
        ancient = api.post(REGISTRAR, "/cases", p.book(business_time="1989-12-31T09:00:00+08:00"))
        assert refused(api, ancient, 422)["errors"] == [
            {"field": "business_time", "code": "out_of_range", "message": "时间应在1990年至2100年之间"}
        ]


def test_past_business_times_are_recorded_as_given(api: Api) -> None:
    booked = api.book(business_time="2026-11-02T09:00:00+08:00")
    accepted = api.ok(
        REGISTRAR, f"/cases/{booked['case_id']}/accept", p.accept(business_time="2026-11-02T09:30:00+08:00")
    )
    case = api.get(REGISTRAR, f"/cases/{booked['case_id']}").json()
    assert case["applied_at"] == "2026-11-02T09:00:00+08:00"
    assert case["due"]["start"] == "2026-11-02T09:30:00+08:00" and case["due"]["provisional"] is False
    assert accepted["version"] == 2
    with appends_nothing(api):
        before = api.post(DISPATCHER, f"/cases/{booked['case_id']}/dispatch",
                          p.dispatch(business_time="2026-11-02T09:10:00+08:00"))
        assert refused(api, before, 422)["errors"][0]["code"] == "before_previous_step"


def test_the_sixth_failed_login_is_429_even_with_the_right_password(api: Api) -> None:
    with appends_nothing(api):
        for _ in range(5):
            refused(api, api.login(DISPATCHER, "wrong-password"), 401, "not_authenticated")
        throttled = refused(api, api.login(DISPATCHER), 429, "too_many_attempts")
        assert "分钟后再试" in throttled["message"]
    assert api.login(REGISTRAR).status_code == 200  # throttled per username


# --------------------------------------------------------------- idempotency


def test_a_retried_command_with_the_same_idempotency_key_returns_the_same_body_and_appends_nothing(api: Api) -> None:
    key = {"Idempotency-Key": "book-7f3a"}
    first = api.post(REGISTRAR, "/cases", p.book(), headers=key)
    assert first.status_code == 201
    with appends_nothing(api):
        retry = api.post(REGISTRAR, "/cases", p.book(), headers=key)
    assert (retry.status_code, retry.content) == (201, first.content)
    cid = first.json()["case_id"]
    accept_key = {"Idempotency-Key": "accept-7f3a"}
    accepted = api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept(), headers=accept_key)
    with appends_nothing(api):
        again = api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept(), headers=accept_key)
    assert again.content == accepted.content and again.json()["number"] == accepted.json()["number"]
    assert len(api.get(REGISTRAR, f"/cases/{cid}/history").json()) == 2
    # the same key of another user is another request
    other = api.post(SUPERVISOR, f"/cases/{cid}/annotations", p.annotate(), headers=key)
    assert other.status_code == 200 and other.json()["case_id"] == cid


def test_the_same_idempotency_key_with_a_different_body_is_422_key_reused(api: Api) -> None:
    key = {"Idempotency-Key": "book-9c1d"}
    assert api.post(REGISTRAR, "/cases", p.book(), headers=key).status_code == 201
    with appends_nothing(api):
        r = api.post(REGISTRAR, "/cases", p.book(needs="另一个需求"), headers=key)
        body = refused(api, r, 422, "invalid_input")
        assert body["errors"][0]["field"] == "Idempotency-Key" and body["errors"][0]["code"] == "key_reused"
        too_long = api.post(REGISTRAR, "/cases", p.book(), headers={"Idempotency-Key": "k" * 201})
        assert refused(api, too_long, 422)["errors"][0]["code"] == "too_long"


def test_a_refused_command_does_not_use_up_its_idempotency_key(api: Api) -> None:
    key = {"Idempotency-Key": "accept-after-fix"}
    cid = api.book()["case_id"]
    with appends_nothing(api):
        refused(api, api.post(DISPATCHER, f"/cases/{cid}/accept", p.accept(), headers=key), 403)
    fixed = api.post(REGISTRAR, f"/cases/{cid}/accept", p.accept(), headers=key)
    assert fixed.status_code == 200 and fixed.json()["version"] == 2


# ------------------------------------------------------ denials by role/unit


def test_the_auditor_cannot_run_any_command(api: Api) -> None:
    ids = {stage: case_at(api, stage) for stage in ("applied", "accepted", "dispatched", "served", "rated")}
    attempts = [
        ("/cases", p.book()),
        (f"/cases/{ids['applied']}/accept", p.accept()),
        (f"/cases/{ids['applied']}/refuse", p.refuse()),
        (f"/cases/{ids['applied']}/withdraw", p.withdraw()),
        (f"/cases/{ids['accepted']}/dispatch", p.dispatch()),
        (f"/cases/{ids['dispatched']}/serve", p.serve()),
        (f"/cases/{ids['served']}/rate", p.rate()),
        (f"/cases/{ids['rated']}/follow-ups", p.follow_up()),
        (f"/cases/{ids['rated']}/rectifications", p.rectification()),
        (f"/cases/{ids['rated']}/penalty-revocations", p.reversal()),
        (f"/cases/{ids['rated']}/penalty-remakes", p.reversal(list_="lighter", new_sanction="警告")),
        (f"/cases/{ids['rated']}/archive", {}),
        (f"/cases/{ids['applied']}/corrections", p.correct()),
        (f"/cases/{ids['rated']}/annotations", p.annotate()),
        ("/calendar/years", p.year_2027()),
        ("/admin/units", {"name": "审计新单位", "kind": "other"}),
        ("/admin/users", {"username": "newbie", "display_name": "新人", "role": "auditor", "unit": OFFICE}),
        (f"/admin/users/{DISPATCHER}/assignment", {"role": "auditor", "unit": OFFICE}),
        (f"/admin/users/{DISPATCHER}/disable", None),
        (f"/admin/users/{DISPATCHER}/enable", None),
        ("/auth/password", {"username": DISPATCHER, "new_password": "auditor-was-here"}),
    ]
    with appends_nothing(api):
        statuses = {path: api.post(AUDITOR, path, body).status_code for path, body in attempts}
    assert statuses == {path: 403 for path, _ in attempts}
    # the same steps are open to the roles that do them: the cases were in the right state
    api.ok(REGISTRAR, f"/cases/{ids['rated']}/archive", {})
    api.ok(MARKET_STAFF, f"/cases/{ids['dispatched']}/serve", p.serve())


def test_the_dispatcher_cannot_accept_and_the_registrar_cannot_dispatch(api: Api) -> None:
    cid = api.book()["case_id"]
    with appends_nothing(api):
        body = refused(api, api.post(DISPATCHER, f"/cases/{cid}/accept", p.accept()), 403, "role_not_allowed")
        assert "登记受理人员" in body["message"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    with appends_nothing(api):
        refused(api, api.post(REGISTRAR, f"/cases/{cid}/dispatch", p.dispatch()), 403, "role_not_allowed")


def test_unit_staff_of_another_unit_cannot_serve(api: Api) -> None:
    cid = case_at(api, "dispatched")  # to the market regulator
    with appends_nothing(api):
        # another unit's case is answered as unknown, as a read of it is
        refused(api, api.post(FIRE_STAFF, f"/cases/{cid}/serve", p.serve()), 404, "case_not_found")
    assert api.ok(MARKET_STAFF, f"/cases/{cid}/serve", p.serve())["version"] == 4


def test_only_the_issuing_unit_may_revoke_or_remake_its_penalty(api: Api) -> None:
    cid = case_at(api, "rated")
    with appends_nothing(api):
        r = api.post(FIRE_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal(unit=MARKET))
        refused(api, r, 404, "case_not_found")  # not their unit's case
        r = api.post(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal(unit=FIRE))
        refused(api, r, 403, "issuing_unit_only")
        r = api.post(FIRE_STAFF, f"/cases/{cid}/penalty-remakes", p.reversal(list_="lighter", new_sanction="警告"))
        refused(api, r, 404, "case_not_found")
        short = p.reversal()
        short["reversal"]["explanation"] = "依法撤销"
        r = api.post(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", short)
        assert refused(api, r, 422)["errors"][0]["code"] == "explanation_required"
    api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal(unit=MARKET))
    with appends_nothing(api):
        twice = api.post(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal(unit=MARKET))
        refused(api, twice, 409, "already_reversed")


def test_unit_staff_see_only_their_own_units_cases_in_the_registry_and_queues(api: Api) -> None:
    market = case_at(api, "dispatched")
    fire = api.book(name="某消防器材公司")["case_id"]
    api.ok(REGISTRAR, f"/cases/{fire}/accept", p.accept())
    last = api.ok(DISPATCHER, f"/cases/{fire}/dispatch", p.dispatch(units=(FIRE,)))
    all_ids = [r["case_id"] for r in registry(api, REGISTRAR, **wait(api, last))]
    demo = all_ids[0]  # joint, to both units
    assert [r["case_id"] for r in registry(api, MARKET_STAFF)] == [demo, market]
    assert [r["case_id"] for r in registry(api, FIRE_STAFF)] == [demo, fire]
    assert [r["case_id"] for r in registry(api, FIRE_STAFF, unit=FIRE)] == [demo, fire]
    fire_csv = api.get(FIRE_STAFF, "/registry", params={"format": "csv"}).content.decode("utf-8-sig")
    assert fire in fire_csv and market not in fire_csv
    assert [r["case_id"] for r in api.get(MARKET_STAFF, "/queues/service").json()] == [market]
    assert [r["case_id"] for r in api.get(FIRE_STAFF, "/queues/service").json()] == [fire]
    assert {r["case_id"] for r in api.get(DISPATCHER, "/queues/service").json()} == {market, fire}
    assert api.get(FIRE_STAFF, "/queues/acceptance").json() == []


def test_unit_staff_asking_for_another_units_cases_are_403(api: Api) -> None:
    with appends_nothing(api):
        refused(api, api.get(MARKET_STAFF, "/registry", params={"unit": FIRE}), 403, "unit_scope")
        refused(api, api.get(MARKET_STAFF, "/registry", params={"unit": FIRE, "format": "csv"}), 403, "unit_scope")
        refused(api, api.get(MARKET_STAFF, "/queues/service", params={"unit": FIRE}), 403, "unit_scope")
        refused(api, api.get(FIRE_STAFF, "/registry", params={"unit": MARKET, "as_of": "1"}), 403, "unit_scope")


def test_unit_staff_reading_a_case_not_dispatched_to_their_unit_get_404(api: Api) -> None:
    cid = case_at(api, "dispatched")  # to the market regulator
    booked_only = api.book(name="未派单公司")["case_id"]
    assert api.get(MARKET_STAFF, f"/cases/{cid}").status_code == 200
    with appends_nothing(api):
        for path in (f"/cases/{cid}", f"/cases/{cid}/history", f"/cases/{booked_only}"):
            refused(api, api.get(FIRE_STAFF, path), 404, "case_not_found")
        as_of = api.get(FIRE_STAFF, f"/cases/{cid}", params={"as_of": datetime.now(timezone.utc).isoformat()})
        refused(api, as_of, 404, "case_not_found")


def test_unit_staff_and_the_administrator_cannot_annotate_a_case_they_may_not_read(api: Api) -> None:
    # (found by these tests: both used to get 200 and the case's version)
    cid = case_at(api, "dispatched")  # to the market regulator
    with appends_nothing(api):
        refused(api, api.post(FIRE_STAFF, f"/cases/{cid}/annotations", p.annotate()), 404, "case_not_found")
        refused(api, api.post(ADMIN, f"/cases/{cid}/annotations", p.annotate()), 404, "case_not_found")
    assert api.ok(MARKET_STAFF, f"/cases/{cid}/annotations", p.annotate())["version"] == 4
    assert api.ok(DISPATCHER, f"/cases/{cid}/annotations", p.annotate())["version"] == 5


def test_the_administrator_cannot_read_case_data(api: Api) -> None:
    cid = case_at(api, "dispatched")
    with appends_nothing(api):
        refused(api, api.get(ADMIN, f"/cases/{cid}"), 404, "case_not_found")
        refused(api, api.get(ADMIN, f"/cases/{cid}/history"), 404, "case_not_found")
        for path in ("/registry", "/registry/guidance-register", "/queues/service", "/stats"):
            refused(api, api.get(ADMIN, path), 403, "role_not_allowed")
        refused(api, api.get(ADMIN, "/registry", params={"format": "csv"}), 403, "role_not_allowed")
    assert api.get(ADMIN, "/auth/me").json()["role"] == "administrator"


def test_the_registrar_sees_a_full_resident_id_number_while_the_auditor_sees_it_masked(api: Api) -> None:
    cid = api.book(individual=True)["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    last = api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch())
    for user, shown in ((REGISTRAR, VALID_RIC), (SUPERVISOR, VALID_RIC), (AUDITOR, MASKED_RIC),
                        (MARKET_STAFF, MASKED_RIC), (DISPATCHER, MASKED_RIC)):
        assert api.get(user, f"/cases/{cid}").json()["applicant"]["id_number"] == shown, user
        row = next(r for r in registry(api, user, **wait(api, last)) if r["case_id"] == cid)
        assert row["id_number"] == shown, user
        history = api.get(user, f"/cases/{cid}/history")
        assert (VALID_RIC in history.text) is (shown == VALID_RIC), user
        assert history.json()[0]["data"]["applicant"]["id_number"] == shown
        exported = api.get(user, "/registry", params={"format": "csv"}).content.decode("utf-8-sig")
        assert shown in exported and ((VALID_RIC in exported) is (shown == VALID_RIC)), user
    then = api.get(AUDITOR, "/registry", params={"as_of": str(last["notification_id"])}).json()
    assert next(r for r in then if r["case_id"] == cid)["id_number"] == MASKED_RIC
    # organisations' credit codes are public: never masked
    demo = registry(api, AUDITOR)[0]
    assert "*" not in demo["id_number"]


def test_the_administrator_cannot_be_given_case_work_and_a_registrar_cannot_administer(api: Api) -> None:
    with appends_nothing(api):
        refused(api, api.post(ADMIN, "/cases", p.book()), 403, "role_not_allowed")
        refused(api, api.post(REGISTRAR, "/admin/units", {"name": "某单位", "kind": "other"}), 403, "admin_only")
        refused(api, api.post(REGISTRAR, f"/admin/users/{DISPATCHER}/disable"), 403, "admin_only")
        system = api.post(ADMIN, "/admin/users", {"username": "robot", "display_name": "机器人", "role": "system", "unit": OFFICE})
        assert refused(api, system, 422)["errors"][0]["code"] == "reserved_role"


# ----------------------------------------------------------------- integrity


def test_a_supervisor_keeps_a_digest_of_the_ledger_and_later_proves_the_log_extends_it(api: Api) -> None:
    api.book(name="摘要测试有限公司")
    deadline = time.monotonic() + 5
    while (digest := api.get(SUPERVISOR, "/ledger/digest").json())["notification_id"] < api.head():
        assert time.monotonic() < deadline, "the seal did not catch up"
        time.sleep(0.05)
    assert digest["algorithm"] == "sha256-chain/1" and re.fullmatch(r"[0-9a-f]{64}", digest["digest"])
    api.book(name="摘要之后的公司")  # the log grows after the digest was taken

    def check(digest_hex: str) -> dict[str, Any]:
        r = api.get(AUDITOR, "/ledger/consistency", params={"position": digest["notification_id"], "digest": digest_hex})
        assert r.status_code == 200, r.text
        return r.json()

    assert check(digest["digest"])["extends"] is True
    assert check(digest["digest"].upper())["extends"] is True
    forged = check("0" * 64)
    assert forged["extends"] is False and forged["digest_recomputed"] == digest["digest"]
    with appends_nothing(api):
        refused(api, api.get(REGISTRAR, "/ledger/digest"), 403, "role_not_allowed")
        bad = api.get(SUPERVISOR, "/ledger/consistency", params={"position": 1, "digest": "xyz"})
        refused(api, bad, 400, "invalid_request")


def test_an_as_of_csv_made_in_parts_by_the_server_is_the_file_made_in_one_piece(
    store_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``GET /registry?as_of=…&format=csv``: on PostgreSQL a large export is written in parts by
    processes forked from the server (projections/cases/as_of.py); here every export is "large" —
    the bytes, and their SHA-256 header, are those of the export made in one process."""
    from projections.cases import as_of

    api = store_api
    for _ in range(3):
        case_at(api, "rated")
    head = api.head()
    api.get(SUPERVISOR, "/registry", params={"wait_for": head})
    asked = [(SUPERVISOR, {}), (SUPERVISOR, {"state": "rated"}), (MARKET_STAFF, {})]
    one = [api.get(user, "/registry", params={"as_of": str(head), "format": "csv", **q}) for user, q in asked]
    monkeypatch.setattr(as_of, "PARALLEL_FROM", 1)
    monkeypatch.setenv("LEDGER_REBUILD_PROCESSES", "2")
    forked, run_forked = [], as_of.run_forked
    monkeypatch.setattr(as_of, "run_forked", lambda jobs, **kw: forked.append(len(jobs)) or run_forked(jobs, **kw))
    parts = [api.get(user, "/registry", params={"as_of": str(head), "format": "csv", **q}) for user, q in asked]
    assert forked == ([2, 2, 2] if api.settings.backend == "postgres" else [])  # SQLite: one process
    for whole, made in zip(one, parts, strict=True):
        assert whole.status_code == made.status_code == 200
        assert made.content == whole.content and made.content.count(b"\r\n") >= 2
    assert one[0].content.count(b"\r\n") >= 4  # several cases: parts of more than one row
