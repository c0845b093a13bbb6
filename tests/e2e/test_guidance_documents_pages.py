"""The workbench's hook for a guidance's paper: the 责令改正通知书 form (field
errors beside their fields, nothing written; then POST → redirect) and the
tracking of its items, the section of the guidance page with a button per
document × format and the list of what was issued, and issuing a document
from it (the file comes back, the issue is recorded)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx

from tests.e2e import guidance_payloads as g
from tests.e2e.conftest import Api
from tests.e2e.payloads import AUDITOR, FIRE_STAFF, MARKET_STAFF, SUPERVISOR, in_days

FREE = {"text": "食品经营许可事项指导"}


def signed_in(api: Api, username: str) -> httpx.Client:
    """The test client with a workbench session of ``username`` (cookies are the client's)."""
    client = api.client
    client.cookies.clear()
    token = csrf(client.get("/login").text)
    r = client.post("/login", data={"username": username, "password": "demo-password-2026", "_csrf_token": token},
                    follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    return client


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert found, "the form carries no CSRF token"
    return found.group(1)


def form_of(html: str) -> dict[str, str]:
    """The hidden fields of the page's (first) form."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def admonition(api: Api) -> str:
    return api.ok(MARKET_STAFF, "/guidance", g.start(method="劝导警示", matter=FREE), status=201)["case_id"]


def post_order(client: httpx.Client, gid: str, **fields: Any) -> httpx.Response:
    page = client.get(f"/w/guidance/{gid}/correction-order")
    assert page.status_code == 200, page.text
    data = {**form_of(page.text), "problems": "经营场所未悬挂食品经营许可证", "legal_basis": "《食品经营许可和备案管理办法》第三十一条",
            "items": "在经营场所显著位置悬挂许可证正本\n建立许可证信息公示台账", "due_on": in_days(7), **fields}
    return client.post(f"/w/guidance/{gid}/correction-order", data=data, follow_redirects=False)


def test_the_officer_issues_a_correction_order_from_its_form(api: Api) -> None:
    gid = admonition(api)
    client = signed_in(api, MARKET_STAFF)
    page = client.get(f"/w/guidance/{gid}/correction-order")
    for label in ("存在的问题", "法律依据", "责令改正的事项（每行一项）", "改正期限"):
        assert f">{label}</label>" in page.text
    assert "《中华人民共和国食品安全法》第三十五条" in page.text  # the guidance's basis, offered

    head = api.head()
    early = post_order(client, gid, due_on=in_days(-1))
    assert early.status_code == 422 and "早于通知书日期" in early.text
    assert re.search(r'id="due_on"[^>]*>\s*<span class="field-error"', early.text)  # beside its field
    blank = post_order(client, gid, problems=" ", items="", due_on="")
    assert blank.status_code == 422
    for message in ("请填写日期", "存在的问题不能为空", "至少列出一项责令改正的事项"):
        assert message in blank.text
    assert api.head() == head

    done = post_order(client, gid)
    assert done.status_code in (302, 303) and done.headers["location"] == f"/w/guidance/{gid}"
    v = api.get(MARKET_STAFF, f"/guidance/{gid}").json()
    assert [i["description"] for i in v["correction"]["items"]] == ["在经营场所显著位置悬挂许可证正本", "建立许可证信息公示台账"]

    # the same page now tracks the items
    tracking = client.get(f"/w/guidance/{gid}/correction-order")
    assert "跟踪责令改正事项" in tracking.text and v["correction_number"] in tracking.text
    data = {**form_of(tracking.text), "items[0].status": "done", "items[0].evidence": "", "items[1].status": "open"}
    missing = client.post(f"/w/guidance/{gid}/correction-order/tracking", data=data, follow_redirects=False)
    assert missing.status_code == 422 and "已整改事项须写明整改证据" in missing.text
    data["items[0].evidence"] = "现场照片两张"
    tracked = client.post(f"/w/guidance/{gid}/correction-order/tracking", data=data, follow_redirects=False)
    assert tracked.status_code in (302, 303)
    assert api.get(MARKET_STAFF, f"/guidance/{gid}").json()["correction"]["items"][0]["evidence"] == "现场照片两张"


def test_the_form_is_refused_to_other_units_and_to_guidance_that_is_not_admonition(api: Api) -> None:
    gid = admonition(api)
    assert signed_in(api, FIRE_STAFF).get(f"/w/guidance/{gid}/correction-order").status_code == 404
    other = api.ok(MARKET_STAFF, "/guidance", g.start(matter=FREE), status=201)["case_id"]  # 提示提醒
    page = signed_in(api, MARKET_STAFF).get(f"/w/guidance/{other}/correction-order")
    assert page.status_code == 403 and "仅适用于劝导警示" in page.text


def test_a_document_is_issued_from_the_guidances_section_and_listed_there(api: Api) -> None:
    gid = admonition(api)
    client = signed_in(api, MARKET_STAFF)
    assert post_order(client, gid).status_code in (302, 303)
    page = client.get(f"/w/guidance/{gid}/correction-order")
    token = csrf(page.text)
    r = client.post(f"/w/guidance/{gid}/documents/correction_order", data={"_csrf_token": token, "format": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["x-content-sha256"] == hashlib.sha256(r.content).hexdigest()
    assert "attachment" in r.headers["content-disposition"]
    bad = client.post(f"/w/guidance/{gid}/documents/application", data={"_csrf_token": token, "format": "pdf"})
    assert bad.status_code == 404

    # the guidance page includes the section: one button per document × format, and the issue listed
    page = client.get(f"/w/guidance/{gid}")
    assert page.status_code == 200, page.text
    assert page.text.count('aria-label="出具责令改正通知书（PDF）"') == 1 and 'aria-label="出具责令改正通知书（DOCX）"' in page.text
    assert f'action="/w/guidance/{gid}/documents/correction_order"' in page.text
    assert r.headers["x-content-sha256"][:16] in page.text  # listed (the page waited for the documents view)
    assert "出具行政指导意见书" not in page.text  # none was issued: no button for it
    auditor = signed_in(api, AUDITOR).get(f"/w/guidance/{gid}")
    assert r.headers["x-content-sha256"][:16] in auditor.text and "出具责令改正通知书（PDF）" not in auditor.text

    # another unit's staff: no such guidance; the supervisor reads the section but issues from it too
    other = signed_in(api, FIRE_STAFF)
    token = csrf(other.get("/w/").text)
    assert other.post(f"/w/guidance/{gid}/documents/correction_order", data={"_csrf_token": token}).status_code == 404
    sup = signed_in(api, SUPERVISOR)
    token = csrf(sup.get("/w/").text)
    assert sup.post(f"/w/guidance/{gid}/documents/correction_order", data={"_csrf_token": token, "format": "docx"}
                    ).status_code == 200
