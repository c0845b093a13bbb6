"""Reading an edition's risk points from a CSV or XLSX file.

The format (docs/RISK-POINTS.md): one header row, then one point per row.
Headers are Chinese (or the English field names):

    编号 · 相对人类别 · 违法风险点 · 表现形式 · 形成原因 · 危害后果 · 危害程度 · 发生概率 ·
    法律依据 · 指导方式及措施 · 风险等级 · 等级调整理由 · 预警阈值

- 危害程度: 严重 / 较重 / 一般; 发生概率: 高 / 中 / 低;
- 风险等级 (高 / 中 / 低) may be left empty: the authority's rule derives it;
  a grade the rule does not give needs 等级调整理由;
- 预警阈值 (optional): warn when more than this many records cite the point in 30 days.

Every row is checked; if any is invalid nothing is imported and the error
report names each bad row (as numbered in the spreadsheet) and column. The
file is read as the four lists' import reads it (XLSX, or CSV in UTF-8 or GB18030).
"""

from __future__ import annotations

from typing import Any

from ledger.catalogue.importing import in_row, table_of
from ledger.errors import FieldError, InvalidInput
from ledger.risk_points import check_point
from ledger.risk_points.values import RiskGrade, RiskGradeRule, RiskLikelihood, RiskPoint, RiskSeverity

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("编号", "序号", "风险点编号", "code"),
    "category": ("相对人类别", "行政相对人类别", "category"),
    "point": ("违法风险点", "风险点", "point"),
    "manifestation": ("表现形式", "违法表现形式", "manifestation"),
    "cause": ("形成原因", "cause"),
    "harm": ("危害后果", "可能造成的危害后果", "harm"),
    "severity": ("危害程度", "危害后果程度", "severity"),
    "likelihood": ("发生概率", "概率", "likelihood"),
    "basis": ("法律依据", "依据", "basis"),
    "measures": ("指导方式及措施", "防控措施", "指导措施", "measures"),
    "grade": ("风险等级", "等级", "grade"),
    "grade_reason": ("等级调整理由", "调整理由", "grade_reason"),
    "citation_threshold": ("预警阈值", "citation_threshold"),
}
REQUIRED = ("code", "category", "point", "manifestation", "cause", "harm", "severity", "likelihood", "basis",
            "measures")


def _enum(enum: Any, text: str, label: str, field: str, errors: list[FieldError]) -> Any:
    text = text.strip().removesuffix("风险")
    for member in enum:
        if text in (member.label, member.value):
            return member
    errors.append(FieldError(field, "unknown_value", f"{label}应为{'/'.join(m.label for m in enum)}之一"))
    return None


def parse_points(data: bytes, rule: RiskGradeRule) -> tuple[RiskPoint, ...]:
    """The points of the file, checked against the authority's ``rule``, or
    InvalidInput naming every bad row and column (``rows[N].列名``)."""
    heading, body = table_of(data, COLUMNS, REQUIRED, "违法风险点", "no_points")
    points: list[RiskPoint] = []
    errors: list[FieldError] = []
    first_row: dict[str, int] = {}
    for n, values in body:
        row_errors: list[FieldError] = []
        severity = _enum(RiskSeverity, values["severity"], "危害程度", ".severity", row_errors)
        likelihood = _enum(RiskLikelihood, values["likelihood"], "发生概率", ".likelihood", row_errors)
        grade = _enum(RiskGrade, values["grade"], "风险等级", ".grade", row_errors) if values.get("grade") else None
        threshold = None
        if values.get("citation_threshold"):
            try:
                threshold = int(values["citation_threshold"])
            except ValueError:
                row_errors.append(FieldError(".citation_threshold", "not_a_number", "预警阈值应为整数"))
        if severity is not None and likelihood is not None:
            point = RiskPoint(
                code=values["code"], category=values["category"], point=values["point"],
                manifestation=values["manifestation"], cause=values["cause"], harm=values["harm"],
                severity=severity, likelihood=likelihood, basis=values["basis"], measures=values["measures"],
                grade=grade, grade_reason=values.get("grade_reason", ""), citation_threshold=threshold,
            )
            check_point(point, rule, "", row_errors)
            points.append(point)
        code = values["code"].strip()
        if code and code in first_row:
            row_errors.append(FieldError(".code", "duplicate", f"与第{first_row[code]}行的编号重复"))
        first_row.setdefault(code, n)
        errors += in_row(n, heading, row_errors)
    if errors:
        raise InvalidInput(errors)
    return tuple(points)
