"""The catalogue of guidance matters over HTTP, and its public page: the real
Litestar app on a copy of the seeded SQLite store (the market regulator's
2026版 catalogue is published from the sample CSV, effective 2026-01-01; the
fire brigade has none), projections running in-process, users logged in.

Every refused request is checked to have appended nothing to the ledger's log.
The ledger runs on the real clock: dates are computed from today (China time).
"""

from __future__ import annotations

import re
from datetime import timedelta
from importlib.resources import files
from typing import Any
from urllib.parse import quote

import pytest

from ledger.guidance.values import SEED_METHODS
from tests.e2e import guidance_payloads as gp
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, DISPATCHER, FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR
from tests.e2e.test_supervision_api import appends_nothing, got, refused, today

SAMPLES = files("ledger").joinpath("samples")
SAMPLE_CSV = SAMPLES.joinpath("guidance_matters_sample.csv").read_bytes()
SAMPLE_XLSX = SAMPLES.joinpath("guidance_matters_sample.xlsx").read_bytes()
NAMES = ["市场主体登记注册指导", "企业年度报告公示指导", "食品经营许可事项指导", "食品安全主体责任落实指导",
         "广告发布合规指导", "计量器具使用合规指导", "特种设备使用安全管理指导"]
RIGHTS = "自愿接受、可拒绝，拒绝不影响其合法权益"


def item(number: str = "1", **over: Any) -> dict[str, Any]:
    return {"number": number, "matter": "消防安全管理制度建设指导", "implementers": ["防火监督科"],
            "basis": "《中华人民共和国消防法》第十六条", "content": "指导单位建立消防安全责任制",
            "methods": ["意见建议", "行政约谈"], "rights": RIGHTS, **over}


def edition(version: str = "2026版", **over: Any) -> dict[str, Any]:
    body = {"version": version, "title": f"消防救援支队行政指导事项目录清单（{version}）",
            "effective_from": (today() - timedelta(days=30)).isoformat(), "items": [item("1"), item("2", matter="疏散通道管理指导")]}
    body.update(over)
    return {"edition": body, "basis": "支队党委会审议通过"}


def import_file(api: Api, user: str, authority: str, data: bytes, **params: Any) -> Any:
    query = {"version": "2027版", "title": "行政指导事项目录清单（2027版）", "effective_from": today().isoformat(), **params}
    return api.post(user, f"/guidance-matters/{authority}/imports", None, content=data, params=query,
                    headers={"Content-Type": "application/octet-stream"})


def browse(api: Api, authority: str, user: str = REGISTRAR, **params: Any) -> dict[str, Any]:
    return got(api, user, f"/guidance-matters/{authority}", **params)


# ------------------------------------------------------------------------ reads


@pytest.mark.parametrize("user", [REGISTRAR, DISPATCHER, MARKET_STAFF, FIRE_STAFF, SUPERVISOR, AUDITOR, ADMIN])
def test_every_signed_in_role_reads_the_markets_catalogue_in_force_today(api: Api, user: str) -> None:
    shown = browse(api, MARKET, user)
    assert [i["matter"] for i in shown["items"]] == NAMES
    assert [i["ref"] for i in shown["items"]] == [f"2026版/{n}" for n in range(1, 8)]
    assert shown["methods"] == list(SEED_METHODS)
    (e,) = shown["editions"]
    assert (e["version"], e["effective_from"], e["in_force"], e["item_count"]) == ("2026版", "2026-01-01", True, 7)
    food = shown["items"][3]
    assert food["methods"] == ["意见建议", "劝导警示", "行政约谈"] and food["rights"].startswith(RIGHTS)


def test_reads_need_a_token_and_answer_unknown_authorities_and_versions_in_chinese(api: Api) -> None:
    assert api.get(None, "/guidance-matters").status_code == 401
    assert api.get(None, f"/guidance-matters/{MARKET}").status_code == 401
    refused(api.get(REGISTRAR, f"/guidance-matters/{FIRE}"), 404, "matters_not_found")
    refused(api.get(REGISTRAR, f"/guidance-matters/{MARKET}/editions/2030版"), 404, "version_not_found")
    refused(api.get(REGISTRAR, f"/guidance-matters/{MARKET}", params={"version": "2030版"}), 422, "invalid_input")
    assert browse(api, MARKET, on="2025-12-31")["items"] == []
    assert browse(api, MARKET, on="2025-12-31")["editions"][0]["in_force"] is False


def test_the_catalogues_are_listed_with_their_editions_and_methods(api: Api) -> None:
    listed = got(api, SUPERVISOR, "/guidance-matters", wait_for=api.head())
    (market,) = listed
    assert market["authority"] == MARKET and market["methods_set"] is False
    assert [(e["version"], e["item_count"]) for e in market["editions"]] == [("2026版", 7)]


# --------------------------------------------------------------------- commands


