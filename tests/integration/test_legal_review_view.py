"""The legal-review view on SQLite and PostgreSQL: incremental equals a
rebuild and the as-of fold (also cut midway); rounds, the filings' review
and citation, the year-end indicators, credit repairs; scopes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledger.legal_review.commands import ConcludeCreditRepair, GuideCreditRepair
from ledger.legal_review.values import FilingReviewOutcome, RepairOutcome, ReviewOutcome
from ledger.scope import Reach, console_scope, scope_for
from ledger.supervision import MajorDecisionFiling
from ledger.supervision.commands import DeclareMajorDecision, FileMajorDecision, ReviewMajorDecisionFiling
from ledger.values import FourList, Person, Role
from projections.legal_review import TABLES, LegalReviewProjection
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR, ctx
from tests.integration.test_projections import dump, log_count_and_head
from tests.legal_review_builders import (
    MARKET_REVIEWER,
    opinion_cmd,
    passed_review,
    repair_cmd,
    request_cmd,
    resubmit_cmd,
)
from tests.unit.test_four_lists import REVIEWER, fined_remake_cmd, rated_case

EVERY = console_scope(Reach.SUPERVISION)


def project(settings: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, LegalReviewProjection(), batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def folded_tables(folded: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [row for _, row in sorted(folded.get(t.name, {}).items())] for t in TABLES}


def everything(ledger) -> dict[str, Any]:
    """A review failed, resubmitted and passed, cited by a declared decision
    filed on time and reviewed by the supervisor; a major reversal citing its
    own review (filing opened in the same save) left unfiled; the fire
    brigade's decision filed late; a pending review; two credit repairs."""
    rounds = ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(rounds, ReviewOutcome.FAILED, opinion="证据不足"))
    ledger.execute(ctx(MARKET_STAFF), resubmit_cmd(rounds, amount_yuan=Decimal("60000")))
    ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(rounds))
    ledger.execute(ctx(MARKET_STAFF), DeclareMajorDecision(
        decision_number="张市监罚〔2026〕31号", decided_on=date(2026, 11, 10), party="淄博某食品有限公司",
        summary="罚款6万元", legal_review_id=rounds))
    on_time = MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕31号")
    ledger.execute(ctx(MARKET_STAFF), FileMajorDecision(filing_id=on_time, filed_on=date(2026, 11, 18), reference="备1"))
    ledger.execute(ctx(SUPERVISOR), ReviewMajorDecisionFiling(filing_id=on_time, outcome=FilingReviewOutcome.OK))
    case_id = rated_case(ledger)
    reversal_review = passed_review(ledger)
    ledger.remake_penalty(ctx(MARKET_STAFF), fined_remake_cmd(
        case_id, FourList.LIGHTER, "3000", major=True, new_decision_number="张市监罚〔2026〕5号",
        legal_reviewer=REVIEWER, legal_review_id=reversal_review))
    fire = passed_review(ledger, FIRE_STAFF)
    ledger.execute(ctx(FIRE_STAFF), DeclareMajorDecision(
        decision_number="消罚〔2026〕3号", decided_on=date(2026, 10, 20), party="某商场有限公司", summary="责令停业",
        legal_review_id=fire))
    ledger.execute(ctx(FIRE_STAFF), FileMajorDecision(filing_id=MajorDecisionFiling.create_id(FIRE, "消罚〔2026〕3号"),
                                                      filed_on=date(2026, 11, 10), reference="备2"))
    pending = ledger.execute(ctx(MARKET_STAFF), request_cmd(party="另一食品公司")).record_id
    repair = ledger.execute(ctx(MARKET_STAFF), repair_cmd()).record_id
    ledger.execute(ctx(MARKET_STAFF), GuideCreditRepair(repair_id=repair, given_on=date(2026, 11, 19),
                                                        officer=Person(id="s1", name="王磊"), content="指导提交书面申请"))
    ledger.execute(ctx(MARKET_STAFF), ConcludeCreditRepair(repair_id=repair, outcome=RepairOutcome.REPAIRED,
                                                           concluded_on=date(2026, 11, 20)))
    ledger.execute(ctx(FIRE_STAFF), repair_cmd(decision_number="消罚〔2026〕3号"))
    return dict(rounds=str(rounds), reversal_review=str(reversal_review), fire=str(fire), pending=str(pending),
                on_time=str(on_time))


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    everything(ledger)
    project(store_settings)
    incremental = dump(store_settings, LegalReviewProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert len(incremental["legal_review"]) == 4 and len(incremental["legal_review_round"]) == 5
    assert len(incremental["legal_filing"]) == 3 and len(incremental["credit_repair"]) == 2
    assert rebuild(store_settings, LegalReviewProjection()) == head
    assert dump(store_settings, LegalReviewProjection()) == incremental
    folded = folded_tables(fold_as_of(store_settings, LegalReviewProjection(), head))
    assert folded == {t.name: incremental[t.name] for t in TABLES}


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    everything(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 3, head // 2, head - 4, head - 1):
        project(store_settings, upto=cut)
        live = dump(store_settings, LegalReviewProjection())
        assert folded_tables(fold_as_of(store_settings, LegalReviewProjection(), cut)) == {t.name: live[t.name] for t in TABLES}


def test_rounds_citations_indicators_and_scopes_read_from_the_view(ledger, store_settings):
    ids = everything(ledger)
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        rounds = views.legal_review_rounds(EVERY, ids["rounds"])
        assert [(r["number"], r["outcome"], r["amount_yuan"]) for r in rounds] == [
            (1, "failed", "80000"), (2, "passed", "60000")]
        filings = {r["decision_number"]: r for r in views.legal_filings(EVERY)}
        assert filings["张市监罚〔2026〕31号"]["review_id"] == ids["rounds"]
        assert filings["张市监罚〔2026〕31号"]["filing_review"] == "ok"
        # 法审〔2026〕N号: each unit's series in request order, shown with the filing that cites it
        numbers = {r["review_id"]: r["number"] for r in views.legal_reviews(EVERY)}
        assert numbers[ids["rounds"]] == "法审〔2026〕1号" and numbers[ids["fire"]] == "法审〔2026〕1号"
        assert numbers[ids["reversal_review"]] == "法审〔2026〕2号" and numbers[ids["pending"]] == "法审〔2026〕3号"
        assert filings["张市监罚〔2026〕31号"]["review_number"] == "法审〔2026〕1号"
        market_scope = scope_for(Role.UNIT_STAFF, MARKET, Reach.SUPERVISION)
        assert views.legal_review_id_of(market_scope, " 法审〔2026〕2号 ") == ids["reversal_review"]
        assert views.legal_review_id_of(EVERY, "法审〔2026〕1号") is None  # two units' first: ambiguous unscoped
        assert views.legal_review_id_of(market_scope, "法审〔2026〕9号") is None
        # opened by the reversal in the same save as the review's Cited (which came first)
        assert filings["张市监罚〔2026〕5号"]["review_id"] == ids["reversal_review"]
        assert (filings["消罚〔2026〕3号"]["late"], filings["消罚〔2026〕3号"]["review_id"]) == (1, ids["fire"])
        indicators = {r["unit"]: r for r in views.legal_review_indicators(EVERY, 2026, today="2026-12-31")}
        market, fire = indicators[MARKET], indicators[FIRE]
        assert (market["requested"], market["passed"], market["pending"], market["failed"]) == (3, 2, 1, 0)
        assert (market["filings"], market["on_time"], market["late"], market["overdue"]) == (2, 1, 0, 1)
        assert (fire["requested"], fire["passed"], fire["filings"], fire["late"]) == (1, 1, 1, 1)
        assert views.legal_review_indicators(EVERY, 2025, today="2026-12-31") == []
        fire_scope = scope_for(Role.UNIT_STAFF, FIRE, Reach.SUPERVISION)
        assert {r["unit"] for r in views.legal_reviews(fire_scope)} == {FIRE}
        assert views.legal_review_rounds(fire_scope, ids["rounds"]) == []
        assert [r["unit"] for r in views.legal_review_indicators(fire_scope, 2026, today="2026-12-31")] == [FIRE]
        pending = views.legal_reviews(EVERY, state="pending")
        assert [r["review_id"] for r in pending] == [ids["pending"]] and pending[0]["state_label"] == "待审核"
        repairs = {r["unit"]: r for r in views.credit_repairs(EVERY)}
        assert (repairs[MARKET]["state"], repairs[MARKET]["guidance"], repairs[FIRE]["state"]) == ("repaired", 1, "requested")
    finally:
        views.close()
