"""The platform layout (docs/PLATFORM-EXPORT.md, version ``LAYOUT_VERSION``):
one line per guidance act for the 涉企检查网络备案系统 "行政指导专区", as CSV
or XLSX; resident ID numbers masked by role as everywhere else."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ledger.guidance.values import AddresseeKind, GuidanceState, Stage, Way
from ledger.identifiers import mask_id_number
from ledger.scope import masks_ids_for
from ledger.values import Role
from projections.cases import Row
from projections.cases.export import GUIDANCE_OUTCOME
from projections.spreadsheet import csv_bytes
from projections.workbook import INSTANT, TEXT, Column, Sheet, workbook_bytes

PLATFORM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("guidance_id", "行政指导编号"),
    ("unit", "实施单位"),
    ("addressee_kind", "相对人类型"),
    ("addressee_name", "行政相对人"),
    ("addressee_id", "统一社会信用代码/身份证号"),
    ("matter", "指导事项"),
    ("catalogue_ref", "目录编号"),
    ("method", "指导方式"),
    ("way", "指导形式"),
    ("stage", "执法阶段"),
    ("legal_basis", "法律依据"),
    ("register_at", "指导时间"),
    ("opinion_number", "意见书编号"),
    ("record_number", "登记文书编号"),
    ("content", "指导内容"),
    ("officers", "指导人员"),
    ("state", "办理状态"),
    ("result", "指导结果"),
    ("content_version", "记录版本"),
)
PLATFORM_SHEET = Sheet("行政指导", [Column(k, label, INSTANT if k == "register_at" else TEXT) for k, label in
                                   PLATFORM_COLUMNS], stamp="updated_at")


def platform_line(row: Row, role: Role) -> dict[str, Any]:
    """One act as the platform layout has it (labels for codes; ID masked by role)."""
    out = {k: row.get(k) for k, _ in PLATFORM_COLUMNS}
    individual = row.get("addressee_kind") == AddresseeKind.INDIVIDUAL.value
    if individual and out["addressee_id"] and masks_ids_for(role):
        out["addressee_id"] = mask_id_number(out["addressee_id"])
    out["addressee_kind"] = AddresseeKind(row["addressee_kind"]).label if row.get("addressee_kind") else ""
    out["way"] = Way(row["way"]).label if row.get("way") else ""
    out["stage"] = Stage(row["stage"]).label if row.get("stage") else ""
    out["state"] = GuidanceState(row["state"]).label if row.get("state") else ""
    out["result"] = row.get("effect") or GUIDANCE_OUTCOME.get(row.get("state") or "", "")
    out["updated_at"] = row.get("updated_at")
    return out


def platform_lines(rows: Iterable[Row], role: Role) -> Iterator[dict[str, Any]]:
    return (platform_line(r, role) for r in rows)


def platform_csv(rows: Iterable[Row], role: Role) -> bytes:
    return csv_bytes([label for _, label in PLATFORM_COLUMNS],
                     ([line[k] for k, _ in PLATFORM_COLUMNS] for line in platform_lines(rows, role)))


def platform_xlsx(rows: Iterable[Row], role: Role) -> bytes:
    return workbook_bytes(PLATFORM_SHEET, platform_lines(rows, role), title="行政指导报送（行政指导专区）")