def test_an_edition_published_as_json_is_amended_repealed_and_browsed_by_date(api: Api) -> None:
    published = api.ok(FIRE_STAFF, f"/guidance-matters/{FIRE}/editions", edition(), status=201)
    assert published["record_id"]
    base = f"/guidance-matters/{FIRE}/editions/2026版"
    tomorrow, later = (today() + timedelta(days=n) for n in (1, 2))
    api.ok(FIRE_STAFF, f"{base}/amendments", {"item": item("1", content="指导建立消防安全责任制和防火巡查制度"),
                                              "effective_from": tomorrow.isoformat()})
    api.ok(ADMIN, f"{base}/item-repeals", {"number": "2", "effective_from": later.isoformat(), "reason": "并入第1项"})
    now = browse(api, FIRE)
    assert [(i["number"], i["content"]) for i in now["items"]] == [("1", "指导单位建立消防安全责任制"), ("2", item()["content"])]
    assert [i["content"] for i in browse(api, FIRE, on=tomorrow.isoformat())["items"]][0].endswith("防火巡查制度")
    assert [i["number"] for i in browse(api, FIRE, on=later.isoformat())["items"]] == ["1"]
    whole = got(api, AUDITOR, f"{base}")
    assert [len(whole["revisions"][n]) for n in ("1", "2")] == [2, 1]
    assert whole["revisions"]["2"][0]["valid_until"] == tomorrow.isoformat()
    api.ok(FIRE_STAFF, f"{base}/repeal", {"effective_from": later.isoformat(), "reason": "机构改革"})
    assert browse(api, FIRE, on=later.isoformat())["items"] == []


