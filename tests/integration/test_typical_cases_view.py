"""The typical-cases view on SQLite and PostgreSQL: incremental equals a
rebuild and the as-of fold (also cut midway); the decisions and the published
list; scopes (a unit's own proposals, every unit's published selected ones)."""

from __future__ import annotations

from typing import Any

from ledger.scope import Reach, console_scope, scope_for
from ledger.typical_cases.commands import CloseTypicalCaseRound, OpenTypicalCaseReview
from ledger.typical_cases.values import Distinction, RecordKind
from ledger.values import Role
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.typical_cases import TABLES, TypicalCasesProjection
from projections.views import Views
from tests.builders import FIRE, MARKET, SUPERVISOR, ctx
from tests.guidance_builders import SUN, WANG, make_head, seed_directory
from tests.integration.test_projections import dump, log_count_and_head
from tests.unit.test_typical_cases_rules import accepted_guidance, archived_case, decide, propose

EVERY = console_scope(Reach.CASES)


def project(settings: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, TypicalCasesProjection(), batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def folded_tables(folded: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [row for _, row in sorted(folded.get(t.name, {}).items())] for t in TABLES}


def everything(ledger) -> dict[str, str]:
    """The market regulator's head proposes a case and a guidance; the round
    is opened, the case selected, the guidance not, and the round closed."""
    seed_directory(ledger)
    make_head(ledger, WANG)
    make_head(ledger, SUN)
    case = ledger.execute(ctx(WANG), propose(RecordKind.CASE, archived_case(ledger))).record_id
    guidance = ledger.execute(ctx(WANG), propose(RecordKind.GUIDANCE, accepted_guidance(ledger),
                                                 distinction=Distinction.EXCELLENT)).record_id
    ledger.execute(ctx(SUPERVISOR), OpenTypicalCaseReview(year=2026))
    ledger.execute(ctx(SUPERVISOR), decide(case))
    ledger.execute(ctx(SUPERVISOR), decide(guidance, selected=False, reason="与已入选案例同类"))
    ledger.execute(ctx(SUPERVISOR), CloseTypicalCaseRound(year=2026))
    return dict(case=str(case), guidance=str(guidance))


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    everything(ledger)
    project(store_settings)
    incremental = dump(store_settings, TypicalCasesProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert len(incremental["typical_case"]) == 2 and len(incremental["typical_round"]) == 1
    assert rebuild(store_settings, TypicalCasesProjection()) == head
    assert dump(store_settings, TypicalCasesProjection()) == incremental
    folded = folded_tables(fold_as_of(store_settings, TypicalCasesProjection(), head))
    assert folded == {t.name: incremental[t.name] for t in TABLES}


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    everything(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head - 5, head - 3, head - 1):
        project(store_settings, upto=cut)
        live = dump(store_settings, TypicalCasesProjection())
        assert folded_tables(fold_as_of(store_settings, TypicalCasesProjection(), cut)) == {
            t.name: live[t.name] for t in TABLES}


def test_decisions_the_published_list_and_scopes_read_from_the_view(ledger, store_settings):
    ids = everything(ledger)
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        rows = {r["proposal_id"]: r for r in views.typical_cases(EVERY, year=2026)}
        case, guidance = rows[ids["case"]], rows[ids["guidance"]]
        assert (case["selected"], case["decision_label"], case["published"], case["kind_label"]) == (
            True, "入选", True, "指导服务（预约案件）")
        assert (guidance["selected"], guidance["decision_reason"], guidance["distinction_label"]) == (
            False, "与已入选案例同类", "优秀案例")
        assert guidance["head_mark"] is not None and case["units"] == MARKET
        assert [r["proposal_id"] for r in views.typical_cases(EVERY, published=True)] == [ids["case"]]
        assert [r["proposal_id"] for r in views.typical_cases(EVERY, selected=False)] == [ids["guidance"]]
        (round_,) = views.typical_rounds(EVERY)
        assert (round_["state"], round_["proposals"], round_["decided"], round_["selected"]) == ("closed", 2, 2, 1)
        # the fire brigade's staff read no market proposal, only the published selected case
        fire = scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)
        assert [r["proposal_id"] for r in views.typical_cases(fire)] == [ids["case"]]
        assert [r["proposal_id"] for r in views.typical_cases(fire, unit=MARKET)] == [ids["case"]]
        market = scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES)
        assert {r["proposal_id"] for r in views.typical_cases(market)} == set(ids.values())
    finally:
        views.close()


def test_before_the_round_closes_another_unit_reads_nothing(ledger, store_settings):
    seed_directory(ledger)
    make_head(ledger, WANG)
    ledger.execute(ctx(WANG), propose(RecordKind.CASE, archived_case(ledger)))
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        assert views.typical_cases(scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)) == []
        assert len(views.typical_cases(scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES))) == 1
        assert views.typical_cases(EVERY, published=True) == []
    finally:
        views.close()
