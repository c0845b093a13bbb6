"""A case's documents over the API: issued as DOCX and PDF (each issue an
event on the case, the file not kept), the same bytes when issued again from
the same events, verification by hash (found / never issued / one byte
changed), masking of a person's resident ID and the unit scope."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zipfile

import pytest

from tests.e2e import payloads as p
from tests.e2e.conftest import Api


def served_case(api: Api, *, individual: bool = False) -> str:
    case_id = api.book(individual=individual)["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{case_id}/dispatch", p.dispatch())
    api.ok(p.MARKET_STAFF, f"/cases/{case_id}/serve", p.serve())
    return case_id


def docx_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        return z.read("word/document.xml").decode("utf-8")


def pdf_text(body: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_documents_are_issued_recorded_and_issued_again_byte_for_byte(api: Api, tmp_path) -> None:
    case_id = served_case(api)
    listed = api.get(p.REGISTRAR, f"/cases/{case_id}/documents").json()
    assert [d["kind"] for d in listed["available"]] == ["application", "opinion", "rating", "file_index"]

    first = api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/opinion", params={"format": "docx"})
    assert first.status_code == 200, first.text
    assert first.headers["x-content-sha256"] == hashlib.sha256(first.content).hexdigest()
    xml = docx_text(first.content)
    for value in ("指导服务意见书", "张店区人民西路88号 后厨及库房", "进货查验台账记录不全", "建立并如实填写进货查验记录",
                  "本意见书仅为指导服务使用，不作为行政执法依据"):
        assert value in xml
    again = api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/opinion", params={"format": "docx"})
    assert again.content == first.content  # the issue event changed the case, not what the opinion says

    pdf = api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/opinion", params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content, tmp_path)
    assert "进货查验台账记录不全" in text and "指导服务意见书" in text

    history = api.get(p.REGISTRAR, f"/cases/{case_id}/history").json()
    issues = [e for e in history if e["event"] == "DocumentIssued"]
    assert [(e["data"]["issued"]["kind"], e["data"]["issued"]["format"]) for e in issues] == [
        ("opinion", "docx"), ("opinion", "docx"), ("opinion", "pdf")]
    assert issues[0]["data"]["issued"]["sha256"] == first.headers["x-content-sha256"]
    assert issues[0]["actor_id"] == p.MARKET_STAFF
    assert issues[0]["data"]["issued"]["template_version"]


def test_a_file_is_verified_by_its_hash_found_never_issued_or_altered(api: Api, tmp_path) -> None:
    case_id = served_case(api)
    issued = api.get(p.REGISTRAR, f"/cases/{case_id}/documents/application", params={"format": "pdf"})
    digest = issued.headers["x-content-sha256"]
    wait = {"wait_for": issued.headers["x-ledger-notification"]}
    api.get(p.REGISTRAR, f"/cases/{case_id}/documents", params=wait)  # the documents view has caught up
    found = api.get(p.SUPERVISOR, "/documents/verify", params={"sha256": digest}).json()
    assert found["issued"] is True
    (row,) = found["issues"]
    assert (row["case_id"], row["kind"], row["actor_id"], row["format"]) == (case_id, "application", p.REGISTRAR, "pdf")
    assert row["drawn_to_version"] == 4

    altered = bytearray(issued.content)
    altered[len(altered) // 2] ^= 1  # one byte changed
    r = api.post(p.SUPERVISOR, "/documents/verify", content=bytes(altered), headers={"content-type": "application/pdf"})
    assert r.status_code == 200 and r.json()["issued"] is False
    r = api.post(p.SUPERVISOR, "/documents/verify", content=issued.content, headers={"content-type": "application/pdf"})
    assert r.json()["issued"] is True
    never = api.get(p.SUPERVISOR, "/documents/verify", params={"sha256": "0" * 64}).json()
    assert never["issued"] is False and "从未出具" in never["message"]
    bad = api.get(p.SUPERVISOR, "/documents/verify", params={"sha256": "xyz"})
    assert bad.status_code == 422
    # a paper copy: every page's footer carries the form number and the 文书码, which finds the issue too
    footer = re.search(r"申请表编号\s*(\S+)\s*文书码\s*([0-9a-f]{12})", pdf_text(issued.content, tmp_path))
    assert footer and footer.group(2) == row["paper_code"]
    by_code = api.get(p.SUPERVISOR, "/documents/verify", params={"sha256": footer.group(2)}).json()
    assert by_code["issued"] and by_code["issues"][0]["sha256"] == digest


def test_a_file_verified_the_moment_it_was_issued_is_found(api: Api) -> None:
    """No wait_for from the client: the check waits (bounded) for the
    documents view to reach the log's head before saying "never issued"."""
    case_id = served_case(api)
    for _ in range(3):
        issued = api.get(p.REGISTRAR, f"/cases/{case_id}/documents/opinion", params={"format": "pdf"})
        found = api.get(p.SUPERVISOR, "/documents/verify", params={"sha256": issued.headers["x-content-sha256"]})
        assert found.json()["issued"] is True


