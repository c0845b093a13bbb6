"""The supervision view on SQLite and PostgreSQL: the review list of reversed
penalties, the major-decision filings, their statistics and the supervisors'
queue.

One history, recorded through the real ``Ledger``: five reversals (revoked and
remade, by the market regulator and the fire brigade, one major, one in
October), objections with their 整改建议书, answers, confirmations, and four
major-decision filings (one filed on time, one late, one never filed, one
not yet due). Expected values are worked out by hand from the commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.case.commands import AcceptCase, DispatchCase, RemakePenalty, RevokePenalty
from ledger.case.values import ServiceForm
from ledger.errors import LedgerError
from ledger.scope import Reach, console_scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from ledger.supervision import MajorDecisionFiling, ReversalReview, ReviewStatus
from ledger.supervision.commands import (
    AnswerObjection,
    ConfirmReversal,
    DeclareMajorDecision,
    FileMajorDecision,
    ObjectToReversal,
)
from ledger.values import CST, DeadlineClass, FourList, ListItemCited, PenaltyDecision, Person
from projections.history import rows_as_of
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.supervision import FILING, REVIEW, REVIEW_HISTORY, SupervisionProjection
from projections.supervision.as_of import reviews_as_of
from projections.views import Views
from tests.builders import (
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    REGISTRAR,
    SUPERVISOR,
    T0,
    book_cmd,
    ctx,
    fixed_clock,
    rate_cmd,
    rated_case,
    reversal,
    serve_cmd,
    single_assignment,
)
from tests.legal_review_builders import passed_review

EVERY = console_scope(Reach.CASES)  # every unit
AUDIT_ALL = console_scope(Reach.AUDIT)
SUPERVISION_ALL = console_scope(Reach.SUPERVISION)

REVIEWER = Person(id="q1", name="钱律")
OCTOBER = datetime(2026, 10, 12, 9, 0, tzinfo=CST)  # a Monday
SUFFIX = "_b3"  # a second copy of the view, kept in batches of three


# ------------------------------------------------------------------ helpers


@pytest.fixture
def views(store_settings: Settings) -> Iterator[Views]:
    v = Views(store_settings)
    yield v
    v.close()


def dump(settings: Settings, suffix: str = "", view: str = "supervision") -> dict[str, Any]:
    """Every row of both tables (by key) and the view's tracking position."""
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            out: dict[str, Any] = {
                t.name: cur.dicts(f"SELECT * FROM {t.name}{suffix} ORDER BY {', '.join(t.key)}")
                for t in (REVIEW, FILING, *REVIEW_HISTORY.tables)
            }
            out["position"] = cur.position(view)
            return out
    finally:
        db.close()


def folded(state: dict[str, dict[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """``fold_all``'s state as the tables hold it."""
    return {
        REVIEW.name: [state.get("reviews", {})[k] for k in sorted(state.get("reviews", {}))],
        FILING.name: [state.get("filings", {})[k] for k in sorted(state.get("filings", {}))],
    }


def head(settings: Settings) -> int:
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            return int(cur.scalar(db.max_notification_sql()))
    finally:
        db.close()


def decision(number: str, unit: str = MARKET) -> PenaltyDecision:
    return PenaltyDecision(number=number, decided_on=date(2025, 9, 12), issuing_unit=unit, four_lists_applied=False)


def cite(list_: FourList, number: str) -> ListItemCited:
    return ListItemCited(list=list_, catalogue_version="2025版", item_number=number)


def october_case(ledger: Ledger):
    """A market-regulator case served in October 2026."""
    case_id = ledger.book(ctx(REGISTRAR), book_cmd(business_time=OCTOBER)).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, business_time=OCTOBER + timedelta(minutes=10),
                                               deadline_class=DeadlineClass.GENERAL))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(
        case_id=case_id, business_time=OCTOBER + timedelta(hours=1), assignments=single_assignment(),
        form=ServiceForm.ONSITE_VISIT, agreed_time=OCTOBER + timedelta(days=2)))
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, business_time=OCTOBER + timedelta(days=2)))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, business_time=OCTOBER + timedelta(days=2, hours=1)))
    return case_id


