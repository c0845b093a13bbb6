"""The review list of reversed penalties as supervisors read it, and as CSV."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ledger.supervision import ReviewStatus
from ledger.values import FourList
from projections.cases import Row
from projections.cases.export import _yes_no
from projections.spreadsheet import csv_bytes

REVERSAL_COLUMNS = (
    ("unit", "作出单位"),
    ("kind", "处理方式"),
    ("decision_number", "原处罚决定书文号"),
    ("decided_on", "原决定日期"),
    ("list_kind", "适用清单"),
    ("catalogue_version", "清单版本"),
    ("item_number", "事项序号"),
    ("conditions_met", "符合条件"),
    ("outcome", "处理结果"),
    ("new_sanction", "新处罚内容"),
    ("new_fine_yuan", "新罚款金额（元）"),
    ("major", "重大决定"),
    ("explanation", "书面说明"),
    ("legal_reviewer", "法制审核人"),
    ("actor_name", "承办人"),
    ("reversed_at", "办理时间"),
    ("recorded_at", "记录时间"),
    ("status", "审查状态"),
    ("letters", "整改建议书编号"),
    ("reply_due", "答复期限"),
    ("reviewer_name", "审查人"),
    ("case_id", "案件ID"),
    ("review_id", "审查ID"),
)


KIND_LABELS = {"revoked": "撤销", "remade": "重新作出"}


def display_reversal(row: Row) -> dict[str, Any]:
    """A review row with its labels (what the review list shows)."""
    out = dict(row)
    out["kind_label"] = KIND_LABELS.get(row["kind"] or "", row["kind"])
    out["list_label"] = FourList(row["list_kind"]).label if row["list_kind"] else None
    out["status_label"] = ReviewStatus(row["status"]).label
    out["major"] = bool(row["major"])
    return out


def reversals_csv(rows: Iterable[Row]) -> bytes:
    def line(r: Row) -> list[Any]:
        d = display_reversal(r)
        d.update(kind=d["kind_label"], list_kind=d["list_label"], status=d["status_label"], major=_yes_no(r["major"]))
        return [d[c] for c, _ in REVERSAL_COLUMNS]

    ordered = sorted(rows, key=lambda r: (r["reversed_at"] or "", r["review_id"]))
    return csv_bytes([label for _, label in REVERSAL_COLUMNS], map(line, ordered))
