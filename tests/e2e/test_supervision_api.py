"""The four lists and supervision over HTTP: the real Litestar app on a copy of
the seeded SQLite store (the market regulator's 2025版 catalogue is published
from the sample CSV, effective 2025-01-01; the demo case's penalty revocation
is under review), projections running in-process, users logged in.

Every refused request is checked to have appended nothing to the ledger's log.
The ledger runs on the real clock: dates are computed from today (China time).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any

import chinese_calendar
import pytest
from openpyxl import load_workbook

from ledger.supervision import FILING_DAYS, MajorDecisionFiling, ReversalReview
from ledger.values import CST, FourList
from tests.e2e import legal_review_payloads as lp
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    OFFICE,
    REGISTRAR,
    SUPERVISOR,
)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
SAMPLES = files("ledger").joinpath("samples")
DEMO_DECISION = "淄张市监罚〔2025〕118号"  # revoked in the seeded demo case
LISTS = [{"code": k.value, "name": k.label, "kind": k.value} for k in FourList]


# ------------------------------------------------------------------ helpers


@contextmanager
def appends_nothing(api: Api) -> Iterator[None]:
    before = api.head()
    yield
    assert api.head() == before, "a refused request appended to the ledger"


def refused(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    assert CHINESE.search(body["message"]), body
    return body


def today() -> date:
    return datetime.now(CST).date()


def got(api: Api, user: str, path: str, **params: Any) -> Any:
    r = api.get(user, path, params=params)
    assert r.status_code == 200, f"{path}: {r.status_code} {r.text}"
    return r.json()


def fire_edition(**over: Any) -> dict[str, Any]:
    """The fire brigade's four lists, as JSON."""
    items = [
        {"list_code": "no_penalty", "number": "1", "violation": "未按规定设置消防安全标志", "conditions": ["初次违法", "及时改正"],
         "breached": "《消防法》第十六条", "penalty_basis": "《消防法》第六十条"},
        {"list_code": "no_penalty", "number": "2", "violation": "消防设施未保持完好有效", "conditions": ["初次违法", "危害后果轻微"],
         "breached": "《消防法》第十六条", "penalty_basis": "《消防法》第六十条"},
        {"list_code": "lighter", "number": "3", "violation": "占用疏散通道", "conditions": ["主动改正"],
         "breached": "《消防法》第二十八条", "penalty_basis": "《消防法》第六十条", "fine_min_yuan": "5000", "fine_max_yuan": "50000"},
        {"list_code": "no_coercive_measure", "number": "1", "violation": "消防器材过期", "conditions": ["当事人承诺限期改正"],
         "breached": "《消防法》第十六条", "penalty_basis": "《消防法》第五十四条"},
    ]
    edition = {
        "version": "2025版", "title": "消防救援领域四张清单（2025版）", "document_number": "市消发〔2024〕3号",
        "effective_from": "2025-01-01", "effective_until": None, "lists": LISTS, "items": items,
    }
    edition.update(over)
    return {"edition": edition, "basis": "《行政处罚法》第三十三条"}


def sample_csv() -> bytes:
    return SAMPLES.joinpath("four_lists_sample.csv").read_bytes()


def sample_xlsx() -> bytes:
    return SAMPLES.joinpath("four_lists_sample.xlsx").read_bytes()


def import_file(api: Api, user: str, authority: str, data: bytes, **params: Any) -> Any:
    query = {"version": "2026版", "title": "四张清单（2026版）", "effective_from": "2026-01-01", **params}
    return api.post(user, f"/catalogues/{authority}/imports", None, content=data, params=query,
                    headers={"Content-Type": "application/octet-stream"})


def browse(api: Api, authority: str, user: str = REGISTRAR, **params: Any) -> dict[str, Any]:
    return got(api, user, f"/catalogues/{authority}", **params)


def shown(api: Api, authority: str, **params: Any) -> set[tuple[str, str, str]]:
    return {(i["version"], i["list"], i["number"]) for i in browse(api, authority, **params)["items"]}


def rated_case(api: Api, units: tuple[str, ...] = (MARKET,)) -> str:
    cid = api.book()["case_id"]
    api.ok(REGISTRAR, f"/cases/{cid}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{cid}/dispatch", p.dispatch(units=units))
    serve = p.serve()
    if len(units) > 1:
        staff = {MARKET: {"id": "wanglei", "name": "王磊"}, FIRE: {"id": "sunhao", "name": "孙浩"}}
        serve["unit_entries"] = [
            {"unit": u, "findings": "发现问题", "advice": "整改建议", "staff": [staff[u]]} for u in units
        ]
    api.ok(MARKET_STAFF, f"/cases/{cid}/serve", serve)
    api.ok(MARKET_STAFF, f"/cases/{cid}/rate", p.rate())
    return cid


