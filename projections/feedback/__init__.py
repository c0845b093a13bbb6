"""The feedback view (seed 003 四): the boxes and their monthly checks, the
feedback forms, and every 整改建议书 with its state — the letters of
``ledger.feedback`` and, read from their own events, the objections to a
reversed penalty (``ledger.supervision.ReversalReview``: Objected, Answered,
Confirmed), so the 司法局 has one list of its letters in one number series.
Nothing is written to the reviews; their list (``projections.supervision``)
is unchanged.

``fold`` is pure over a row store: ``get(table, key)`` finds a row in memory
or, when the live view is updated, in its tables (``apply``); the as-of fold
and a rebuild run the same code from nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.utils import get_topic

from ledger.feedback import FeedbackForm, SuggestionBox, SuggestionLetter
from ledger.feedback.values import LetterSource, LetterState
from ledger.store.sql import Table
from ledger.supervision import ReversalReview
from projections.cases import iso
from projections.keyed import KeyedTablesProjection

Row = dict[str, Any]

BOXES = Table(
    name="feedback_box",
    columns=(
        ("box_id", "TEXT"), ("kind", "TEXT"), ("site", "TEXT"), ("site_name", "TEXT"), ("address", "TEXT"),
        ("collecting_unit", "TEXT"), ("collector", "TEXT"), ("keeper_id", "TEXT"), ("keeper_name", "TEXT"),
        ("installed_at", "TEXT"), ("last_month", "TEXT"), ("version", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("box_id",),
    indexes=(("collecting_unit",),),
)
CHECKS = Table(
    name="feedback_check",
    columns=(
        ("check_id", "TEXT"), ("box_id", "TEXT"), ("collecting_unit", "TEXT"), ("month", "TEXT"),
        ("received", "BIGINT"), ("note", "TEXT"), ("forms_due", "TEXT"), ("checked_at", "TEXT"),
        ("checked_by", "TEXT"),
    ),
    key=("check_id",),
    indexes=(("collecting_unit", "month"), ("box_id", "month"), ("forms_due",)),
)
FORMS = Table(
    name="feedback_form",
    columns=(
        ("form_id", "TEXT"), ("unit", "TEXT"), ("month", "TEXT"), ("source", "TEXT"), ("source_detail", "TEXT"),
        ("box_id", "TEXT"), ("category", "TEXT"), ("problem", "TEXT"), ("suggestion", "TEXT"),
        ("reviewer", "TEXT"), ("clerk", "TEXT"), ("filled_on", "TEXT"), ("due_on", "TEXT"), ("late", "BIGINT"),
        ("filled_at", "TEXT"), ("letters", "BIGINT"), ("letter_numbers", "TEXT"), ("documents", "BIGINT"),
        ("version", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("form_id",),
    indexes=(("unit", "month"), ("box_id", "month"), ("filled_at",)),
)
LETTERS = Table(
    name="suggestion_letter",
    columns=(
        ("letter_id", "TEXT"), ("number", "TEXT"), ("year", "BIGINT"), ("seq", "BIGINT"),
        ("supervising_unit", "TEXT"), ("unit", "TEXT"), ("problems", "TEXT"), ("suggestions", "TEXT"),
        ("reply_due", "TEXT"), ("source", "TEXT"), ("form_id", "TEXT"), ("follows_id", "TEXT"),
        ("follows_number", "TEXT"), ("review_id", "TEXT"), ("decision_number", "TEXT"), ("state", "TEXT"),
        ("issued_at", "TEXT"), ("issued_by", "TEXT"), ("answered_at", "TEXT"), ("reply", "TEXT"),
        ("measures", "TEXT"), ("answer_late", "BIGINT"), ("answered_by", "TEXT"), ("verified_at", "TEXT"),
        ("verified_by", "TEXT"), ("reissued_as", "TEXT"), ("documents", "BIGINT"), ("updated_at", "TEXT"),
    ),
    key=("letter_id",),
    indexes=(("unit", "issued_at"), ("state", "reply_due"), ("form_id",), ("review_id",)),
)
# per reversal review: the unit it concerns and its current letter (to mirror answers and confirmations)
REVIEWS = Table(
    name="feedback_review_letter",
    columns=(("review_id", "TEXT"), ("issuing_unit", "TEXT"), ("decision_number", "TEXT"), ("current", "TEXT")),
    key=("review_id",),
)
TABLES = (BOXES, CHECKS, FORMS, LETTERS, REVIEWS)

BOX_PREFIX = get_topic(SuggestionBox) + "."
FORM_PREFIX = get_topic(FeedbackForm) + "."
LETTER_PREFIX = get_topic(SuggestionLetter) + "."
REVIEW_TOPICS = frozenset(get_topic(ReversalReview) + "." + n for n in ("Opened", "Objected", "Answered", "Confirmed"))

Get = Callable[[str, str], "Row | None"]


def _new(table: Table, **values: Any) -> Row:
    row: Row = dict.fromkeys(table.column_names)
    row.update(values)
    return row


def reversal_letter_id(review_id: str, number: Any) -> str:
    """A reversal's letter's row key: the review and the letter's place in the series."""
    return f"review:{review_id}:{number.year}:{number.seq}"


