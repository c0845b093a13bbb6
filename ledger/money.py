"""Amounts of money (yuan) as the ledger accepts them wherever they enter:
finite, not negative, at most 10^12 yuan, at most two decimal places. A
bound keeps every later computation (halving a range, quantising to fen)
inside decimal's precision, so no amount can make a command fail with 500."""

from __future__ import annotations

from decimal import Decimal

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
