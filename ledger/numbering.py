"""Gap-free form numbers (``2026年第15号``) per issuing unit, form kind and year.

A counter is an aggregate with a deterministic id, so that two requests
numbering forms of the same series load the same counter; saving the counter
in the same atomic save as the event that uses the number means a number is
either used or never issued — no gaps — and the version check on the counter
means no number is issued twice.
"""

from __future__ import annotations

import re
from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput
from ledger.values import Envelope, FormKind, FormNumber

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:guidance-ledger")

# A unit's number format (seed 001: 2026年第3号; seed 004: 临人社行指〔2026〕3号,
# 临淄区人社局指导书〔2026〕3号): a pattern with {year} and {seq}, set per form
# kind by an administrator on the unit (``ledger.directory.Unit``). Only the
# series whose number the issuing command formats may have one (the booked
# cases' forms keep 2026年第N号).
DEFAULT_NUMBER_FORMAT = "{year}年第{seq}号"
PATTERNED_KINDS = (FormKind.GUIDANCE_OPINION, FormKind.GUIDANCE_RECORD, FormKind.CORRECTION_ORDER)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def check_number_format(pattern: str, field: str = "pattern") -> str:
    """The pattern, stripped, if it makes numbers that tell years and
    sequence numbers apart: {year} and {seq} once each, no other braces, at
    most 40 characters, no line breaks."""
    text = (pattern or "").strip()
    if not text:
        raise InvalidInput.one(field, "required", "编号格式不能为空")
    if len(text) > 40 or any(c in text for c in "\r\n\t"):
        raise InvalidInput.one(field, "too_long", "编号格式不超过40个字，且不能换行")
    names = _PLACEHOLDER.findall(text)
    if sorted(names) != ["{seq}", "{year}"] or "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        raise InvalidInput.one(
            field, "placeholders", "编号格式须各含一次{year}（年度）和{seq}（序号），不含其他花括号，例如：临人社行指〔{year}〕{seq}号"
        )
    return text


def number_text(pattern: str, year: int, seq: int) -> str:
    """The number as printed: 临人社行指〔2026〕3号 (Arabic numerals, no leading zeros)."""
    return pattern.replace("{year}", str(year)).replace("{seq}", str(seq))


class FormCounter(CopiedByContainers, Aggregate):
    """The series of one form kind, issued by one unit, in one year."""

    @staticmethod
    @lru_cache(maxsize=4096)  # a SHA-1 per number issued otherwise; a few counters per unit and year
    def create_id(unit: str, kind: FormKind, year: int) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"form-counter/{unit}/{kind.value}/{year}")

    @event("Started")
    def __init__(self, unit: str, kind: FormKind, year: int) -> None:
        self.unit = unit
        self.kind = kind
        self.year = year
        self.last = 0

    def issue(self, envelope: Envelope, case_id: UUID, number_format: str | None = None) -> FormNumber:
        """Issue the next number of the series to a case; ``number_format``:
        the unit's pattern at this moment, whose text the number keeps."""
        self._issued(envelope=envelope, seq=self.last + 1, case_id=case_id)
        text = number_text(number_format, self.year, self.last) if number_format else ""
        return FormNumber(unit=self.unit, kind=self.kind, year=self.year, seq=self.last, text=text)

    @event("NumberIssued")
    def _issued(self, envelope: Envelope, seq: int, case_id: UUID) -> None:
        self.last = seq
