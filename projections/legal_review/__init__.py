"""The legal-review view (seed 003 七, 十): every 法制审核 with its rounds and
state, the major-decision filings with the review they cite and the
supervisor's 备案审查 (read from ``ledger.supervision.MajorDecisionFiling``'s
own events: nothing is written there), and the credit-repair requests.
The year-end indicators per unit are queries over these tables.

``fold`` is pure over a row store: ``get(table, key)`` finds a row in memory
or, when the live view is updated, in its tables (``apply``); the as-of fold
and a rebuild run the same code from nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from ledger.legal_review import CreditRepair, LegalReview
from ledger.legal_review.values import RepairState, ReviewState
from ledger.store.sql import Table
from ledger.supervision import MajorDecisionFiling
from projections.cases import iso
from projections.keyed import KeyedTablesProjection

Row = dict[str, Any]

REVIEWS = Table(
    name="legal_review",
    columns=(
        ("review_id", "TEXT"), ("unit", "TEXT"), ("case_id", "TEXT"), ("party", "TEXT"), ("party_kind", "TEXT"),
        ("kind", "TEXT"), ("amount_yuan", "TEXT"), ("proposed", "TEXT"), ("required", "BIGINT"),
        ("threshold_yuan", "TEXT"), ("officers", "TEXT"), ("state", "TEXT"), ("rounds", "BIGINT"),
        ("requested_at", "TEXT"), ("requested_by", "TEXT"), ("year", "BIGINT"), ("reviewer_name", "TEXT"),
        ("reviewed_at", "TEXT"), ("opinion", "TEXT"), ("changes", "TEXT"), ("cited_by", "TEXT"),
        ("version", "BIGINT"), ("updated_at", "TEXT"), ("number", "TEXT"),  # 法审〔2026〕3号 (``Numbered``)
    ),
    key=("review_id",),
    indexes=(("unit", "requested_at"), ("state",), ("year", "unit")),
)
ROUNDS = Table(
    name="legal_review_round",
    columns=(
        ("round_id", "TEXT"), ("review_id", "TEXT"), ("unit", "TEXT"), ("number", "BIGINT"),
        ("previous_round", "BIGINT"), ("party", "TEXT"), ("facts", "TEXT"), ("legal_basis", "TEXT"),
        ("proposed", "TEXT"), ("kind", "TEXT"), ("amount_yuan", "TEXT"), ("response", "TEXT"),
        ("requested_at", "TEXT"), ("requested_by", "TEXT"), ("outcome", "TEXT"), ("opinion", "TEXT"),
        ("changes", "TEXT"), ("reviewer_name", "TEXT"), ("reviewed_at", "TEXT"),
    ),
    key=("round_id",),
    indexes=(("review_id", "number"),),
)
FILINGS = Table(
    name="legal_filing",
    columns=(
        ("filing_id", "TEXT"), ("unit", "TEXT"), ("decision_number", "TEXT"), ("decided_on", "TEXT"),
        ("due_on", "TEXT"), ("year", "BIGINT"), ("filed_on", "TEXT"), ("late", "BIGINT"), ("review_id", "TEXT"),
        ("filing_review", "TEXT"), ("finding", "TEXT"), ("filing_reviewed_by", "TEXT"),
        ("filing_reviewed_at", "TEXT"),
    ),
    key=("filing_id",),
    indexes=(("year", "unit"),),
)
# a review cited before its filing was declared (same save: Cited precedes Required)
CITATIONS = Table(
    name="legal_review_citation",
    columns=(("citation_id", "TEXT"), ("review_id", "TEXT")),
    key=("citation_id",),
)
REPAIRS = Table(
    name="credit_repair",
    columns=(
        ("repair_id", "TEXT"), ("unit", "TEXT"), ("firm", "TEXT"), ("uscc", "TEXT"), ("decision_number", "TEXT"),
        ("requested_on", "TEXT"), ("request", "TEXT"), ("state", "TEXT"), ("guidance", "BIGINT"),
        ("guided_on", "TEXT"), ("officer", "TEXT"), ("content", "TEXT"), ("concluded_on", "TEXT"),
        ("reason", "TEXT"), ("recorded_by", "TEXT"), ("version", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("repair_id",),
    indexes=(("unit", "requested_on"), ("state",)),
)
TABLES = (REVIEWS, ROUNDS, FILINGS, CITATIONS, REPAIRS)

REVIEW_PREFIX = get_topic(LegalReview) + "."
REPAIR_PREFIX = get_topic(CreditRepair) + "."
FILING_PREFIX = get_topic(MajorDecisionFiling) + "."

Get = Callable[[str, str], "Row | None"]


def _new(table: Table, **values: Any) -> Row:
    row: Row = dict.fromkeys(table.column_names)
    row.update(values)
    return row


def _money(value: Any) -> str | None:
    return str(value) if value is not None else None


def _draft_columns(draft: Any) -> dict[str, Any]:
    return dict(party=draft.party, kind=draft.kind.value, amount_yuan=_money(draft.amount_yuan), proposed=draft.proposed)


def fold(state: dict[str, dict[str, Row]], get: Get, event: Any, recorded_at: str) -> None:
    """The rows after one more event (``state``: table → key → row, the rows touched)."""
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    oid = str(event.originator_id)

    def put(table: Table, row: Row) -> None:
        state.setdefault(table.name, {})[row[table.key[0]]] = row

    if isinstance(event, LegalReview.Event):
        review = get(REVIEWS.name, oid)
        if name == "Requested":
            draft = event.draft
            review = _new(REVIEWS, review_id=oid, unit=event.unit, case_id=str(event.case_id) if event.case_id else None,
                          party_kind=draft.party_kind.value, required=int(event.required),
                          threshold_yuan=_money(event.threshold_yuan), officers="、".join(p.name for p in event.officers),
                          state=ReviewState.PENDING.value, rounds=1, requested_at=at, requested_by=env.actor.name,
                          year=int(at[:4]), **_draft_columns(draft))
            put(ROUNDS, _new(ROUNDS, round_id=f"{oid}/1", review_id=oid, unit=event.unit, number=1, facts=draft.facts,
                             legal_basis=draft.legal_basis, requested_at=at, requested_by=env.actor.name,
                             **_draft_columns(draft)))
        elif review is None:
            return
        elif name == "Reviewed":
            round_ = get(ROUNDS.name, f"{oid}/{event.round}")
            if round_ is not None:
                round_.update(outcome=event.outcome.value, opinion=event.opinion, changes=event.changes,
                              reviewer_name=env.actor.name, reviewed_at=at)
                put(ROUNDS, round_)
            review.update(state=event.outcome.value, reviewer_name=env.actor.name, reviewed_at=at,
                          opinion=event.opinion, changes=event.changes)
        elif name == "Resubmitted":
            draft = event.draft
            put(ROUNDS, _new(ROUNDS, round_id=f"{oid}/{event.round}", review_id=oid, unit=review["unit"],
                             number=event.round, previous_round=event.previous_round, facts=draft.facts,
                             legal_basis=draft.legal_basis, response=event.response, requested_at=at,
                             requested_by=env.actor.name, **_draft_columns(draft)))
            review.update(state=ReviewState.PENDING.value, rounds=event.round, reviewer_name=None, reviewed_at=None,
                          opinion=None, changes=None, **_draft_columns(draft))
        elif name == "Numbered":
            review["number"] = str(event.number)
        elif name == "Cited":
            review["cited_by"] = event.decision_number
            put(CITATIONS, _new(CITATIONS, citation_id=f"{review['unit']}/{event.decision_number}", review_id=oid))
            filing = _filing_of(get, review["unit"], event.decision_number)
            if filing is not None:  # a filing declared before (a major reversal of a declared decision)
                filing["review_id"] = oid
                put(FILINGS, filing)
        review.update(version=event.originator_version, updated_at=recorded_at)
        put(REVIEWS, review)
    elif isinstance(event, MajorDecisionFiling.Event):
        filing = get(FILINGS.name, oid)
        if name == "Required":
            citation = get(CITATIONS.name, f"{event.unit}/{event.decision_number}")
            filing = _new(FILINGS, filing_id=oid, unit=event.unit, decision_number=event.decision_number,
                          decided_on=event.decided_on.isoformat(), due_on=event.due_on.isoformat(),
                          year=event.decided_on.year, late=0, review_id=citation["review_id"] if citation else None)
        elif filing is None:
            return
        elif name == "Filed":
            filing.update(filed_on=event.filed_on.isoformat(), late=int(event.late))
        elif name == "FilingReviewed":
            filing.update(filing_review=event.outcome.value, finding=event.finding, filing_reviewed_by=env.actor.name,
                          filing_reviewed_at=at)
        put(FILINGS, filing)
    elif isinstance(event, CreditRepair.Event):
        repair = get(REPAIRS.name, oid)
        if name == "Requested":
            repair = _new(REPAIRS, repair_id=oid, unit=event.unit, firm=event.firm, uscc=event.uscc,
                          decision_number=event.decision_number, requested_on=event.requested_on.isoformat(),
                          request=event.request, state=RepairState.REQUESTED.value, guidance=0,
                          recorded_by=env.actor.name)
        elif repair is None:
            return
        elif name == "Guided":
            repair.update(state=RepairState.GUIDED.value, guidance=repair["guidance"] + 1,
                          guided_on=event.given_on.isoformat(), officer=event.officer.name, content=event.content)
        elif name == "Concluded":
            repair.update(state=event.outcome.value, concluded_on=event.concluded_on.isoformat(), reason=event.reason)
        repair.update(version=event.originator_version, updated_at=recorded_at)
        put(REPAIRS, repair)


def _filing_of(get: Get, unit: str, decision_number: str) -> Row | None:
    return get(FILINGS.name, str(MajorDecisionFiling.create_id(unit, decision_number)))


class LegalReviewProjection(KeyedTablesProjection):
    """Legal reviews and their rounds, the filings' reviews, credit repairs."""

    name = "legal_review"
    tables = TABLES
    fold = staticmethod(fold)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith((REVIEW_PREFIX, REPAIR_PREFIX, FILING_PREFIX))