class History:
    """The ids of what ``record_history`` recorded."""

    def __init__(self) -> None:
        self.cases: dict[str, Any] = {}
        self.reviews: dict[str, str] = {}
        self.filings: dict[str, str] = {}
        self.letters: dict[str, str] = {}
        self.midpoint = 0
        self.midpoint_dump: dict[str, Any] = {}


def record_history(ledger: Ledger, settings: Settings, after_each=None) -> History:
    """Record the history; ``after_each`` (if given) runs after every command,
    and the live view is then also dumped at the midpoint."""
    h = History()
    nov6 = T0 + timedelta(days=4)  # Friday 2026-11-06 09:00

    def step(result: Any = None) -> Any:
        if after_each is not None:
            after_each()
        return result

    a = step(rated_case(ledger))  # market regulator only
    b = step(rated_case(ledger, joint=True))  # market regulator and fire brigade
    october = step(october_case(ledger))
    h.cases = {"a": a, "b": b, "october": october}

    # R1: market revokes under the no-penalty list
    step(ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(
        case_id=a, business_time=nov6, basis="《行政处罚法》第三十三条第一款",
        reversal=reversal(decision=decision("张市监罚〔2025〕118号")))))
    # R2: market remakes under the lighter list, a major decision (fine 3,000 in 1,000–10,000) → filing F1
    step(ledger.remake_penalty(ctx(MARKET_STAFF), RemakePenalty(
        case_id=a, business_time=nov6 + timedelta(hours=1),
        reversal=reversal(FourList.LIGHTER, decision=decision("张市监罚〔2025〕119号"), cited=cite(FourList.LIGHTER, "13"),
                          conditions_met=("初次违法", "未造成危害后果"), outcome="重新作出从轻处罚",
                          new_sanction="罚款3000元", new_fine_yuan=Decimal("3000"), major=True,
                          new_decision_number="张市监罚〔2026〕5号", legal_reviewer=REVIEWER,
                          legal_review_id=passed_review(ledger)))))
    # R3: fire brigade revokes under the no-coercive-measure list
    step(ledger.revoke_penalty(ctx(FIRE_STAFF), RevokePenalty(
        case_id=b, business_time=nov6 + timedelta(hours=2),
        reversal=reversal(FourList.NO_COERCIVE_MEASURE, unit=FIRE, decision=decision("消罚〔2025〕7号", FIRE)))))
    # R4: fire brigade remakes under the mitigated list (fine 800, below the 1,000 minimum)
    step(ledger.remake_penalty(ctx(FIRE_STAFF), RemakePenalty(
        case_id=b, business_time=nov6 + timedelta(hours=3),
        reversal=reversal(FourList.MITIGATED, decision=decision("消罚〔2025〕8号", FIRE), cited=cite(FourList.MITIGATED, "13"),
                          conditions_met=("初次违法", "未造成危害后果"), outcome="减轻处罚", new_sanction="罚款800元",
                          new_fine_yuan=Decimal("800")))))
    # R5: market revokes, in October
    step(ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(
        case_id=october, business_time=OCTOBER + timedelta(days=4),
        reversal=reversal(decision=decision("张市监罚〔2025〕60号")))))
    h.reviews = {
        "r1": str(ReversalReview.create_id(a, "张市监罚〔2025〕118号")),
        "r2": str(ReversalReview.create_id(a, "张市监罚〔2025〕119号")),
        "r3": str(ReversalReview.create_id(b, "消罚〔2025〕7号")),
        "r4": str(ReversalReview.create_id(b, "消罚〔2025〕8号")),
        "r5": str(ReversalReview.create_id(october, "张市监罚〔2025〕60号")),
    }
    h.midpoint = head(settings)
    if after_each is not None:
        after_each()
        h.midpoint_dump = dump(settings)

    def review(key: str) -> UUID:
        return UUID(h.reviews[key])

    def objection(key: str, reply_due: date, at: datetime | None = None) -> str:
        r = ledger.object_to_reversal(ctx(SUPERVISOR), ObjectToReversal(
            review_id=review(key), business_time=at, problems="书面说明不充分", suggestions="补充说明", reply_due=reply_due))
        step()
        return r.number

    # R5: objected in October (letter 1), answered → answered, waits for review
    h.letters["r5"] = objection("r5", date(2026, 10, 30), at=datetime(2026, 10, 20, 10, 0, tzinfo=CST))
    step(ledger.answer_objection(ctx(MARKET_STAFF), AnswerObjection(
        review_id=review("r5"), business_time=datetime(2026, 10, 28, 10, 0, tzinfo=CST), reply="已补充", measures="已培训")))
    # R1: objected (letter 2), answered, confirmed
    h.letters["r1"] = objection("r1", date(2026, 11, 27), at=datetime(2026, 11, 9, 10, 0, tzinfo=CST))
    step(ledger.answer_objection(ctx(MARKET_STAFF), AnswerObjection(review_id=review("r1"), reply="已整改")))
    step(ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=review("r1"), comment="整改到位")))
    # R2: confirmed at once
    step(ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=review("r2"))))
    # R3: objected (letter 3), reply due 25 November, never answered
    h.letters["r3"] = objection("r3", date(2026, 11, 25))
    # R4: left pending

    # filings: F1 (from R2) filed on time; F2 late; F3 never filed; F4 not yet due
    f1 = MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号")
    step(ledger.file_major_decision(ctx(MARKET_STAFF), FileMajorDecision(filing_id=f1, filed_on=date(2026, 11, 20), reference="备案1")))
    step(ledger.declare_major_decision(ctx(FIRE_STAFF), DeclareMajorDecision(
        decision_number="消罚〔2026〕3号", decided_on=date(2026, 10, 20), party="某商场", summary="责令停业",
        legal_review_id=passed_review(ledger, FIRE_STAFF))))
    f2 = MajorDecisionFiling.create_id(FIRE, "消罚〔2026〕3号")
    step(ledger.file_major_decision(ctx(FIRE_STAFF), FileMajorDecision(filing_id=f2, filed_on=date(2026, 11, 10), reference="备案2")))
    step(ledger.declare_major_decision(ctx(MARKET_STAFF), DeclareMajorDecision(
        decision_number="张市监罚〔2026〕2号", decided_on=date(2026, 11, 2), party="某超市", summary="吊销许可证",
        legal_review_id=passed_review(ledger))))
    step(ledger.declare_major_decision(ctx(MARKET_STAFF), DeclareMajorDecision(
        decision_number="张市监罚〔2026〕8号", decided_on=date(2026, 11, 19), party="某饭店", summary="没收违法所得",
        legal_review_id=passed_review(ledger))))
    h.filings = {
        "f1": str(f1),
        "f2": str(f2),
        "f3": str(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕2号")),
        "f4": str(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕8号")),
    }
    return h


# ------------------------------------------------------------------ equality


def test_the_view_kept_in_batches_of_one_and_of_three_equals_a_rebuild_and_the_fold(ledger, store_settings):
    one = Runner(store_settings, SupervisionProjection(), batch_size=1)
    three = Runner(store_settings, SupervisionProjection(), batch_size=3, view_name="supervision" + SUFFIX, suffix=SUFFIX)
    calls = 0

    def after_each() -> None:
        nonlocal calls
        calls += 1
        one.catch_up()  # every event in its own transaction, after every command
        if calls % 4 == 0:
            three.catch_up()  # several commands at once, in pages of three

    try:
        h = record_history(ledger, store_settings, after_each)
        one.catch_up()
        three.catch_up()
    finally:
        one.close()
        three.close()
    end = head(store_settings)
    incremental = dump(store_settings)
    assert incremental["position"] == end
    assert len(incremental["reversal_review"]) == 5 and len(incremental["major_filing"]) == 4
    assert {r["review_id"] for r in incremental["reversal_review"]} == set(h.reviews.values())
    assert {r["filing_id"] for r in incremental["major_filing"]} == set(h.filings.values())

    in_threes = dump(store_settings, SUFFIX, view="supervision" + SUFFIX)
    assert in_threes == incremental

    # the fold as of the end, and as of the midpoint (after the reversals, before any review)
    rows = (REVIEW.name, FILING.name)
    assert folded(fold_as_of(store_settings, SupervisionProjection(), end)) == {k: incremental[k] for k in rows}
    assert folded(fold_as_of(store_settings, SupervisionProjection(), h.midpoint)) == {
        k: h.midpoint_dump[k] for k in rows
    }
    # and the review list read from the view's history at both cut-offs (issue 20 §5)
    db = ViewDB(store_settings)
    try:
        for cut, expected in ((end, incremental), (h.midpoint, h.midpoint_dump)):
            from_history = sorted(rows_as_of(db, REVIEW_HISTORY, REVIEW.column_names, cut), key=lambda r: r["review_id"])
            assert from_history == expected[REVIEW.name], cut
    finally:
        db.close()
    assert [r["review_id"] for r in reviews_as_of(store_settings, end)] == [
        r["review_id"] for r in sorted(incremental[REVIEW.name], key=lambda r: (r["reversed_at"] or "", r["review_id"]))]
    assert {r["status"] for r in h.midpoint_dump["reversal_review"]} == {"pending"}
    assert h.midpoint_dump["position"] == h.midpoint

    # a rebuild from scratch, in pages of two, equals it
    assert rebuild(store_settings, SupervisionProjection(), batch_size=2) == end
    assert dump(store_settings) == incremental


def test_the_review_rows_carry_the_reversal_its_review_and_the_filings_their_dates(ledger, store_settings, views):
    h = record_history(ledger, store_settings)
    rebuild(store_settings, SupervisionProjection())
    rows = {r["review_id"]: r for r in views.reversals(SUPERVISION_ALL)}
    assert set(rows) == set(h.reviews.values())
    r2 = rows[h.reviews["r2"]]
    assert (r2["kind"], r2["kind_label"], r2["unit"], r2["decision_number"], r2["decided_on"]) == (
        "remade", "重新作出", MARKET, "张市监罚〔2025〕119号", "2025-09-12"
    )
    assert (r2["list_kind"], r2["list_label"], r2["list_code"], r2["catalogue_version"], r2["item_number"]) == (
        "lighter", "从轻处罚清单", "lighter", "2025版", "13"
    )
    assert (r2["new_sanction"], r2["new_fine_yuan"], r2["major"], r2["new_decision_number"], r2["legal_reviewer"]) == (
        "罚款3000元", "3000", True, "张市监罚〔2026〕5号", "钱律"
    )
    assert r2["conditions_met"] == "初次违法；未造成危害后果" and r2["actor_name"] == MARKET_STAFF.name
    assert (r2["reversed_at"], r2["reversed_month"]) == ("2026-11-06T10:00:00+08:00", "2026-11")
    assert (r2["status"], r2["status_label"], r2["reviewer_name"], r2["letters"]) == ("confirmed", "审查通过", SUPERVISOR.name, None)
    assert r2["case_id"] == str(h.cases["a"]) and r2["confirmed_at"] == "2026-11-20T10:00:00+08:00"

    r1 = rows[h.reviews["r1"]]
    assert (r1["kind"], r1["major"], r1["basis"], r1["status"]) == ("revoked", False, "《行政处罚法》第三十三条第一款", "confirmed")
    assert (r1["letters"], r1["reply_due"], r1["objected_at"]) == ("2026年第2号", "2026-11-27", "2026-11-09T10:00:00+08:00")
    assert r1["answered_at"] == r1["confirmed_at"] == "2026-11-20T10:00:00+08:00"
    assert (h.letters["r5"], h.letters["r1"], h.letters["r3"]) == ("2026年第1号", "2026年第2号", "2026年第3号")
    r5 = rows[h.reviews["r5"]]
    assert (r5["status"], r5["letters"], r5["reversed_month"], r5["answered_at"]) == (
        "answered", "2026年第1号", "2026-10", "2026-10-28T10:00:00+08:00"
    )
    r4 = rows[h.reviews["r4"]]
    assert (r4["unit"], r4["status"], r4["letters"], r4["reviewer_name"], r4["new_fine_yuan"]) == (FIRE, "pending", None, None, "800")

    filings = {f["filing_id"]: f for f in views.filings(SUPERVISION_ALL, today="2026-11-20")}
    f1, f2, f3, f4 = (filings[h.filings[k]] for k in ("f1", "f2", "f3", "f4"))
    assert (f1["unit"], f1["decided_on"], f1["due_on"], f1["filed_on"], f1["late"], f1["overdue"]) == (
        MARKET, "2026-11-06", "2026-11-23", "2026-11-20", False, False  # +15 is Saturday 21: due Monday 23
    )
    assert f1["case_id"] == str(h.cases["a"]) and f1["reference"] == "备案1" and f1["days_left"] is None
    assert (f2["unit"], f2["due_on"], f2["filed_on"], f2["late"]) == (FIRE, "2026-11-04", "2026-11-10", True)
    assert (f3["due_on"], f3["filed_on"], f3["overdue"], f3["days_left"]) == ("2026-11-17", None, True, -3)
    assert (f4["due_on"], f4["overdue"], f4["days_left"], f4["declared_by"]) == ("2026-12-04", False, 14, MARKET_STAFF.name)


def test_the_review_list_filters_by_unit_list_item_period_and_status(ledger, store_settings, views):
    h = record_history(ledger, store_settings)
    runner = Runner(store_settings, SupervisionProjection(), batch_size=5)
    try:
        runner.catch_up()
    finally:
        runner.close()
    name = {v: k for k, v in h.reviews.items()}

    def ids(**filters: Any) -> list[str]:
        return [name[r["review_id"]] for r in views.reversals(SUPERVISION_ALL, **filters)]

    assert ids() == ["r5", "r1", "r2", "r3", "r4"]  # by reversal time
    assert ids(unit=MARKET) == ["r5", "r1", "r2"]
    assert ids(unit=FIRE) == ["r3", "r4"]
    assert ids(list_kind="no_penalty") == ["r5", "r1"]
    assert ids(list_kind="lighter") == ["r2"]
    assert ids(list_kind="no_coercive_measure", unit=FIRE) == ["r3"]
    assert ids(item_number="13") == ["r2", "r4"]
    assert ids(item_number="12", unit=MARKET) == ["r5", "r1"]
    assert ids(reversed_from="2026-11-01") == ["r1", "r2", "r3", "r4"]
    assert ids(reversed_to="2026-11-01") == ["r5"]
    assert ids(reversed_from="2026-10-16", reversed_to="2026-10-17") == ["r5"]
    assert ids(reversed_from="2026-11-06", reversed_to="2026-11-07", unit=FIRE) == ["r3", "r4"]
    assert ids(reversed_from="2026-11-07") == []
    assert ids(status="pending") == ["r4"]
    assert ids(status="objected") == ["r3"]
    assert ids(status="answered") == ["r5"]
    assert ids(status="confirmed") == ["r1", "r2"]
    assert ids(status="confirmed", unit=FIRE) == []
    assert ids(limit=2, offset=1) == ["r1", "r2"]


def test_statistics_per_unit_item_and_month_count_reversals_and_review_outcomes(ledger, store_settings, views):
    record_history(ledger, store_settings)
    rebuild(store_settings, SupervisionProjection())
    counts = ("reversals", "revoked", "remade", "major", "pending", "objected", "answered", "confirmed")

    by_unit = {r["unit"]: tuple(r[k] for k in counts) for r in views.reversal_stats(SUPERVISION_ALL, "unit")}
    assert by_unit == {MARKET: (3, 2, 1, 1, 0, 0, 1, 2), FIRE: (2, 1, 1, 0, 1, 1, 0, 0)}
    by_item = {
        (r["unit"], r["list_kind"], r["catalogue_version"], r["item_number"]): (r["list_label"], *(r[k] for k in counts))
        for r in views.reversal_stats(SUPERVISION_ALL, "item")
    }
    assert by_item == {
        (MARKET, "no_penalty", "2025版", "12"): ("不予处罚清单", 2, 2, 0, 0, 0, 0, 1, 1),
        (MARKET, "lighter", "2025版", "13"): ("从轻处罚清单", 1, 0, 1, 1, 0, 0, 0, 1),
        (FIRE, "no_coercive_measure", "2025版", "12"): ("不予实施行政强制措施清单", 1, 1, 0, 0, 0, 1, 0, 0),
        (FIRE, "mitigated", "2025版", "13"): ("减轻处罚清单", 1, 0, 1, 0, 1, 0, 0, 0),
    }
    assert [(r["reversed_month"], r["reversals"]) for r in views.reversal_stats(SUPERVISION_ALL, "month")] == [("2026-10", 1), ("2026-11", 4)]
    assert [(r["reversed_month"], r["reversals"], r["pending"]) for r in views.reversal_stats(SUPERVISION_ALL, "month", unit=FIRE)] == [
        ("2026-11", 2, 1)
    ]
    assert [(r["unit"], r["reversals"]) for r in views.reversal_stats(SUPERVISION_ALL, "unit", unit=MARKET)] == [(MARKET, 3)]
    with pytest.raises(ValueError):
        views.reversal_stats(SUPERVISION_ALL, "year")


def test_filings_filter_by_unit_and_status(ledger, store_settings, views):
    h = record_history(ledger, store_settings)
    rebuild(store_settings, SupervisionProjection())
    name = {v: k for k, v in h.filings.items()}

    def ids(today: str = "2026-11-20", **filters: Any) -> list[str]:
        return [name[f["filing_id"]] for f in views.filings(SUPERVISION_ALL, today=today, **filters)]

    assert ids() == ["f2", "f3", "f1", "f4"]  # by due date
    assert ids(unit=FIRE) == ["f2"]
    assert ids(status="filed") == ["f2", "f1"]
    assert ids(status="late") == ["f2"]
    assert ids(status="open") == ["f3", "f4"]
    assert ids(status="overdue") == ["f3"]
    assert ids(status="overdue", unit=FIRE) == []
    assert ids("2026-11-17", status="overdue") == []  # the due day itself is not overdue
    assert ids("2026-12-05", status="overdue") == ["f3", "f4"]
    with pytest.raises(ValueError):
        views.filings(SUPERVISION_ALL, status="lost")


def test_the_supervision_queue_shows_reviews_to_do_overdue_answers_and_overdue_filings(ledger, store_settings, views):
    h = record_history(ledger, store_settings)
    rebuild(store_settings, SupervisionProjection())
    review = {v: k for k, v in h.reviews.items()}
    filing = {v: k for k, v in h.filings.items()}

    def queue(today: str) -> dict[str, list[str]]:
        q = views.supervision_queue(SUPERVISION_ALL, today=today)
        assert set(q) == {"to_review", "answers_overdue", "filings_overdue"}
        return {
            "to_review": [review[r["review_id"]] for r in q["to_review"]],
            "answers_overdue": [review[r["review_id"]] for r in q["answers_overdue"]],
            "filings_overdue": [filing[f["filing_id"]] for f in q["filings_overdue"]],
        }

    # pending R4 and answered R5 wait for a supervisor; R3's answer is due 25 November
    assert queue("2026-11-20") == {"to_review": ["r5", "r4"], "answers_overdue": [], "filings_overdue": ["f3"]}
    assert queue("2026-11-25") == {"to_review": ["r5", "r4"], "answers_overdue": [], "filings_overdue": ["f3"]}
    assert queue("2026-11-26") == {"to_review": ["r5", "r4"], "answers_overdue": ["r3"], "filings_overdue": ["f3"]}
    assert queue("2026-12-05") == {"to_review": ["r5", "r4"], "answers_overdue": ["r3"], "filings_overdue": ["f3", "f4"]}
    shown = views.supervision_queue(SUPERVISION_ALL, today="2026-11-26")
    assert shown["to_review"][0]["status_label"] == ReviewStatus.ANSWERED.label
    assert shown["answers_overdue"][0]["letters"] == "2026年第3号"

    # once answered and confirmed, they leave the queue
    ledger.answer_objection(ctx(FIRE_STAFF), AnswerObjection(review_id=UUID(h.reviews["r3"]), reply="已整改"))
    for key in ("r3", "r4", "r5"):
        ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=UUID(h.reviews[key])))
    ledger.file_major_decision(ctx(MARKET_STAFF), FileMajorDecision(filing_id=UUID(h.filings["f3"]), filed_on=date(2026, 11, 20), reference="补报"))
    runner = Runner(store_settings, SupervisionProjection(), batch_size=2)
    try:
        runner.catch_up()
    finally:
        runner.close()
    assert queue("2026-11-26") == {"to_review": [], "answers_overdue": [], "filings_overdue": []}
    assert [filing[f["filing_id"]] for f in views.filings(SUPERVISION_ALL, today="2026-11-26", status="late")] == ["f2", "f3"]


