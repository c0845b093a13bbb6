"""Excel exports (``format=xlsx``) of the registry, the 登记簿, the reversal
review list, the audit log and the statistics, read back with openpyxl: the
same rows and columns as the JSON, real dates, typed text never a formula,
ID numbers masked and rows scoped as on screen, as of a moment, the same
bytes for the same data, and the SHA-256 in the header matching the body."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest
from xlsxwriter.worksheet import Worksheet

from ledger.case.values import CaseState
from ledger.identifiers import mask_id_number
from ledger.values import CST
from projections import workbook
from projections.cases.export import REGISTER_COLUMNS, REGISTRY_COLUMNS
from projections.workbook import MEDIA_TYPE, REGISTRY_KINDS
from tests.e2e import payloads as p
from tests.e2e.conftest import Api
from tests.e2e.payloads import AUDITOR, DISPATCHER, FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR

FORMULAS = ["=1+1", "@SUM(A1)"]


def sheet_of(response: httpx.Response) -> Any:
    """The first sheet of an XLSX response, after checking what every export promises."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(MEDIA_TYPE)
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(response.content).hexdigest()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and unquote(disposition.split("UTF-8''")[1]).endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]


def table(ws: Any, header_row: int = 1) -> tuple[list[str], list[list[Any]]]:
    rows = [list(r) for r in ws.iter_rows(min_row=header_row, values_only=True)]
    return rows[0], rows[1:]


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CST).replace(tzinfo=None)


