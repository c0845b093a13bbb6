"""The list of a year's selected typical and excellent cases as XLSX (the
workbook rules of ``projections.workbook``: text stays text, same rows give
the same bytes)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from projections.workbook import DAY, INTEGER, TEXT, Column, Sheet, workbook_bytes

COLUMNS = (
    ("seq", "序号", INTEGER), ("distinction_label", "类别", TEXT), ("kind_label", "案件类型", TEXT),
    ("reference", "案件编号", TEXT), ("title", "案件名称（指导事项）", TEXT), ("unit", "推荐单位", TEXT),
    ("finished_on", "办结日期", DAY), ("reason", "推荐理由", TEXT), ("decision_reason", "评选意见", TEXT),
    ("decided_by", "评审人员", TEXT),
)


def selected_sheet(year: int | None) -> Sheet:
    return Sheet("典型案例", [Column(k, label, kind) for k, label, kind in COLUMNS],
                 title=f"{year or ''}年度服务型行政执法典型案例、优秀案例名单", subtitle="评选单位：法治政府建设领导小组办公室",
                 stamp="updated_at", printed=True)


def selected_xlsx(rows: Iterable[Mapping[str, Any]], year: int | None) -> bytes:
    """The selected cases (the view's rows, already scoped) numbered 1…n."""
    def shown() -> Iterator[dict[str, Any]]:
        for i, r in enumerate(rows, 1):
            yield {**{k: r.get(k) for k, _, _ in COLUMNS}, "seq": i, "updated_at": r.get("updated_at")}

    return workbook_bytes(selected_sheet(year), shown(), title=f"{year or ''}年度典型案例名单")
