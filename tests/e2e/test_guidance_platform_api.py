"""Guidance acts for the municipal platform over HTTP: what is unsent, an
export that draws the file and records it (the file's SHA-256 as recorded),
nothing unsent after it, an act changed since is unsent again; scope and
masking; an export with nothing to send writes nothing."""

from __future__ import annotations

import csv
import hashlib
import io
from typing import Any

from openpyxl import load_workbook

from ledger.demo import MARKET
from tests.e2e import guidance_payloads as g
from tests.e2e.conftest import Api
from tests.e2e.payloads import AUDITOR, FIRE_STAFF, MARKET_STAFF, REGISTRAR, SUPERVISOR


def given(api: Api, **over: Any) -> str:
    gid = api.ok(MARKET_STAFF, "/guidance", g.start(**over), status=201)["case_id"]
    api.ok(MARKET_STAFF, f"/guidance/{gid}/opinion", g.opinion())
    api.ok(MARKET_STAFF, f"/guidance/{gid}/delivery", g.delivery())
    return gid


def pending(api: Api, user: str = MARKET_STAFF, **params: Any) -> list[dict[str, Any]]:
    r = api.get(user, "/guidance/platform-export", params={"wait_for": api.head(), **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_an_export_records_what_it_sent_and_a_later_change_is_unsent_again(api: Api) -> None:
    demo = pending(api)  # the demo's own guidance of the market regulator, sent first
    assert demo and {line["unit"] for line in demo} == {MARKET}
    assert api.post(MARKET_STAFF, "/guidance/platform-exports", {"format": "csv"}).status_code == 200
    first, second = given(api), given(api)
    started_only = api.ok(MARKET_STAFF, "/guidance", g.start(), status=201)["case_id"]  # not given: not an act yet
    lines = pending(api)
    # both delivered today: the same 指导时间 (the day), then in id order
    assert [line["guidance_id"] for line in lines] == sorted([first, second])
    assert started_only not in {line["guidance_id"] for line in lines}
    assert lines[0]["unit"] == MARKET and lines[0]["state"] == "已实施" and lines[0]["way"] == "书面形式"

    r = api.post(MARKET_STAFF, "/guidance/platform-exports", {"format": "csv"})
    assert r.status_code == 200, r.text
    assert r.headers["x-content-sha256"] == hashlib.sha256(r.content).hexdigest()
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["行政指导编号", "实施单位", "相对人类型"]
    assert [row[0] for row in rows[1:]] == sorted([first, second])

    # recorded: what, when, by whom, the file's SHA-256
    exports = api.get(MARKET_STAFF, "/guidance/platform-exports", params={"wait_for": api.head()}).json()
    assert exports[0]["sha256"] == r.headers["x-content-sha256"] and exports[0]["acts"] == 2
    assert exports[0]["exported_by"] == "王磊" and exports[0]["format"] == "csv"
    assert exports[0]["export_id"] == r.headers["x-export-id"]
    assert pending(api) == []

    # the effect recorded later: the act is to be sent again (its new version)
    api.ok(MARKET_STAFF, f"/guidance/{first}/effect", {"effect": "已按期提出延续申请"})
    again = pending(api)
    assert [line["guidance_id"] for line in again] == [first] and again[0]["result"] == "已按期提出延续申请"
    x = api.post(MARKET_STAFF, "/guidance/platform-exports", {"format": "xlsx"})
    assert x.status_code == 200 and x.headers["x-content-sha256"] == hashlib.sha256(x.content).hexdigest()
    sheet = load_workbook(io.BytesIO(x.content)).active
    assert sheet.freeze_panes == "A2" and sheet["A2"].value == first and sheet.max_row == 2
    assert sheet.cell(2, 12).is_date  # 指导时间, a real date-time

    # nothing left to send: refused, nothing written
    head = api.head()
    nothing = api.post(MARKET_STAFF, "/guidance/platform-exports", {"format": "csv"})
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["code"] == "nothing_to_export"
    assert api.head() == head


def test_the_scope_and_the_roles_of_an_export(api: Api) -> None:
    gid = given(api)
    assert pending(api, FIRE_STAFF) == []  # another unit's staff see none of it
    refused = api.post(FIRE_STAFF, "/guidance/platform-exports", {"format": "csv", "unit": MARKET})
    assert refused.status_code == 403
    assert api.post(AUDITOR, "/guidance/platform-exports", {"format": "csv"}).status_code == 403  # reads, never exports
    # the office reads and exports every unit's
    assert gid in {line["guidance_id"] for line in pending(api, REGISTRAR)}
    assert gid in {line["guidance_id"] for line in pending(api, SUPERVISOR, unit=MARKET)}
    bad = api.post(REGISTRAR, "/guidance/platform-exports", {"format": "pdf"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
