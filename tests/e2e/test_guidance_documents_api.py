"""An administrative guidance's documents over the API: the 责令改正通知书
command, the unit's number formats set by the administrator, the documents
listed and issued as DOCX and PDF (each issue an event on the guidance, the
same bytes again), verification by hash over the API and the console (found,
never issued, one byte changed) naming the guidance, and the unit scope —
the guidance's unit, whoever issued the paper."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from typing import Any
from urllib.parse import quote

from ledger.demo import MARKET
from tests.e2e import guidance_payloads as g
from tests.e2e.conftest import Api
from tests.e2e.payloads import (
    ADMIN,
    AUDITOR,
    FIRE_STAFF,
    MARKET_STAFF,
    REGISTRAR,
    SUPERVISOR,
    VALID_RIC,
    in_days,
    today,
)

FREE = {"text": "食品经营许可事项指导"}  # free text: no catalogue item to match


def order(**over: Any) -> dict[str, Any]:
    return {"problems": "经营场所未悬挂食品经营许可证", "legal_basis": "《食品经营许可和备案管理办法》第三十一条",
            "items": ["在经营场所显著位置悬挂许可证正本"], "due_on": in_days(7), **over}


def admonition(api: Api, **over: Any) -> str:
    """A written 劝导警示 guidance with its 意见书, 送达, 登记文书 and 责令改正通知书."""
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(method="劝导警示", matter=FREE, **over), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    api.ok(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())
    api.ok(MARKET_STAFF, f"/guidance/{gid}/record", g.record())
    api.ok(MARKET_STAFF, f"/guidance/{gid}/correction-order", order())
    return gid


def docx_xml(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return z.read("word/document.xml").decode("utf-8")


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return re.sub(r"\s+", "", subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                             check=True).stdout)


def caught_up(api: Api, gid: str, response: Any) -> dict[str, Any]:
    """The guidance's documents once the view shows the issue ``response`` recorded."""
    r = api.get(MARKET_STAFF, f"/guidance/{gid}/documents", params={"wait_for": response.headers["x-ledger-notification"]})
    assert r.status_code == 200, r.text
    return r.json()


def test_the_correction_order_is_issued_numbered_shown_and_tracked(api: Api) -> None:
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(method="劝导警示", matter=FREE), status=201)["case_id"]
    issued = api.ok(MARKET_STAFF, f"/guidance/{gid}/correction-order", order(due_on=today()))  # due the same day
    assert re.fullmatch(r"\d{4}年第\d+号", issued["number"])
    v = api.get(MARKET_STAFF, f"/guidance/{gid}").json()
    assert v["state"] == "given" and v["correction_number"] == issued["number"]
    assert v["correction"]["items"] == [{"description": "在经营场所显著位置悬挂许可证正本", "due_on": today(),
                                          "status": "open", "evidence": ""}]
    tracked = [{"description": "在经营场所显著位置悬挂许可证正本", "due_on": today(), "status": "done", "evidence": "现场照片"}]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/correction-order/tracking", {"items": tracked})
    assert api.get(MARKET_STAFF, f"/guidance/{gid}").json()["correction"]["items"][0]["status"] == "done"
    events = [e["event"] for e in api.get(MARKET_STAFF, f"/guidance/{gid}/history").json()]
    assert events == ["Started", "CorrectionOrdered", "CorrectionTracked"]


def test_a_bad_order_gets_its_fields_named_and_writes_nothing(api: Api) -> None:
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(method="劝导警示", matter=FREE), status=201)["case_id"]
    head = api.head()
    early = api.post(MARKET_STAFF, f"/guidance/{gid}/correction-order", order(due_on=in_days(-1)))
    assert early.status_code == 422 and [e["field"] for e in early.json()["errors"]] == ["due_on"]
    other = api.ok(MARKET_STAFF, "/guidance", g.start(matter=FREE), status=201)["case_id"]  # 提示提醒
    head = api.head()
    wrong = api.post(MARKET_STAFF, f"/guidance/{other}/correction-order", order())
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "method"
    assert api.post(FIRE_STAFF, f"/guidance/{gid}/correction-order", order()).status_code == 404
    assert api.head() == head


