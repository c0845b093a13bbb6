"""The registry and the 登记簿 as clerks read them: labelled columns, ID
numbers masked by role, CSV that a spreadsheet opens safely."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any

from ledger.case.values import CaseState, Channel, Grade
from ledger.identifiers import mask_id_number
from ledger.scope import masks_ids_for
from ledger.values import CST, Role
from projections.cases import Row, grade_label, service_type_labels
from projections.spreadsheet import csv_bytes, csv_lines

REGISTRY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("form_number", "申请表编号"),
    ("applicant_name", "申请单位/个人"),
    ("id_number", "统一社会信用代码/身份证号"),
    ("service_types", "服务类型"),
    ("channel", "预约方式"),
    ("applied_at", "申请时间"),
    ("accepted_at", "受理时间"),
    ("due_limit", "办结时限"),
    ("provisional", "时限暂定"),
    ("served_at", "服务时间"),
    ("on_time", "按时办结"),
    ("units", "服务单位"),
    ("staff", "服务人员"),
    ("opinion_number", "意见书编号"),
    ("response", "服务响应"),
    ("attitude", "服务态度"),
    ("usefulness", "服务内容"),
    ("result", "服务结果"),
    ("phone_follow_up", "电话回访"),
    ("last_follow_up", "回访情况"),
    ("rectification", "整改情况"),
    ("reversal", "处罚撤销/重新作出"),
    ("archive_number", "归档编号"),
    ("archived_at", "归档时间"),
    ("state", "状态"),
    ("case_id", "案件ID"),
)


REGISTER_COLUMNS = (("seq", "序号"), ("time", "时间"), ("matter", "指导事项"), ("result", "指导结果"), ("staff", "指导人员"))


def _yes_no(value: Any) -> str:
    return "" if value is None else ("是" if value else "否")


# read for every exported row (200,000 of a whole registry): the labels looked up once
REGISTRY_KEYS = tuple(k for k, _ in REGISTRY_COLUMNS)
CHANNEL_LABELS = {c.value: c.label for c in Channel}
STATE_LABELS = {s.value: s.label for s in CaseState}
SCALES = ("response", "attitude", "usefulness", "result")
GRADE_LABELS = {(scale, g.score): grade_label(scale, g.score) for scale in SCALES for g in Grade}
# a registry holds few combinations of service types (an unknown code raises, and is not kept)
_service_types = lru_cache(maxsize=4096)(service_type_labels)


_AT = {k: i for i, k in enumerate(REGISTRY_KEYS)}
_ID, _TYPES, _CHANNEL, _STATE = _AT["id_number"], _AT["service_types"], _AT["channel"], _AT["state"]
_PROVISIONAL, _ON_TIME, _PHONE = _AT["provisional"], _AT["on_time"], _AT["phone_follow_up"]
_SCALES = tuple((_AT[scale], f"{scale}_score", scale) for scale in SCALES)
# the cells a row has whatever it holds (labels and yes/no made from its codes)
_DERIVED = frozenset(("service_types", "channel", "state", *SCALES, "provisional", "on_time", "phone_follow_up"))


def registry_cells(row: Row, role: Role) -> list[Any]:
    """A registry row as clerks read it, in ``REGISTRY_COLUMNS`` order (labels;
    ID numbers masked by role): a line of the CSV, made without a dict per
    row (a whole registry is hundreds of thousands)."""
    get = row.get
    cells = [get(k) for k in REGISTRY_KEYS]
    if get("applicant_kind") == "individual" and cells[_ID] and masks_ids_for(role):
        cells[_ID] = mask_id_number(cells[_ID])
    cells[_TYPES] = _service_types(cells[_TYPES])
    channel, state = cells[_CHANNEL], cells[_STATE]
    cells[_CHANNEL] = (CHANNEL_LABELS.get(channel) or Channel(channel).label) if channel else None
    cells[_STATE] = (STATE_LABELS.get(state) or CaseState(state).label) if state else None
    for at, column, scale in _SCALES:
        score = get(column)
        cells[at] = None if score is None else GRADE_LABELS.get((scale, score)) or grade_label(scale, score)
    cells[_PROVISIONAL] = _yes_no(cells[_PROVISIONAL]) if get("due_limit") else ""
    cells[_ON_TIME] = _yes_no(cells[_ON_TIME])
    cells[_PHONE] = _yes_no(cells[_PHONE])
    return cells


def display_registry_row(row: Row, role: Role) -> dict[str, Any]:
    """A registry row as clerks read it (labels; ID numbers masked by role):
    the columns the row holds, and those made from its codes."""
    return {k: v for k, v in zip(REGISTRY_KEYS, registry_cells(row, role), strict=True) if k in row or k in _DERIVED}


def registry_csv(rows: Iterable[Row], role: Role) -> bytes:
    """The registry as a CSV file (UTF-8 with BOM, so that Excel opens it)."""
    return csv_bytes([label for _, label in REGISTRY_COLUMNS], (registry_cells(row, role) for row in rows))


def registry_csv_parts(parts: Iterable[bytes]) -> bytes:
    """``registry_csv`` of rows whose lines were made in parts
    (``registry_csv_lines``): the same bytes."""
    return csv_bytes([label for _, label in REGISTRY_COLUMNS], []) + b"".join(parts)


def registry_csv_lines(rows: Iterable[Row], role: Role) -> bytes:
    """The lines ``registry_csv`` makes of ``rows``, without BOM and header."""
    return csv_lines(registry_cells(row, role) for row in rows)


def registry_order(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (r["applied_at"] or "", r["case_id"]))


def case_register_row(r: Row) -> Row:
    """A registry row as a line of the 登记簿's query (``register_lines``)."""
    return {"at": r["served_at"], "id": r["case_id"], "source": "case", "name": r["applicant_name"],
            "kinds": r["service_types"], "content": r["service_content"] or r["needs"], "result": r["advice"],
            "staff": r["service_staff"] or r["staff"], "state": r["state"]}


