"""Administrative guidance (行政指导) over HTTP: the written way and the
simple way end to end, a termination that keeps only its reason, field
errors that write nothing, the unit scope, masking and idempotent retries."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import jsonschema

from ledger.demo import MARKET
from ledger.values import CST
from tests.builders import VALID_RIC, VALID_USCC
from tests.e2e import guidance_payloads as g
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, FIRE_STAFF, MARKET_STAFF, REGISTRAR, SUPERVISOR, in_days, today


def started(api: Api, **over: Any) -> str:
    return api.ok(MARKET_STAFF, "/guidance", g.start(**over), status=201)["case_id"]


def view(api: Api, gid: str, user: str = MARKET_STAFF) -> dict[str, Any]:
    r = api.get(user, f"/guidance/{gid}")
    assert r.status_code == 200, r.text
    return r.json()


def events(api: Api, gid: str, user: str = MARKET_STAFF) -> list[dict[str, Any]]:
    r = api.get(user, f"/guidance/{gid}/history")
    assert r.status_code == 200, r.text
    return r.json()


def test_written_guidance_runs_from_start_to_follow_up(api: Api) -> None:
    gid = started(api)
    v = view(api, gid)
    assert (v["state"], v["unit"], v["way"], v["method"]) == ("started", MARKET, "written", "提示提醒")
    assert v["officers"] == [{"id": "wanglei", "name": "王磊", "unit": MARKET}]  # as the directory knows them

    issued = api.ok(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    year = datetime.now(CST).year
    assert re.fullmatch(rf"{year}年第\d+号", issued["number"])
    v = view(api, gid)
    assert v["opinion_number"] == issued["number"] and v["opinion"]["contact_phone"] == "+865332345678"
    assert v["opinion"]["issued_on"] == today() and v["state"] == "started"

    api.ok(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())
    assert view(api, gid)["state"] == "given"
    registered = api.ok(MARKET_STAFF, f"/guidance/{gid}/record", g.record())
    assert re.fullmatch(rf"{year}年第\d+号", registered["number"])
    api.ok(MARKET_STAFF, f"/guidance/{gid}/acceptance", {})
    api.ok(MARKET_STAFF, f"/guidance/{gid}/effect", {"effect": "已按期提出延续申请"})
    done = api.ok(MARKET_STAFF, f"/guidance/{gid}/follow-ups",
                  {"visit": {"on": today(), "method": "phone", "findings": "许可证已延续"}})

    v = view(api, gid)
    assert (v["state"], v["state_label"], v["version"]) == ("accepted", "已接受", done["version"])
    assert v["record_number"] == registered["number"] and v["record"]["place"] == "张店区人民西路88号"
    assert v["end"]["accepted"] is True and v["end"]["reason"] is None
    assert v["effect"] == "已按期提出延续申请"
    assert [f["findings"] for f in v["follow_ups"]] == ["许可证已延续"]
    history = events(api, gid)
    assert [e["event"] for e in history] == [
        "Started", "OpinionIssued", "OpinionDelivered", "RecordRegistered", "Ended", "EffectRecorded", "FollowedUp",
    ]
    assert {(e["actor_id"], e["unit"]) for e in history} == {("wanglei", MARKET)}
    # every role that reads cases reads it
    for user in (REGISTRAR, SUPERVISOR, AUDITOR):
        assert view(api, gid, user)["opinion_number"] == issued["number"]


def test_simple_guidance_needs_no_identifier_and_is_given_by_one_of_its_officers(api: Api) -> None:
    counter = {"kind": "individual_business", "name": "老王便利店"}
    gid = started(api, way="simple", addressee=counter, method="引导", stage="during")
    refused = api.post(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    assert refused.status_code == 422 and [e["field"] for e in refused.json()["errors"]] == ["way"]
    stranger = api.post(MARKET_STAFF, f"/guidance/{gid}/simple", g.simple(officer="sunhao"))
    assert stranger.status_code == 422 and stranger.json()["errors"][0]["field"] == "officer"

    api.ok(MARKET_STAFF, f"/guidance/{gid}/simple", g.simple())
    v = view(api, gid)
    assert v["state"] == "given" and v["way_label"] == "简易形式"
    assert v["addressee"]["id_number"] == "" and v["opinion"] is None
    assert (v["simple"]["form"], v["simple"]["officer"]["name"]) == ("oral", "王磊")
    api.ok(MARKET_STAFF, f"/guidance/{gid}/acceptance", {})
    api.ok(MARKET_STAFF, f"/guidance/{gid}/typical", {"reason": "窗口当场解答的示范"})
    v = view(api, gid)
    assert v["state"] == "accepted" and (v["typical"]["by"], v["typical"]["reason"]) == ("wanglei", "窗口当场解答的示范")


def test_a_termination_keeps_only_its_reason_and_time_and_ends_the_guidance(api: Api) -> None:
    gid = started(api)
    api.ok(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    api.ok(MARKET_STAFF, f"/guidance/{gid}/termination", {"reason": "refused"})
    v = view(api, gid)
    assert (v["state"], v["state_label"]) == ("terminated", "已终止")
    assert set(v["end"]) == {"at", "accepted", "reason"}
    assert (v["end"]["accepted"], v["end"]["reason"]) == (False, "refused")
    assert v["delivery"] is None and v["effect"] is None and v["follow_ups"] == []
    last = events(api, gid)[-1]
    assert last["event"] == "Ended" and set(last["data"]) == {"end"}
    # nothing follows a termination
    after = api.post(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())
    assert after.status_code == 409 and after.json()["code"] == "ended"
    assert len(events(api, gid)) == 3


def test_field_errors_name_every_field_and_write_nothing(api: Api) -> None:
    head = api.head()
    bad = g.start(addressee=g.firm(id_number="123", address=""), matter={"text": " "}, method="罚款")
    r = api.post(MARKET_STAFF, "/guidance", bad)
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["errors"]} == {
        "addressee.id_number", "addressee.address", "matter.text", "method",
    }
    assert all(e["message"] for e in r.json()["errors"])
    assert api.head() == head

    gid = started(api)
    head = api.head()
    r = api.post(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion(problems="", contact_phone="12"))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"problems", "contact_phone"}
    r = api.post(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())  # before any opinion
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delivery"
    assert len(events(api, gid)) == 1 and view(api, gid)["version"] == 1
    assert api.head() == head  # no counter moved either
    # a body that does not parse is refused before the ledger sees it
    assert api.post(MARKET_STAFF, f"/guidance/{gid}/termination", {"reason": "bored"}).status_code == 400


def test_another_units_officer_and_an_administrator_are_told_it_does_not_exist(api: Api) -> None:
    gid = started(api)
    for user in (FIRE_STAFF, ADMIN):
        for path in (f"/guidance/{gid}", f"/guidance/{gid}/history"):
            r = api.get(user, path)
            assert r.status_code == 404 and r.json()["code"] == "guidance_not_found", (user, path, r.text)
            assert "鲁味轩" not in r.text
    r = api.post(FIRE_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    assert r.status_code == 404 and r.json()["code"] == "guidance_not_found"
    assert api.get(MARKET_STAFF, f"/guidance/{uuid.uuid4()}").status_code == 404
    assert len(events(api, gid)) == 1


def test_an_individuals_resident_id_is_masked_for_roles_that_mask_it(api: Api) -> None:
    gid = started(api, addressee=g.person())
    masked = VALID_RIC[:6] + "*" * 8 + VALID_RIC[-4:]
    for user in (MARKET_STAFF, AUDITOR):
        assert view(api, gid, user)["addressee"]["id_number"] == masked
        text = api.get(user, f"/guidance/{gid}/history").text
        assert VALID_RIC not in text and masked in text
    for user in (REGISTRAR, SUPERVISOR):
        assert view(api, gid, user)["addressee"]["id_number"] == VALID_RIC
        assert events(api, gid, user)[0]["data"]["addressee"]["id_number"] == VALID_RIC
    # an organisation's USCC is not personal data
    firm = started(api)
    assert view(api, firm)["addressee"]["id_number"] == VALID_USCC


def test_a_retry_with_the_same_idempotency_key_gets_the_first_answer(api: Api) -> None:
    key = {"Idempotency-Key": "guidance-start-1"}
    first = api.post(MARKET_STAFF, "/guidance", g.start(), headers=key)
    head = api.head()
    again = api.post(MARKET_STAFF, "/guidance", g.start(), headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and api.head() == head  # nothing written the second time
    gid = first.json()["case_id"]
    key = {"Idempotency-Key": "guidance-opinion-1"}
    one = api.post(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion(), headers=key).json()
    head = api.head()
    two = api.post(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion(), headers=key).json()
    assert one == two and one["number"] and api.head() == head  # the same number, not a second one
    assert [e["event"] for e in events(api, gid)] == ["Started", "OpinionIssued"]
    # without the key, the retry is a second command: refused, the opinion exists
    r = api.post(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    assert r.status_code == 409 and r.json()["code"] == "opinion_exists"


def test_the_methods_list_is_what_a_start_may_name(api: Api) -> None:
    r = api.get(MARKET_STAFF, "/guidance-methods")
    assert r.status_code == 200
    listed = r.json()
    assert listed["unit"] == MARKET and "提示提醒" in listed["methods"] and "约谈" in listed["methods"]
    for method in listed["methods"][:3]:
        api.ok(MARKET_STAFF, "/guidance", g.start(method=method), status=201)
    r = api.post(MARKET_STAFF, "/guidance", g.start(method="不在清单的方式"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"


def documented(api: Api, path: str, method: str = "get", status: str = "200") -> Any:
    """A validator of the answer the served OpenAPI document promises."""
    schema = api.client.get("/schema/openapi.json").json()
    answer = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    return jsonschema.Draft202012Validator({**answer, "components": schema["components"]})


def test_an_interview_and_a_tracked_commitment_match_the_documented_view(api: Api) -> None:
    interviewed = started(api, method="约谈")
    held = {"kind": "collective", "held_at": g.now(), "place": "局三楼会议室", "participants": ["刘芳", "张伟", " "],
            "problems": "后厨卫生不达标", "requirements": "十日内整改"}
    lonely = api.post(MARKET_STAFF, f"/guidance/{interviewed}/interview", {"interview": {**held, "participants": ["刘芳"]}})
    assert lonely.status_code == 422 and lonely.json()["errors"][0]["field"] == "interview.participants"
    api.ok(MARKET_STAFF, f"/guidance/{interviewed}/interview", {"interview": held})
    v = view(api, interviewed)
    assert v["state"] == "given" and v["interview"]["participants"] == ["刘芳", "张伟"]

    warned = started(api, method="劝导警示", addressee=g.person())
    items = [{"description": "更换过期灭火器", "due_on": in_days(7)}, {"description": "清理消防通道", "due_on": in_days(7)}]
    api.ok(MARKET_STAFF, f"/guidance/{warned}/commitments", {"commitment": {"signed_on": today(), "items": items}})
    done = [{**items[0], "status": "done"}, items[1]]
    no_evidence = api.post(MARKET_STAFF, f"/guidance/{warned}/commitments/tracking", {"items": done})
    assert no_evidence.status_code == 422
    assert no_evidence.json()["errors"][0]["field"] == "commitment.items[0].evidence"
    api.ok(MARKET_STAFF, f"/guidance/{warned}/commitments/tracking",
           {"items": [{**done[0], "evidence": "新灭火器照片"}, items[1]]})
    v = view(api, warned)
    assert [i["status"] for i in v["commitment"]["items"]] == ["done", "open"]
    assert [e["event"] for e in events(api, warned)][-2:] == ["CommitmentRecorded", "CommitmentTracked"]

    api.ok(MARKET_STAFF, f"/guidance/{interviewed}/acceptance", {})
    api.ok(MARKET_STAFF, f"/guidance/{interviewed}/typical", {"reason": "集中约谈示范"})
    one, history = documented(api, "/guidance/{guidance_id}"), documented(api, "/guidance/{guidance_id}/history")
    for gid in (interviewed, warned):
        for user in (MARKET_STAFF, REGISTRAR):
            one.validate(view(api, gid, user))
            history.validate(events(api, gid, user))
    documented(api, "/guidance-methods").validate(api.get(MARKET_STAFF, "/guidance-methods").json())


def test_a_typical_case_is_marked_by_the_units_head_only(api: Api) -> None:
    """Seed 004 五(三): the demo's 王磊 heads the market regulator's guidance; 钱律 does not."""
    gid = started(api, way="simple", addressee={"kind": "individual_business", "name": "老王便利店"}, method="引导",
                  stage="during")
    api.ok(MARKET_STAFF, f"/guidance/{gid}/simple", g.simple())
    refused = api.post("qianlv", f"/guidance/{gid}/typical", {"reason": "示范"})
    assert refused.status_code == 403 and refused.json()["code"] == "not_unit_head"
    assert view(api, gid)["typical"] is None
    assert api.get(ADMIN, "/admin/users").json()[0]["post"] in ("head", "deputy", "staff")
    api.ok(ADMIN, "/admin/users/qianlv/post", {"post": "head"})
    api.ok("qianlv", f"/guidance/{gid}/typical", {"reason": "示范"})
    assert view(api, gid)["typical"]["by_name"] == "钱律"


def test_the_list_is_scoped_filtered_and_masks_an_individuals_id(api: Api) -> None:
    """GET /guidance: the unit's own acts for its staff (another unit's see none of them), every
    unit's for a supervisor; filtered by state and time; a person's resident ID masked as on the
    guidance itself."""
    person = started(api, addressee=g.person())
    firm = started(api)
    head = api.head()

    def listed(user: str, **params: Any) -> dict[str, dict[str, Any]]:
        r = api.get(user, "/guidance", params={"wait_for": head, "limit": 500, **params})
        assert r.status_code == 200, r.text
        return {row["guidance_id"]: row for row in r.json()}

    mine = listed(MARKET_STAFF)
    assert {person, firm} <= set(mine) and {row["unit"] for row in mine.values()} == {MARKET}
    assert mine[person]["addressee_id"] == VALID_RIC[:6] + "*" * 8 + VALID_RIC[-4:]
    assert listed(SUPERVISOR)[person]["addressee_id"] == VALID_RIC
    assert person not in listed(FIRE_STAFF)
    started_state = mine[firm]["state"]
    assert firm in listed(MARKET_STAFF, state=started_state) and firm not in listed(MARKET_STAFF, state="terminated")
    assert firm not in listed(MARKET_STAFF, started_to=f"{today()}T00:00:00")
    assert firm in listed(MARKET_STAFF, started_from=f"{today()}T00:00:00")
    bad = api.get(MARKET_STAFF, "/guidance", params={"started_from": "昨天"})
    assert bad.status_code == 400 and "started_from" in bad.text