def review_id(case_id: str, number: str) -> str:
    return str(ReversalReview.create_id(uuid.UUID(case_id), number))


def demo_review(api: Api) -> str:
    """The review of the seeded demo case's revocation (the earliest one of that decision number)."""
    rows = got(api, SUPERVISOR, "/supervision/reversals", wait_for=api.head())
    return min((r for r in rows if r["decision_number"] == DEMO_DECISION), key=lambda r: r["reversed_at"])["review_id"]


def objection(**over: Any) -> dict[str, Any]:
    return {"problems": "书面说明未写明危害后果", "suggestions": "补充说明后报送", "reply_due": p.in_days(10), **over}


def expected_due(decided_on: date) -> date:
    """15 days later, or the next working day (an independent reading of the calendar)."""
    due = decided_on + timedelta(days=FILING_DAYS)
    while True:
        try:
            workday = chinese_calendar.is_workday(due)
        except NotImplementedError:  # a year the package does not know: Monday–Friday
            workday = due.weekday() < 5
        if workday:
            return due
        due += timedelta(days=1)


# ------------------------------------------------------------- publishing and browsing


def test_an_edition_published_as_json_is_browsed_by_date_list_and_version_through_amendments_and_repeals(api: Api) -> None:
    published = api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions", fire_edition(), status=201)
    assert published["notification_id"] == api.head() and published["case_id"] is None
    june = browse(api, FIRE, on="2025-06-01")
    assert june["authority"] == FIRE and june["on"] == "2025-06-01" and june["legal_review_required"] is False
    assert [(i["list"], i["number"], i["kind_label"]) for i in june["items"]] == [
        ("no_penalty", "1", "不予处罚清单"), ("no_penalty", "2", "不予处罚清单"), ("lighter", "3", "从轻处罚清单"),
        ("no_coercive_measure", "1", "不予实施行政强制措施清单"),
    ]
    lighter = june["items"][2]
    assert (lighter["fine_min_yuan"], lighter["fine_max_yuan"], lighter["valid_from"], lighter["valid_until"]) == (
        "5000", "50000", "2025-01-01", None
    )
    assert shown(api, FIRE, on="2024-12-31") == set()
    assert shown(api, FIRE, on="2025-06-01", list="lighter") == {("2025版", "lighter", "3")}

    # item 2 repealed from 1 July: present on 30 June, absent from 1 July
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions/2025版/item-repeals",
           {"list_code": "no_penalty", "number": "2", "effective_from": "2025-07-01", "reason": "上位法修改"})
    assert ("2025版", "no_penalty", "2") in shown(api, FIRE, on="2025-06-30")
    assert ("2025版", "no_penalty", "2") not in shown(api, FIRE, on="2025-07-01")
    # item 1 amended from 1 August: the old conditions before, the new ones from then
    amended = {**fire_edition()["edition"]["items"][0], "conditions": ["初次违法", "及时改正", "未造成危害后果"]}
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions/2025版/amendments", {"item": amended, "effective_from": "2025-08-01"})

    def item1(on: str) -> dict[str, Any]:
        (item,) = [i for i in browse(api, FIRE, on=on, list="no_penalty")["items"] if i["number"] == "1"]
        return item

    assert item1("2025-07-31")["conditions"] == ["初次违法", "及时改正"] and item1("2025-07-31")["valid_until"] == "2025-07-31"
    assert item1("2025-08-01")["conditions"] == amended["conditions"] and item1("2025-08-01")["valid_from"] == "2025-08-01"
    edition = got(api, SUPERVISOR, f"/catalogues/{FIRE}/editions/2025版")
    assert edition["version"] == "2025版" and edition["in_force_until"] is None
    assert [(r["valid_from"], r["valid_until"]) for r in edition["revisions"]["no_penalty/1"]] == [
        ("2025-01-01", "2025-07-31"), ("2025-08-01", None)
    ]
    assert [(r["valid_from"], r["valid_until"]) for r in edition["revisions"]["no_penalty/2"]] == [("2025-01-01", "2025-06-30")]

    # a newer edition supersedes it from 2026; then that one is repealed from July 2026
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions",
           fire_edition(version="2026版", effective_from="2026-01-01", supersedes="2025版"), status=201)
    assert {v for v, _, _ in shown(api, FIRE, on="2026-01-01")} == {"2026版"}
    assert {v for v, _, _ in shown(api, FIRE, on="2025-12-31")} == {"2025版"}
    assert shown(api, FIRE, on="2026-03-01", version="2025版") == set()
    assert shown(api, FIRE, on="2025-06-01", version="2025版") == {
        ("2025版", "no_penalty", "1"), ("2025版", "no_penalty", "2"), ("2025版", "lighter", "3"), ("2025版", "no_coercive_measure", "1")
    }
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions/2026版/repeal", {"effective_from": "2026-07-01", "reason": "机构改革"})
    assert shown(api, FIRE, on="2026-07-01") == set() and len(shown(api, FIRE, on="2026-06-30")) == 4
    editions = {e["version"]: e for e in browse(api, FIRE, on="2026-03-01")["editions"]}
    assert (editions["2025版"]["in_force_until"], editions["2025版"]["in_force"]) == ("2025-12-31", False)
    assert (editions["2026版"]["in_force_until"], editions["2026版"]["in_force"]) == ("2026-06-30", True)

    api.ok(ADMIN, f"/catalogues/{FIRE}/legal-review", {"required": True})
    assert browse(api, FIRE)["legal_review_required"] is True
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"/catalogues/{FIRE}/legal-review", {"required": True}), 422, "invalid_input")
        refused(api.get(REGISTRAR, f"/catalogues/{FIRE}", params={"version": "2030版"}), 422, "invalid_input")