def register_lines(rows: Iterable[Row], first: int = 1) -> list[dict[str, Any]]:
    """行政指导事项登记簿: one line per guidance given — a service on a booked
    case (``source`` case) or the unit's own guidance (``source`` guidance) —
    in the order given; ``first`` is the 序号 of the first line (a page's
    offset + 1). ``ref`` is the case's or the guidance's id."""
    out = []
    for i, r in enumerate(rows, start=first):
        at = datetime.fromisoformat(r["at"])
        if r["source"] == "case":
            matter = f"{r['name']}：{service_type_labels(r['kinds'])}（{r['content']}）"
            result = r["result"] or ""
        else:  # the unit's own guidance: its method, and the effect once recorded
            matter = f"{r['name'] or '（未登记相对人）'}：{r['kinds']}（{r['content']}）"
            result = r["result"] or GUIDANCE_OUTCOME.get(r["state"], "")
        out.append({"seq": i, "time": f"{at.year}年{at.month}月{at.day}日", "matter": matter, "result": result,
                    "staff": r["staff"] or "", "source": r["source"], "ref": r["id"]})
    return out


# 指导结果 of a guidance whose effect is not recorded yet: how it stands
GUIDANCE_OUTCOME = {"given": "已实施，效果待登记", "accepted": "相对人接受指导", "terminated": "行政指导已终止"}


def quarter_bounds(year: int, quarter: int) -> tuple[str, str]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=CST)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=CST)
    return start.isoformat(), end.isoformat()


def period_bounds(year: int | None, quarter: int | None) -> tuple[str | None, str | None]:
    """The served_at range of a quarter, a whole year, or (neither) all time."""
    if quarter is not None:
        if year is None:
            raise ValueError("a quarter needs its year")
        return quarter_bounds(year, quarter)
    if year is not None:
        return datetime(year, 1, 1, tzinfo=CST).isoformat(), datetime(year + 1, 1, 1, tzinfo=CST).isoformat()
    return None, None