def fold(state: dict[str, dict[str, Row]], get: Get, event: Any, recorded_at: str) -> None:
    """The rows after one more event (``state``: table → key → row, the rows touched)."""
    name = type(event).__name__
    env = event.envelope
    at = iso(env.business_time)
    oid = str(event.originator_id)

    def put(table: Table, row: Row) -> None:
        state.setdefault(table.name, {})[row[table.key[0]]] = row

    if isinstance(event, SuggestionBox.Event):
        box = get(BOXES.name, oid)
        if name == "Installed":
            box = _new(BOXES, box_id=oid, kind=event.kind.value, site=event.site.value, site_name=event.site_name,
                       address=event.address, collecting_unit=event.collecting_unit, collector=event.collector.value,
                       keeper_id=event.keeper.id, keeper_name=event.keeper.name, installed_at=at)
        elif box is None:
            return
        elif name == "KeeperChanged":
            box.update(keeper_id=event.keeper.id, keeper_name=event.keeper.name)
        elif name == "Checked":
            put(CHECKS, _new(CHECKS, check_id=f"{oid}/{event.month}", box_id=oid, collecting_unit=box["collecting_unit"],
                             month=event.month, received=event.received, note=event.note,
                             forms_due=event.forms_due.isoformat(), checked_at=at, checked_by=env.actor.name))
            box["last_month"] = max(box["last_month"] or "", event.month)
        box.update(version=event.originator_version, updated_at=recorded_at)
        put(BOXES, box)
    elif isinstance(event, FeedbackForm.Event):
        form = get(FORMS.name, oid)
        if name == "FilledIn":
            form = _new(FORMS, form_id=oid, unit=event.unit, month=event.month, source=event.source.value,
                        source_detail=event.source_detail, box_id=str(event.box_id) if event.box_id else None,
                        category=event.category.value, problem=event.problem, suggestion=event.suggestion,
                        reviewer=event.reviewer.name, clerk=event.clerk.name, filled_on=event.filled_on.isoformat(),
                        due_on=event.due_on.isoformat(), late=int(event.late), filled_at=at, letters=0,
                        letter_numbers="", documents=0)
        elif form is None:
            return
        elif name == "DocumentIssued":
            form["documents"] += 1
        form.update(version=event.originator_version, updated_at=recorded_at)
        put(FORMS, form)
    elif isinstance(event, SuggestionLetter.Event):
        letter = get(LETTERS.name, oid)
        if name == "Issued":
            letter = _new(
                LETTERS, letter_id=oid, number=str(event.number), year=event.number.year, seq=event.number.seq,
                supervising_unit=env.actor.unit, unit=event.unit, problems=event.problems,
                suggestions=event.suggestions, reply_due=event.reply_due.isoformat(), source=event.source.value,
                form_id=str(event.form_id) if event.form_id else None,
                follows_id=str(event.follows_id) if event.follows_id else None,
                follows_number=str(event.follows_number) if event.follows_number else None,
                state=LetterState.ISSUED.value, issued_at=at, issued_by=env.actor.name, answer_late=0, documents=0)
            form = get(FORMS.name, letter["form_id"]) if letter["form_id"] else None
            if form is not None:
                numbers = [n for n in (form["letter_numbers"] or "").split("、") if n]
                form.update(letters=form["letters"] + 1, letter_numbers="、".join([*numbers, letter["number"]]))
                put(FORMS, form)
        elif letter is None:
            return
        elif name == "Reissued":
            letter.update(state=LetterState.REISSUED.value, reissued_as=str(event.number))
        elif name == "Answered":
            letter.update(state=LetterState.ANSWERED.value, answered_at=at, reply=event.reply, measures=event.measures,
                          answer_late=int(event.late), answered_by=env.actor.name)
        elif name == "Verified":
            letter.update(state=LetterState.VERIFIED.value, verified_at=at, verified_by=env.actor.name)
        elif name == "DocumentIssued":
            letter["documents"] += 1
        letter["updated_at"] = recorded_at
        put(LETTERS, letter)
    elif isinstance(event, ReversalReview.Event):
        _fold_review(put, get, name, event, oid, at, recorded_at)