def served_case(api: Api, unit: str = MARKET, **booking: Any) -> str:
    case_id = api.book(**booking)["case_id"]
    api.ok(REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    api.ok(DISPATCHER, f"/cases/{case_id}/dispatch", p.dispatch((unit,)))
    staff = {MARKET: {"id": "wanglei", "name": "王磊"}, FIRE: {"id": "sunhao", "name": "孙浩"}}[unit]
    api.ok(MARKET_STAFF if unit == MARKET else FIRE_STAFF, f"/cases/{case_id}/serve", p.serve(staff=[staff]))
    return case_id


def test_the_registry_workbook_equals_the_json_registry_row_for_row_and_column_for_column(api: Api) -> None:
    served_case(api)
    served_case(api, individual=True)
    for name in FORMULAS:
        api.book(name=name)
    head = str(api.head())
    rows = api.get(SUPERVISOR, "/registry", params={"limit": 1000, "wait_for": head}).json()
    export = api.get(SUPERVISOR, "/registry", params={"format": "xlsx", "wait_for": head})
    ws = sheet_of(export)
    header, cells = table(ws)
    assert header == [label for _, label in REGISTRY_COLUMNS]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:Z{len(rows) + 1}"
    assert len(cells) == len(rows) >= 5
    for json_row, line in zip(rows, cells, strict=True):
        for (key, _), cell in zip(REGISTRY_COLUMNS, line, strict=True):
            value = json_row.get(key)
            if key in REGISTRY_KINDS and value:
                # a real date, in Beijing time, to Excel's millisecond
                assert isinstance(cell, datetime), (key, cell)
                assert abs(cell - beijing(value)) < timedelta(milliseconds=1), (key, cell, value)
            else:
                assert cell == (value if value != "" else None), (key, cell, value)
    dated = [c for c in ws[2] if c.column == 6]  # 申请时间
    assert dated[0].is_date and dated[0].number_format == "yyyy-mm-dd hh:mm:ss"


def test_typed_formulas_stay_text_in_every_workbook(api: Api) -> None:
    ids = [api.book(name=name)["case_id"] for name in FORMULAS]
    case_id = served_case(api)
    body = p.reversal(number="淄张市监罚〔2026〕902号")
    body["reversal"]["outcome"] = "=1+1"
    body["reversal"]["explanation"] = "@SUM(A1) 当事人初次违法且危害后果轻微，已及时改正。"
    head = api.ok(MARKET_STAFF, f"/cases/{case_id}/penalty-revocations", body)["notification_id"]
    registry = api.get(SUPERVISOR, "/registry", params={"format": "xlsx", "wait_for": head})
    reversals = api.get(SUPERVISOR, "/supervision/reversals", params={"format": "xlsx", "wait_for": head})
    as_of = api.get(SUPERVISOR, "/supervision/reversals", params={"format": "xlsx", "as_of": head})
    for export in (registry, reversals, as_of):
        with zipfile.ZipFile(io.BytesIO(export.content)) as z:
            sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml  # not one formula anywhere
    ws = sheet_of(registry)
    by_id = {row[-1].value: row for row in ws.iter_rows(min_row=2)}
    for case, name in zip(ids, FORMULAS, strict=True):
        cell = by_id[case][1]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (name, "s", True)
    for export in (reversals, as_of):
        header, cells = table(sheet_of(export))
        (line,) = [r for r in cells if r[header.index("原处罚决定书文号")] == "淄张市监罚〔2026〕902号"]
        assert line[header.index("处理结果")] == "=1+1"
        assert line[header.index("书面说明")].startswith("@SUM(A1)")
        assert line[header.index("原决定日期")] == datetime(2025, 9, 12)  # a date, not the text 2025-09-12
        assert isinstance(line[header.index("办理时间")], datetime)


@pytest.mark.parametrize(("user", "masked"), [(REGISTRAR, False), (SUPERVISOR, False), (DISPATCHER, True),
                                              (MARKET_STAFF, True)])
def test_resident_ids_are_masked_by_role_as_in_the_csv(api: Api, user: str, masked: bool) -> None:
    case_id = served_case(api, individual=True)
    head = str(api.head())
    header, cells = table(sheet_of(api.get(user, "/registry", params={"format": "xlsx", "wait_for": head})))
    (line,) = [r for r in cells if r[-1] == case_id]
    assert line[header.index("统一社会信用代码/身份证号")] == (mask_id_number(p.VALID_RIC) if masked else p.VALID_RIC)
    csv_text = api.get(user, "/registry", params={"format": "csv", "wait_for": head}).content.decode("utf-8-sig")
    assert (p.VALID_RIC in csv_text) == (not masked)  # the CSV's rule exactly


def test_unit_staff_never_get_another_units_rows(api: Api) -> None:
    market = served_case(api, MARKET)
    fire = served_case(api, FIRE)
    head = str(api.head())
    json_ids = {r["case_id"] for r in api.get(MARKET_STAFF, "/registry", params={"limit": 1000, "wait_for": head}).json()}
    _, cells = table(sheet_of(api.get(MARKET_STAFF, "/registry", params={"format": "xlsx", "wait_for": head})))
    assert {r[-1] for r in cells} == json_ids and market in json_ids and fire not in json_ids
    assert all(MARKET in r[REGISTRY_COLUMNS.index(("units", "服务单位"))] for r in cells)
    refused = api.get(MARKET_STAFF, "/registry", params={"format": "xlsx", "unit": FIRE})
    assert refused.status_code == 403 and refused.json()["code"] == "unit_scope"
    year = datetime.now(CST).year
    register = api.get(MARKET_STAFF, "/registry/guidance-register", params={"format": "xlsx", "year": year,
                                                                              "wait_for": head})
    ws = sheet_of(register)
    assert f"单位：{MARKET}" in ws["A2"].value
    assert api.get(MARKET_STAFF, "/registry/guidance-register",
                   params={"format": "xlsx", "year": year, "unit": FIRE}).status_code == 403
    stats = table(sheet_of(api.get(MARKET_STAFF, "/stats", params={"format": "xlsx", "wait_for": head})))[1]
    assert [r[0] for r in stats] == [MARKET]


def test_the_register_workbook_has_its_title_unit_period_and_real_dates(api: Api) -> None:
    served_case(api, MARKET)
    served_case(api, FIRE)
    head = str(api.head())
    now = datetime.now(CST)
    quarter = (now.month - 1) // 3 + 1
    query = {"year": now.year, "quarter": quarter, "wait_for": head}
    entries = api.get(SUPERVISOR, "/registry/guidance-register", params={**query, "limit": 1000}).json()
    ws = sheet_of(api.get(SUPERVISOR, "/registry/guidance-register", params={**query, "format": "xlsx"}))
    assert ws["A1"].value == "行政指导事项登记簿"
    assert ws["A2"].value == f"单位：全部单位　　期间：{now.year}年第{quarter}季度"
    assert "A1:E1" in {str(r) for r in ws.merged_cells.ranges} and ws.freeze_panes == "A4"
    header, cells = table(ws, header_row=3)
    assert header == [label for _, label in REGISTER_COLUMNS] == ["序号", "时间", "指导事项", "指导结果", "指导人员"]
    assert len(cells) == len(entries) >= 2
    for entry, line in zip(entries, cells, strict=True):
        assert line[0] == entry["seq"]
        assert isinstance(line[1], datetime) and f"{line[1].year}年{line[1].month}月{line[1].day}日" == entry["time"]
        assert line[2:] == [entry["matter"], entry["result"] or None, entry["staff"] or None]
    assert ws["B4"].number_format == 'yyyy"年"m"月"d"日"'


def test_an_as_of_workbook_shows_the_past_and_gives_the_same_bytes_every_time(api: Api) -> None:
    case_id = api.book()["case_id"]
    before = api.head()
    api.ok(REGISTRAR, f"/cases/{case_id}/accept", p.accept())
    after = str(api.head())
    past = [api.get(SUPERVISOR, "/registry", params={"format": "xlsx", "as_of": str(before)}) for _ in range(2)]
    assert past[0].content == past[1].content and past[0].headers["X-Ledger-Cutoff"] == str(before)
    assert f"asof-{before}.xlsx" in past[0].headers["Content-Disposition"]
    live = [api.get(SUPERVISOR, "/registry", params={"format": "xlsx", "wait_for": after}) for _ in range(2)]
    assert live[0].content == live[1].content  # same data, same bytes: the SHA-256 can be cited
    assert live[0].headers["X-Content-SHA256"] == live[1].headers["X-Content-SHA256"]
    state = REGISTRY_COLUMNS.index(("state", "状态"))
    for export, expected in ((past[0], CaseState.APPLIED.label), (live[0], CaseState.ACCEPTED.label)):
        (line,) = [r for r in table(sheet_of(export))[1] if r[-1] == case_id]
        assert line[state] == expected, export.headers
    book = openpyxl.load_workbook(io.BytesIO(past[0].content))
    assert book.custom_doc_props["截至通知序号"].value == str(before)
    # the document's created date is the latest recording among the rows (the booking), not the export's time
    (booked,) = api.get(AUDITOR, "/audit", params={"case_id": case_id, "action": "Applied", "wait_for": after}).json()
    recorded = datetime.fromisoformat(booked["recorded_at"].replace("Z", "+00:00")).replace(tzinfo=None)
    assert book.properties.created == recorded.replace(microsecond=0)


def test_the_audit_log_and_the_statistics_as_workbooks(api: Api) -> None:
    served_case(api)
    head = str(api.head())
    events = api.get(AUDITOR, "/audit", params={"limit": 5000, "wait_for": head}).json()
    header, cells = table(sheet_of(api.get(AUDITOR, "/audit", params={"format": "xlsx", "wait_for": head})))
    assert header[:4] == ["通知序号", "记录时间", "业务时间", "操作人账号"]
    assert [r[0] for r in cells] == [e["notification_id"] for e in events]
    served = [r for r in cells if r[header.index("事件")] == "指导服务"]
    assert served and served[-1][header.index("角色")] == "执法单位人员"
    assert all(isinstance(r[1], datetime) for r in cells)
    first = events[0]
    recorded = datetime.fromisoformat(first["recorded_at"].replace("Z", "+00:00")).astimezone(CST).replace(tzinfo=None)
    assert abs(cells[0][1] - recorded) < timedelta(milliseconds=1)
    assert api.get(MARKET_STAFF, "/audit", params={"format": "xlsx"}).status_code == 403

    for by in ("unit", "service_type", "month", "quarter"):
        figures = api.get(SUPERVISOR, "/stats", params={"by": by, "wait_for": head}).json()
        ws = sheet_of(api.get(SUPERVISOR, "/stats", params={"by": by, "format": "xlsx", "wait_for": head}))
        header, cells = table(ws)
        assert header[1:4] == ["服务件数", "按时办结件数", "按时办结率"]
        assert len(cells) == len(figures) >= 1
        for figure, line in zip(figures, cells, strict=True):
            assert line[1:5] == [figure["served"], figure["on_time"], figure["on_time_rate"], figure["rated"]]
        assert ws["D2"].number_format == "0.0%"
    month = table(sheet_of(api.get(SUPERVISOR, "/stats", params={"by": "month", "format": "xlsx"})))[1]
    today = datetime.now(CST).date()  # the month as the statistics count it: China time
    assert f"{today.year}年{today.month}月" in [r[0] for r in month]


# ----------------------------------------------- the workbook module itself

RICH_LOOKING = '<r></r></is></c><c r="B1"><f>HYPERLINK("http://evil.example/","点我")</f></c><c r="C1"><is><r></r>'
TRICKY = ["a & b < c > d", "\x01控制\x1f字符", "_x0041_ 字面", " 前后空格 ", "\t缩进", "行一\n行二", "\ufffe", "=1+1",
          "+86 533", "-1", "@SUM(A1)", "\r回车"]


def sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"xl/worksheets/sheet{n}.xml").decode()


