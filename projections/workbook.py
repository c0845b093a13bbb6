"""Excel workbooks (XLSX) of the registers: the registry (台账), the
行政指导事项登记簿, the reversal review list, the audit log and the statistics.

Every export goes through ``workbook_bytes``, so they all share the rules a
clerk and an inspector rely on:

- Text stays text. XlsxWriter turns a string beginning with ``=`` into a
  formula unless told not to: the workbook is opened with
  ``strings_to_formulas``/``strings_to_urls``/``strings_to_numbers`` off and
  text is written with ``write_string`` only. A cell that a spreadsheet would
  evaluate if retyped (``=``, ``+``, ``-``, ``@``…) also gets Excel's quote
  prefix, so editing it keeps it text; its value is still exactly as typed.
  And in constant-memory mode XlsxWriter (3.3) copies a string that begins
  with ``<r>`` and ends with ``</r>`` into the sheet's XML unescaped, taking it
  for a rich string: a name typed as ``<r></r></is></c><c r="B1"><f>…`` would
  become a live formula. ``_TextSheet`` writes every string cell escaped.
- Times are real Excel dates in Beijing time (a filter and a sort work), never
  strings; ID numbers, form numbers and amounts typed as text stay text.
- Chinese headers, a frozen header row, an autofilter, and column widths from
  the header and the first rows (constant-memory mode writes a row as soon as
  the next begins, so the widths are fixed before the first row is written).
- The same rows give the same bytes: the document's created date is derived
  from the data (the latest recording time among the rows), XlsxWriter gives
  every zip member a fixed timestamp, so the SHA-256 of an export can be cited.
- Constant memory: rows are consumed from an iterable and written one by one
  (XlsxWriter's ``constant_memory``); past Excel's 1,048,576 rows a sheet goes
  on in the next sheet, header repeated.

Masking of resident ID numbers and the scope are the CSV exports' own
(``display_registry_row``, the views' ``Scope``): this module only lays out
what they return.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellDatetimeTuple, CellNumberTuple, CellStringTuple, Worksheet

from ledger.values import CST, Role
from projections.audit import AUDIT, action_label
from projections.cases import Row
from projections.cases.export import REGISTER_COLUMNS, REGISTRY_COLUMNS, _yes_no, display_registry_row
from projections.runner import no_gc
from projections.spreadsheet import FORMULA_STARTS
from projections.supervision.export import KIND_LABELS, REVERSAL_COLUMNS, display_reversal

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROWS = 1_048_576  # Excel's rows per sheet
SAMPLE_ROWS = 200  # rows read ahead to size the columns
MAX_WIDTH = 60
# the created date of a workbook whose rows carry no recording time (statistics)
FIXED_CREATED = datetime(2000, 1, 1)

# Column kinds: how a value is written and shown.
TEXT, INSTANT, DAY, CN_DAY, INTEGER, DECIMAL, PERCENT, MONEY = (
    "text", "instant", "day", "cn_day", "integer", "decimal", "percent", "money")
NUMBER_FORMATS = {
    INSTANT: "yyyy-mm-dd hh:mm:ss",
    DAY: "yyyy-mm-dd",
    CN_DAY: 'yyyy"年"m"月"d"日"',
    INTEGER: "0",
    DECIMAL: "0.000",
    PERCENT: "0.0%",
    MONEY: "#,##0.00",
}
FIXED_WIDTHS = {INSTANT: 20, DAY: 12, CN_DAY: 16}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = TEXT
    wrap: int = 0  # a text column of this width whose lines wrap (the 登记簿's, printed); 0: one line, sized to fit


@dataclass(frozen=True)
class Sheet:
    """One table: its sheet name, columns, and (the 登记簿) a title and a
    subtitle above the header. ``stamp`` names the row key whose latest value
    (an ISO instant) becomes the workbook's created date."""

    name: str
    columns: Sequence[Column]
    title: str | None = None
    subtitle: str | None = None
    stamp: str | None = None
    printed: bool = False  # laid out for A4 paper: landscape, one page wide, the header on every page


