"""Reading a four-lists edition's items from a CSV or XLSX file.

The format (docs/FOUR-LISTS.md; samples in ``ledger/samples/``): one header
row, then one item per row. Headers are Chinese (or the English field names):

    清单 · 序号 · 违法行为 · 适用条件 · 违反条款 · 处罚依据 · 罚款下限（元） · 罚款上限（元） · 备注

- 清单: the list's code (``no_penalty``…) or its name (``不予处罚清单``, or
  without the trailing 清单);
- 适用条件: conditions separated by ；, ; , 、, | or line breaks;
- the fine columns are optional (both or neither).

Every row is checked; if any is invalid nothing is imported and the error
report names each bad row (as numbered in the spreadsheet) and column.
CSV is read as UTF-8 (with or without BOM), else GB18030 — what Excel on a
Chinese Windows saves.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.catalogue import DEFAULT_LISTS, ListDef, ListItem, check_item
from ledger.errors import FieldError, InvalidInput

MAX_ROWS = 5000

# field → accepted headers (Chinese first: what the sample uses)
# (published catalogues name their columns in several ways; these are the usual ones)
COLUMNS: dict[str, tuple[str, ...]] = {
    "list_code": ("清单", "清单类别", "清单类型", "清单名称", "list"),
    "number": ("序号", "事项序号", "编号", "number"),
    "violation": ("违法行为", "违法行为名称", "违法行为表现", "事项名称", "violation"),
    "conditions": ("适用条件", "适用情形", "适用条件或情形", "不予处罚情形", "从轻处罚情形", "减轻处罚情形",
                   "不予实施行政强制措施情形", "conditions"),
    "breached": ("违反条款", "违法依据", "breached"),
    "penalty_basis": ("处罚依据", "实施依据", "penalty_basis"),
    "fine_min_yuan": ("罚款下限（元）", "罚款下限(元)", "罚款下限", "fine_min_yuan"),
    "fine_max_yuan": ("罚款上限（元）", "罚款上限(元)", "罚款上限", "fine_max_yuan"),
    "notes": ("备注", "notes"),
}
# one column holding the whole legal basis fills both fields when they are absent
COMBINED_BASIS = ("法律依据", "依据", "legal_basis")
REQUIRED = ("list_code", "number", "violation", "conditions", "breached", "penalty_basis")
CONDITION_SEPARATORS = re.compile(r"[；;、|\n]+")


def read_rows(data: bytes) -> list[list[Any]]:
    """The file's rows (header first): XLSX if it is a zip archive, else CSV."""
    if data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInput.one("file", "bad_encoding", "文件编码无法识别，请保存为UTF-8或GBK编码的CSV")
    return [row for row in csv.reader(io.StringIO(text, newline=""))]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    except Exception as e:  # noqa: BLE001 - an unreadable upload is the uploader's error, never a 500
        raise InvalidInput.one("file", "bad_xlsx", f"无法读取XLSX文件（{type(e).__name__}），请用Excel另存为.xlsx后重试") from None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 12.0 from a spreadsheet is item 12
    return str(value).strip()


def table_of(data: bytes, columns: dict[str, tuple[str, ...]], required: tuple[str, ...], noun: str,
             empty_code: str) -> tuple[dict[str, str], list[tuple[int, dict[str, str]]]]:
    """A spreadsheet of ``noun`` (指导事项, 违法风险点 …): the header matched to
    ``columns`` (field → the headings it may have) and each non-empty row as
    field → text with its row number as a clerk sees it (1-based). An empty
    file, a required column missing, no rows or too many are refused."""
    rows = [(n, row) for n, row in enumerate(read_rows(data), start=1) if any(_cell(v) for v in row)]
    if not rows:
        raise InvalidInput.one("file", "empty", "文件为空")
    header_row, header_cells = rows[0]
    header = [_cell(v) for v in header_cells]
    where = {f: next(i for i, h in enumerate(header) if h in names) for f, names in columns.items()
             if any(h in names for h in header)}
    missing = [columns[f][0] for f in required if f not in where]
    if missing:
        raise InvalidInput.one("header", "missing_columns", f"第{header_row}行表头缺少列：{'、'.join(missing)}")
    body = rows[1:]
    if not body:
        raise InvalidInput.one("file", empty_code, f"文件中没有{noun}")
    if len(body) > MAX_ROWS:
        raise InvalidInput.one("file", "too_many_rows", f"一次最多导入{MAX_ROWS}个{noun}")
    heading = {f: header[i] for f, i in where.items()}
    return heading, [(n, {f: _cell(row[i]) if i < len(row) else "" for f, i in where.items()}) for n, row in body]


