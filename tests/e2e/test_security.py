"""The security defects found by attacking the API (issue 13), each reproduced
as it was found and now refused: identifiers masked by field in every read,
administrators kept out of case data, tokens revoked with the password,
bounded logins, bounded money, exact unit filters, commands that reveal no
more than reads, and text without control characters."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ledger.demo import DEMO_PASSWORD
from ledger_http.common.auth import MAX_FAILURES, LoginThrottle
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, DISPATCHER, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR

FIRST_ID = "11010519491231002X"  # booked, then corrected to SECOND_ID
SECOND_ID = "110105194912310038"  # another valid number of the same county and birthday
WRONG_ID = "110105194912310054"


def refused(r: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def appended_nothing(api: Api, before: int) -> None:
    assert api.head() == before, "a refused request appended to the ledger"


# ------------------------------------------------- 1. identifiers masked by field


@pytest.fixture
def corrected_person(api: Api) -> dict[str, str]:
    """An individual booked with one ID number, corrected to another, then
    dispatched to the market regulator; ``at`` is a moment before the correction."""
    booked = api.book(individual=True, applicant={"kind": "individual", "name": "刘芳", "id_number": FIRST_ID,
                                                  "address": "张店区人民西路88号"})
    cid = booked["case_id"]
    at = datetime.now(timezone.utc).isoformat()
    second = SECOND_ID
    api.ok(REGISTRAR, f"/cases/{cid}/corrections", {
        "basis": "申请人身份证号登记有误", "corrects_version": 1,
        "changes": [{"field": "applicant.id_number", "old": "", "new": second}]})
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    last = api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch((MARKET,)))
    return {"case_id": cid, "at": at, "head": str(last["notification_id"]), "second": second}


def reads(ids: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    cid, head = ids["case_id"], ids["head"]
    return [
        (f"/cases/{cid}", {}),
        (f"/cases/{cid}", {"as_of": ids["at"]}),
        (f"/cases/{cid}/history", {}),
        ("/registry", {"wait_for": head}),
        ("/registry", {"wait_for": head, "format": "csv"}),
        ("/registry", {"as_of": head}),
        ("/registry", {"as_of": head, "format": "csv"}),
        ("/audit", {"case_id": cid, "wait_for": head}),
    ]


@pytest.mark.parametrize("role_user", [DISPATCHER, AUDITOR, MARKET_STAFF])
def test_every_read_masks_every_id_number_of_a_person_for_roles_that_see_them_masked(
    api: Api, corrected_person: dict[str, str], role_user: str
) -> None:
    numbers = (FIRST_ID, corrected_person["second"])
    seen = 0
    for path, query in reads(corrected_person):
        r = api.get(role_user, path, params=query)
        if r.status_code != 200:
            assert r.status_code == 403, (path, r.text)  # a read the role has no access to at all
            continue
        seen += 1
        leaked = [n for n in numbers if n in r.text]
        assert not leaked, f"{role_user} read {leaked} in full at {path} {query}"
    assert seen >= 6
    history = api.get(role_user, f"/cases/{corrected_person['case_id']}/history").json()
    (corrected,) = [e for e in history if e["event"] == "Corrected"]
    change = corrected["data"]["changes"][0]
    assert change["old"] == "110105********002X" and change["new"] == "110105********0038"


@pytest.mark.parametrize("role_user", [REGISTRAR, SUPERVISOR])
def test_the_roles_that_need_full_numbers_read_them(api: Api, corrected_person: dict[str, str], role_user: str) -> None:
    case = api.get(role_user, f"/cases/{corrected_person['case_id']}").json()
    assert case["applicant"]["id_number"] == corrected_person["second"]
    history = api.get(role_user, f"/cases/{corrected_person['case_id']}/history").text
    assert FIRST_ID in history and corrected_person["second"] in history


# --------------------------------- 2. administrators do not change case data


def test_corrections_are_refused_to_administrators_whatever_the_value_and_reveal_nothing(api: Api, corrected_person) -> None:
    cid, second = corrected_person["case_id"], corrected_person["second"]
    before = api.head()
    answers = set()
    for guess in (second, FIRST_ID, WRONG_ID):  # the right number, an old one, a wrong one
        body = {"basis": "核对", "corrects_version": 1, "changes": [{"field": "applicant.id_number", "old": "", "new": guess}]}
        r = api.post(ADMIN, f"/cases/{cid}/corrections", json=body)
        answers.add((r.status_code, r.json()["code"]))
        contact = {"basis": "核对", "corrects_version": 1, "changes": [{"field": "contact.name", "old": "", "new": "张三"}]}
        answers.add((api.post(ADMIN, f"/cases/{cid}/corrections", json=contact).status_code, "contact"))
    assert answers == {(404, "case_not_found"), (404, "contact")}
    appended_nothing(api, before)


def test_an_identifier_is_corrected_only_by_a_role_that_reads_it_and_guesses_get_one_answer(api: Api, corrected_person) -> None:
    cid, second = corrected_person["case_id"], corrected_person["second"]
    before = api.head()
    answers = []
    for guess in (second, FIRST_ID, WRONG_ID):
        body = {"basis": "核对", "corrects_version": 1, "changes": [{"field": "applicant.id_number", "old": "", "new": guess}]}
        answers.append(api.post(DISPATCHER, f"/cases/{cid}/corrections", json=body).json())
    assert all(a == answers[0] for a in answers) and answers[0]["code"] == "identifier_correction_not_allowed"
    appended_nothing(api, before)


# ------------------------------------------ 3. grants need a second administrator


def add_second_admin(api: Api) -> None:
    api.ok(ADMIN, "/admin/users", {"username": "admin2", "display_name": "第二管理员", "role": "administrator",
                                   "unit": p.OFFICE}, status=201)
    api.app.state.credentials.set_password("admin2", "second-admin-password")


def test_nobody_changes_their_own_role(api: Api) -> None:
    before = api.head()
    r = api.post(ADMIN, f"/admin/users/{ADMIN}/assignment", {"role": "supervisor", "unit": p.SUPERVISION, "basis": "查案"})
    refused(r, 403, "own_assignment")
    appended_nothing(api, before)


def test_a_grant_of_a_case_reading_role_needs_a_reason(api: Api) -> None:
    r = api.post(ADMIN, f"/admin/users/{DISPATCHER}/assignment", {"role": "supervisor", "unit": p.SUPERVISION})
    assert refused(r, 422, "invalid_input")["errors"][0]["field"] == "basis"


def test_with_a_second_administrator_a_grant_waits_for_their_confirmation(api: Api) -> None:
    add_second_admin(api)
    body = {"role": "supervisor", "unit": p.SUPERVISION, "basis": "调任执法监督科"}
    proposed = api.ok(ADMIN, f"/admin/users/{DISPATCHER}/assignment", body)
    assert proposed["pending"] is True
    assert api.get(DISPATCHER, "/auth/me").json()["role"] == "dispatcher"  # not yet
    refused(api.post(ADMIN, f"/admin/users/{DISPATCHER}/confirmation"), 403, "four_eyes")
    assert api.token("admin2", "second-admin-password")
    confirmed = api.ok("admin2", f"/admin/users/{DISPATCHER}/confirmation")
    assert confirmed["pending"] is False
    assert api.get(DISPATCHER, "/auth/me").json()["role"] == "supervisor"
    refused(api.post("admin2", f"/admin/users/{DISPATCHER}/confirmation"), 409, "nothing_pending")


def test_with_a_second_administrator_a_new_case_reading_account_cannot_sign_in_until_confirmed(api: Api) -> None:
    add_second_admin(api)
    made = api.ok(ADMIN, "/admin/users", {"username": "shadow", "display_name": "影子", "role": "supervisor",
                                          "unit": p.SUPERVISION, "basis": "新聘"}, status=201)
    assert made["pending"] is True
    api.app.state.credentials.set_password("shadow", "shadow-password-123")
    refused(api.login("shadow", "shadow-password-123"), 401)
    api.token("admin2", "second-admin-password")
    api.ok("admin2", "/admin/users/shadow/confirmation")
    assert api.login("shadow", "shadow-password-123").status_code == 200


def test_an_administrators_reset_forces_a_new_password_and_is_in_the_audit_log(api: Api) -> None:
    api.ok(ADMIN, "/auth/password", {"username": MARKET_STAFF, "new_password": "reset-by-the-admin"})
    login = api.login(MARKET_STAFF, "reset-by-the-admin")
    assert login.json()["must_change_password"] is True
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    refused(api.client.get("/registry", headers=headers), 403, "password_change_required")
    assert api.client.get("/auth/me", headers=headers).status_code == 200
    changed = api.client.post("/auth/password", headers=headers,
                              json={"new_password": "chosen-by-the-user", "current_password": "reset-by-the-admin"})
    assert changed.status_code == 200, changed.text
    fresh = api.login(MARKET_STAFF, "chosen-by-the-user").json()
    assert fresh["must_change_password"] is False
    assert api.client.get("/registry", headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 200
    log = api.get(SUPERVISOR, "/audit", params={"action": "PasswordReset", "wait_for": api.head()}).json()
    assert [(e["actor_id"], e["aggregate"]) for e in log] == [(ADMIN, "user")]
    assert api.get(ADMIN, "/audit", params={"action": "PasswordReset"}).json() == log


# ---------------------------------------------- 4. tokens die with the password


def test_changing_or_resetting_a_password_revokes_earlier_tokens(api: Api) -> None:
    old = api.token(REGISTRAR)
    api.ok(REGISTRAR, "/auth/password", {"new_password": "another-registrar-pw", "current_password": DEMO_PASSWORD})
    refused(api.client.get("/auth/me", headers={"Authorization": f"Bearer {old}"}), 401, "not_authenticated")
    old_fire = api.token(FIRE_STAFF)
    api.ok(ADMIN, "/auth/password", {"username": FIRE_STAFF, "new_password": "reset-fire-password"})
    refused(api.client.get("/auth/me", headers={"Authorization": f"Bearer {old_fire}"}), 401, "not_authenticated")


# ------------------------------------------------------ 5. bounded logins


def test_oversized_login_fields_are_refused_before_anything_is_stored(api: Api) -> None:
    throttle = api.app.state.throttle
    for _ in range(20):
        r = api.client.post("/auth/login", json={"username": "x" * 900_000, "password": "p"})
        assert r.status_code == 400
    assert len(throttle) == 0


def test_the_throttle_forgets_the_oldest_keys_beyond_its_bound() -> None:
    throttle = LoginThrottle(max_keys=100)
    for i in range(5_000):
        throttle.failed(f"user{i}", "10.0.0.1")
    assert len(throttle) <= 100


def test_failures_from_one_address_do_not_lock_the_user_out_from_another() -> None:
    from ledger_http.common.auth import TooManyAttempts

    throttle = LoginThrottle()
    for _ in range(MAX_FAILURES):
        throttle.failed("zhangmin", "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("zhangmin", "203.0.113.9")
    throttle.check("zhangmin", "192.168.1.20")  # her own PC: not locked


def test_one_address_spraying_usernames_is_throttled() -> None:
    from ledger_http.common.auth import MAX_ADDRESS_FAILURES, TooManyAttempts

    throttle = LoginThrottle()
    for i in range(MAX_ADDRESS_FAILURES):
        throttle.failed(f"guess{i}", "203.0.113.9")
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-new", "203.0.113.9")


# ------------------------------------------- 7. a unit named % matches itself


def test_staff_of_a_unit_named_percent_read_only_their_own_units_rows(api: Api) -> None:
    api.ok(ADMIN, "/admin/units", {"name": "%", "kind": "enforcement"}, status=201)
    api.ok(ADMIN, "/admin/users", {"username": "pct", "display_name": "百分", "role": "unit_staff", "unit": "%"},
           status=201)
    api.app.state.credentials.set_password("pct", "percent-password")
    api.token("pct", "percent-password")
    cid = api.book()["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    last = api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch((MARKET,)))
    wait = {"wait_for": last["notification_id"]}
    for path in ("/queues/service", "/registry", "/registry/guidance-register", "/stats"):
        assert api.get("pct", path, params=wait).json() == [], path
    assert cid in [r["case_id"] for r in api.get(MARKET_STAFF, "/queues/service", params=wait).json()]


def test_unit_names_cannot_hold_the_views_separators(api: Api) -> None:
    for name in ("甲、乙", "a|b"):
        refused(api.post(ADMIN, "/admin/units", {"name": name, "kind": "enforcement"}), 422, "invalid_input")


# ------------------------------------------- 8. writes reveal no more than reads


def test_a_filing_cannot_probe_or_attach_to_another_units_case(api: Api) -> None:
    market_case = api.book()["case_id"]
    api.ok(REGISTRAR, f"/cases/{market_case}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{market_case}/dispatch", p.dispatch((MARKET,)))
    before = api.head()
    body = {"decision_number": "淄消罚〔2026〕9号", "decided_on": p.today(), "party": "某公司", "summary": "停业"}
    theirs = api.post(FIRE_STAFF, "/supervision/filings", {**body, "case_id": market_case})
    random = api.post(FIRE_STAFF, "/supervision/filings", {**body, "case_id": "00000000-0000-4000-8000-000000000000"})
    assert (theirs.status_code, theirs.json()["code"]) == (random.status_code, random.json()["code"]) == (404, "case_not_found")
    appended_nothing(api, before)


@pytest.mark.parametrize("day", ["1900-01-01", "2101-01-01"])
def test_dates_in_filings_lie_within_the_ledgers_years(api: Api, day: str) -> None:
    body = {"decision_number": "淄张市监罚〔2026〕9号", "decided_on": day, "party": "某公司", "summary": "吊销许可证"}
    errors = refused(api.post(MARKET_STAFF, "/supervision/filings", body), 422, "invalid_input")["errors"]
    assert errors[0]["field"] == "decided_on" and errors[0]["code"] == "out_of_range"


# ------------------------------------------------- 9. no control characters


@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\u202e", "\u2066", "\x85", "\r"])
def test_control_characters_and_bidi_overrides_are_refused_on_their_field(api: Api, bad: str) -> None:
    before = api.head()
    applicant = {"kind": "organisation", "name": f"鲁味轩{bad}餐饮", "id_number": p.VALID_USCC, "address": "人民西路88号"}
    errors = refused(api.post(REGISTRAR, "/cases", p.book(applicant=applicant)), 422, "invalid_input")["errors"]
    assert (errors[0]["field"], errors[0]["code"]) == ("applicant.name", "control_character")
    appended_nothing(api, before)


@pytest.mark.parametrize("blank", ["\u200b", " \u200b\u200c\ufeff ", "\u2060"])
def test_a_name_of_only_invisible_characters_is_blank(api: Api, blank: str) -> None:
    applicant = {"kind": "organisation", "name": blank, "id_number": p.VALID_USCC, "address": "人民西路88号"}
    errors = refused(api.post(REGISTRAR, "/cases", p.book(applicant=applicant)), 422, "invalid_input")["errors"]
    assert (errors[0]["field"], errors[0]["code"]) == ("applicant.name", "required")


def test_tabs_and_newlines_are_text(api: Api) -> None:
    booked = api.book(needs="第一行\n第二行\t（附表）\r\n第三行")
    assert "第二行\t（附表）" in api.get(REGISTRAR, f"/cases/{booked['case_id']}").json()["needs"]
    rows = api.get(REGISTRAR, "/registry", params={"format": "csv", "wait_for": booked["notification_id"]})
    assert any(r["案件ID"] == booked["case_id"] for r in csv.DictReader(io.StringIO(rows.content.decode("utf-8-sig"))))


def test_timestamps_cannot_be_forged_into_the_far_past_either(api: Api) -> None:
    far = (datetime.now(timezone.utc) - timedelta(days=365 * 60)).isoformat()
    errors = refused(api.post(REGISTRAR, "/cases", p.book(business_time=far)), 422)["errors"]
    assert errors[0]["code"] == "out_of_range"