def test_a_name_shaped_like_a_rich_string_is_text_not_markup() -> None:
    # XlsxWriter's constant-memory mode copies such a string into the XML unescaped
    data = workbook.workbook_bytes(workbook.Sheet("表", [workbook.Column("name", "名称")]), [{"name": RICH_LOOKING}],
                                   title="t")
    assert "<f>" not in sheet_xml(data)
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert (ws["A2"].value, ws["A2"].data_type, ws["B2"].value) == (RICH_LOOKING, "s", None)


def test_cells_are_written_as_xlsxwriter_itself_writes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    sheet = workbook.Sheet("表", [workbook.Column("text", "文本"), workbook.Column("at", "时间", workbook.INSTANT),
                                  workbook.Column("n", "数", workbook.MONEY)], stamp="at")
    rows = [{"text": t, "at": f"2026-11-{i + 1:02d}T09:30:15.250+08:00", "n": str(i * 1000.5)} for i, t in enumerate(TRICKY)]
    ours = workbook.workbook_bytes(sheet, rows, title="t")

    class XlsxWritersOwn(workbook._TextSheet):
        _write_single_row = Worksheet._write_single_row
        _write_cell = Worksheet._write_cell

    monkeypatch.setattr(workbook, "_TextSheet", XlsxWritersOwn)
    assert workbook.workbook_bytes(sheet, rows, title="t") == ours
    values = [r[0] for r in openpyxl.load_workbook(io.BytesIO(ours)).worksheets[0].iter_rows(min_row=2, values_only=True)]
    # openpyxl does not decode Excel's _xHHHH_ escapes (Excel does): compare the rest as typed
    plain = [i for i, t in enumerate(TRICKY) if not re.search("[\x00-\x08\x0b-\x1f\ufffe]|_x[0-9A-F]{4}_", t)]
    assert len(plain) >= 8 and [values[i] for i in plain] == [TRICKY[i] for i in plain]
    assert "_x0001_控制_x001F_字符" in sheet_xml(ours) and "_x005F_x0041_ 字面" in sheet_xml(ours)


def test_rows_beyond_a_sheet_go_on_in_the_next_with_the_header_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "SHEET_ROWS", 4)  # a header and three rows a sheet
    data = workbook.workbook_bytes(workbook.Sheet("台账", [workbook.Column("n", "序号", workbook.INTEGER)]),
                                   ({"n": i} for i in range(1, 8)), title="t")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert [ws.title for ws in book.worksheets] == ["台账", "台账（2）", "台账（3）"]
    assert [[c for (c,) in ws.iter_rows(values_only=True)] for ws in book.worksheets] == [
        ["序号", 1, 2, 3], ["序号", 4, 5, 6], ["序号", 7]]
    assert all(ws.freeze_panes == "A2" for ws in book.worksheets)