def test_an_edition_imported_from_csv_and_one_from_xlsx_hold_the_same_items(api: Api) -> None:
    r = import_file(api, MARKET_STAFF, MARKET, sample_csv(), supersedes="2025版", document_number="市市监发〔2025〕9号")
    assert r.status_code == 201, r.text
    r = import_file(api, FIRE_STAFF, FIRE, sample_xlsx(), version="2025版", title="消防四张清单", effective_from="2025-01-01")
    assert r.status_code == 201, r.text
    gbk = sample_csv().decode("utf-8-sig").encode("gbk")
    r = import_file(api, FIRE_STAFF, FIRE, gbk, supersedes="2025版")
    assert r.status_code == 201, r.text

    def items(authority: str, version: str) -> dict[str, Any]:
        edition = got(api, SUPERVISOR, f"/catalogues/{authority}/editions/{version}")
        return {key: [rev["item"] for rev in revs] for key, revs in edition["revisions"].items()}

    from_csv, from_xlsx, from_gbk = items(MARKET, "2026版"), items(FIRE, "2025版"), items(FIRE, "2026版")
    assert len(from_csv) == 7 and from_csv == from_xlsx == from_gbk
    assert from_csv["lighter/4"][0]["fine_max_yuan"] == "5000"
    market = browse(api, MARKET, on="2026-01-01")
    assert {i["version"] for i in market["items"]} == {"2026版"} and len(market["items"]) == 7
    assert {e["version"]: e["document_number"] for e in market["editions"]}["2026版"] == "市市监发〔2025〕9号"
    assert {i["version"] for i in browse(api, MARKET, on="2025-12-31")["items"]} == {"2025版"}


def _csv_with(change) -> bytes:
    rows = list(csv.reader(io.StringIO(sample_csv().decode("utf-8-sig"))))
    change(rows)
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_with_bad_fine_in_row_6() -> bytes:
    book = load_workbook(io.BytesIO(sample_xlsx()))
    book.worksheets[0].cell(row=6, column=7).value = "五千元"  # 罚款下限（元）
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _empty_breached(rows: list[list[str]]) -> None:
    rows[5][4] = ""


def _without_column(rows: list[list[str]]) -> None:
    for row in rows:
        del row[4]


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (lambda: _csv_with(_empty_breached), "rows[6].违反条款", "required"),
        (_xlsx_with_bad_fine_in_row_6, "rows[6].罚款下限（元）", "not_a_number"),
        (lambda: _csv_with(_without_column), "header", "missing_columns"),
        (lambda: b"PK\x03\x04 this is no spreadsheet", "file", "bad_xlsx"),
    ],
    ids=["csv_empty_breached", "xlsx_bad_fine", "missing_column", "garbage"],
)
def test_a_bad_import_is_422_naming_the_row_and_column_and_publishes_nothing(api: Api, data, field, code) -> None:
    body = data()
    with appends_nothing(api):
        err = refused(import_file(api, MARKET_STAFF, MARKET, body, supersedes="2025版"), 422, "invalid_input")
    assert field in {e["field"] for e in err["errors"]}, err
    assert code in {e["code"] for e in err["errors"] if e["field"] == field}
    if field.startswith("rows["):
        assert all(e["field"].startswith("rows[6].") and "第6行" in e["message"] for e in err["errors"]), err
    assert [e["version"] for e in browse(api, MARKET)["editions"]] == ["2025版"]
    r = api.get(REGISTRAR, f"/catalogues/{MARKET}/editions/2026版")
    refused(r, 404, "version_not_found")


