"""Text and dates as the ledger accepts them, in every field of every command.

Refused anywhere: C0 and C1 control characters other than tab and newline
(a NUL, an ESC sequence or a bell in a name would be stored and exported as
typed), and the bidirectional overrides and isolates (U+202A–U+202E,
U+2066–U+2069), which make a name display as something else. A browser's
CRLF newlines are newlines. For required fields, a value of only whitespace
and invisible format characters (zero-width space, joiners, BOM…) is blank.
Every date and time lies within the ledger's years (1990–2100), like the
business time of every event. Amounts of money (yuan) are finite, not
negative, at most 10^12 yuan and at most two decimal places: a bound keeps
every later computation (halving a range, quantising to fen) inside
decimal's precision, so no amount can make a command fail with 500.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec

from ledger.errors import InvalidInput
from ledger.values import EARLIEST_YEAR, LATEST_YEAR

BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
ALLOWED_CONTROLS = frozenset("\t\n")


def _forbidden(ch: str) -> bool:
    code = ord(ch)
    if ch in ALLOWED_CONTROLS:
        return False
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in BIDI_CONTROLS


def check_text(value: str, field: str) -> None:
    """Raise ``InvalidInput`` on ``field`` if ``value`` holds a refused character."""
    if value.isprintable() and not BIDI_CONTROLS.intersection(value):
        return  # the common case, at C speed
    text = value.replace("\r\n", "\n")
    bad = next((ch for ch in text if _forbidden(ch)), None)
    if bad is not None:
        raise InvalidInput.one(field, "control_character", f"含有不允许的控制字符（U+{ord(bad):04X}），请删除后重新输入")


def check_fields(obj: Any, field: str = "") -> None:
    """``check_text`` on every string inside a command (Structs, tuples,
    lists, dicts), and the range of every date and time, each reported with
    its path, e.g. ``changes[0].new``."""
    if isinstance(obj, str):
        check_text(obj, field or "text")
    elif isinstance(obj, date):  # datetimes too
        if not EARLIEST_YEAR <= obj.year <= LATEST_YEAR:
            what = "时间" if isinstance(obj, datetime) else "日期"
            raise InvalidInput.one(field, "out_of_range", f"{what}应在{EARLIEST_YEAR}年至{LATEST_YEAR}年之间")
    elif isinstance(obj, msgspec.Struct):
        for name in obj.__struct_fields__:
            check_fields(getattr(obj, name), f"{field}.{name}" if field else name)
    elif isinstance(obj, (tuple, list)):
        for i, item in enumerate(obj):
            check_fields(item, f"{field}[{i}]")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            check_fields(item, f"{field}.{key}" if field else str(key))


def blank(value: str | None) -> bool:
    """No visible content: empty, whitespace, or invisible format characters only."""
    if not value:
        return True
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in value)

MAX_YUAN = Decimal(10) ** 12
FEN = Decimal("0.01")


def money_problem(amount: Decimal) -> tuple[str, str] | None:
    """(code, message) of what is wrong with ``amount``, or None."""
    if not amount.is_finite():
        return "bad_amount", "金额应为有效数字"
    if amount < 0:
        return "bad_amount", "金额不能为负数"
    if amount > MAX_YUAN:
        return "amount_too_large", "金额不能超过1万亿元（10^12元）"
    if amount != amount.quantize(FEN):
        return "too_many_decimals", "金额最多保留两位小数（精确到分）"
    return None