def test_a_persons_resident_id_is_masked_on_paper_for_those_who_see_it_masked(api: Api) -> None:
    case_id = served_case(api, individual=True)
    full = docx_text(api.get(p.REGISTRAR, f"/cases/{case_id}/documents/application", params={"format": "docx"}).content)
    masked = docx_text(api.get(p.DISPATCHER, f"/cases/{case_id}/documents/application", params={"format": "docx"}).content)
    assert p.VALID_RIC in full
    assert p.VALID_RIC not in masked and p.VALID_RIC[:6] in masked  # the region stays, the birth date goes


@pytest.mark.parametrize("who", [p.FIRE_STAFF])
def test_another_units_staff_can_neither_issue_nor_learn_of_a_units_documents(api: Api, who: str) -> None:
    case_id = served_case(api)  # the market regulator's only
    assert api.get(who, f"/cases/{case_id}/documents/opinion").status_code == 404
    assert api.get(who, f"/cases/{case_id}/documents").status_code == 404
    issued = api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/opinion", params={"format": "pdf"})
    api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents", params={"wait_for": issued.headers["x-ledger-notification"]})
    digest = issued.headers["x-content-sha256"]
    assert api.get(who, "/documents/verify", params={"sha256": digest}).json()["issued"] is False
    assert api.get(p.MARKET_STAFF, "/documents/verify", params={"sha256": digest}).json()["issued"] is True


def test_read_only_roles_do_not_issue_and_documents_that_do_not_apply_are_refused(api: Api) -> None:
    case_id = served_case(api)
    assert api.get(p.AUDITOR, f"/cases/{case_id}/documents/opinion").status_code == 403
    r = api.get(p.REGISTRAR, f"/cases/{case_id}/documents/refusal_notice")
    assert r.status_code == 409 and "不予受理" in r.json()["message"]
    assert api.get(p.REGISTRAR, f"/cases/{case_id}/documents/nonsense").status_code == 422


def test_the_reversal_statement_and_the_supervisors_letter_are_drawn_from_their_records(api: Api) -> None:
    case_id = served_case(api)
    revoked = api.ok(p.MARKET_STAFF, f"/cases/{case_id}/penalty-revocations", p.reversal(number="淄张市监罚〔2025〕301号"))
    statement = docx_text(api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/reversal_statement",
                                  params={"format": "docx"}).content)
    for value in ("淄张市监罚〔2025〕301号", "不予处罚清单", "2025年9月12日", "钱律", "撤销原罚款决定，予以批评教育"):
        assert value in statement
    assert api.get(p.MARKET_STAFF, f"/cases/{case_id}/documents/suggestion_letter").status_code == 409  # none yet
    api.ok(p.SUPERVISOR, f"/supervision/reviews/{revoked['record_id']}/objections",
           {"problems": "书面说明未写明危害后果", "suggestions": "补充说明后报送", "reply_due": p.in_days(10)})
    letter = api.get(p.SUPERVISOR, f"/cases/{case_id}/documents/suggestion_letter", params={"format": "docx"})
    assert letter.status_code == 200, letter.text
    xml = docx_text(letter.content)
    for value in ("行政执法监督问题整改建议书", "书面说明未写明危害后果", "补充说明后报送", "市市场监督管理局：", "市司法局执法监督科"):
        assert value in xml
    assert re.search(r"\d{4}年第\d+号", xml)  # the letter's number (a unit's 文号 prefix where it has one)


def test_every_document_of_the_demo_case_renders_and_is_pictured(api: Api, tmp_path) -> None:
    """A page of each form as a PNG (tests/screenshots/doc-case-<kind>.png), to look at beside the seed's annexes."""
    from tests.browser.conftest import SHOTS

    demo = api.get(p.REGISTRAR, "/registry", params={"wait_for": api.head()}).json()[0]["case_id"]  # the view caught up
    kinds = [d["kind"] for d in api.get(p.REGISTRAR, f"/cases/{demo}/documents").json()["available"]]
    assert {"application", "opinion", "rating", "reversal_statement", "file_index"} <= set(kinds)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        r = api.get(p.REGISTRAR, f"/cases/{demo}/documents/{kind}", params={"format": "pdf"})
        assert r.status_code == 200, (kind, r.text)
        assert "淄博鲁味轩餐饮管理有限公司" in pdf_text(r.content, tmp_path) or kind == "suggestion_letter"
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(r.content)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(path),
                        str(SHOTS / f"doc-case-{kind}")], check=True)
    # the demo case was accepted: the 一次性告知书 of a refused booking, pictured too
    refused = api.book()["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{refused}/refuse", p.refuse())
    r = api.get(p.REGISTRAR, f"/cases/{refused}/documents/refusal_notice", params={"format": "pdf"})
    assert r.status_code == 200 and "一次性告知书" in pdf_text(r.content, tmp_path), r.text
    (tmp_path / "refusal_notice.pdf").write_bytes(r.content)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "refusal_notice.pdf"),
                    str(SHOTS / "doc-case-refusal_notice")], check=True)