def test_an_import_without_its_query_parameters_is_400_and_publishes_nothing(api: Api) -> None:
    with appends_nothing(api):
        r = api.post(MARKET_STAFF, f"/catalogues/{MARKET}/imports", None, content=sample_csv(), params={"title": "x"})
        assert r.status_code == 400, r.text


# ------------------------------------------------------------------ roles


CATALOGUE_EDITORS_ONLY = [FIRE_STAFF, SUPERVISOR, AUDITOR, REGISTRAR, DISPATCHER]


@pytest.mark.parametrize("user", CATALOGUE_EDITORS_ONLY)
def test_only_the_authoritys_staff_or_an_administrator_edit_its_catalogue(api: Api, user: str) -> None:
    base = f"/catalogues/{MARKET}"
    attempts = {
        "editions": api.post(user, f"{base}/editions", fire_edition(version="2026版", effective_from="2026-01-01")),
        "imports": import_file(api, user, MARKET, sample_csv()),
        "amendments": api.post(user, f"{base}/editions/2025版/amendments", {
            "item": fire_edition()["edition"]["items"][0], "effective_from": "2025-08-01"}),
        "item-repeals": api.post(user, f"{base}/editions/2025版/item-repeals", {
            "list_code": "no_penalty", "number": "12", "effective_from": "2025-07-01", "reason": "废止"}),
        "repeal": api.post(user, f"{base}/editions/2025版/repeal", {"effective_from": "2025-07-01", "reason": "废止"}),
        "legal-review": api.post(user, f"{base}/legal-review", {"required": True}),
    }
    before = api.head()
    for name, r in attempts.items():
        refused(r, 403, "catalogue_editor_only")
    assert api.head() == before
    catalogue = browse(api, MARKET, on="2025-08-01")
    assert [e["version"] for e in catalogue["editions"]] == ["2025版"] and len(catalogue["items"]) == 7
    assert catalogue["legal_review_required"] is False and catalogue["editions"][0]["in_force_until"] is None
    # the reads are open to every signed-in user, not to anonymous ones
    refused(api.get(None, base), 401, "not_authenticated")


def test_the_market_regulators_own_staff_and_the_administrator_may_edit_its_catalogue(api: Api) -> None:
    api.ok(MARKET_STAFF, f"/catalogues/{MARKET}/editions/2025版/item-repeals",
           {"list_code": "no_penalty", "number": "15", "effective_from": "2025-07-01", "reason": "废止"})
    api.ok(ADMIN, f"/catalogues/{MARKET}/legal-review", {"required": True})
    assert ("2025版", "no_penalty", "15") not in shown(api, MARKET, on="2025-07-01")
    assert browse(api, MARKET)["legal_review_required"] is True


def test_supervision_reads_are_for_supervisors_auditors_and_the_units_own_staff(api: Api) -> None:
    rid = demo_review(api)  # the market regulator's
    api.ok(MARKET_STAFF, "/supervision/filings", {"decision_number": "淄张市监罚〔2026〕1号", "decided_on": p.today(),
                                                  "party": "某公司", "summary": "吊销许可证",
                                                  "legal_review_id": lp.passed_review(api)}, status=201)
    reads = ["/supervision/reversals", "/supervision/reversals/stats", "/supervision/filings", f"/supervision/reviews/{rid}/history"]
    for user in (SUPERVISOR, AUDITOR):
        for path in [*reads, "/supervision/queue"]:
            assert api.get(user, path).status_code == 200, path
    for path in reads:
        assert api.get(MARKET_STAFF, path).status_code == 200, path
    for user in (REGISTRAR, DISPATCHER, ADMIN):
        for path in [*reads, "/supervision/queue"]:
            refused(api.get(user, path), 403, "role_not_allowed")
    # a unit's staff see their own unit's part of the supervision queue (the letters they must answer)
    own = got(api, MARKET_STAFF, "/supervision/queue")
    assert [r["review_id"] for r in own["to_review"]] == [rid]
    assert got(api, FIRE_STAFF, "/supervision/queue") == {"to_review": [], "answers_overdue": [], "filings_overdue": []}
    refused(api.get(FIRE_STAFF, "/supervision/reversals", params={"unit": MARKET}), 403, "unit_scope")
    refused(api.get(FIRE_STAFF, "/supervision/filings", params={"unit": MARKET}), 403, "unit_scope")
    # another unit's review is answered as an unknown one: its existence is not revealed
    refused(api.get(FIRE_STAFF, f"/supervision/reviews/{rid}/history"), 404, "review_not_found")
    assert got(api, FIRE_STAFF, "/supervision/filings", wait_for=api.head()) == []
    market = got(api, MARKET_STAFF, "/supervision/filings", unit=MARKET)
    assert {f["unit"] for f in market} == {MARKET} and "淄张市监罚〔2026〕1号" in {f["decision_number"] for f in market}


