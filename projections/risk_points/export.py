"""The published list of legal-risk points as an Excel workbook (the columns
第二十条(二) names for publication, with the grade's reasons)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from projections.workbook import Column, Sheet, workbook_bytes

COLUMNS = (
    Column("code", "编号"), Column("category", "行政相对人类别"), Column("point", "违法风险点", wrap=30),
    Column("basis", "法律依据", wrap=30), Column("grade_label", "风险等级"), Column("reasons", "等级依据", wrap=30),
    Column("measures", "指导方式及措施", wrap=36), Column("manifestation", "表现形式", wrap=24),
    Column("cause", "形成原因", wrap=24), Column("harm", "危害后果", wrap=24),
)


def risk_points_xlsx(points: Iterable[Mapping[str, Any]], *, authority: str, edition: Mapping[str, Any]) -> bytes:
    """One sheet: the edition's points, titled with the authority, version and publication."""
    subtitle = (f"{edition['version']}　自{edition['effective_from']}起施行　"
                f"{edition['published_on']}通过{edition['channels']}公布")
    sheet = Sheet("违法风险点清单", COLUMNS, title=f"{authority}行政相对人违法风险点清单", subtitle=subtitle, printed=True)
    return workbook_bytes(sheet, points, title=f"{authority}违法风险点清单（{edition['version']}）",
                          properties={"effective_from": str(edition["effective_from"])})

