"""The workbench's pages for the network's papers and lists: an invited
supervisor's page (masked resident ID for the 司法所, every term with its
聘任书 number and — for the 司法局 only — a button per term and format),
issuing a 聘任书 from it (the file comes back and is listed as issued)."""

from __future__ import annotations

import hashlib
import re

import pytest

from ledger.demo import DEMO_PASSWORD
from ledger.demo.network import seed_network_demo
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET_STAFF, SUPERVISOR
from tests.e2e.test_guidance_documents_pages import csrf, signed_in

HEAD, SOUTH, REGISTRAR = "rcsuozhang", "cnganjing", "zhangmin"
RIC = "110105198001010016"  # the demo supervisor's


@pytest.fixture
def network(api: Api) -> Api:
    seed_network_demo(api.ledger, api.app.state.credentials, DEMO_PASSWORD)
    return api


def demo_supervisor(api: Api) -> dict:
    rows = api.get(SUPERVISOR, "/invited-supervisors", params={"wait_for": api.head()}).json()
    return next(r for r in rows if r["name"] == "王明")


def test_the_supervisors_page_offers_the_bureau_each_terms_letter_and_issues_it(network: Api):
    api = network
    s = demo_supervisor(api)
    url = f"/w/invited-supervisors/{s['supervisor_id']}"
    client = signed_in(api, SUPERVISOR)
    page = client.get(url)
    assert page.status_code == 200
    assert s["letter_number"] in page.text and "第1届" in page.text
    assert 'aria-label="出具第1届聘任书（PDF）"' in page.text and 'aria-label="出具第1届聘任书（DOCX）"' in page.text
    assert RIC in page.text  # the bureau's supervisors see the number in full, as the API shows it
    assert "尚未出具文书" in page.text
    issued = client.post(f"{url}/appointment-letter", data={"format": "pdf", "term": "1", "_csrf_token": csrf(page.text)})
    assert issued.status_code == 200 and issued.content.startswith(b"%PDF")
    assert issued.headers["x-content-sha256"] == hashlib.sha256(issued.content).hexdigest()
    again = client.get(url)
    assert issued.headers["x-content-sha256"][:16] in again.text and "特邀行政执法监督员聘任书" in again.text
    refused = client.post(f"{url}/appointment-letter", data={"format": "odt", "_csrf_token": csrf(page.text)})
    assert refused.status_code == 422 and "PDF 或 DOCX" in refused.text


def test_the_offices_staff_read_the_page_masked_without_buttons_and_others_do_not(network: Api):
    api = network
    s = demo_supervisor(api)
    url = f"/w/invited-supervisors/{s['supervisor_id']}"
    client = signed_in(api, HEAD)
    page = client.get(url)
    assert page.status_code == 200 and s["letter_number"] in page.text
    assert RIC not in page.text and re.search(r"110105\*+0016", page.text)
    assert "出具第1届聘任书" not in page.text and "由司法局出具" in page.text
    tried = client.post(f"{url}/appointment-letter", data={"format": "pdf", "_csrf_token": csrf(page.text)})
    assert tried.status_code == 403 and "司法局" in tried.text
    assert signed_in(api, SOUTH).get(url).status_code == 404  # another 司法所's
    assert signed_in(api, REGISTRAR).get(url).status_code == 403
    listed = signed_in(api, HEAD).get("/w/network")
    assert f'href="{url}"' in listed.text  # the network page links the supervisor's page


def test_the_menu_offers_contact_points_and_pairings_to_a_justice_offices_staff_only(network: Api):
    api = network
    office = signed_in(api, HEAD).get("/w/")
    assert '<a href="/w/network">联系点与结对</a>' in office.text
    enforcement = signed_in(api, MARKET_STAFF).get("/w/")
    assert enforcement.status_code == 200 and "联系点与结对" not in enforcement.text
    assert "监督反馈" in enforcement.text and "法制审核" in enforcement.text  # the rest of the menu stays
    assert signed_in(api, MARKET_STAFF).get("/w/network").status_code == 403  # and the page refuses them
    assert '<a href="/w/network">监督网络</a>' in signed_in(api, SUPERVISOR).get("/w/").text