def test_review_actions_are_for_supervisors_answers_for_the_issuing_units_staff_filing_for_the_units_own(api: Api) -> None:
    rid = demo_review(api)
    with appends_nothing(api):
        for user in (MARKET_STAFF, AUDITOR):  # they read the review: told the rule
            refused(api.post(user, f"/supervision/reviews/{rid}/confirm", {}), 403, "supervisor_only")
            refused(api.post(user, f"/supervision/reviews/{rid}/objections", objection()), 403, "supervisor_only")
        for user in (FIRE_STAFF, REGISTRAR, ADMIN):  # they may not read it: as for an unknown review
            refused(api.post(user, f"/supervision/reviews/{rid}/confirm", {}), 404, "review_not_found")
            refused(api.post(user, f"/supervision/reviews/{rid}/objections", objection()), 404, "review_not_found")
    api.ok(SUPERVISOR, f"/supervision/reviews/{rid}/objections", objection())
    with appends_nothing(api):
        for user in (SUPERVISOR, AUDITOR):
            refused(api.post(user, f"/supervision/reviews/{rid}/answers", {"reply": "已整改"}), 403, "issuing_unit_only")
        for user in (FIRE_STAFF, REGISTRAR, ADMIN):
            refused(api.post(user, f"/supervision/reviews/{rid}/answers", {"reply": "已整改"}), 404, "review_not_found")
        for user in (SUPERVISOR, REGISTRAR, AUDITOR, ADMIN):
            r = api.post(user, "/supervision/filings", {"decision_number": "淄张市监罚〔2026〕1号", "decided_on": p.today(),
                                                         "party": "某公司", "summary": "吊销许可证"})
            refused(r, 403, "issuing_unit_only")
    api.ok(MARKET_STAFF, "/supervision/filings", {"decision_number": "淄张市监罚〔2026〕1号", "decided_on": p.today(),
                                                  "party": "某公司", "summary": "吊销许可证",
                                                  "legal_review_id": lp.passed_review(api)}, status=201)
    fid = str(MajorDecisionFiling.create_id(MARKET, "淄张市监罚〔2026〕1号"))
    with appends_nothing(api):
        r = api.post(SUPERVISOR, f"/supervision/filings/{fid}/file", {"filed_on": p.today(), "reference": "备案1"})
        refused(r, 403, "issuing_unit_only")
        for user in (FIRE_STAFF, ADMIN):  # they may not read the filing: as for an unknown one
            r = api.post(user, f"/supervision/filings/{fid}/file", {"filed_on": p.today(), "reference": "备案1"})
            refused(r, 404, "filing_not_found")
        refused(api.post(MARKET_STAFF, "/supervision/filings", {"decision_number": "淄张市监罚〔2026〕1号",
                                                                "decided_on": p.today(), "party": "某公司", "summary": "x"}),
                422, "invalid_input")
    api.ok(MARKET_STAFF, f"/supervision/filings/{fid}/file", {"filed_on": p.today(), "reference": "备案1"})
    with appends_nothing(api):
        refused(api.post(MARKET_STAFF, f"/supervision/filings/{fid}/file", {"filed_on": p.today(), "reference": "备案1"}),
                409, "already_filed")


