"""自动预警 (seed 002 第二十二条), boundary values: a threshold reached exactly
raises nothing and passed by one raises; the 30-day window's edge; the
window key staying put while the run lasts; a quarter judged only after its
last day, and guidance on that last day counting."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.risk_points.values import RecordKind, RiskGrade, WarningRule
from ledger.risk_points.warnings import Citation, PointRule, last_ended_quarter, quarter_of, raised

LIMITED = PointRule("SP-01", "经营超过保质期的食品", RiskGrade.MEDIUM, 3)
HIGH = PointRule("YP-01", "执业药师不在岗销售处方药", RiskGrade.HIGH, None)


def always(*points: PointRule):
    return lambda day: points


def cited(code: str, *days: date, kind: RecordKind = RecordKind.CASE) -> list[Citation]:
    return [Citation(code, kind, d) for d in days]


def rules(found) -> list[tuple[str, WarningRule, str]]:
    return [(w.code, w.rule, w.window) for w in found]


def test_a_threshold_reached_exactly_raises_nothing_and_one_more_raises():
    today = date(2026, 11, 20)
    three = cited("SP-01", date(2026, 11, 1), date(2026, 11, 10), today)
    assert raised(always(LIMITED), three, today) == []
    four = three + cited("SP-01", date(2026, 11, 15))
    found = raised(always(LIMITED), four, today)
    assert rules(found) == [("SP-01", WarningRule.CITATIONS, "2026-11-20")]
    assert "被引用4次，超过预警阈值3次" in found[0].detail


def test_the_window_is_the_day_and_the_29_before():
    today = date(2026, 11, 30)
    edge = today - timedelta(days=29)  # still inside
    outside = today - timedelta(days=30)
    inside = cited("SP-01", edge, date(2026, 11, 10), date(2026, 11, 20), today)
    assert rules(raised(always(LIMITED), inside, today)) == [("SP-01", WarningRule.CITATIONS, "2026-11-30")]
    dropped = cited("SP-01", outside, date(2026, 11, 10), date(2026, 11, 20), today)
    assert raised(always(LIMITED), dropped, today) == []


def test_the_warnings_key_stays_the_runs_first_day_until_the_count_falls_back():
    four = cited("SP-01", date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4))
    for today in (date(2026, 11, 4), date(2026, 11, 20), date(2026, 11, 30)):
        assert rules(raised(always(LIMITED), four, today)) == [("SP-01", WarningRule.CITATIONS, "2026-11-04")]
    assert raised(always(LIMITED), four, date(2026, 12, 1)) == []  # 11-01 has left the window
    later = four + cited("SP-01", date(2026, 12, 2), date(2026, 12, 2))  # with 11-03 and 11-04: four again
    assert rules(raised(always(LIMITED), later, date(2026, 12, 2))) == [("SP-01", WarningRule.CITATIONS, "2026-12-02")]


def test_citations_after_the_day_do_not_count():
    days = cited("SP-01", *(date(2026, 11, d) for d in (1, 2, 3, 25)))
    assert raised(always(LIMITED), days, date(2026, 11, 24)) == []


def test_a_point_without_threshold_never_warns_on_citations():
    many = cited("YP-01", *(date(2026, 11, d) for d in range(1, 20)), kind=RecordKind.SERVICE)
    assert [w.rule for w in raised(always(HIGH), many, date(2026, 11, 20))] == [WarningRule.NO_GUIDANCE]  # Q3's


def test_quarters_and_the_last_ended_one():
    assert quarter_of(date(2026, 9, 30)) == (date(2026, 7, 1), date(2026, 9, 30), "2026Q3")
    assert last_ended_quarter(date(2026, 9, 30))[2] == "2026Q2"
    assert last_ended_quarter(date(2026, 10, 1))[2] == "2026Q3"
    assert last_ended_quarter(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31), "2025Q4")


def test_a_high_point_without_guidance_in_a_quarter_warns_from_the_day_after_its_last_day():
    q2_guided = cited("YP-01", date(2026, 5, 5), kind=RecordKind.GUIDANCE)
    # on 09-30 the quarter is not over: Q2 is judged, and Q2 had guidance
    assert raised(always(HIGH), q2_guided, date(2026, 9, 30)) == []
    assert rules(raised(always(HIGH), q2_guided, date(2026, 10, 1))) == [("YP-01", WarningRule.NO_GUIDANCE, "2026Q3")]
    on_last_day = cited("YP-01", date(2026, 9, 30), kind=RecordKind.SERVICE)
    assert raised(always(HIGH), on_last_day, date(2026, 10, 1)) == []
    next_quarter = cited("YP-01", date(2026, 10, 1), kind=RecordKind.GUIDANCE)
    assert len(raised(always(HIGH), next_quarter, date(2026, 10, 1))) == 1


def test_a_case_or_mediation_citing_a_high_point_is_no_guidance():
    not_guidance = cited("YP-01", date(2026, 8, 1)) + cited("YP-01", date(2026, 8, 2), kind=RecordKind.MEDIATION)
    assert len(raised(always(HIGH), not_guidance, date(2026, 10, 1))) == 1


def test_a_point_high_only_for_part_of_the_quarter_does_not_warn():
    def points_on(day: date):
        return [HIGH] if day >= date(2026, 8, 1) else []  # the list took effect mid-quarter

    assert raised(points_on, [], date(2026, 10, 1)) == []
    assert rules(raised(points_on, [], date(2027, 1, 1))) == [("YP-01", WarningRule.NO_GUIDANCE, "2026Q4")]