def test_the_administrator_sets_a_units_number_formats_and_issued_numbers_keep_theirs(api: Api) -> None:
    path = f"/admin/units/{quote(MARKET)}/number-formats"
    api.ok(ADMIN, path, {"kind": "guidance_opinion", "pattern": "临人社行指〔{year}〕{seq}号"})
    api.ok(ADMIN, path, {"kind": "guidance_record", "pattern": "临淄区人社局指导书〔{year}〕{seq}号"})
    bad = api.post(ADMIN, path, {"kind": "guidance_opinion", "pattern": "第{seq}号"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "pattern"
    assert api.post(MARKET_STAFF, path, {"kind": "guidance_opinion", "pattern": "甲〔{year}〕{seq}号"}).status_code == 403
    units = {u["name"]: u for u in api.get(ADMIN, "/admin/units").json()}
    assert units[MARKET]["number_formats"] == {"guidance_opinion": "临人社行指〔{year}〕{seq}号",
                                               "guidance_record": "临淄区人社局指导书〔{year}〕{seq}号"}

    gid = api.ok(MARKET_STAFF, "/guidance", g.start(matter=FREE), status=201)["case_id"]
    opinion = api.ok(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())["number"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())
    record = api.ok(MARKET_STAFF, f"/guidance/{gid}/record", g.record())["number"]
    assert re.fullmatch(r"临人社行指〔\d{4}〕\d+号", opinion) and re.fullmatch(r"临淄区人社局指导书〔\d{4}〕\d+号", record)
    first = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/guidance_opinion", params={"format": "docx"})
    assert opinion in docx_xml(first.content)

    api.ok(ADMIN, path, {"kind": "guidance_opinion", "pattern": ""})  # back to {year}年第{seq}号
    v = api.get(MARKET_STAFF, f"/guidance/{gid}").json()
    assert v["opinion_number"] == opinion and v["opinion"]["number"]["text"] == opinion
    again = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/guidance_opinion", params={"format": "docx"})
    assert again.content == first.content
    later = api.ok(MARKET_STAFF, "/guidance", g.start(matter=FREE), status=201)["case_id"]
    assert re.fullmatch(r"\d{4}年第\d+号", api.ok(MARKET_STAFF, f"/guidance/{later}/opinion", g.opinion())["number"])


def test_the_documents_are_listed_issued_recorded_and_issued_again_byte_for_byte(api: Api, tmp_path) -> None:
    gid = admonition(api)
    listed = api.get(MARKET_STAFF, f"/guidance/{gid}/documents").json()
    assert [d["kind"] for d in listed["available"]] == ["guidance_opinion", "guidance_record", "correction_order"]
    assert [d["label"] for d in listed["available"]] == ["行政指导意见书", "行政指导登记文书", "责令改正通知书"]
    assert listed["issued"] == []
    v = api.get(MARKET_STAFF, f"/guidance/{gid}").json()
    texts = {"guidance_opinion": ("行政指导意见书", v["opinion_number"], v["opinion"]["problem_of"], v["opinion"]["problems"],
                                  v["opinion"]["opinion"], "指导联系人：王磊", "0533-2345678", "鲁味轩餐饮有限公司："),
             "guidance_record": ("行政指导登记文书", v["record_number"], "指导时间", "指导地点", v["record"]["place"],
                                 "指导人员", "王磊", "指导对象", "指导内容（事项）", v["record"]["content"],
                                 "指导取得的效益、效果"),
             "correction_order": ("责令改正通知书", v["correction_number"], v["correction"]["problems"],
                                  v["correction"]["legal_basis"], "在经营场所显著位置悬挂许可证正本")}
    for kind, values in texts.items():
        docx = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/{kind}", params={"format": "docx"})
        assert docx.status_code == 200, docx.text
        assert docx.headers["x-content-sha256"] == hashlib.sha256(docx.content).hexdigest()
        xml = docx_xml(docx.content)
        pdf = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/{kind}", params={"format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        text = pdf_text(pdf.content, tmp_path)
        for value in values:
            assert value in xml and value in text, (kind, value)
        assert api.get(MARKET_STAFF, f"/guidance/{gid}/documents/{kind}", params={"format": "docx"}).content == docx.content
    last = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/guidance_opinion", params={"format": "pdf"})
    issued = caught_up(api, gid, last)["issued"]
    assert len(issued) == 10 and {d["guidance_id"] for d in issued} == {gid} and {d["case_id"] for d in issued} == {None}
    assert issued[0]["sha256"] == last.headers["x-content-sha256"] and issued[0]["subject"] == "guidance"
    history = api.get(REGISTRAR, f"/guidance/{gid}/history").json()
    recorded = [e for e in history if e["event"] == "DocumentIssued"]
    assert len(recorded) == 10 and recorded[-1]["data"]["issued"]["sha256"] == last.headers["x-content-sha256"]
    assert recorded[-1]["data"]["unit"] == MARKET and recorded[0]["actor_id"] == MARKET_STAFF


def test_a_file_is_verified_by_its_hash_and_the_answer_names_the_guidance(api: Api, tmp_path) -> None:
    gid = admonition(api)
    issued = api.get(MARKET_STAFF, f"/guidance/{gid}/documents/correction_order", params={"format": "pdf"})
    caught_up(api, gid, issued)
    digest = issued.headers["x-content-sha256"]
    found = api.get(SUPERVISOR, "/documents/verify", params={"sha256": digest}).json()
    (row,) = found["issues"]
    assert found["issued"] is True
    assert (row["guidance_id"], row["case_id"], row["kind"], row["actor_id"]) == (gid, None, "correction_order", MARKET_STAFF)
    footer = re.search(r"文书码([0-9a-f]{12})", pdf_text(issued.content, tmp_path))
    assert footer and footer.group(1) == row["paper_code"]
    assert api.get(SUPERVISOR, "/documents/verify", params={"sha256": footer.group(1)}).json()["issues"][0]["sha256"] == digest
    altered = bytearray(issued.content)
    altered[len(altered) // 2] ^= 1
    r = api.post(SUPERVISOR, "/documents/verify", content=bytes(altered), headers={"content-type": "application/pdf"})
    assert r.status_code == 200 and r.json()["issued"] is False
    never = api.get(SUPERVISOR, "/documents/verify", params={"sha256": "1" * 64}).json()
    assert never["issued"] is False and "从未出具" in never["message"]

    # the console: ``ledger documents verify FILE`` on the same store
    good, bad = tmp_path / "order.pdf", tmp_path / "altered.pdf"
    good.write_bytes(issued.content)
    bad.write_bytes(bytes(altered))
    env = {"LEDGER_SQLITE": api.settings.sqlite_path, "PATH": "/usr/bin:/bin"}
    ok = subprocess.run([sys.executable, "-m", "ledger.cli", "documents", "verify", str(good)], capture_output=True,
                        text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout.splitlines()[0])["guidance_id"] == gid and f"guidance {gid}" in ok.stderr
    no = subprocess.run([sys.executable, "-m", "ledger.cli", "documents", "verify", str(bad)], capture_output=True,
                        text=True, env=env)
    assert no.returncode == 1 and "NOT ISSUED" in no.stdout


def test_the_guidances_unit_scopes_its_documents_whoever_issued_them(api: Api) -> None:
    gid = admonition(api)
    # the supervisor issues one: still the market regulator's guidance's paper
    by_supervisor = api.get(SUPERVISOR, f"/guidance/{gid}/documents/guidance_opinion", params={"format": "pdf"})
    assert by_supervisor.status_code == 200
    caught_up(api, gid, by_supervisor)
    digest = by_supervisor.headers["x-content-sha256"]
    assert api.get(FIRE_STAFF, f"/guidance/{gid}/documents").status_code == 404
    assert api.get(FIRE_STAFF, f"/guidance/{gid}/documents/guidance_opinion").status_code == 404
    assert api.get(FIRE_STAFF, "/documents/verify", params={"sha256": digest}).json()["issued"] is False
    assert api.get(MARKET_STAFF, "/documents/verify", params={"sha256": digest}).json()["issued"] is True
    assert api.get(ADMIN, f"/guidance/{gid}/documents").status_code == 403  # the administrator reads no case data
    assert api.get(AUDITOR, f"/guidance/{gid}/documents").status_code == 200  # reads what was issued
    assert api.get(AUDITOR, f"/guidance/{gid}/documents/guidance_opinion").status_code == 403  # issues nothing
    assert api.get(MARKET_STAFF, f"/guidance/{gid}/documents/application").status_code == 422
    assert api.get(MARKET_STAFF, f"/cases/{gid}/documents/guidance_opinion").status_code == 422  # not a case's document


def test_a_persons_resident_id_is_masked_on_the_guidances_paper_as_on_screen(api: Api) -> None:
    gid = admonition(api, addressee=g.person())
    own = docx_xml(api.get(MARKET_STAFF, f"/guidance/{gid}/documents/guidance_record", params={"format": "docx"}).content)
    full = docx_xml(api.get(SUPERVISOR, f"/guidance/{gid}/documents/guidance_record", params={"format": "docx"}).content)
    assert VALID_RIC not in own and VALID_RIC[:6] in own and VALID_RIC[-4:] in own
    assert VALID_RIC in full
    order_xml = docx_xml(api.get(MARKET_STAFF, f"/guidance/{gid}/documents/correction_order", params={"format": "docx"}).content)
    assert VALID_RIC not in order_xml and "身份证号" in order_xml