def test_unknown_reviews_filings_catalogues_and_editions_are_404(api: Api) -> None:
    unknown = str(uuid.uuid4())
    with appends_nothing(api):
        refused(api.post(SUPERVISOR, f"/supervision/reviews/{unknown}/confirm", {}), 404, "review_not_found")
        refused(api.post(SUPERVISOR, f"/supervision/reviews/{unknown}/objections", objection()), 404, "review_not_found")
        refused(api.post(MARKET_STAFF, f"/supervision/reviews/{unknown}/answers", {"reply": "x"}), 404, "review_not_found")
        refused(api.get(SUPERVISOR, f"/supervision/reviews/{unknown}/history"), 404, "review_not_found")
        refused(api.post(MARKET_STAFF, f"/supervision/filings/{unknown}/file", {"filed_on": p.today(), "reference": "x"}),
                404, "filing_not_found")
        refused(api.get(REGISTRAR, f"/catalogues/{OFFICE}"), 404, "catalogue_not_found")
        refused(api.get(REGISTRAR, "/catalogues/无此单位"), 404, "catalogue_not_found")
        refused(api.get(REGISTRAR, f"/catalogues/{MARKET}/editions/2030版"), 404, "version_not_found")
        refused(api.post(ADMIN, f"/catalogues/{OFFICE}/legal-review", {"required": True}), 404, "catalogue_not_found")
        refused(api.post(ADMIN, f"/catalogues/{OFFICE}/editions/2025版/repeal", {"effective_from": "2025-07-01", "reason": "x"}),
                404, "catalogue_not_found")
        # publishing for a unit that is not registered is a field error
        body = refused(api.post(ADMIN, "/catalogues/无此单位/editions", fire_edition()), 422, "invalid_input")
        assert body["errors"][0]["code"] == "unknown_unit"


# ------------------------------------------------------------------ the review flow


