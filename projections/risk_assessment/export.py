"""A submitted assessment report as XLSX (``projections.workbook``'s rules):
one sheet, one row per line of the four sections, drawn from the snapshot
alone, so the same report gives the same bytes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ledger.risk_assessment.values import Sections, Summary
from projections.workbook import INTEGER, TEXT, Column, Sheet, workbook_bytes

COLUMNS = (("section", "部分", TEXT), ("code", "编号", TEXT), ("point", "违法风险点（项目）", TEXT),
           ("kind", "等级或类型", TEXT), ("time", "时间", TEXT), ("place", "地点", TEXT), ("staff", "人员", TEXT),
           ("content", "内容", TEXT), ("now", "本期", INTEGER), ("before", "去年同期", INTEGER))


def rows(sections: Sections, summary: Summary) -> Iterator[dict[str, Any]]:
    empty = dict.fromkeys(k for k, _, _ in COLUMNS)
    for p in sections.basics.points:
        yield {**empty, "section": "基本情况", "code": p.code, "point": p.point, "kind": f"{p.grade}风险",
               "content": f"{p.category}；法律依据：{p.legal_basis}；指导方式及措施：{p.measures}", "now": p.cited}
    for m in sections.measures:
        yield {**empty, "section": "实施防控", "code": m.point_code, "point": m.point, "kind": m.record_kind,
               "time": m.time, "place": m.place, "staff": m.staff, "content": m.content}
    c = sections.comparison
    for line in c.lines:
        yield {**empty, "section": "对比分析", "code": line.point_code, "point": line.point, "kind": "引用件数",
               "now": line.now, "before": line.before}
    for label, now, before in (("评价件数", c.rated_now, c.rated_before), ("满意及以上", c.satisfied_now, c.satisfied_before),
                               ("撤销或重作处罚", c.reversals_now, c.reversals_before)):
        yield {**empty, "section": "对比分析", "point": label, "now": now, "before": before}
    for label, text in (("取得的经验", summary.experience), ("存在问题", summary.problems), ("意见建议", summary.suggestions)):
        yield {**empty, "section": "总结评估", "point": label, "content": text}


def assessment_xlsx(authority: str, period_label: str, sections: Sections, summary: Summary, sha256: str) -> bytes:
    sheet = Sheet("分析评估报告", [Column(k, label, kind) for k, label, kind in COLUMNS],
                  title=f"{authority}{period_label}法律风险防控分析评估报告", subtitle=f"报告 SHA-256：{sha256}", printed=True)
    return workbook_bytes(sheet, rows(sections, summary), title=f"{authority}{period_label}法律风险防控分析评估报告",
                          properties={"报告SHA-256": sha256})
