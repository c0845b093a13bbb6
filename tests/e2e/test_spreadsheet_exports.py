"""Exports that clerks open in Excel or WPS never evaluate what a user typed:
a cell beginning with =, +, -, @, a tab or a carriage return is written with a
leading apostrophe (read back as text); JSON keeps the value as stored; the
as-of export stays byte-equal to itself."""

from __future__ import annotations

import csv
import io

import pytest

from projections.spreadsheet import safe_cell
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import MARKET_STAFF, SUPERVISOR

STARTS = ["=", "+", "-", "@", "\t", "\r"]
LINK = '=HYPERLINK("http://evil.example/","点我")'


def rows_of(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("start", STARTS)
def test_each_formula_start_is_neutralised_and_plain_text_is_not(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("淄博鲁味轩") == "淄博鲁味轩" and safe_cell(None) == "" and safe_cell(3) == "3"


def test_the_registry_export_writes_typed_formulas_as_text(api: Api) -> None:
    applicant = {"kind": "organisation", "name": LINK, "id_number": p.VALID_USCC, "address": "+86 张店区"}
    booked = api.book(applicant=applicant, needs="-1+2 指导", contact={"name": "@某人", "phone": "13953312345"})
    shown = api.get(SUPERVISOR, f"/cases/{booked['case_id']}").json()
    assert shown["applicant"]["name"] == LINK  # stored and read as typed
    head = str(booked["notification_id"])
    live = api.get(SUPERVISOR, "/registry", params={"format": "csv", "wait_for": head, "limit": 1000})
    as_of = api.get(SUPERVISOR, "/registry", params={"format": "csv", "as_of": head})
    again = api.get(SUPERVISOR, "/registry", params={"format": "csv", "as_of": head})
    assert as_of.content == again.content and as_of.headers["X-Content-SHA256"] == again.headers["X-Content-SHA256"]
    for export in (live, as_of):
        (row,) = [r for r in rows_of(export.content) if r["案件ID"] == booked["case_id"]]
        assert row["申请单位/个人"] == "'" + LINK
        for cell in rows_of(export.content)[0].values():
            assert not cell.startswith(tuple(STARTS)), cell


def test_the_reversal_export_writes_typed_formulas_as_text(api: Api) -> None:
    case_id = api.book()["case_id"]
    api.ok(p.REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    api.ok(p.DISPATCHER, f"/cases/{case_id}/dispatch", p.dispatch())
    api.ok(MARKET_STAFF, f"/cases/{case_id}/serve", p.serve())
    body = p.reversal(number="淄张市监罚〔2026〕901号")
    body["reversal"]["outcome"] = "=1+1 撤销"
    body["reversal"]["explanation"] = "@SUM(A1:A9) 当事人初次违法且危害后果轻微，已及时改正。"
    result = api.ok(MARKET_STAFF, f"/cases/{case_id}/penalty-revocations", body)
    for query in ({"wait_for": result["notification_id"]}, {"as_of": result["notification_id"]}):
        export = api.get(SUPERVISOR, "/supervision/reversals", params={**query, "format": "csv"})
        (row,) = [r for r in rows_of(export.content) if r["原处罚决定书文号"] == "淄张市监罚〔2026〕901号"]
        assert row["处理结果"] == "'=1+1 撤销"
        assert row["书面说明"].startswith("'@SUM")