def test_an_edition_imported_from_csv_and_one_from_xlsx_hold_the_same_matters(api: Api) -> None:
    assert import_file(api, FIRE_STAFF, FIRE, SAMPLE_CSV).status_code == 201
    r = api.post(MARKET_STAFF, f"/guidance-matters/{MARKET}/imports", None,
                 params={"version": "2027版", "title": "2027版", "effective_from": today().isoformat(), "supersedes": "2026版"},
                 files={"file": ("目录.xlsx", SAMPLE_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert r.status_code == 201, r.text
    fire = got(api, REGISTRAR, f"/guidance-matters/{FIRE}/editions/2027版")
    market = got(api, REGISTRAR, f"/guidance-matters/{MARKET}/editions/2027版")
    assert fire["items"] == market["items"] and [i["matter"] for i in fire["items"]] == NAMES
    assert got(api, REGISTRAR, f"/guidance-matters/{MARKET}/editions/2026版")["in_force_until"] == (
        today() - timedelta(days=1)).isoformat()


def test_a_bad_import_is_422_naming_each_row_and_column_in_chinese_and_publishes_nothing(api: Api) -> None:
    lines = SAMPLE_CSV.decode("utf-8").splitlines()
    lines[2] = lines[2].replace("提示提醒；政策指引", "提示提醒；罚款")  # row 3: a method not in the list
    lines[5] = lines[5].replace("广告监管科", "")  # row 6: no 实施主体
    with appends_nothing(api):
        body = refused(import_file(api, FIRE_STAFF, FIRE, "\n".join(lines).encode("utf-8")), 422, "invalid_input")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("rows[3].指导方式", "unknown_method"),
                                                                 ("rows[6].实施主体", "required")}
    assert any(e["message"].startswith("第6行“实施主体”：") for e in body["errors"])
    refused(api.get(REGISTRAR, f"/guidance-matters/{FIRE}"), 404, "matters_not_found")


@pytest.mark.parametrize("user", [REGISTRAR, DISPATCHER, FIRE_STAFF, SUPERVISOR, AUDITOR])
def test_only_the_authoritys_own_staff_or_an_administrator_edit_its_catalogue(api: Api, user: str) -> None:
    base = f"/guidance-matters/{MARKET}"
    with appends_nothing(api):
        for r in (
            api.post(user, f"{base}/editions", edition("2027版")),
            import_file(api, user, MARKET, SAMPLE_CSV),
            api.post(user, f"{base}/editions/2026版/amendments", {"item": item("9"), "effective_from": today().isoformat()}),
            api.post(user, f"{base}/editions/2026版/item-repeals", {"number": "1", "effective_from": today().isoformat(),
                                                                    "reason": "x"}),
            api.post(user, f"{base}/editions/2026版/repeal", {"effective_from": today().isoformat(), "reason": "x"}),
            api.post(user, f"{base}/methods", {"methods": ["提示提醒"]}),
        ):
            refused(r, 403, "matters_editor_only")
    assert len(browse(api, MARKET)["items"]) == 7


def test_the_markets_staff_and_the_administrator_may_edit_its_catalogue(api: Api) -> None:
    api.ok(MARKET_STAFF, f"/guidance-matters/{MARKET}/editions/2026版/amendments",
           {"item": item("8"), "effective_from": today().isoformat()})
    api.ok(ADMIN, f"/guidance-matters/{MARKET}/editions/2026版/item-repeals",
           {"number": "8", "effective_from": (today() + timedelta(days=1)).isoformat(), "reason": "试行结束"})
    assert [i["number"] for i in browse(api, MARKET)["items"]][-1] == "8"


# ------------------------------------------------------- what a guidance may cite and use


def test_the_authoritys_methods_are_what_its_guidance_may_use(api: Api) -> None:
    own = ["政策指引", "意见建议", "提示提醒", "劝导警示", "示范引领", "案件回访", "行政约谈", "行政走（回）访"]
    api.ok(ADMIN, f"/guidance-matters/{MARKET}/methods", {"methods": own, "basis": "局务会议决定"})
    assert got(api, MARKET_STAFF, "/guidance-methods")["methods"] == own
    assert got(api, REGISTRAR, "/guidance-methods", unit=FIRE)["methods"] == list(SEED_METHODS)
    with appends_nothing(api):
        r = api.post(MARKET_STAFF, "/guidance", gp.start(method="规劝"))
        assert [e["field"] for e in refused(r, 422)["errors"]] == ["method"]
        # a method an item in force names stays
        dropped = [m for m in own if m != "示范引领"]
        body = refused(api.post(MARKET_STAFF, f"/guidance-matters/{MARKET}/methods", {"methods": dropped}), 422)
        assert body["errors"][0]["code"] == "method_in_use" and "2026版第6项（示范引领）" in body["errors"][0]["message"]
    assert api.ok(MARKET_STAFF, "/guidance", gp.start(method="提示提醒"), status=201)["case_id"]


def test_a_guidance_citing_a_matter_stores_its_wording_and_one_citing_an_unknown_or_repealed_matter_is_refused(
    api: Api,
) -> None:
    gid = api.ok(MARKET_STAFF, "/guidance", gp.start(matter={"text": "", "catalogue_ref": "3"}), status=201)["case_id"]
    assert got(api, MARKET_STAFF, f"/guidance/{gid}")["matter"] == {"text": "食品经营许可事项指导", "catalogue_ref": "2026版/3"}
    api.ok(MARKET_STAFF, f"/guidance-matters/{MARKET}/editions/2026版/item-repeals",
           {"number": "3", "effective_from": today().isoformat(), "reason": "并入第4项"})
    with appends_nothing(api):
        for ref, code in (("2026版/3", "repealed"), ("2026版/30", "unknown_item"), ("2030版/3", "unknown_version")):
            body = refused(api.post(MARKET_STAFF, "/guidance", gp.start(matter={"text": "", "catalogue_ref": ref})), 422)
            assert [(e["field"], e["code"]) for e in body["errors"]] == [("matter", code)]
        body = refused(api.post(MARKET_STAFF, "/guidance", gp.start(matter={"text": "食品许可", "catalogue_ref": "2026版/4"})), 422)
        assert [e["field"] for e in body["errors"]] == ["matter.text"]


# -------------------------------------------------------------------- the public page

def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_public_page_lists_every_catalogue_without_signing_in(api: Api) -> None:
    got(api, REGISTRAR, "/guidance-matters", wait_for=api.head())  # the list is read from the audit view
    r = api.client.get("/public/guidance-matters")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "set-cookie" not in r.headers  # no session, no CSRF cookie: nothing of anyone's is kept
    assert "default-src 'self'" in r.headers["content-security-policy"] and "<script" not in r.text
    text = _text(r.text)
    assert f"{MARKET}行政指导事项目录清单（2026版）" in text and "2026-01-01" in text and "市市监发〔2025〕88号" in text
    assert f'href="/public/guidance-matters/{quote(MARKET)}"' in r.text


def test_the_public_page_of_an_authority_shows_matters_basis_content_methods_and_rights_with_the_edition(api: Api) -> None:
    r = api.client.get(f"/public/guidance-matters/{quote(MARKET)}")
    assert r.status_code == 200, r.text
    text = _text(r.text)
    for name in NAMES:
        assert name in text
    for header in ("指导事项", "指导依据", "指导内容", "指导方式", "相对人权利"):
        assert f"<th>{header}</th>" in r.text
    assert "《中华人民共和国食品安全法》第三十五条" in text and "意见建议、劝导警示、行政约谈" in text and RIGHTS in text
    assert "版本 2026版" in text and "生效日期 2026-01-01" in text and "施行中的事项 7项" in text
    # before the edition: nothing in force; a bad date is said in Chinese and today's shown
    assert "没有施行中的目录版本" in _text(api.client.get(f"/public/guidance-matters/{quote(MARKET)}?on=2025-12-31").text)
    bad = api.client.get(f"/public/guidance-matters/{quote(MARKET)}?on=2026-13-01")
    assert bad.status_code == 200 and "日期格式应为 年-月-日" in bad.text and NAMES[0] in bad.text


def test_the_public_page_of_an_authority_without_a_catalogue_is_404_and_a_repealed_matter_leaves_it(api: Api) -> None:
    r = api.client.get(f"/public/guidance-matters/{quote(FIRE)}")
    assert r.status_code == 404 and f"{FIRE}尚未公开行政指导事项目录" in r.text
    api.ok(MARKET_STAFF, f"/guidance-matters/{MARKET}/editions/2026版/item-repeals",
           {"number": "5", "effective_from": today().isoformat(), "reason": "职能划转"})
    text = _text(api.client.get(f"/public/guidance-matters/{quote(MARKET)}").text)
    assert "广告发布合规指导" not in text and "施行中的事项 6项" in text