def in_row(n: int, heading: dict[str, str], errors: list[FieldError]) -> list[FieldError]:
    """A row's errors (fields ``.name``) as the file's: ``rows[N].列名``, 第N行“列名”：…"""
    out = []
    for e in errors:
        column = heading.get(e.field.lstrip("."), e.field.lstrip("."))
        out.append(FieldError(f"rows[{n}].{column}", e.code, f"第{n}行“{column}”：{e.message}"))
    return out


def _list_code(value: str, lists: tuple[ListDef, ...]) -> str:
    for lst in lists:
        if value in (lst.code, lst.name, lst.name.removesuffix("清单"), lst.kind.label, lst.kind.label.removesuffix("清单")):
            return lst.code
    return value


def parse_items(
    data: bytes, lists: tuple[ListDef, ...] = DEFAULT_LISTS, *, default_list: str | None = None
) -> tuple[ListItem, ...]:
    """The items of the file, or InvalidInput listing every bad row and column.
    ``default_list`` (a list code or name) is the list of every row when the
    file has no 清单 column — catalogues are often published one list a file."""
    # spreadsheet row numbers (1-based) are kept so errors point at the row a clerk sees
    rows = [(n, row) for n, row in enumerate(read_rows(data), start=1) if any(_cell(v) for v in row)]
    if not rows:
        raise InvalidInput.one("file", "empty", "文件为空")
    header_row, header_cells = rows[0]
    header = [_cell(v) for v in header_cells]
    where: dict[str, int] = {}
    for field, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h in names:
                where[field] = i
                break
    combined = next((i for i, h in enumerate(header) if h in COMBINED_BASIS), None)
    if combined is not None:
        where.setdefault("breached", combined)
        where.setdefault("penalty_basis", combined)
    whole_file_list = None
    if "list_code" not in where and default_list:
        whole_file_list = _list_code(default_list.strip(), lists)
        if whole_file_list not in {x.code for x in lists}:
            raise InvalidInput.one("list", "unknown_list", f"没有清单“{default_list}”（可用：{'、'.join(x.code for x in lists)}）")
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in where and not (f == "list_code" and whole_file_list)]
    if missing:
        hint = "；整份文件属于同一清单时，可不设“清单”列而另行指定清单" if "清单" in missing else ""
        raise InvalidInput.one("header", "missing_columns", f"第{header_row}行表头缺少列：{'、'.join(missing)}{hint}")
    heading = {f: header[i] for f, i in where.items()}
    body = rows[1:]
    if not body:
        raise InvalidInput.one("file", "no_items", "文件中没有清单事项")
    if len(body) > MAX_ROWS:
        raise InvalidInput.one("file", "too_many_rows", f"一次最多导入{MAX_ROWS}个事项")
    known = {x.code: x for x in lists}
    items: list[ListItem] = []
    errors: list[FieldError] = []
    first_row: dict[tuple[str, str], int] = {}
    for n, row in body:
        values = {f: _cell(row[i]) if i < len(row) else "" for f, i in where.items()}
        row_errors: list[FieldError] = []
        fines: dict[str, Decimal | None] = {}
        for f in ("fine_min_yuan", "fine_max_yuan"):
            text = values.get(f, "").replace(",", "").replace("，", "")
            try:
                fines[f] = Decimal(text) if text else None
            except InvalidOperation:
                fines[f] = None
                row_errors.append(FieldError(f, "not_a_number", f"“{values[f]}”不是金额"))
        if row_errors:  # a bad amount: don't also report the range as incomplete
            fines = {"fine_min_yuan": None, "fine_max_yuan": None}
        item = ListItem(
            list_code=whole_file_list or _list_code(values["list_code"], lists),
            number=values["number"],
            violation=values["violation"],
            conditions=tuple(c.strip() for c in CONDITION_SEPARATORS.split(values["conditions"]) if c.strip()),
            breached=values["breached"],
            penalty_basis=values["penalty_basis"],
            fine_min_yuan=fines["fine_min_yuan"],
            fine_max_yuan=fines["fine_max_yuan"],
            notes=values.get("notes", ""),
        )
        check_item(item, known, "", row_errors)
        key = (item.list_code, item.number)
        if item.number and key in first_row:
            row_errors.append(FieldError(".number", "duplicate", f"与第{first_row[key]}行的序号重复"))
        first_row.setdefault(key, n)
        for e in row_errors:
            field = e.field.lstrip(".")
            column = heading.get(field, field)
            errors.append(FieldError(f"rows[{n}].{column}", e.code, f"第{n}行“{column}”：{e.message}"))
        items.append(item)
    if errors:
        raise InvalidInput(errors)
    return tuple(items)
