"""Reading an edition's guidance matters from a CSV or XLSX file.

The format (docs/GUIDANCE-MATTERS.md; sample in ``ledger/samples/``): one
header row, then one matter per row. Headers are Chinese (or the English
field names):

    编号 · 指导事项 · 实施主体 · 指导依据 · 指导内容 · 指导方式 · 相对人权利 · 备注

- 实施主体 and 指导方式 list several names separated by ；, ; , 、, ，, | or
  line breaks; every method must be in the authority's list of methods;
- 备注 is optional.

Every row is checked; if any is invalid nothing is imported and the error
report names each bad row (as numbered in the spreadsheet) and column. The
file is read as the four lists' import reads it (``read_rows``: XLSX, or CSV
in UTF-8 or GB18030).
"""

from __future__ import annotations

from ledger.catalogue.importing import in_row, table_of
from ledger.errors import FieldError, InvalidInput
from ledger.matters import LIST_SEPARATORS, check_item
from ledger.matters.values import MatterItem

# field → accepted headers (the first is the one the sample and the error messages use)
COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("编号", "序号", "事项编号", "number"),
    "matter": ("指导事项", "行政指导事项", "事项名称", "matter"),
    "implementers": ("实施主体", "实施单位", "实施机关", "责任单位", "责任科室", "implementers"),
    "basis": ("指导依据", "依据", "法律依据", "basis"),
    "content": ("指导内容", "内容", "content"),
    "methods": ("指导方式", "指导方法", "实施方式", "方式", "methods"),
    "rights": ("相对人权利", "行政相对人权利", "相对人的权利", "rights"),
    "remarks": ("备注", "remarks"),
}
REQUIRED = ("number", "matter", "implementers", "basis", "content", "methods", "rights")


def _names(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in LIST_SEPARATORS.split(text) if x.strip())


def parse_matters(data: bytes, methods: tuple[str, ...]) -> tuple[MatterItem, ...]:
    """The items of the file, checked against the authority's ``methods``,
    or InvalidInput naming every bad row and column (``rows[N].列名``)."""
    heading, body = table_of(data, COLUMNS, REQUIRED, "指导事项", "no_items")
    items: list[MatterItem] = []
    errors: list[FieldError] = []
    first_row: dict[str, int] = {}
    for n, values in body:
        item = MatterItem(
            number=values["number"], matter=values["matter"], implementers=_names(values["implementers"]),
            basis=values["basis"], content=values["content"], methods=_names(values["methods"]),
            rights=values["rights"], remarks=values.get("remarks", ""),
        )
        row_errors: list[FieldError] = []
        check_item(item, methods, "", row_errors)
        if item.number and item.number in first_row:
            row_errors.append(FieldError(".number", "duplicate", f"与第{first_row[item.number]}行的编号重复"))
        first_row.setdefault(item.number, n)
        errors += in_row(n, heading, row_errors)
        items.append(item)
    if errors:
        raise InvalidInput(errors)
    return tuple(items)
