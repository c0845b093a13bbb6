"""The workbook's own row writer (``_Writer`` laying a data row out as XML
itself) gives the very bytes XlsxWriter's cell writer gives, for every
column kind and every kind of value a row may hold: text that needs
escaping or the quote prefix, numbers of every type, dates as text and as
objects, values a column does not expect, empty rows, wrapped columns, a
title and a subtitle, and sheets that go on in the next one."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from xlsxwriter.worksheet import Worksheet

from ledger.case.values import CaseState, Channel, ServiceType
from ledger.values import Role
from projections import workbook
from projections.cases import grade_label
from projections.cases.export import REGISTRY_COLUMNS, display_registry_row

TEXTS = ["a & b < c > d", "\x01控制\x1f字符", "_x0041_ 字面", " 前后空格 ", "\t缩进", "行一\n行二", "\ufffe", "=1+1",
         "+86 533", "-1", "@SUM(A1)", "\r回车", '<r></r></is></c><c r="B1"><f>x</f></c>', "\x0b竖", "\u3000全角",
         "x" * 17000, "长" * 20000, "", None, "  "]
OTHERS = [5, 3.5, -0.0, 1e-300, 10**17, Decimal("1.25"), Decimal("NaN"), float("nan"), float("inf"), True,
          "0.1", "12345678901234567890", "bad", "2026-11-22T09:30:15.250+08:00", "2026-11-22T01:30:15Z",
          "2026-11-22T01:30:15", "2026-11-22", "1900-01-15", "1899-12-31T00:00:00+08:00", "2026年11月22日",
          "2026年2月30日", date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5),
          datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))]
KINDS = [workbook.TEXT, workbook.INSTANT, workbook.DAY, workbook.CN_DAY, workbook.INTEGER, workbook.DECIMAL,
         workbook.PERCENT, workbook.MONEY]


class XlsxWritersOwn(workbook._TextSheet):
    """Rows through XlsxWriter's own row and cell writers (the cells stored, then written)."""

    _write_single_row = Worksheet._write_single_row
    _write_cell = Worksheet._write_cell


def sheet(*, title: str | None = None) -> workbook.Sheet:
    columns = [workbook.Column(f"k{i}", f"列{i}{'较长的标题' * (i % 3)}", kind,
                               20 if title and kind == workbook.TEXT and i % 2 else 0)  # wrapped, printed
               for i, kind in enumerate(KINDS * 2)]
    return workbook.Sheet("表", columns, title=title, subtitle="单位：某局" if title else None, stamp="at",
                          printed=bool(title))


def rows(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    out = [{f"k{i}": rng.choice(TEXTS + OTHERS) for i in range(len(KINDS) * 2)}
           | {"at": rng.choice([None, "2026-11-22T09:30:15+08:00", "2026-12-01T00:00:00+00:00"])} for _ in range(n)]
    out[n // 2] = {}  # a row with nothing in it
    return out


@pytest.mark.parametrize(("title", "sheet_rows"),
                         [(None, workbook.SHEET_ROWS), ("标题", workbook.SHEET_ROWS), (None, 90)])
def test_rows_laid_out_by_the_writer_are_xlsxwriters_own_bytes(monkeypatch: pytest.MonkeyPatch, title: str | None,
                                                                 sheet_rows: int) -> None:
    monkeypatch.setattr(workbook, "SHEET_ROWS", sheet_rows)
    data = rows(seed=len(title or "") + sheet_rows, n=400)
    ours = workbook.workbook_bytes(sheet(title=title), data, title="t", properties={"截至通知序号": "7"})
    monkeypatch.setattr(workbook, "_TextSheet", XlsxWritersOwn)
    assert workbook.workbook_bytes(sheet(title=title), data, title="t", properties={"截至通知序号": "7"}) == ours


def test_the_instant_serial_is_the_serial_of_the_beijing_wall_time() -> None:
    for text in ["2026-11-22T09:30:15.250+08:00", "2026-11-22T01:30:15Z", "2026-11-22T01:30:15",
                 "1900-02-28T23:00:00+00:00", "1900-03-01T08:00:00+08:00", "2026-06-30T23:59:59.999999-05:00",
                 "bad", "2026-13-01T00:00:00"]:
        wall = workbook._instant(text)
        assert workbook._instant_serial(text) == (None if wall is None else workbook._serial(wall)), text


def test_a_registry_row_is_labelled_as_the_enumerations_and_grades_say() -> None:
    row = dict.fromkeys(k for k, _ in REGISTRY_COLUMNS) | {
        "applicant_kind": "individual", "id_number": "370303199001011234",
        "service_types": "compliance_guidance,policy_interpretation",
        "channel": "phone", "state": "rated", "due_limit": "2026-11-29T17:00:00+08:00", "provisional": 1, "on_time": 0,
        "phone_follow_up": None, "response_score": 4, "attitude_score": 1, "usefulness_score": None, "result_score": 2}
    shown = display_registry_row(row, Role.DISPATCHER)
    assert list(shown) == [k for k, _ in REGISTRY_COLUMNS]  # the columns' order, as the JSON shows them
    assert shown["id_number"] == "370303********1234"
    assert shown["service_types"] == "、".join(ServiceType(c).label for c in row["service_types"].split(","))
    assert (shown["channel"], shown["state"]) == (Channel.PHONE.label, CaseState.RATED.label)
    assert [shown[s] for s in ("response", "attitude", "usefulness", "result")] == [
        grade_label("response", 4), grade_label("attitude", 1), None, grade_label("result", 2)]
    assert (shown["provisional"], shown["on_time"], shown["phone_follow_up"]) == ("是", "否", "")
    assert display_registry_row(row, Role.SUPERVISOR)["id_number"] == row["id_number"]
    with pytest.raises(ValueError):
        display_registry_row(row | {"channel": "carrier_pigeon"}, Role.SUPERVISOR)
    with pytest.raises(ValueError):
        display_registry_row(row | {"service_types": "no_such_type"}, Role.SUPERVISOR)
