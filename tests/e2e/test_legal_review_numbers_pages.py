"""A legal review's short number on the pages (法审〔2026〕3号): the API
answers it on request, the list and the review's page show it instead of the
id, and a major decision is declared citing it — a number no review of the
unit has is refused beside the field, nothing written."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from ledger.values import CST
from projections.runner import wait_for
from tests.e2e import legal_review_payloads as lp
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET_STAFF
from tests.e2e.test_guidance_documents_pages import csrf, signed_in

NUMBER = re.compile(r"^法审〔\d{4}〕\d+号$")


def test_a_decision_is_declared_citing_the_reviews_short_number(api: Api):
    requested = api.ok(MARKET_STAFF, "/legal-reviews", lp.request(), status=201)
    number, review_id = requested["number"], requested["record_id"]
    assert NUMBER.match(number)
    api.ok(lp.MARKET_REVIEWER, f"/legal-reviews/{review_id}/opinions", lp.opinion())
    assert wait_for(api.settings, ("legal_review",), api.head(), 10)
    client = signed_in(api, MARKET_STAFF)
    listed = client.get("/w/legal-reviews")
    assert f'<a href="/w/legal-reviews/{review_id}">{number}</a>' in listed.text
    page = client.get(f"/w/legal-reviews/{review_id}")
    assert f"法制审核 {number}" in page.text and f'<dd class="number">{number}</dd>' in page.text
    assert f"编号为{number}" in page.text  # the Numbered event in the review's history
    form = client.get("/w/filings/new", params={"legal_review_id": number})
    assert f'value="{number}"' in form.text
    decided = (datetime.now(CST) - timedelta(days=1)).strftime("%Y-%m-%d")
    data = {"_csrf_token": csrf(form.text), "decision_number": "市监罚〔2026〕88号", "decided_on": decided,
            "party": "淄博某建材有限公司", "summary": "罚款9.2万元", "basis": "", "case_id": ""}
    head = api.head()
    unknown = client.post("/w/filings/new", data={**data, "legal_review_id": "法审〔2000〕9号",
                                                   "idempotency_key": "unknown"}, follow_redirects=False)
    assert unknown.status_code == 422
    beside = re.search(r'name="legal_review_id"[^>]*><span class="field-error">([^<]*)</span>', unknown.text)
    assert beside and beside.group(1) == "本单位没有编号为“法审〔2000〕9号”的法制审核（如 法审〔2026〕3号）"
    assert 'value="法审〔2000〕9号"' in unknown.text and api.head() == head  # as typed, nothing written
    done = client.post("/w/filings/new", data={**data, "legal_review_id": number, "idempotency_key": "cited"},
                       follow_redirects=False)
    assert done.status_code in (302, 303), done.text
    assert api.get(MARKET_STAFF, f"/legal-reviews/{review_id}").json()["cited_by"] == "市监罚〔2026〕88号"
    assert wait_for(api.settings, ("legal_review",), api.head(), 10)
    filings = client.get("/w/legal-reviews/filings")
    assert f'<a href="/w/legal-reviews/{review_id}">{number}</a>' in filings.text