def test_a_reversal_is_objected_to_answered_and_confirmed_and_its_history_names_each_actor_and_role(api: Api) -> None:
    cid = rated_case(api)
    # citing the catalogue before it was in force is refused and opens nothing
    early = p.reversal()
    early["reversal"]["decision"]["decided_on"] = "2024-12-31"
    with appends_nothing(api):
        err = refused(api.post(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", early), 422, "invalid_input")
        assert err["errors"][0]["code"] == "not_yet_in_force"
    revoked = api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal())
    rid = review_id(cid, "淄张市监罚〔2025〕118号")
    pending = got(api, SUPERVISOR, "/supervision/reversals", status="pending", wait_for=revoked["notification_id"])
    row = next(r for r in pending if r["case_id"] == cid)
    assert row["review_id"] == rid and row["unit"] == MARKET and row["kind"] == "revoked" and row["item_number"] == "12"
    assert row["actor_name"] == "王磊" and row["legal_reviewer"] == "钱律" and row["status_label"] == "待审查"
    assert rid in {r["review_id"] for r in got(api, SUPERVISOR, "/supervision/queue")["to_review"]}

    objected = api.ok(SUPERVISOR, f"/supervision/reviews/{rid}/objections", objection())
    assert objected["number"] == f"{today().year}年第1号"
    # the review list as the ledger knew it before the objection
    then = got(api, SUPERVISOR, "/supervision/reversals", as_of=str(revoked["notification_id"]))
    assert [r["status"] for r in then if r["review_id"] == rid] == ["pending"]
    with appends_nothing(api):
        refused(api.post(SUPERVISOR, f"/supervision/reviews/{rid}/confirm", {}), 409, "wrong_state")
    api.ok(MARKET_STAFF, f"/supervision/reviews/{rid}/answers", {"reply": "已补充书面说明", "measures": "组织学习"})
    # the demo case's review gets the next letter of the same series
    second = api.ok(SUPERVISOR, f"/supervision/reviews/{demo_review(api)}/objections", objection())
    assert second["number"] == f"{today().year}年第2号"
    confirmed = api.ok(SUPERVISOR, f"/supervision/reviews/{rid}/confirm", {"comment": "整改到位"})
    with appends_nothing(api):
        refused(api.post(SUPERVISOR, f"/supervision/reviews/{rid}/objections", objection()), 409, "wrong_state")
        refused(api.post(MARKET_STAFF, f"/supervision/reviews/{rid}/answers", {"reply": "再答复"}), 409, "wrong_state")

    history = got(api, AUDITOR, f"/supervision/reviews/{rid}/history")
    assert [(e["aggregate"], e["event"], e["actor_id"], e["role"], e["unit"]) for e in history] == [
        ("GuidanceCase", "PenaltyRevoked", MARKET_STAFF, "unit_staff", MARKET),
        ("ReversalReview", "Opened", MARKET_STAFF, "unit_staff", MARKET),
        ("ReversalReview", "Objected", SUPERVISOR, "supervisor", p.SUPERVISION),
        ("ReversalReview", "Answered", MARKET_STAFF, "unit_staff", MARKET),
        ("ReversalReview", "Confirmed", SUPERVISOR, "supervisor", p.SUPERVISION),
    ]
    assert [e["actor_name"] for e in history] == ["王磊", "王磊", "吴监", "王磊", "吴监"]
    assert history[0]["basis"] == "《中华人民共和国行政处罚法》第三十三条第一款"
    assert history[2]["data"]["letter"]["seq"] == 1 and history[2]["data"]["problems"] == "书面说明未写明危害后果"
    assert history[4]["data"]["comment"] == "整改到位"
    assert got(api, MARKET_STAFF, f"/supervision/reviews/{rid}/history") == history

    rows = got(api, SUPERVISOR, "/supervision/reversals", wait_for=confirmed["notification_id"])
    row = next(r for r in rows if r["review_id"] == rid)
    assert (row["status"], row["letters"], row["reviewer_name"]) == ("confirmed", f"{today().year}年第1号", "吴监")
    assert rid not in {r["review_id"] for r in got(api, SUPERVISOR, "/supervision/queue")["to_review"]}


def test_a_major_remake_opens_its_filing_due_fifteen_days_later_which_the_unit_files(api: Api) -> None:
    cid = rated_case(api)
    body = p.reversal(list_="lighter", number="淄张市监罚〔2025〕120号", new_sanction="罚款1000元")
    body["reversal"].update(major=True, new_decision_number="淄张市监罚〔2026〕9号", legal_review_id=lp.passed_review(api))
    before = today()
    remade = api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-remakes", body)
    filings = got(api, MARKET_STAFF, "/supervision/filings", status="open", wait_for=remade["notification_id"])
    (filing,) = [f for f in filings if f["decision_number"] == "淄张市监罚〔2026〕9号"]
    assert filing["filing_id"] == str(MajorDecisionFiling.create_id(MARKET, "淄张市监罚〔2026〕9号"))
    decided = date.fromisoformat(filing["decided_on"])  # the remake's day (China time)
    assert before <= decided <= today()
    assert (filing["unit"], filing["case_id"], filing["party"]) == (MARKET, cid, "淄博鲁味轩餐饮管理有限公司")
    assert filing["due_on"] == expected_due(decided).isoformat() and filing["overdue"] is False
    assert filing["days_left"] == (expected_due(decided) - today()).days

    filed = api.ok(MARKET_STAFF, f"/supervision/filings/{filing['filing_id']}/file", {"filed_on": p.today(), "reference": "鲁备〔2026〕7号"})
    (done,) = got(api, SUPERVISOR, "/supervision/filings", status="filed", wait_for=filed["notification_id"])
    assert (done["filed_on"], done["late"], done["reference"]) == (p.today(), False, "鲁备〔2026〕7号")
    assert got(api, SUPERVISOR, "/supervision/filings", status="late") == []

    rid = review_id(cid, "淄张市监罚〔2025〕120号")
    history = got(api, SUPERVISOR, f"/supervision/reviews/{rid}/history")
    assert [(e["aggregate"], e["event"]) for e in history] == [
        ("GuidanceCase", "PenaltyRemade"), ("ReversalReview", "Opened"),
        ("MajorDecisionFiling", "Required"), ("MajorDecisionFiling", "Filed"),
    ]
    (row,) = [r for r in got(api, SUPERVISOR, "/supervision/reversals", item="4") if r["review_id"] == rid]
    assert row["major"] is True and row["new_fine_yuan"] == "1000" and row["list_label"] == "从轻处罚清单"


def test_unit_staff_see_only_their_own_units_reversals_statistics_and_filings(api: Api) -> None:
    api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions", fire_edition(), status=201)
    cid = rated_case(api, units=(MARKET, FIRE))
    api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-revocations", p.reversal(number="淄张市监罚〔2025〕130号"))
    fire = p.reversal(unit=FIRE, number="淄消罚〔2025〕5号")
    fire["reversal"]["cited"]["item_number"] = "1"
    fire["reversal"]["conditions_met"] = ["初次违法", "及时改正"]
    api.ok(FIRE_STAFF, f"/cases/{cid}/penalty-revocations", fire)
    last = api.ok(FIRE_STAFF, "/supervision/filings", {"decision_number": "淄消罚〔2026〕2号", "decided_on": p.today(),
                                                       "party": "某商场", "summary": "责令停业",
                                                       "legal_review_id": lp.passed_review(api, FIRE_STAFF)}, status=201)
    wait = {"wait_for": last["notification_id"]}

    def units(user: str, path: str, **params: Any) -> list[str]:
        return sorted(r["unit"] for r in got(api, user, path, **wait, **params))

    assert units(FIRE_STAFF, "/supervision/reversals") == [FIRE]
    assert units(MARKET_STAFF, "/supervision/reversals") == [MARKET, MARKET]  # the demo case's and ours
    assert units(SUPERVISOR, "/supervision/reversals") == sorted([FIRE, MARKET, MARKET])
    assert units(AUDITOR, "/supervision/reversals", unit=FIRE) == [FIRE]
    assert units(FIRE_STAFF, "/supervision/reversals", unit=FIRE) == [FIRE]
    assert units(FIRE_STAFF, "/supervision/reversals/stats") == [FIRE]
    assert units(SUPERVISOR, "/supervision/reversals/stats") == sorted([FIRE, MARKET])
    assert units(FIRE_STAFF, "/supervision/filings") == [FIRE]
    assert set(units(MARKET_STAFF, "/supervision/filings")) == {MARKET}  # the seeded demo filing
    assert sorted(set(units(SUPERVISOR, "/supervision/filings"))) == sorted([FIRE, MARKET])
    (fire_row,) = got(api, FIRE_STAFF, "/supervision/reversals", **wait)
    assert fire_row["decision_number"] == "淄消罚〔2025〕5号" and fire_row["review_id"] == review_id(cid, "淄消罚〔2025〕5号")
    # and the fire brigade may not answer for the market regulator
    market_rid = review_id(cid, "淄张市监罚〔2025〕130号")
    api.ok(SUPERVISOR, f"/supervision/reviews/{market_rid}/objections", objection())
    with appends_nothing(api):
        refused(api.post(FIRE_STAFF, f"/supervision/reviews/{market_rid}/answers", {"reply": "代为答复"}), 404, "review_not_found")


def test_the_history_of_a_major_reversal_shows_its_filing_even_if_the_new_number_was_typed_with_spaces(api: Api) -> None:
    cid = rated_case(api)
    body = p.reversal(list_="lighter", number="淄张市监罚〔2025〕121号", new_sanction="罚款1000元")
    body["reversal"].update(major=True, new_decision_number=" 淄张市监罚〔2026〕11号 ", legal_review_id=lp.passed_review(api))
    api.ok(MARKET_STAFF, f"/cases/{cid}/penalty-remakes", body)
    history = got(api, SUPERVISOR, f"/supervision/reviews/{review_id(cid, '淄张市监罚〔2025〕121号')}/history")
    assert [(e["aggregate"], e["event"]) for e in history] == [
        ("GuidanceCase", "PenaltyRemade"), ("ReversalReview", "Opened"), ("MajorDecisionFiling", "Required"),
    ]


def test_the_authorities_with_published_lists_are_listed_with_their_editions(api: Api) -> None:
    published = api.ok(FIRE_STAFF, f"/catalogues/{FIRE}/editions", fire_edition(), status=201)
    listed = got(api, SUPERVISOR, "/catalogues", wait_for=published["notification_id"])
    by_authority = {c["authority"]: c for c in listed}
    assert set(by_authority) == {MARKET, FIRE}  # the demo's market regulator and the fire brigade
    assert [e["version"] for e in by_authority[FIRE]["editions"]] == ["2025版"]
    assert by_authority[FIRE]["editions"][0]["effective_from"] == "2025-01-01"
    assert published["record_id"] is not None


def test_an_edition_can_be_uploaded_as_a_multipart_form_file_like_a_browser_sends_it(api: Api) -> None:
    r = api.post(
        FIRE_STAFF, f"/catalogues/{FIRE}/imports", None,
        files={"file": ("四张清单.xlsx", sample_xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
        params={"version": "2026版", "title": "四张清单（2026版）", "effective_from": "2026-01-01"},
    )
    assert r.status_code == 201, r.text
    items = browse(api, FIRE, on="2026-06-01")["items"]
    assert len(items) == 7 and {i["version"] for i in items} == {"2026版"}
    with appends_nothing(api):
        empty = api.post(FIRE_STAFF, f"/catalogues/{FIRE}/imports", None, data={"note": "x"}, files={},
                         params={"version": "2027版", "title": "t", "effective_from": "2027-01-01"},
                         headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert empty.status_code in (400, 422)


def test_a_one_list_file_is_imported_with_the_list_named_in_the_query(api: Api) -> None:
    data = (
        "序号,违法行为名称,法律依据,适用情形\n"
        "1,未按规定设置消防安全标志,《消防法》第十六条、第六十条,初次违法；及时改正\n"
    ).encode("gbk")
    with appends_nothing(api):
        refused(import_file(api, FIRE_STAFF, FIRE, data), 422, "invalid_input")
    created = import_file(api, FIRE_STAFF, FIRE, data, list="不予处罚清单")
    assert created.status_code == 201, created.text
    items = browse(api, FIRE, on="2026-06-01")["items"]
    assert [(i["list"], i["number"], i["conditions"]) for i in items] == [("no_penalty", "1", ["初次违法", "及时改正"])]
