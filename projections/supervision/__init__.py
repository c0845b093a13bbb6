"""The supervision view: every reversed penalty with its review, and the
filings of major penalty decisions.

- ``reversal_review``: one row per reversal (撤销/重新作出), made from the
  case's ``PenaltyRevoked``/``PenaltyRemade`` (what was decided, on which list
  item, the written explanation, who decided when) and kept current by its
  ``ReversalReview`` events (confirmed, 整改建议书 numbers, answers).
- ``major_filing``: one row per major penalty decision to be filed within
  15 days, with when (and whether late) it was filed.

Like the cases view, ``fold_into`` is pure and the row is the state: the
incremental view and a rebuild run the same code.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from ledger.case import GuidanceCase
from ledger.store.sql import Cursor, Table, where_in
from ledger.supervision import MajorDecisionFiling, ReversalReview, ReviewStatus
from projections.cases import iso
from projections.history import History, encode_version

Row = dict[str, Any]

REVIEW = Table(
    name="reversal_review",
    columns=(
        ("review_id", "TEXT"),
        ("case_id", "TEXT"),
        ("case_version", "BIGINT"),
        ("kind", "TEXT"),
        ("unit", "TEXT"),
        ("decision_number", "TEXT"),
        ("decided_on", "TEXT"),
        ("list_kind", "TEXT"),
        ("list_code", "TEXT"),
        ("catalogue_version", "TEXT"),
        ("item_number", "TEXT"),
        ("conditions_met", "TEXT"),
        ("outcome", "TEXT"),
        ("new_sanction", "TEXT"),
        ("new_fine_yuan", "TEXT"),
        ("new_decision_number", "TEXT"),
        ("major", "BIGINT"),
        ("explanation", "TEXT"),
        ("legal_reviewer", "TEXT"),
        ("basis", "TEXT"),
        ("actor_id", "TEXT"),
        ("actor_name", "TEXT"),
        ("reversed_at", "TEXT"),
        ("reversed_month", "TEXT"),
        ("recorded_at", "TEXT"),
        ("status", "TEXT"),
        ("letters", "TEXT"),
        ("reply_due", "TEXT"),
        ("objected_at", "TEXT"),
        ("answered_at", "TEXT"),
        ("confirmed_at", "TEXT"),
        ("reviewer_name", "TEXT"),
        ("updated_at", "TEXT"),
    ),
    key=("review_id",),
    indexes=(("unit", "reversed_at"), ("status",), ("list_kind", "item_number"), ("reversed_at",)),
)

FILING = Table(
    name="major_filing",
    columns=(
        ("filing_id", "TEXT"),
        ("unit", "TEXT"),
        ("decision_number", "TEXT"),
        ("decided_on", "TEXT"),
        ("due_on", "TEXT"),
        ("party", "TEXT"),
        ("summary", "TEXT"),
        ("case_id", "TEXT"),
        ("declared_by", "TEXT"),
        ("filed_on", "TEXT"),
        ("reference", "TEXT"),
        ("late", "BIGINT"),
        ("recorded_at", "TEXT"),
    ),
    key=("filing_id",),
    indexes=(("unit",), ("filed_on", "due_on")),
)

# Every version of every review row, from the event that made it: the review
# list as of any moment is one indexed query (projections/history.py).
REVIEW_HISTORY = History("reversal_review", "review_id", "reversed_at")
_REVIEW_VALUES = itemgetter(*REVIEW.column_names)

# derived from the classes: a module renamed by mistake fails here, loudly
REVERSAL_TOPICS = (get_topic(GuidanceCase.PenaltyRevoked), get_topic(GuidanceCase.PenaltyRemade))
REVIEW_PREFIX = get_topic(ReversalReview) + "."
FILING_PREFIX = get_topic(MajorDecisionFiling) + "."


def new_review(review_id: str) -> Row:
    row: Row = dict.fromkeys(REVIEW.column_names)
    row.update(review_id=review_id, status=ReviewStatus.PENDING.value, major=0)
    return row


def new_filing(filing_id: str) -> Row:
    row: Row = dict.fromkeys(FILING.column_names)
    row.update(filing_id=filing_id, late=0)
    return row


def review_key(event: Any) -> str:
    """The review a supervision-view event belongs to."""
    name = type(event).__name__
    if name in ("PenaltyRevoked", "PenaltyRemade"):
        return str(ReversalReview.create_id(_uuid(event.originator_id), event.reversal.decision.number))
    return str(event.originator_id)


def fold_review(row: Row, event: Any, recorded_at: str) -> Row:
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    if name in ("PenaltyRevoked", "PenaltyRemade"):
        rv = event.reversal
        row.update(
            case_id=str(event.originator_id),
            case_version=event.originator_version,
            kind="revoked" if name == "PenaltyRevoked" else "remade",
            unit=rv.decision.issuing_unit,
            decision_number=rv.decision.number,
            decided_on=rv.decision.decided_on.isoformat(),
            list_kind=rv.cited.list.value,
            list_code=rv.cited.code,
            catalogue_version=rv.cited.catalogue_version,
            item_number=rv.cited.item_number,
            conditions_met="；".join(rv.conditions_met),
            outcome=rv.outcome,
            new_sanction=rv.new_sanction,
            new_fine_yuan=str(rv.new_fine_yuan) if rv.new_fine_yuan is not None else None,
            new_decision_number=rv.new_decision_number or None,
            major=int(rv.major),
            explanation=rv.explanation,
            legal_reviewer=rv.legal_reviewer.name if rv.legal_reviewer else None,
            basis=env.basis,
            actor_id=env.actor.id,
            actor_name=env.actor.name,
            reversed_at=at,
            reversed_month=at[:7],
            recorded_at=recorded_at,
        )
    elif name == "Opened":
        row.update(case_id=str(event.case_id), unit=event.issuing_unit, decision_number=event.decision_number)
    elif name == "Confirmed":
        row.update(status=ReviewStatus.CONFIRMED.value, confirmed_at=at, reviewer_name=env.actor.name)
    elif name == "Objected":
        letter = f"{event.letter}"
        row.update(
            status=ReviewStatus.OBJECTED.value,
            objected_at=at,
            reply_due=event.reply_due.isoformat(),
            reviewer_name=env.actor.name,
            letters=letter if not row["letters"] else f"{row['letters']}；{letter}",
        )
    elif name == "Answered":
        row.update(status=ReviewStatus.ANSWERED.value, answered_at=at)
    row["updated_at"] = recorded_at
    return row


def fold_filing(row: Row, event: Any, recorded_at: str) -> Row:
    name = type(event).__name__
    if name == "Required":
        row.update(
            unit=event.unit,
            decision_number=event.decision_number,
            decided_on=event.decided_on.isoformat(),
            due_on=event.due_on.isoformat(),
            party=event.party,
            summary=event.summary,
            case_id=str(event.case_id) if event.case_id else None,
            declared_by=event.envelope.actor.name,
            recorded_at=recorded_at,
        )
    elif name == "Filed":
        row.update(filed_on=event.filed_on.isoformat(), reference=event.reference, late=int(event.late))
    return row


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class SupervisionProjection:
    """The review list of reversed penalties and the major-decision filings."""

    name = "supervision"
    tables = (REVIEW, FILING, *REVIEW_HISTORY.tables)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic in REVERSAL_TOPICS or topic.startswith(REVIEW_PREFIX) or topic.startswith(FILING_PREFIX)

    def fold_all(self, state: dict[str, dict[str, Row]], items: list[tuple[int, str, Any]],
                 versions: list[tuple[str, int, str | None, str]] | None = None) -> None:
        """Fold a batch into ``state`` = {"reviews": {id: row}, "filings": {id: row}};
        ``versions`` collects the review list's history (each row after each event)."""
        reviews = state.setdefault("reviews", {})
        filings = state.setdefault("filings", {})
        for position, recorded_at, event in items:
            if type(event).__qualname__.startswith("MajorDecisionFiling."):
                key = str(event.originator_id)
                fold_filing(filings.setdefault(key, new_filing(key)), event, recorded_at)
            else:
                key = review_key(event)
                row = fold_review(reviews.setdefault(key, new_review(key)), event, recorded_at)
                if versions is not None:
                    versions.append((key, position, row["reversed_at"], encode_version(_REVIEW_VALUES(row))))

    def apply(self, cur: Cursor, items: list[tuple[int, str, Any]], suffix: str = "") -> None:
        keys = {"reviews": set(), "filings": set()}
        for _, _, event in items:
            if type(event).__qualname__.startswith("MajorDecisionFiling."):
                keys["filings"].add(str(event.originator_id))
            else:
                keys["reviews"].add(review_key(event))
        state: dict[str, dict[str, Row]] = {"reviews": {}, "filings": {}}
        for part, table, column in (("reviews", REVIEW, "review_id"), ("filings", FILING, "filing_id")):
            ids = sorted(keys[part])
            if not ids:
                continue
            clause, params = where_in(cur.db, column, ids)
            for r in cur.dicts(f"SELECT * FROM {table.name}{suffix} WHERE {clause}", params):
                state[part][r[column]] = r
            cur.execute(f"DELETE FROM {table.name}{suffix} WHERE {clause}", params)
        versions: list[tuple[str, int, str | None, str]] = []
        self.fold_all(state, items, versions)
        for part, table in (("reviews", REVIEW), ("filings", FILING)):
            rows = [state[part][k] for k in sorted(keys[part])]
            cur.insert_rows(table, [tuple(r[c] for c in table.column_names) for r in rows], suffix)
        REVIEW_HISTORY.write(cur, versions, suffix)