# ------------------------------------------------------------------ values


def _instant(text: str) -> datetime | None:
    """An ISO instant as Beijing wall time (Excel dates carry no zone); a
    naive one is UTC, as the store's recording times are."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(CST).replace(tzinfo=None)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


CN_DAY_TEXT = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def _cn_day(text: str) -> date | None:
    """The 登记簿's 时间 as ``guidance_register`` writes it (2026年11月22日)."""
    m = CN_DAY_TEXT.fullmatch(text)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    """A number Excel can hold (not NaN or infinite: those stay text)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value if isinstance(value, int | float) else Decimal(str(value)))
    except (InvalidOperation, OverflowError):
        return None
    return (value if isinstance(value, int) else number) if math.isfinite(number) else None


def _display_width(value: Any) -> int:
    text = value if isinstance(value, str) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---------------------------------------------------------------- workbook

# what XlsxWriter escapes in a string cell: XML's specials, control characters
# (as _xHHHH_), literal _xHHHH_ (as _x005F_xHHHH_) and the two non-characters
NEEDS_ESCAPE = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class _TextSheet(Worksheet):
    """A worksheet whose string cells are always written as escaped text, a
    row at a time.

    ``put_row`` stores a whole row of cells (what ``write_string`` and
    ``write_number`` do per cell: bounds, dimensions, writing out the row
    before) and ``_write_single_row`` writes a row of strings, numbers and
    dates as XlsxWriter does (``<c r=… s=… t="inlineStr"><is><t>…</t></is></c>``,
    ``<c r=… s=…><v>…</v></c>``: the same bytes, checked by the benchmark's
    SHA-256 before and after) less the rich-string shortcut (see the module's
    docstring), in one write per row: together half the time of a large
    export. A row with anything else (the header's row height, a merged
    title) goes to XlsxWriter's own row writer, whose cell writer is
    overridden the same way. ``start_row`` and ``put_xml`` take a data row
    that ``_Writer`` has laid out itself the same way (what a large export
    goes through). These are XlsxWriter's internals (3.x, pinned below 4):
    tests/e2e/test_xlsx_exports.py reads every export back, and
    tests/unit/test_workbook_rows.py compares the bytes with XlsxWriter's own
    writer's for every column kind and kind of value."""

    def __init__(self) -> None:
        super().__init__()
        self._refs: dict[int, str] = {}  # column → its letters
        self._styles: dict[int, str] = {}  # id(format) → its s="…" attribute

    def put_row(self, row: int, cells: dict[int, Any]) -> None:
        """Store one row's cells (column → XlsxWriter cell tuple, in column order)."""
        if not cells:
            return
        columns = list(cells)
        if self._check_dimensions(row, columns[0]) or self._check_dimensions(row, columns[-1]):
            raise ValueError(f"第{row + 1}行超出工作表范围或已写出")
        if row > self.previous_row:
            self._write_single_row(row)
        self.table[row] = cells

    def start_row(self, row: int) -> None:
        """Begin ``row`` (of ``put_xml``): the row before is written out
        first if it still waits in XlsxWriter's table (the header)."""
        if row <= self.previous_row:
            raise ValueError(f"第{row + 1}行已写出")
        if self.table:
            self._write_single_row(row)
        else:
            self.previous_row = row

    def put_xml(self, row: int, first: int, last: int, xml: str) -> None:
        """Write the row begun, already laid out as XML (``_Writer``'s cells
        from column ``first`` to ``last``)."""
        if (row != self.previous_row or self.table
                or self._check_dimensions(row, first) or self._check_dimensions(row, last)):
            raise ValueError(f"第{row + 1}行超出工作表范围或已写出")
        self.fh.write(xml)

    def _write_optimized_sheet_data(self) -> None:
        """XlsxWriter's copy of the rows (the temporary file) into the sheet's
        XML as bytes, not decoded and encoded again: a tenth of a large
        export's time."""
        buffer = getattr(self.fh, "buffer", None)
        if self.dim_rowmin is None or buffer is None or self.row_data_fh is None:
            super()._write_optimized_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.row_data_fh.close()
        self.fh.flush()
        with open(self.row_data_filename, "rb") as rows:
            shutil.copyfileobj(rows, buffer, 1 << 20)
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _write_single_row(self, current_row_num: int = 0) -> None:
        row = self.previous_row
        cells = self.table.get(row)
        if not cells or row in self.row_info or row in self.comments:
            super()._write_single_row(current_row_num)
            return
        number = str(row + 1)
        parts = [f'<row r="{number}">']
        refs, styles = self._refs, self._styles
        # the inner loop of a large export: _cell_xml inlined, for cells without a column format
        for col in sorted(cells):
            cell = cells[col]
            ref = (refs.get(col) or refs.setdefault(col, xl_col_to_name(col))) + number
            kind = type(cell)
            fmt = cell.format
            if fmt is None:
                if col in self.col_info and self.col_info[col].column_format is not None:
                    super()._write_single_row(current_row_num)
                    return
                style = ""
            else:
                style = styles.get(id(fmt)) or styles.setdefault(id(fmt), f' s="{fmt._get_xf_index()}"')
            if kind is CellStringTuple:
                text = cell.string
                if NEEDS_ESCAPE.search(text):
                    text = self._escape_data(self._escape_control_characters(text))
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif kind is CellNumberTuple or kind is CellDatetimeTuple:
                parts.append(f'<c r="{ref}"{style}><v>{cell.number:.16G}</v></c>')
            else:  # a cell we do not write ourselves: XlsxWriter's way, for the whole row
                super()._write_single_row(current_row_num)
                return
        parts.append("</row>")
        self.previous_row = current_row_num
        self.fh.write("".join(parts))
        self.table.clear()

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        row_format = row in self.row_info and self.row_info[row].row_format is not None
        piece = None if row_format and cell.format is None else self._cell_xml(str(row + 1), col, cell)
        if piece is None:
            super()._write_cell(row, col, cell)
        else:
            self.fh.write(piece)

    def _cell_xml(self, row: str, col: int, cell: Any) -> str | None:
        kind = type(cell)
        if kind is not CellStringTuple and kind is not CellNumberTuple and kind is not CellDatetimeTuple:
            return None
        fmt = cell.format
        if fmt is None and col in self.col_info and self.col_info[col].column_format is not None:
            return None  # the column's format applies: XlsxWriter knows how
        style = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        ref = xl_col_to_name(col) + row
        if kind is not CellStringTuple:
            return f'<c r="{ref}"{style}><v>{cell.number:.16G}</v></c>'
        text = cell.string
        if NEEDS_ESCAPE.search(text):
            text = self._escape_data(self._escape_control_characters(text))
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


