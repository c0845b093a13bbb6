"""The typical-cases view: each year's round (its state and counts) and each
proposal with the reviewer's decision (``ledger.typical_cases``). Nothing of
how a party answered is here: the proposals' summaries have no such field.

``fold`` is pure over a row store (``projections.keyed``): the live view, a
rebuild and the as-of fold run the same code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from ledger.store.sql import Table
from ledger.typical_cases import TypicalCaseRound
from ledger.typical_cases.values import RoundState
from projections.cases import SEP, iso
from projections.keyed import KeyedTablesProjection

Row = dict[str, Any]

PROPOSALS = Table(
    name="typical_case",
    columns=(
        ("proposal_id", "TEXT"), ("year", "BIGINT"), ("kind", "TEXT"), ("record_id", "TEXT"), ("units", "TEXT"),
        ("unit", "TEXT"), ("distinction", "TEXT"), ("reason", "TEXT"), ("reference", "TEXT"), ("title", "TEXT"),
        ("finished_on", "TEXT"), ("head_mark", "TEXT"), ("proposed_by", "TEXT"), ("proposed_at", "TEXT"),
        ("selected", "BIGINT"), ("decision_reason", "TEXT"), ("decided_by", "TEXT"), ("decided_at", "TEXT"),
        ("updated_at", "TEXT"),
    ),
    key=("proposal_id",),
    indexes=(("year", "unit"), ("unit",)),
)
ROUNDS = Table(
    name="typical_round",
    columns=(
        ("year", "BIGINT"), ("round_id", "TEXT"), ("state", "TEXT"), ("proposals", "BIGINT"), ("decided", "BIGINT"),
        ("selected", "BIGINT"), ("opened_at", "TEXT"), ("opened_by", "TEXT"), ("closed_at", "TEXT"),
        ("closed_by", "TEXT"), ("version", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("round_id",),
    indexes=(("year",),),
)
TABLES = (PROPOSALS, ROUNDS)
PREFIX = get_topic(TypicalCaseRound) + "."

Get = Callable[[str, str], "Row | None"]


def _new(table: Table, **values: Any) -> Row:
    row: Row = dict.fromkeys(table.column_names)
    row.update(values)
    return row


def fold(state: dict[str, dict[str, Row]], get: Get, event: Any, recorded_at: str) -> None:
    """The rows after one more event of a round."""
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    oid = str(event.originator_id)

    def put(table: Table, row: Row) -> None:
        state.setdefault(table.name, {})[row[table.key[0]]] = row

    round_ = get(ROUNDS.name, oid)
    if name == "Started":
        round_ = _new(ROUNDS, round_id=oid, year=event.year, state=RoundState.COLLECTING.value, proposals=0, decided=0,
                      selected=0)
    elif round_ is None:
        return
    elif name == "Proposed":
        p = event.proposal
        s = p.summary
        put(PROPOSALS, _new(
            PROPOSALS, proposal_id=str(p.id), year=round_["year"], kind=s.kind.value, record_id=str(s.record_id),
            units=SEP.join(s.units), unit=p.unit, distinction=p.distinction.value, reason=p.reason,
            reference=s.reference, title=s.title, finished_on=s.finished_on.isoformat(), head_mark=s.head_mark,
            proposed_by=p.proposed_by, proposed_at=iso(p.proposed_at), updated_at=recorded_at))
        round_["proposals"] += 1
    elif name == "ReviewOpened":
        round_.update(state=RoundState.REVIEWING.value, opened_at=at, opened_by=env.actor.name)
    elif name == "Decided":
        row = get(PROPOSALS.name, str(event.proposal))
        if row is not None:
            row.update(selected=int(event.selected), decision_reason=event.reason, decided_by=env.actor.name,
                       decided_at=at, updated_at=recorded_at)
            put(PROPOSALS, row)
        round_["decided"] += 1
        round_["selected"] += int(event.selected)
    elif name == "Closed":
        round_.update(state=RoundState.CLOSED.value, closed_at=at, closed_by=env.actor.name)
    round_.update(version=event.originator_version, updated_at=recorded_at)
    put(ROUNDS, round_)


class TypicalCasesProjection(KeyedTablesProjection):
    """The yearly rounds of typical and excellent cases and their proposals."""

    name = "typical_cases"
    tables = TABLES
    fold = staticmethod(fold)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith(PREFIX)
