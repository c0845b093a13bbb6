"""The supervision feedback over HTTP, per endpoint and role: boxes and
checks (the 司法局 installs, the collecting unit checks), forms (the
collecting unit fills in, reads its own), letters (supervisors issue and
verify, the addressed unit answers and reads its own), the late queue, the
dashboard, the documents (PDF/DOCX, verifiable by SHA-256)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from projections.runner import wait_for
from tests.e2e import feedback_payloads as fp
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR


@pytest.fixture
def office(api: Api) -> Api:
    fp.seed_office(api)
    return api


def fields(r: Any) -> dict[str, str]:
    return {e["field"]: e["code"] for e in r.json().get("errors", [])}


def wait(api: Api) -> dict[str, Any]:
    return {"wait_for": api.head()}


def box_checked(api: Api) -> str:
    box_id = api.ok(SUPERVISOR, "/feedback/boxes", fp.box(), status=201)["record_id"]
    api.ok(fp.CLERK, f"/feedback/boxes/{box_id}/checks", fp.check(), status=201)
    return box_id


def test_boxes_are_installed_by_the_supervision_department_and_checked_by_the_collecting_unit(office: Api) -> None:
    api = office
    for who in (fp.CLERK, MARKET_STAFF, AUDITOR):
        assert api.post(who, "/feedback/boxes", fp.box()).status_code == 403
    wrong = api.post(SUPERVISOR, "/feedback/boxes", fp.box(collecting_unit="市司法局执法监督科", keeper=SUPERVISOR))
    assert wrong.status_code == 422 and fields(wrong) == {"collecting_unit": "wrong_collector"}
    box_id = box_checked(api)
    again = api.post(fp.CLERK, f"/feedback/boxes/{box_id}/checks", fp.check())
    assert again.status_code == 422 and fields(again) == {"month": "already_checked"}
    assert api.post(MARKET_STAFF, f"/feedback/boxes/{box_id}/checks", fp.check()).status_code == 404
    boxes = api.get(fp.CLERK, "/feedback/boxes", params=wait(api)).json()
    assert [(b["box_id"], b["keeper_name"], b["kind_label"]) for b in boxes] == [(box_id, "陈立", "建议箱")]
    assert api.get(MARKET_STAFF, "/feedback/boxes", params=wait(api)).json() == []
    assert api.get(ADMIN, "/feedback/boxes").status_code == 403
    checks = api.get(fp.CLERK, "/feedback/checks", params=wait(api)).json()
    assert [(c["received"], c["forms"]) for c in checks] == [(1, 0)]
    assert api.get(fp.CLERK, f"/feedback/boxes/{box_id}").json()["checked"] == {fp.this_month(): 1}
    assert api.get(FIRE_STAFF, f"/feedback/boxes/{box_id}").status_code == 404
    changed = api.ok(fp.CLERK, f"/feedback/boxes/{box_id}/keeper", {"keeper": fp.HEAD})
    assert api.get(SUPERVISOR, "/feedback/boxes", params={"wait_for": changed["notification_id"]}).json()[0]["keeper_name"] == "顾明"


def test_a_form_without_source_or_description_is_refused_beside_its_fields(office: Api) -> None:
    api = office
    head = api.head()
    r = api.post(fp.CLERK, "/feedback/forms", fp.form(source=None, problem=" ", source_detail=""))
    assert r.status_code == 422 and fields(r) == {"source": "required", "problem": "required"}
    assert "请选择情况来源" in r.text and api.head() == head
    own = api.post(fp.CLERK, "/feedback/forms", fp.form(reviewer=fp.CLERK))
    assert fields(own) == {"reviewer": "own_review"}


def test_forms_are_read_by_their_collecting_unit_and_supervisors_only(office: Api) -> None:
    api = office
    box_id = box_checked(api)
    form = api.ok(fp.CLERK, "/feedback/forms", fp.form(box_id), status=201)
    form_id = form["record_id"]
    for who, seen in ((fp.CLERK, True), (fp.HEAD, True), (SUPERVISOR, True), (AUDITOR, True), (MARKET_STAFF, False)):
        listed = api.get(who, "/feedback/forms", params=wait(api)).json()
        assert ([f["form_id"] for f in listed] == [form_id]) is seen, who
        assert (api.get(who, f"/feedback/forms/{form_id}").status_code == 200) is seen, who
    one = api.get(fp.CLERK, f"/feedback/forms/{form_id}").json()
    assert (one["source"], one["reviewer"]["name"], one["clerk"]["name"], one["late"]) == ("mailbox", "顾明", "陈立", False)
    history = api.get(SUPERVISOR, f"/feedback/forms/{form_id}/history").json()
    assert [e["event"] for e in history] == ["FilledIn"]
    # the month's check now has its form
    assert api.get(fp.CLERK, "/feedback/checks", params=wait(api)).json()[0]["forms"] == 1


def test_late_forms_and_checked_months_without_forms_are_queued_per_unit(office: Api) -> None:
    api = office
    box_id = api.ok(SUPERVISOR, "/feedback/boxes", fp.box(), status=201)["record_id"]
    old = fp.months_ago(2)  # its forms were due on (about) the 5th of last month
    api.ok(fp.CLERK, f"/feedback/boxes/{box_id}/checks", fp.check(month=old, received=2), status=201)
    late_form = api.ok(fp.CLERK, "/feedback/forms", fp.form(month=old), status=201)["record_id"]
    queue = api.get(fp.CLERK, "/feedback/late", params=wait(api)).json()
    assert sorted((r["what"], r["month"]) for r in queue) == [("late", old), ("missing", old)]
    assert {r["form_id"] for r in queue if r["what"] == "late"} == {late_form}
    assert api.get(MARKET_STAFF, "/feedback/late", params=wait(api)).json() == []
    assert len(api.get(SUPERVISOR, "/feedback/late", params=wait(api)).json()) == 2
    desk = api.get(SUPERVISOR, "/feedback/dashboard", params=wait(api)).json()
    assert len(desk["late"]) == 2 and desk["awaiting_answer"] == []
    assert api.get(fp.CLERK, "/feedback/late", params={"unit": MARKET}).status_code == 403


def test_a_form_becomes_a_letter_answered_by_its_unit_and_verified(office: Api) -> None:
    api = office
    form_id = api.ok(fp.CLERK, "/feedback/forms", fp.form(), status=201)["record_id"]
    for who in (fp.CLERK, MARKET_STAFF, AUDITOR):
        assert api.post(who, "/suggestion-letters", fp.letter(form_id=form_id)).status_code == 403
    nowhere = api.post(SUPERVISOR, "/suggestion-letters", fp.letter(unit="不存在的执法局"))
    assert nowhere.status_code == 422 and fields(nowhere) == {"unit": "unknown_unit"}
    issued = api.ok(SUPERVISOR, "/suggestion-letters", fp.letter(form_id=form_id), status=201)
    letter_id = issued["record_id"]
    assert issued["number"].endswith("年第1号")
    unanswered = api.post(SUPERVISOR, f"/suggestion-letters/{letter_id}/verification", {})
    assert unanswered.status_code == 409 and unanswered.json()["code"] == "not_answered"
    assert api.post(FIRE_STAFF, f"/suggestion-letters/{letter_id}/answers", {"reply": "已整改"}).status_code == 404
    assert api.post(fp.CLERK, f"/suggestion-letters/{letter_id}/answers", {"reply": "已整改"}).status_code == 404
    for who, seen in ((MARKET_STAFF, True), (SUPERVISOR, True), (FIRE_STAFF, False), (fp.CLERK, False)):
        listed = api.get(who, "/suggestion-letters", params=wait(api)).json()
        assert (letter_id in {r["letter_id"] for r in listed}) is seen, who
        assert (api.get(who, f"/suggestion-letters/{letter_id}").status_code == 200) is seen, who
    desk = api.get(SUPERVISOR, "/feedback/dashboard", params=wait(api)).json()
    assert [r["letter_id"] for r in desk["awaiting_answer"]] == [letter_id]
    api.ok(MARKET_STAFF, f"/suggestion-letters/{letter_id}/answers", {"reply": "已制定检查计划", "measures": "合并检查"})
    assert api.post(MARKET_STAFF, f"/suggestion-letters/{letter_id}/verification", {}).status_code == 403
    done = api.ok(SUPERVISOR, f"/suggestion-letters/{letter_id}/verification", {"comment": "经回访，整改到位"})
    row = api.get(MARKET_STAFF, "/suggestion-letters", params={"wait_for": done["notification_id"]}).json()[0]
    assert (row["state"], row["state_label"], row["form_id"]) == ("verified", "整改到位", form_id)
    history = api.get(MARKET_STAFF, f"/suggestion-letters/{letter_id}/history").json()
    assert [e["event"] for e in history] == ["Issued", "Answered", "Verified"]
    assert api.get(SUPERVISOR, "/feedback/forms", params=wait(api)).json()[0]["letter_numbers"] == issued["number"]
    # issued again: a new letter citing the first
    second = api.post(SUPERVISOR, "/suggestion-letters", fp.letter(follows=letter_id))
    assert second.status_code == 409  # a verified letter is closed


def test_the_letter_and_the_form_are_issued_as_documents_that_verify_by_hash(office: Api) -> None:
    api = office
    form_id = api.ok(fp.CLERK, "/feedback/forms", fp.form(), status=201)["record_id"]
    letter_id = api.ok(SUPERVISOR, "/suggestion-letters", fp.letter(form_id=form_id), status=201)["record_id"]
    pdf = api.post(SUPERVISOR, f"/suggestion-letters/{letter_id}/documents", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-content-sha256"] == hashlib.sha256(pdf.content).hexdigest()
    docx = api.post(MARKET_STAFF, f"/suggestion-letters/{letter_id}/documents", params={"format": "docx"})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert api.post(FIRE_STAFF, f"/suggestion-letters/{letter_id}/documents").status_code == 404
    sheet = api.post(fp.CLERK, f"/feedback/forms/{form_id}/documents", params={"format": "pdf"})
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    assert wait_for(api.settings, ("documents",), api.head(), 5)  # /documents/verify takes no wait_for
    found = api.get(SUPERVISOR, "/documents/verify", params={"sha256": hashlib.sha256(pdf.content).hexdigest()}).json()
    assert found["issued"] and found["issues"][0]["letter_id"] == letter_id and found["issues"][0]["case_id"] is None
    mine = api.get(MARKET_STAFF, "/documents/verify", params={"sha256": hashlib.sha256(docx.content).hexdigest()}).json()
    assert mine["issued"] and mine["issues"][0]["kind"] == "suggestion_letter"
    assert api.get(fp.CLERK, "/documents/verify", params={"sha256": hashlib.sha256(sheet.content).hexdigest()}).json()["issued"]
    assert not api.get(FIRE_STAFF, "/documents/verify", params={"sha256": hashlib.sha256(pdf.content).hexdigest()}).json()["issued"]
    assert [e["event"] for e in api.get(SUPERVISOR, f"/suggestion-letters/{letter_id}/history").json()] == [
        "Issued", "DocumentIssued", "DocumentIssued"]

