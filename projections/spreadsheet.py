"""Files that clerks open in Excel or WPS: CSV now, XLSX later.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is taken for a formula by spreadsheet programs (CSV/formula injection: an
applicant named ``=HYPERLINK(…)`` would become a live link). Every such cell
is written with a leading apostrophe, which shows the text as typed. The rule
is deterministic, so an as-of export stays byte-equal and its SHA-256 stable;
JSON reads keep the value as stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(("", *FORMULA_STARTS))  # "" (an empty text) is safe_cell's to write


def safe_cell(value: Any) -> str:
    """The text of a cell, neutralised if a spreadsheet would evaluate it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV file as Excel opens it: UTF-8 with BOM, CRLF, every cell safe."""
    return "\ufeff".encode() + csv_lines([header]) + csv_lines(rows)


def csv_lines(rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV lines (UTF-8, CRLF, every cell safe) without the BOM: a file's
    part, made apart and joined (an as-of export in parts)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    # (a whole registry is millions of cells: a text that starts safely is written as it is,
    # without a call per cell; the others, and what is not text, go through safe_cell)
    writer.writerows([v if v.__class__ is str and v[:1] not in _FORMULA_FIRST else safe_cell(v) for v in row]
                     for row in rows)
    return buf.getvalue().encode("utf-8")