def _fold_review(put: Callable[[Table, Row], None], get: Get, name: str, event: Any, oid: str, at: str,
                 recorded_at: str) -> None:
    """An objection to a reversed penalty read as a letter of the same series."""
    env = event.envelope
    review = get(REVIEWS.name, oid)
    if name == "Opened":
        put(REVIEWS, _new(REVIEWS, review_id=oid, issuing_unit=event.issuing_unit,
                          decision_number=event.decision_number))
        return
    if review is None:
        return
    current = get(LETTERS.name, review["current"]) if review["current"] else None
    if name == "Objected":
        if current is not None and current["state"] in (LetterState.ISSUED.value, LetterState.ANSWERED.value):
            current.update(state=LetterState.REISSUED.value, reissued_as=str(event.letter), updated_at=recorded_at)
            put(LETTERS, current)
        key = reversal_letter_id(oid, event.letter)
        put(LETTERS, _new(
            LETTERS, letter_id=key, number=str(event.letter), year=event.letter.year, seq=event.letter.seq,
            supervising_unit=env.actor.unit, unit=review["issuing_unit"], problems=event.problems,
            suggestions=event.suggestions, reply_due=event.reply_due.isoformat(), source=LetterSource.REVERSAL.value,
            follows_id=current["letter_id"] if current else None, follows_number=current["number"] if current else None,
            review_id=oid, decision_number=review["decision_number"], state=LetterState.ISSUED.value, issued_at=at,
            issued_by=env.actor.name, answer_late=0, documents=0, updated_at=recorded_at))
        review["current"] = key
        put(REVIEWS, review)
    elif current is None:
        return
    elif name == "Answered" and current["state"] == LetterState.ISSUED.value:
        current.update(state=LetterState.ANSWERED.value, answered_at=at, reply=event.reply, measures=event.measures,
                       answer_late=int(at[:10] > current["reply_due"]), answered_by=env.actor.name,
                       updated_at=recorded_at)
        put(LETTERS, current)
    elif name == "Confirmed" and current["state"] == LetterState.ANSWERED.value:
        current.update(state=LetterState.VERIFIED.value, verified_at=at, verified_by=env.actor.name,
                       updated_at=recorded_at)
        put(LETTERS, current)


class FeedbackProjection(KeyedTablesProjection):
    """Boxes, checks, forms and letters (the objections' letters mirrored)."""

    name = "feedback"
    tables = TABLES
    fold = staticmethod(fold)

    @staticmethod
    def wants(topic: str) -> bool:
        return topic.startswith((BOX_PREFIX, FORM_PREFIX, LETTER_PREFIX)) or topic in REVIEW_TOPICS