# ------------------------------------------------------------------ property


ACTIONS = st.sampled_from(
    [
        ("confirm", SUPERVISOR),
        ("object", SUPERVISOR),
        ("answer", MARKET_STAFF),
        ("answer", FIRE_STAFF),  # not the issuing unit: refused
        ("confirm", MARKET_STAFF),  # not a supervisor: refused
    ]
)


@settings(max_examples=60, deadline=None)
@given(actions=st.lists(ACTIONS, max_size=8), cut=st.integers(min_value=1, max_value=6))
def test_folding_a_reviews_events_in_any_batches_gives_the_aggregates_status_and_letters(actions, cut):
    ledger = Ledger(Settings(backend="sqlite"), env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=fixed_clock())
    try:
        case_id = rated_case(ledger)
        ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(case_id=case_id, business_time=T0 + timedelta(days=4), reversal=reversal()))
        review_id = ReversalReview.create_id(case_id, "张市监罚〔2025〕118号")
        status, letters = ReviewStatus.PENDING, 0
        for what, actor in actions:  # a model of the review's states
            allowed = {
                "confirm": actor is SUPERVISOR and status in (ReviewStatus.PENDING, ReviewStatus.ANSWERED),
                "object": actor is SUPERVISOR and status in (ReviewStatus.PENDING, ReviewStatus.ANSWERED),
                "answer": actor is MARKET_STAFF and status is ReviewStatus.OBJECTED,
            }[what]
            try:
                if what == "confirm":
                    ledger.confirm_reversal(ctx(actor), ConfirmReversal(review_id=review_id))
                elif what == "object":
                    ledger.object_to_reversal(ctx(actor), ObjectToReversal(
                        review_id=review_id, problems="问题", suggestions="建议", reply_due=date(2026, 12, 1)))
                else:
                    ledger.answer_objection(ctx(actor), AnswerObjection(review_id=review_id, reply="已整改"))
            except LedgerError:
                assert not allowed
                continue
            assert allowed
            status = {"confirm": ReviewStatus.CONFIRMED, "object": ReviewStatus.OBJECTED, "answer": ReviewStatus.ANSWERED}[what]
            letters += what == "object"
        review = ledger.review(review_id)
        assert review.status is status and len(review.letters) == letters

        projection = SupervisionProjection()
        notifications = ledger.recorder.select_notifications(start=1, limit=10_000)
        items = [
            (n.id, f"2026-11-20T00:00:{n.id:02d}+00:00", ledger.mapper.to_domain_event(n))
            for n in notifications
            if projection.wants(n.topic)
        ]
        whole: dict[str, Any] = {}
        projection.fold_all(whole, items)
        batched: dict[str, Any] = {}
        for i in range(0, len(items), cut):
            projection.fold_all(batched, items[i : i + cut])
        assert batched == whole
        (row,) = whole["reviews"].values()
        assert row["review_id"] == str(review_id) and row["kind"] == "revoked"
        assert row["status"] == status.value
        assert (row["letters"] or "") == "；".join(f"2026年第{n}号" for n in range(1, letters + 1))
        assert whole["filings"] == {}
    finally:
        ledger.close()
