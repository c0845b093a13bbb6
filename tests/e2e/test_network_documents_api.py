"""The 聘任书 over HTTP (seed 003 二): the 司法局 issues an invited supervisor's
letter as PDF (its text layer carries the number and the 聘期) or DOCX, the
file verifies by its SHA-256 for the bureau and the supervisor's 司法所 but
not for another office; the 司法所's staff, the auditor and roles outside
supervision cannot issue it; a supervisor not yet appointed has none."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import date, datetime

import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.demo.network import seed_network_demo
from ledger.network.values import term_end
from ledger.values import CST
from projections.runner import wait_for
from tests.e2e.conftest import Api
from tests.e2e.payloads import SUPERVISOR
from tests.network_builders import RIC_2

HEAD, SOUTH, AUDITOR, REGISTRAR = "rcsuozhang", "cnganjing", "zhengshen", "zhangmin"


@pytest.fixture
def network(api: Api) -> Api:
    seed_network_demo(api.ledger, api.app.state.credentials, DEMO_PASSWORD)
    return api


def day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def pdf_text(body: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=True).stdout.decode()
    return re.sub(r"\s+", "", out)


def demo_supervisor(api: Api) -> dict:
    rows = api.get(SUPERVISOR, "/invited-supervisors", params={"wait_for": api.head()}).json()
    return next(r for r in rows if r["name"] == "王明")


def test_the_bureau_issues_the_letter_whose_pdf_carries_its_number_and_term_and_verifies_by_hash(network: Api):
    api = network
    s = demo_supervisor(api)
    url = f"/invited-supervisors/{s['supervisor_id']}/appointment-letter"
    pdf = api.post(SUPERVISOR, url, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    digest = hashlib.sha256(pdf.content).hexdigest()
    assert pdf.headers["x-content-sha256"] == digest
    text = pdf_text(pdf.content)
    start = date.fromisoformat(s["term_start"])
    assert s["letter_number"] and s["letter_number"] in text
    assert f"聘期一年，自{day(start)}起至{day(term_end(start))}止" in text
    assert "特邀行政执法监督员聘任书" in text and "王明" in text and "110105198001010016" not in text
    docx = api.post(SUPERVISOR, url, params={"format": "docx", "term": 1})
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert wait_for(api.settings, ("documents",), api.head(), 5)  # /documents/verify takes no wait_for
    found = api.get(SUPERVISOR, "/documents/verify", params={"sha256": digest}).json()
    assert found["issued"]
    issue = found["issues"][0]
    assert (issue["supervisor_id"], issue["case_id"], issue["kind"], issue["about"]) == (
        s["supervisor_id"], None, "appointment_letter", s["letter_number"])
    code = re.search(r"文书码([0-9a-f]{12})", text).group(1)  # the footer's code finds both files of the paper
    by_code = api.get(SUPERVISOR, "/documents/verify", params={"sha256": code}).json()["issues"]
    assert {i["sha256"] for i in by_code} == {digest, hashlib.sha256(docx.content).hexdigest()}
    assert api.get(HEAD, "/documents/verify", params={"sha256": digest}).json()["issued"]  # its 司法所 hands it over
    assert not api.get(SOUTH, "/documents/verify", params={"sha256": digest}).json()["issued"]
    history = api.get(SUPERVISOR, f"/invited-supervisors/{s['supervisor_id']}/history").json()
    assert [e["event"] for e in history][-2:] == ["DocumentIssued", "DocumentIssued"]


def test_only_the_bureau_issues_and_a_supervisor_not_yet_appointed_has_no_letter(network: Api):
    api = network
    s = demo_supervisor(api)
    url = f"/invited-supervisors/{s['supervisor_id']}/appointment-letter"
    head = api.head()
    assert api.post(HEAD, url).status_code == 403  # the 司法所 does not issue the 司法局's letter
    assert api.post(AUDITOR, url).status_code == 403
    assert api.post(REGISTRAR, url).status_code == 403
    assert api.post(SOUTH, url).status_code == 404  # another office's supervisor is unknown
    assert api.post(SUPERVISOR, url, params={"format": "odt"}).status_code == 400
    bad_term = api.post(SUPERVISOR, url, params={"term": 2})
    assert bad_term.status_code == 422 and bad_term.json()["errors"][0]["field"] == "term"
    nominated = api.ok(HEAD, "/invited-supervisors", {
        "category": "deputy", "name": "陈红", "id_number": RIC_2, "employer": "如皋市人大代表", "mobile": "13812340002",
        "year": datetime.now(CST).year}, status=201)["record_id"]
    assert api.head() == head + 2  # the refusals wrote nothing: the nomination and its office's roster
    none_yet = api.post(SUPERVISOR, f"/invited-supervisors/{nominated}/appointment-letter")
    assert none_yet.status_code == 409 and "尚未聘任" in none_yet.text
    assert api.head() == head + 2
