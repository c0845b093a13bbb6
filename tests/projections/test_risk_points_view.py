"""The risk-points view on SQLite and PostgreSQL: incremental equals a
rebuild and the as-of fold (also cut midway); the list in force by date, the
grades' reasons, the solicitations, citations by period and scope, and the
warnings raised from the view and kept handled."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.risk_points.commands import HandleRiskWarning
from ledger.risk_points.values import RecordKind, WarningAction, WarningRule
from ledger.scope import Reach, console_scope, scope_for
from ledger.values import Role
from projections.rebuild import fold_as_of, rebuild
from projections.risk_points import TABLES, RiskPointsProjection
from projections.runner import Runner
from projections.views import Views
from tests.builders import FIRE, MARKET, ctx
from tests.guidance_builders import WANG, seed_directory
from tests.integration.test_projections import dump, log_count_and_head
from tests.risk_points_builders import cite, draft_cmd, guidance, point, publish, published

EVERY = console_scope(Reach.CASES)


def project(settings: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, RiskPointsProjection(), batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def folded_tables(folded: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [row for _, row in sorted(folded.get(t.name, {}).items())] for t in TABLES}


def everything(ledger) -> dict[str, Any]:
    """The market's 2026版 published (from 02-01) and a 修订版 from 07-01 with
    two points; a draft re-drafted; four guidances citing SP-01 in November
    (threshold 3: warned from the fourth), one citing YP-01 in Q3 — and a
    warning acted on."""
    seed_directory(ledger)
    published(ledger)
    ledger.execute(ctx(WANG), draft_cmd(MARKET, version="修订版", effective_from=date(2026, 7, 1),
                                        points=(point("SP-01"), point("YP-01"), point("SP-02"))))
    ledger.execute(ctx(WANG), draft_cmd(MARKET, version="修订版", effective_from=date(2026, 7, 1),
                                        points=(point("SP-01"), point("YP-01"))))
    publish(ledger, "修订版", on=date(2026, 6, 25))
    gids = [guidance(ledger) for _ in range(4)]
    for gid, day in zip(gids, (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 17))):
        cite(ledger, gid, ("SP-01",), day)
    cite(ledger, gids[0], ("YP-01",), date(2026, 11, 18), kind=RecordKind.GUIDANCE)
    ledger.execute(ctx(WANG), HandleRiskWarning(authority=MARKET, code="SP-01", rule=WarningRule.CITATIONS,
                                                window="2026-11-17", action=WarningAction.ACTED, note="集中约谈"))
    return dict(gids=[str(g) for g in gids])


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    everything(ledger)
    project(store_settings)
    incremental = dump(store_settings, RiskPointsProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert len(incremental["risk_edition"]) == 2 and len(incremental["risk_citation"]) == 5
    assert len(incremental["risk_solicitation"]) == 2 and len(incremental["risk_warning_handled"]) == 1
    assert rebuild(store_settings, RiskPointsProjection()) == head
    assert dump(store_settings, RiskPointsProjection()) == incremental
    folded = folded_tables(fold_as_of(store_settings, RiskPointsProjection(), head))
    assert folded == {t.name: incremental[t.name] for t in TABLES}


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    everything(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 2, head - 5, head - 1):
        project(store_settings, upto=cut)
        live = dump(store_settings, RiskPointsProjection())
        assert folded_tables(fold_as_of(store_settings, RiskPointsProjection(), cut)) == {
            t.name: live[t.name] for t in TABLES}


def test_lists_citations_and_warnings_read_from_the_view(ledger, store_settings):
    ids = everything(ledger)
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        assert views.risk_points(EVERY, authority=MARKET, as_of=date(2026, 1, 31)) == []
        spring = views.risk_points(EVERY, authority=MARKET, as_of=date(2026, 6, 30))
        assert [p["code"] for p in spring] == ["SP-01", "SP-02", "SP-03", "YP-01", "YP-02"]
        assert spring[0]["version"] == "2026版" and spring[0]["reasons"].endswith("（按等级规则）")
        summer = views.risk_points(EVERY, authority=MARKET, as_of=date(2026, 7, 1))
        assert [(p["code"], p["grade"]) for p in summer] == [("SP-01", "high"), ("YP-01", "high")]
        assert [e["state"] for e in views.risk_editions(EVERY, authority=MARKET)] == ["published", "published"]
        cited = views.risk_citations(EVERY, authority=MARKET, start=date(2026, 11, 9), end=date(2026, 11, 17))
        assert [(c["point_code"], c["cited_on"]) for c in cited] == [
            ("SP-01", "2026-11-09"), ("SP-01", "2026-11-16"), ("SP-01", "2026-11-17")]
        assert cited[0]["cited_by"] == "王磊" and cited[0]["record_kind"] == "guidance"
        fire = scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)
        assert views.risk_citations(fire, authority=MARKET, start=date(2026, 1, 1), end=date(2026, 12, 31)) == []
        assert len(views.record_risk_citations(EVERY, record_id=ids["gids"][0])) == 2
        # 11-16: three in the window, the threshold reached exactly; 11-17: four, raised and acted on
        def on_citations(day: date) -> list[dict[str, Any]]:
            return [w for w in views.risk_warnings(EVERY, authority=MARKET, today=day) if w["rule"] == "citations"]

        assert on_citations(date(2026, 11, 16)) == []
        [acted] = on_citations(date(2026, 11, 20))
        assert (acted["code"], acted["window"], acted["state"]) == ("SP-01", "2026-11-17", "acted")
        # 2027-01-01: Q4 judged — YP-01 (high all quarter) had a guidance on 11-18; SP-01's run is over
        assert views.risk_warnings(EVERY, authority=MARKET, today=date(2027, 1, 1)) == []
        # 2026-10-01: Q3 judged — the 修订版 took effect on 07-01, its high points had no guidance
        q3 = views.risk_warnings(EVERY, authority=MARKET, today=date(2026, 10, 1))
        assert [(w["code"], w["rule"], w["window"]) for w in q3] == [
            ("SP-01", "no_guidance", "2026Q3"), ("YP-01", "no_guidance", "2026Q3")]
        assert views.risk_warnings(EVERY, authority=MARKET, today=date(2026, 9, 30))[0]["window"] == "2026Q2"
    finally:
        views.close()
