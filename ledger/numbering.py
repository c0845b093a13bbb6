"""Gap-free form numbers (``2026年第15号``) per issuing unit, form kind and year.

A counter is an aggregate with a deterministic id, so that two requests
numbering forms of the same series load the same counter; saving the counter
in the same atomic save as the event that uses the number means a number is
either used or never issued — no gaps — and the version check on the counter
means no number is issued twice.
"""

from __future__ import annotations

from functools import lru_cache
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.values import Envelope, FormKind, FormNumber

LEDGER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:guidance-ledger")


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

    def issue(self, envelope: Envelope, case_id: UUID) -> FormNumber:
        """Issue the next number of the series to a case."""
        self._issued(envelope=envelope, seq=self.last + 1, case_id=case_id)
        return FormNumber(unit=self.unit, kind=self.kind, year=self.year, seq=self.last)

    @event("NumberIssued")
    def _issued(self, envelope: Envelope, seq: int, case_id: UUID) -> None:
        self.last = seq
