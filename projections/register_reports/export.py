"""The XLSX files of the quarterly report: a unit's register as submitted (one
version's snapshot) and the office's consolidated register, laid out by
``projections.workbook`` (the 登记簿 under its title row, text kept text).

Both are pure functions of what the events hold — the snapshot's lines, or the
consolidated reports' snapshots — so a file drawn today is the file drawn at
submission, bit for bit: ``workbook_bytes`` gives every zip member a fixed
time, the document's created date is fixed (the register's rows carry no
recording time) and the custom properties are the snapshot's own facts
(unit, period, its canonical SHA-256), never the moment of drawing. The
SHA-256 of the file drawn at submission is recorded in the event
(``Snapshot.xlsx_sha256``), so a later drawing is checked against it — and a
change of the renderer (XlsxWriter, this layout) that changed the bytes would
show there, while the lines and their canonical hash stay what was submitted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ledger.register_reports.values import RegisterLine, period_label
from projections import workbook

UNIT_COLUMN = workbook.Column("unit", "报送单位", workbook.TEXT, 16)


def line_dict(line: RegisterLine) -> dict[str, Any]:
    return {"seq": line.seq, "time": line.time, "matter": line.matter, "result": line.result, "staff": line.staff}


def lines_of(entries: Iterable[Mapping[str, Any]]) -> tuple[RegisterLine, ...]:
    """The 登记簿's lines (``Views.guidance_register``) as a snapshot holds them."""
    return tuple(
        RegisterLine(seq=int(e["seq"]), time=str(e["time"]), matter=str(e["matter"] or ""),
                     result=str(e["result"] or ""), staff=str(e["staff"] or ""), source=str(e.get("source") or ""),
                     ref=str(e.get("ref") or ""))
        for e in entries
    )


def snapshot_xlsx(unit: str, year: int, quarter: int, lines: Sequence[RegisterLine], sha256: str) -> bytes:
    """One unit's register of one quarter, as submitted."""
    title = f"行政指导事项登记簿（{unit}，{period_label(year, quarter)}）"
    return workbook.workbook_bytes(
        workbook.register_sheet(unit, period_label(year, quarter)), map(line_dict, lines), title=title,
        properties={"报送单位": unit, "期间": period_label(year, quarter), "登记簿SHA-256": sha256})


def consolidated_xlsx(office: str, year: int, quarter: int, reports: Sequence[tuple[str, int, Sequence[RegisterLine]]],
                      sha256: str) -> bytes:
    """The office's consolidated register: every included unit's lines, in the
    order of the consolidation (by unit), 序号 counting on across units."""
    base = workbook.register_sheet(f"{office}（汇总）", period_label(year, quarter))
    columns = [base.columns[0], UNIT_COLUMN, *base.columns[1:]]
    sheet = dataclasses.replace(base, columns=columns, title="行政指导事项登记簿（汇总）")

    def rows() -> Iterable[dict[str, Any]]:
        seq = 0
        for unit, _, lines in reports:
            for line in lines:
                seq += 1
                yield {**line_dict(line), "seq": seq, "unit": unit}

    included = "、".join(f"{unit}（第{version}版）" for unit, version, _ in reports)
    return workbook.workbook_bytes(
        sheet, rows(), title=f"行政指导事项登记簿汇总（{office}，{period_label(year, quarter)}）",
        properties={"汇总单位": office, "期间": period_label(year, quarter), "汇总SHA-256": sha256,
                    "汇总的登记簿": included})