OWN_ROW_WRITER = _TextSheet._write_single_row

EXCEL_EPOCH = datetime(1899, 12, 31)


def _serial(value: date) -> float:
    """An Excel date serial, counted as XlsxWriter counts it (with Excel's
    1900 leap day) for any date from March 1900 on."""
    if not isinstance(value, datetime):
        value = datetime.fromordinal(value.toordinal())
    elif value.tzinfo is not None:
        value = value.astimezone(CST).replace(tzinfo=None)
    delta = value - EXCEL_EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / (60 * 60 * 24)
    return serial + 1 if serial > 59 else serial


def _clip(text: str) -> str:
    """At most Excel's 32,767 UTF-16 units in a cell (a longer text is cut)."""
    if len(text) <= 16383:
        return text
    encoded = text.encode("utf-16-le")
    return text if len(encoded) <= 65534 else encoded[:65534].decode("utf-16-le", errors="ignore")


EXCEL_EPOCH_CST = EXCEL_EPOCH.replace(tzinfo=CST)


def _instant_serial(text: str) -> float | None:
    """``_serial(_instant(text))`` in one step (four cells of every registry
    row): Beijing time is a fixed +08:00, so the time from the epoch in
    Beijing to the instant is its wall time's; the same arithmetic after."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    delta = value - EXCEL_EPOCH_CST
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / (60 * 60 * 24)
    return serial + 1 if serial > 59 else serial


def _day_serial(text: str) -> float | None:
    day = _day(text)
    return None if day is None else _serial(day)


def _cn_day_serial(text: str) -> float | None:
    day = _cn_day(text)
    return None if day is None else _serial(day)


# a date column's text as an Excel serial (None: not a date, kept as text)
SERIAL = {INSTANT: _instant_serial, DAY: _day_serial, CN_DAY: _cn_day_serial}


class _Writer:
    """Writes rows to one sheet after another, by column kind.

    A data row goes straight to the sheet as XML (``_TextSheet.put_xml``):
    its cells as ``_TextSheet._write_single_row`` would write them, without
    making XlsxWriter's cell tuples, storing them and reading them back (a
    third of a large export's time). On a sheet whose row writer is not ours
    (the test that compares the bytes with XlsxWriter's own writer) the
    same values go the way of XlsxWriter's cells instead."""

    def __init__(self, book: Any, sheet: Sheet, widths: list[float]) -> None:
        self.book, self.sheet, self.widths = book, sheet, widths
        formats = {kind: book.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()}
        wrapped = book.add_format({"text_wrap": True, "valign": "top"})
        quoted = book.add_format({"quote_prefix": True})
        wrapped_quoted = book.add_format({"quote_prefix": True, "text_wrap": True, "valign": "top"})
        # per column: index, its letters, key, kind, the format of a value (a text's, and a text's that
        # needs the quote prefix), and a date column's serial
        self.plan = [(c, xl_col_to_name(c), column.key, column.kind,
                      (wrapped if column.wrap else None) if column.kind == TEXT else formats[column.kind],
                      wrapped_quoted if column.wrap else quoted, SERIAL.get(column.kind))
                     for c, column in enumerate(sheet.columns)]
        # s="…" of a format, found when first written: XlsxWriter numbers formats in the order they are first used
        self.styles: dict[Any, str] = {None: ""}
        self.header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "align": "center",
                                       "valign": "vcenter", "text_wrap": True})
        self.title = book.add_format({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"})
        self.subtitle = book.add_format({"align": "left", "valign": "vcenter"})
        self.latest: str | None = None
        self.count = 0
        self._new_sheet(1)

    def _new_sheet(self, number: int) -> None:
        sheet, last = self.sheet, len(self.sheet.columns) - 1
        ws = self.book.add_worksheet(sheet.name if number == 1 else f"{sheet.name}（{number}）",
                                     worksheet_class=_TextSheet)
        for i, width in enumerate(self.widths):
            ws.set_column(i, i, width)
        row = 0
        if sheet.title:
            ws.set_row(row, 30)
            ws.merge_range(row, 0, row, last, sheet.title, self.title)
            row += 1
        if sheet.subtitle:
            ws.merge_range(row, 0, row, last, sheet.subtitle, self.subtitle)
            row += 1
        ws.set_row(row, 30)
        for i, column in enumerate(sheet.columns):
            ws.write_string(row, i, column.label, self.header)
        self.header_row = row
        ws.freeze_panes(row + 1, 0)
        if sheet.printed:
            ws.set_paper(9)  # A4
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(row)
            ws.set_footer("&C第 &P 页，共 &N 页")
        self.ws, self.number, self.row = ws, number, row + 1
        # rows as XML only where the row writer is ours and no column has a format of its own
        self.xml = type(ws)._write_single_row is OWN_ROW_WRITER and not any(
            info.column_format is not None for info in ws.col_info.values())

    def _close_sheet(self) -> None:
        if self.row > self.header_row + 1:
            self.ws.autofilter(self.header_row, 0, self.row - 1, len(self.sheet.columns) - 1)

    def write(self, values: Mapping[str, Any]) -> None:
        if self.row == SHEET_ROWS:
            self._close_sheet()
            self._new_sheet(self.number + 1)
        ws, fast, styles = self.ws, self.xml, self.styles
        if fast:  # before this row's formats are numbered: the header's come first, as XlsxWriter writes them
            ws.start_row(self.row)
        number = str(self.row + 1)
        parts: list[str] = []  # the row's cells as XML
        cells: dict[int, Any] = {}  # or as XlsxWriter's cell tuples
        first = last = -1
        get = values.get
        for c, letters, key, kind, fmt, quoted, serial in self.plan:
            value = get(key)
            if value is None or value == "":
                continue
            if kind is TEXT:
                if type(value) is not str or len(value) > 16383:
                    value = _clip(str(value))
                text, date_cell = value, None
                if value.startswith(FORMULA_STARTS):
                    fmt = quoted
            else:
                # a date column's text or date as a serial, a number column's value as a number;
                # anything else the column does not expect stays text rather than being lost
                if serial is None:
                    cell, date_cell = _number(value), False
                elif type(value) is str:
                    cell, date_cell = serial(value), True
                elif isinstance(value, date):
                    cell, date_cell = _serial(value), True
                else:
                    cell, date_cell = value, False
                if cell is None:
                    text, date_cell = _clip(str(value)), None
                    fmt = quoted if text.startswith(FORMULA_STARTS) else None
            if first < 0:
                first = c
            last = c
            if not fast:
                cells[c] = (CellStringTuple(text, fmt) if date_cell is None else
                            CellDatetimeTuple(cell, fmt) if date_cell else CellNumberTuple(cell, fmt))
                continue
            style = styles.get(fmt)
            if style is None:
                style = styles[fmt] = f' s="{fmt._get_xf_index()}"'
            if date_cell is None:  # what _TextSheet._write_single_row writes of a string cell
                if NEEDS_ESCAPE.search(text):
                    text = ws._escape_data(ws._escape_control_characters(text))
                space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                parts.append(f'<c r="{letters}{number}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            else:
                parts.append(f'<c r="{letters}{number}"{style}><v>{cell:.16G}</v></c>')
        if fast:
            if parts:
                ws.put_xml(self.row, first, last, f'<row r="{number}">{"".join(parts)}</row>')
        else:
            ws.put_row(self.row, cells)
        if self.sheet.stamp and (stamp := get(self.sheet.stamp)):
            if self.latest is None or stamp > self.latest:
                self.latest = stamp
        self.row += 1
        self.count += 1

    def created(self) -> datetime:
        instant = _instant(self.latest) if self.latest else None
        # XlsxWriter writes a naive created date as UTC
        return instant.replace(tzinfo=CST).astimezone(timezone.utc).replace(tzinfo=None) if instant else FIXED_CREATED


def _widths(sheet: Sheet, sample: Sequence[Mapping[str, Any]]) -> list[float]:
    widths = []
    for column in sheet.columns:
        head = _display_width(column.label)
        if column.wrap:
            widths.append(float(column.wrap))
            continue
        if column.kind in FIXED_WIDTHS:
            widths.append(max(FIXED_WIDTHS[column.kind], min(head, 24) + 2))
            continue
        longest = max((_display_width(r[column.key]) for r in sample if r.get(column.key) not in (None, "")), default=0)
        # headers wrap (two lines), so a long header needs only half its width
        widths.append(float(min(MAX_WIDTH, max(6, (head + 1) // 2 + 2, min(head, 12) + 2, longest + 2))))
    return widths


def workbook_bytes(
    sheet: Sheet,
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str,
    properties: Mapping[str, str] | None = None,
) -> bytes:
    """The XLSX file of ``rows`` (dicts by column key) laid out as ``sheet``;
    ``properties`` become the document's custom properties (e.g. the cut-off)."""
    rows = iter(rows)
    sample = list(itertools.islice(rows, SAMPLE_ROWS))
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        # 宋体 is on every Chinese Windows and WPS install; Calibri would draw digits and CJK in two fonts
        "default_format_properties": {"font_name": "宋体", "font_size": 11},
    })
    try:
        writer = _Writer(book, sheet, _widths(sheet, sample))
        # each row allocates a few dozen objects, all freed by reference counting; the cyclic
        # collector would scan the caller's rows (a registry's, all in memory) again and again
        with no_gc():
            for values in itertools.chain(sample, rows):
                writer.write(values)
        writer._close_sheet()
        book.set_properties({"title": title, "author": "行政执法全流程指导服务", "company": "",
                             "created": writer.created(), "comments": f"{writer.count}行"})
        for name, value in (properties or {}).items():
            book.set_custom_property(name, value)
    finally:
        book.close()
    return out.getvalue()


# ------------------------------------------------------------ the exports

REGISTRY_KINDS = {"applied_at": INSTANT, "accepted_at": INSTANT, "due_limit": INSTANT, "served_at": INSTANT,
                  "archived_at": INSTANT}
REGISTRY_SHEET = Sheet("台账", [Column(k, label, REGISTRY_KINDS.get(k, TEXT)) for k, label in REGISTRY_COLUMNS],
                       stamp="updated_at")


def _cutoff_properties(cutoff: int | None) -> dict[str, str]:
    return {} if cutoff is None else {"截至通知序号": str(cutoff)}


def registry_xlsx(rows: Iterable[Row], role: Role, *, cutoff: int | None = None) -> bytes:
    """The registry as ``registry_csv`` has it (the same columns, ID numbers
    masked by role), with real dates."""
    def shown() -> Iterator[dict[str, Any]]:
        for row in rows:
            out = display_registry_row(row, role)
            out["updated_at"] = row.get("updated_at")
            yield out

    return workbook_bytes(REGISTRY_SHEET, shown(), title="行政执法全流程指导服务台账", properties=_cutoff_properties(cutoff))


REGISTER_KINDS = {"seq": INTEGER, "time": CN_DAY}
REGISTER_WRAP = {"matter": 50, "result": 50, "staff": 14}  # A4 landscape, one page wide


def register_sheet(unit: str | None, period: str) -> Sheet:
    return Sheet("登记簿", [Column(k, label, REGISTER_KINDS.get(k, TEXT), REGISTER_WRAP.get(k, 0))
                           for k, label in REGISTER_COLUMNS],
                 title="行政指导事项登记簿", subtitle=f"单位：{unit or '全部单位'}　　期间：{period}", printed=True)


def period_label(year: int | None, quarter: int | None) -> str:
    if quarter is not None:
        return f"{year}年第{quarter}季度"
    return f"{year}年" if year is not None else "全部"


def register_xlsx(entries: Iterable[Mapping[str, Any]], *, unit: str | None, year: int | None,
                  quarter: int | None) -> bytes:
    """The 登记簿 (``guidance_register``'s lines) under a title row naming
    the unit and the period."""
    return workbook_bytes(register_sheet(unit, period_label(year, quarter)), entries, title="行政指导事项登记簿")


REVERSAL_KINDS = {"decided_on": DAY, "new_fine_yuan": MONEY, "reversed_at": INSTANT, "recorded_at": INSTANT,
                  "reply_due": DAY}
REVERSAL_SHEET = Sheet("处罚撤销审查", [Column(k, label, REVERSAL_KINDS.get(k, TEXT)) for k, label in REVERSAL_COLUMNS],
                       stamp="updated_at")


def reversals_xlsx(rows: Iterable[Row], *, cutoff: int | None = None) -> bytes:
    """The review list as ``reversals_csv`` has it (labels, order)."""
    def shown() -> Iterator[dict[str, Any]]:
        for r in sorted(rows, key=lambda r: (r["reversed_at"] or "", r["review_id"])):
            d = display_reversal(r)
            d.update(kind=KIND_LABELS.get(r["kind"] or "", r["kind"]), list_kind=d["list_label"],
                     status=d["status_label"], major=_yes_no(r["major"]))
            yield d

    return workbook_bytes(REVERSAL_SHEET, shown(), title="处罚撤销、重新作出审查表", properties=_cutoff_properties(cutoff))


AGGREGATE_LABELS = {
    "case": "指导服务案件", "form_counter": "编号计数", "calendar": "工作日历", "provisional_index": "暂定时限索引",
    "unit": "单位", "user": "用户", "admin_roster": "管理员名册", "catalogue": "四张清单",
    "reversal_review": "处罚撤销审查", "major_filing": "重大决定备案", "guidance_matters": "行政指导事项目录",
    "feedback_box": "建议箱（电子信箱）", "feedback_form": "建议意见反馈表", "suggestion_letter": "整改建议书",
    "network_quota": "名额分配", "network_roster": "司法所联系名册", "contact_point": "企业联系点", "invited_supervisor": "特邀行政执法监督员", "pairing": "结对", "network_report": "联系点和监督员报送情况",  # noqa: E501
    "review_threshold": "较大数额罚款标准", "legal_review": "重大执法决定法制审核", "credit_repair": "信用修复指导",
    "risk_points": "违法风险点清单", "risk_citations": "风险点引用",
    "mediation": "行政调解", "mediation_deadline": "行政调解期限", "mediation_right_notice": "调解权利告知",
}
AUDIT_LABELS = {
    "notification_id": ("通知序号", INTEGER), "recorded_at": ("记录时间", INSTANT),
    "business_time": ("业务时间", INSTANT), "actor_id": ("操作人账号", TEXT), "actor_name": ("操作人", TEXT),
    "role": ("角色", TEXT), "unit": ("单位", TEXT), "aggregate": ("对象类型", TEXT), "aggregate_id": ("对象ID", TEXT),
    "case_id": ("案件ID", TEXT), "version": ("版本", INTEGER), "action": ("事件", TEXT), "basis": ("依据", TEXT),
    "request_id": ("请求ID", TEXT),
}
AUDIT_SHEET = Sheet("审计日志", [Column(k, *AUDIT_LABELS[k]) for k in AUDIT.column_names], stamp="recorded_at")


def audit_xlsx(rows: Iterable[Row], *, cutoff: int | None = None) -> bytes:
    """The audit log, one line per event, with the events' and roles' Chinese names."""
    def shown() -> Iterator[dict[str, Any]]:
        for r in rows:
            yield {**r, "action": action_label(r["action"], r["aggregate"]) or None,
                   "role": Role(r["role"]).label if r["role"] else None,
                   "aggregate": AGGREGATE_LABELS.get(r["aggregate"] or "", r["aggregate"])}

    return workbook_bytes(AUDIT_SHEET, shown(), title="审计日志", properties=_cutoff_properties(cutoff))


STATS_GROUPS = {"unit": "单位", "service_type": "服务类型", "month": "月份", "quarter": "季度"}
SCALES = [(k, label) for k, label in REGISTRY_COLUMNS if k in ("response", "attitude", "usefulness", "result")]


def stats_sheet(by: str) -> Sheet:
    columns = [Column("group", STATS_GROUPS[by]), Column("served", "服务件数", INTEGER),
               Column("on_time", "按时办结件数", INTEGER), Column("on_time_rate", "按时办结率", PERCENT),
               Column("rated", "已评价件数", INTEGER)]
    for scale, label in SCALES:
        columns += [Column(f"{scale}_mean", f"{label}平均分（1–4）", DECIMAL),
                    Column(f"{scale}_satisfied_rate", f"{label}满意率（前两档）", PERCENT)]
    return Sheet(f"统计（按{STATS_GROUPS[by]}）", columns)


def stats_group(by: str, row: Mapping[str, Any]) -> str | None:
    key = row.get(by)
    if by == "service_type":
        return row.get("label") or key
    if by == "month" and key:
        year, month = key.split("-")
        return f"{year}年{int(month)}月"
    if by == "quarter" and key:
        year, quarter = key.split("-Q")
        return f"{year}年第{quarter}季度"
    return key


def stats_xlsx(rows: Iterable[Mapping[str, Any]], by: str) -> bytes:
    """The statistics of one grouping (``Views.stats``), rates as percentages."""
    return workbook_bytes(stats_sheet(by), ({**r, "group": stats_group(by, r)} for r in rows),
                          title=f"满意度与按时办结统计（按{STATS_GROUPS[by]}）")
