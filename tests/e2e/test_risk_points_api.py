"""The register of legal-risk points over HTTP: the real app on a copy of the
seeded SQLite store (the market regulator's 2026版 is published from
ledger.demo.risk_points, in force since 2026-02-01, and the demo's written
guidance cites SP-01 and SP-03 a week ago; the fire brigade has none),
projections running in-process. Every endpoint, by role; every refused
request is checked to have appended nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from tests.e2e import guidance_payloads as gp
from tests.e2e.conftest import Api
from tests.e2e.payloads import ADMIN, AUDITOR, DISPATCHER, FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR
from tests.e2e.test_supervision_api import appends_nothing, got, refused, today

M = quote(MARKET)
F = quote(FIRE)


def point(code: str = "X-1", **over: Any) -> dict[str, Any]:
    return {"code": code, "category": "人员密集场所经营者", "point": "疏散通道堵塞", "manifestation": "安全出口上锁、堆放杂物",
            "cause": "消防安全意识淡薄", "harm": "火灾时人员无法疏散", "severity": "severe", "likelihood": "medium",
            "basis": "《中华人民共和国消防法》第二十八条、第六十条", "measures": "行政提示：张贴提示；行政约谈", **over}


def edition(version: str = "2026版", **over: Any) -> dict[str, Any]:
    body = {"version": version, "title": "消防救援支队违法风险点清单", "effective_from": today().isoformat(),
            "points": [point("X-1"), point("X-2", severity="minor", likelihood="low", citation_threshold=1)]}
    body.update(over)
    return {"edition": body}


def solicitation(**over: Any) -> dict[str, Any]:
    return {"solicitation": {"consulted": "商场经营者代表", "method": "座谈会", "subject": "风险点清单征求意见稿",
                             "opinion": "建议增加示范文本", "answer": "采纳", "solicited_on": today().isoformat(), **over}}


def publication(**over: Any) -> dict[str, Any]:
    return {"publication": {"published_on": today().isoformat(), "channels": ["门户网站", "微博"], **over}}


def fire_published(api: Api) -> int:
    api.ok(FIRE_STAFF, f"/risk-points/{F}/editions", edition(), status=201)
    api.ok(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/solicitations", solicitation(), status=201)
    return api.ok(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/publication", publication())["notification_id"]


@pytest.mark.parametrize("user", [REGISTRAR, DISPATCHER, MARKET_STAFF, FIRE_STAFF, SUPERVISOR, AUDITOR, ADMIN])
def test_every_signed_in_role_reads_the_published_list_with_grades_and_reasons(api, user):
    body = got(api, user, f"/risk-points/{M}", wait_for=api.head())
    points = {p["code"]: p for p in body["points"]}
    assert set(points) == {"SP-01", "SP-02", "SP-03", "YP-01", "YP-02"}
    assert (points["SP-01"]["grade_label"], points["SP-01"]["reasons"]) == ("高", "危害后果严重 × 发生概率高 → 高风险（按等级规则）")
    assert points["YP-02"]["overridden"] and "调高一级" in points["YP-02"]["reasons"]
    assert points["SP-01"]["published_on"] == "2026-01-25" and points["SP-01"]["channels"] == "门户网站、微信公众号"
    assert body["rule"]["rows"][0]["grades"] == ["高", "高", "中"]
    assert [r["authority"] for r in got(api, user, "/risk-points/")] == [MARKET]


def test_unsigned_requests_are_refused(api):
    assert api.get(None, f"/risk-points/{M}").status_code == 401
    assert api.post(None, "/risk-points/citations", {}).status_code == 401


def test_an_authoritys_list_is_drafted_solicited_published_and_in_force(api):
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"/risk-points/{F}/editions", edition(points=[point(basis="")])), 422,
                "invalid_input")
        body = refused(api.post(FIRE_STAFF, f"/risk-points/{F}/editions",
                                edition(points=[point(grade="low")])), 422, "invalid_input")
        assert body["errors"][0]["field"] == "edition.points[0].grade" or body["errors"][0]["field"].endswith("grade")
        refused(api.post(MARKET_STAFF, f"/risk-points/{F}/editions", edition()), 403, "risk_points_editor_only")
    api.ok(FIRE_STAFF, f"/risk-points/{F}/editions", edition(), status=201)
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/publication", publication()), 422,
                "invalid_input")
        refused(api.post(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/solicitations",
                         solicitation(answer=" ")), 422, "invalid_input")
    api.ok(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/solicitations", solicitation(), status=201)
    n = api.ok(FIRE_STAFF, f"/risk-points/{F}/editions/2026版/publication", publication())["notification_id"]
    body = got(api, REGISTRAR, f"/risk-points/{F}", wait_for=n)
    assert [p["grade"] for p in body["points"]] == ["high", "low"]
    assert got(api, REGISTRAR, f"/risk-points/{F}", on=(today() - timedelta(days=1)).isoformat())["points"] == []
    one = got(api, AUDITOR, f"/risk-points/{F}/editions/2026版")
    assert one["state"] == "published" and one["solicitations_list"][0]["consulted"] == "商场经营者代表"
    refused(api.get(AUDITOR, f"/risk-points/{F}/editions/2099版"), 404)
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"/risk-points/{F}/editions", edition()), 422, "invalid_input")


def test_the_grading_rule_is_the_authoritys_own_setting(api):
    rule = got(api, SUPERVISOR, f"/risk-points/{M}", wait_for=api.head())["rule"]["cells"]
    changed = [{**c, "grade": "high"} if c["severity"] == "minor" else c for c in rule]
    with appends_nothing(api):
        refused(api.post(ADMIN, f"/risk-points/{M}/rule", {"rule": {"cells": changed[:-1]}}), 422, "invalid_input")
        refused(api.post(REGISTRAR, f"/risk-points/{M}/rule", {"rule": {"cells": changed}}), 403)
    n = api.ok(MARKET_STAFF, f"/risk-points/{M}/rule", {"rule": {"cells": changed, "note": "一般后果亦从严"}})["notification_id"]
    assert got(api, REGISTRAR, f"/risk-points/{M}", wait_for=n)["rule"]["rows"][2]["grades"] == ["高", "高", "高"]


def test_an_import_drafts_an_edition_or_names_every_bad_row(api):
    header = ["编号", "相对人类别", "违法风险点", "表现形式", "形成原因", "危害后果", "危害程度", "发生概率", "法律依据", "指导方式及措施"]
    row = ["A-1", "商场", "消防通道堵塞", "堆物", "意识淡薄", "无法疏散", "严重", "中", "消防法第二十八条", "行政提示"]

    def data(*rows: list[str]) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows([header, *rows])
        return out.getvalue().encode("gbk")

    query = {"version": "2026版", "title": "清单", "effective_from": today().isoformat()}
    with appends_nothing(api):
        body = refused(api.post(FIRE_STAFF, f"/risk-points/{F}/imports", None, content=data(row, [*row[:8], "", row[9]]),
                                params=query, headers={"Content-Type": "text/csv"}), 422, "invalid_input")
        assert [e["field"] for e in body["errors"]] == ["rows[3].法律依据", "rows[3].编号"]
        refused(api.post(MARKET_STAFF, f"/risk-points/{F}/imports", None, content=data(row), params=query,
                         headers={"Content-Type": "text/csv"}), 403)
    n = api.ok(FIRE_STAFF, f"/risk-points/{F}/imports", None, status=201, content=data(row), params=query,
               headers={"Content-Type": "text/csv"})["notification_id"]
    drafted = got(api, FIRE_STAFF, f"/risk-points/{F}/editions/2026版", wait_for=n)
    assert drafted["state"] == "draft" and drafted["points"][0]["grade"] == "high"


def test_an_officer_cites_points_on_a_guidance_and_the_citations_are_scoped(api):
    gid = api.ok(MARKET_STAFF, "/guidance", gp.start(), status=201)["case_id"]
    cite = {"record_kind": "guidance", "record_id": gid, "codes": ["SP-01", "YP-01"]}
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, "/risk-points/citations", cite), 404, "record_not_found")
        refused(api.post(REGISTRAR, "/risk-points/citations", cite), 403, "risk_citation_officer_only")
        refused(api.post(MARKET_STAFF, "/risk-points/citations", {**cite, "codes": ["NO-1"]}), 422, "invalid_input")
    n = api.ok(MARKET_STAFF, "/risk-points/citations", cite, status=201)["notification_id"]
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, "/risk-points/citations", cite), 422, "invalid_input")
    mine = got(api, MARKET_STAFF, "/risk-points/citations", record_id=gid, wait_for=n)
    assert [(c["point_code"], c["grade"], c["unit"], c["cited_by"]) for c in mine] == [
        ("SP-01", "high", MARKET, "王磊"), ("YP-01", "high", MARKET, "王磊")]
    year = got(api, SUPERVISOR, "/risk-points/citations", authority=MARKET,
               start=(today() - timedelta(days=30)).isoformat(), end=today().isoformat())
    assert {c["record_id"] for c in year} >= {gid} and len(year) == 4  # the demo guidance's two and these two
    assert got(api, FIRE_STAFF, "/risk-points/citations", record_id=gid) == []
    refused(api.get(FIRE_STAFF, "/risk-points/citations", params={"authority": MARKET}), 403, "unit_scope")
    refused(api.get(ADMIN, "/risk-points/citations"), 403, "role_not_allowed")


def test_a_warning_is_raised_past_the_threshold_and_stays_handled(api):
    n = fire_published(api)
    got(api, FIRE_STAFF, "/risk-points/warnings", wait_for=n)
    gids = [api.ok(FIRE_STAFF, "/guidance", gp.start(officers=["sunhao"], matter={"text": "消防安全管理指导"}), status=201)["case_id"] for _ in range(2)]
    for gid in gids[:1]:
        n = api.ok(FIRE_STAFF, "/risk-points/citations", {"record_kind": "guidance", "record_id": gid, "codes": ["X-2"]},
                   status=201)["notification_id"]
    assert got(api, FIRE_STAFF, "/risk-points/warnings", wait_for=n) == []  # threshold 1 reached, not passed
    n = api.ok(FIRE_STAFF, "/risk-points/citations", {"record_kind": "guidance", "record_id": gids[1], "codes": ["X-2"]},
               status=201)["notification_id"]
    [warning] = got(api, FIRE_STAFF, "/risk-points/warnings", wait_for=n)
    assert (warning["code"], warning["rule"], warning["window"], warning["state"]) == (
        "X-2", "citations", today().isoformat(), "open")
    handle = {"authority": FIRE, "code": "X-2", "rule": "citations", "window": warning["window"],
              "action": "acted", "note": "组织辖区商场集中约谈"}
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, "/risk-points/warnings/handlings", {**handle, "authority": FIRE}), 403)
        refused(api.post(FIRE_STAFF, "/risk-points/warnings/handlings", {**handle, "note": ""}), 422, "invalid_input")
    n = api.ok(FIRE_STAFF, "/risk-points/warnings/handlings", handle, status=201)["notification_id"]
    [warning] = got(api, SUPERVISOR, "/risk-points/warnings", authority=FIRE, wait_for=n)
    assert warning["state"] == "acted" and warning["handled"][0]["handled_by"] == "孙浩"
    refused(api.get(MARKET_STAFF, "/risk-points/warnings", params={"authority": FIRE}), 403, "unit_scope")
    refused(api.get(ADMIN, "/risk-points/warnings"), 403)


def test_the_published_list_downloads_as_xlsx(api):
    got(api, AUDITOR, "/risk-points/", wait_for=api.head())
    r = api.get(AUDITOR, f"/risk-points/{M}/list.xlsx")
    assert r.status_code == 200 and r.headers["X-Content-SHA256"]
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "市市场监督管理局行政相对人违法风险点清单" in values and "经营超过保质期的食品" in values
    refused(api.get(AUDITOR, f"/risk-points/{F}/list.xlsx"), 404)


def test_the_published_list_downloads_as_docx_and_pdf_the_same_bytes_each_time(api):
    got(api, AUDITOR, "/risk-points/", wait_for=api.head())
    docx = api.get(MARKET_STAFF, f"/risk-points/{M}/list.docx")
    assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxmlformats")
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        text = z.read("word/document.xml").decode()
    assert "经营超过保质期的食品" in text and "风险等级：高风险" in text and "门户网站、微信公众号" in text
    assert api.get(REGISTRAR, f"/risk-points/{M}/list.docx").content == docx.content
    pdf = api.get(SUPERVISOR, f"/risk-points/{M}/list.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["X-Content-SHA256"] == hashlib.sha256(pdf.content).hexdigest()
    refused(api.get(AUDITOR, f"/risk-points/{F}/list.pdf"), 404, "risk_list_not_found")


def test_the_authoritys_copy_is_issued_and_any_copy_of_it_verifies(api):
    """The authority's staff issue the official copy (DocumentIssued on its
    register); every reader gets the same bytes, so /documents/verify finds
    a supervisor's copy too — and a reader's download records nothing."""
    got(api, AUDITOR, "/risk-points/", wait_for=api.head())
    before = api.head()
    supervisors = api.get(SUPERVISOR, f"/risk-points/{M}/list.pdf")
    assert api.head() == before and "X-Ledger-Notification" not in supervisors.headers  # read, not issued
    official = api.get(MARKET_STAFF, f"/risk-points/{M}/list.pdf")
    assert official.status_code == 200 and official.content == supervisors.content
    assert int(official.headers["X-Ledger-Notification"]) == api.head() > before
    found = api.get(SUPERVISOR, "/documents/verify", params={"sha256": official.headers["X-Content-SHA256"]}).json()
    assert found["issued"] is True
    (row,) = found["issues"]
    assert (row["kind"], row["subject"], row["owner_unit"], row["actor_id"]) == (
        "risk_point_list", "risk_points", MARKET, MARKET_STAFF)
    assert row["risk_register_id"] and row["case_id"] is None and row["about"] == "2026版"
    assert api.get(SUPERVISOR, f"/risk-points/{M}/list.pdf").content == official.content  # issued again: same bytes


# ------------------------------------------------------------- the workbench pages

def test_the_guidance_pages_box_shows_and_adds_citations_and_the_queue_renders(api):
    from tests.e2e.test_guidance_documents_pages import csrf, signed_in

    gid = api.ok(MARKET_STAFF, "/guidance", gp.start(), status=201)["case_id"]
    got(api, MARKET_STAFF, "/risk-points/", wait_for=api.head())
    client = signed_in(api, MARKET_STAFF)
    page = client.get(f"/w/guidance/{gid}")
    assert page.status_code == 200 and "尚未引用违法风险点" in page.text and 'value="YP-01"' in page.text
    form = {"_csrf_token": csrf(page.text), "record_kind": "guidance", "record_id": gid, "back": f"/w/guidance/{gid}",
            "codes": ["YP-01", "SP-02"]}
    r = client.post("/w/risk-points/citations", data=form, follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == f"/w/guidance/{gid}"
    page = client.get(f"/w/guidance/{gid}")
    assert "YP-01 执业药师不在岗销售处方药（高风险，2026版）" in page.text and 'value="YP-01"' not in page.text
    queue = client.get("/w/risk-points/warnings")
    assert queue.status_code == 200 and "风险预警 · " + MARKET in queue.text
    register = client.get(f"/w/risk-points/{M}")
    assert "危害后果严重 × 发生概率高 → 高风险（按等级规则）" in register.text and "拟定新版本" in register.text
    other = signed_in(api, FIRE_STAFF).get(f"/w/guidance/{gid}")
    assert other.status_code == 404


def test_the_public_pages_need_no_sign_in_and_show_only_published_lists(api):
    got(api, AUDITOR, "/risk-points/", wait_for=api.head())
    api.client.cookies.clear()
    index = api.client.get("/public/risk-points")
    assert index.status_code == 200 and MARKET in index.text and "2026-01-25，门户网站、微信公众号" in index.text
    one = api.client.get(f"/public/risk-points/{M}")
    assert one.status_code == 200 and "经营超过保质期的食品" in one.text and "<script" not in one.text
    assert api.client.get(f"/public/risk-points/{F}").status_code == 404
