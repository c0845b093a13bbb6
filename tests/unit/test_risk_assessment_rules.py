"""The periodic assessment report (seed 002 第二十一条): an authority's setting
(quarterly or yearly, due N days after the period on the working-day
calendar); a report refused for a period not yet over — on its last day too —
and accepted the next day; submitted once, as a snapshot with its SHA-256;
late when after the deadline; the 总结评估 required; only the authority's own
staff submit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.errors import Conflict, InvalidInput, NotAllowed, WrongState
from ledger.register_reports.values import DayCounting
from ledger.risk_assessment import RiskAssessmentReport
from ledger.risk_assessment.commands import SetAssessmentSchedule, SubmitRiskAssessment
from ledger.risk_assessment.values import (
    Basics,
    Comparison,
    Period,
    PeriodKind,
    PointLine,
    Schedule,
    Sections,
    Summary,
    assessment_due,
    canonical,
    latest_ended,
    parse_period,
    snapshot_sha256,
)
from ledger.values import CST
from tests.builders import ADMIN, FIRE_STAFF, MARKET, MARKET_STAFF, SUPERVISOR, ctx, fixed_clock
from tests.unit.test_four_lists import log_position

Q3 = Period(kind=PeriodKind.QUARTER, year=2026, number=3)
SUMMARY = Summary(experience="提前公布风险点，主动上门提示", problems="部分个体户仍不了解风险点", suggestions="加大短视频宣传")


def submit(period: Period = Q3, **over) -> SubmitRiskAssessment:
    values = dict(authority=MARKET, period=period, summary=SUMMARY)
    values.update(over)
    return SubmitRiskAssessment(**values)


def refused(app, call, error, code: str):
    before = log_position(app)
    with pytest.raises(error) as raised:
        call()
    assert raised.value.code == code or (isinstance(raised.value, InvalidInput)
                                         and code in {e.code for e in raised.value.errors}), raised.value
    assert log_position(app) == before, "a refused command appended to the log"
    return raised.value


def test_periods_their_days_labels_and_the_same_period_last_year():
    assert (Q3.first_day, Q3.last_day, Q3.label, Q3.key) == (date(2026, 7, 1), date(2026, 9, 30), "2026年第三季度",
                                                             "2026-Q3")
    year = Period(kind=PeriodKind.YEAR, year=2026)
    assert (year.first_day, year.last_day, year.label, year.key) == (date(2026, 1, 1), date(2026, 12, 31), "2026年度",
                                                                     "2026")
    assert Period(kind=PeriodKind.QUARTER, year=2024, number=1).last_day == date(2024, 3, 31)
    assert Q3.last_year() == Period(kind=PeriodKind.QUARTER, year=2025, number=3)
    assert parse_period("2026-q3") == Q3 and parse_period("2026") == year
    assert [parse_period(t) for t in ("2026-Q5", "1999", "2026-", "x", "2026-Q12")] == [None] * 5
    assert latest_ended(PeriodKind.QUARTER, date(2026, 10, 1)) == Q3
    assert latest_ended(PeriodKind.QUARTER, date(2026, 1, 1)) == Period(kind=PeriodKind.QUARTER, year=2025, number=4)
    assert latest_ended(PeriodKind.YEAR, date(2026, 12, 31)) == Period(kind=PeriodKind.YEAR, year=2025)


def test_a_report_is_due_fifteen_working_days_after_its_period_or_fifteen_calendar_days(memory_ledger):
    calendar = memory_ledger._view(memory_ledger.calendar(for_update=False))
    q2 = Period(kind=PeriodKind.QUARTER, year=2026, number=2)  # ends Tuesday 2026-06-30; July has no holiday
    due = assessment_due(q2, Schedule(), calendar)
    assert (due.start, due.due_on, due.days, due.provisional) == (date(2026, 7, 1), date(2026, 7, 21), 15, False)
    assert assessment_due(q2, Schedule(counting=DayCounting.CALENDAR), calendar).due_on == date(2026, 7, 15)
    # the National Day holiday is not counted: Q3's 15th working day falls well after 10-21
    assert assessment_due(Q3, Schedule(), calendar).due_on > date(2026, 10, 21)


def test_the_snapshot_hash_is_over_the_canonical_form_and_changes_with_any_section():
    sections = Sections(basics=Basics(), measures=(), comparison=Comparison(before_label="2025年第三季度"))
    first = snapshot_sha256(MARKET, Q3, sections, SUMMARY)
    assert canonical(MARKET, Q3, sections, SUMMARY).startswith(b'{"authority":"' + MARKET.encode() + b'","period":')
    assert len(first) == 64 and first == snapshot_sha256(MARKET, Q3, sections, SUMMARY)
    other = Sections(basics=Basics(edition="2026版", points=(PointLine(
        code="SP-01", category="餐饮", point="无证经营", grade="高", legal_basis="食品安全法", measures="提示", cited=1),)),
        measures=(), comparison=sections.comparison)
    assert snapshot_sha256(MARKET, Q3, other, SUMMARY) != first


@pytest.mark.parametrize("moment, accepted", [
    (datetime(2026, 9, 30, 23, 59, 59, tzinfo=CST), False),  # the period's last day: not over yet
    (datetime(2026, 10, 1, 0, 0, tzinfo=CST), True),  # the next day
])
def test_a_report_for_a_period_not_yet_over_is_refused_on_its_last_day_and_accepted_the_next(memory_ledger, moment,
                                                                                            accepted):
    memory_ledger.clock = fixed_clock(moment)
    if accepted:
        result = memory_ledger.execute(ctx(MARKET_STAFF), submit())
        assert result.record_id == RiskAssessmentReport.create_id(MARKET, Q3) and result.number == "2026-Q3"
    else:
        error = refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit()), InvalidInput,
                        "period_not_over")
        assert error.errors[0].field == "period" and "尚未结束" in error.errors[0].message


def test_a_report_is_submitted_once_as_a_snapshot_and_is_late_after_its_deadline(memory_ledger):
    # the clock (2026-11-20) is past Q3's deadline
    result = memory_ledger.execute(ctx(MARKET_STAFF), submit())
    report = memory_ledger.risk_assessment_visible(ctx(SUPERVISOR), result.record_id)
    assert report.late and report.snapshot.summary == SUMMARY and report.snapshot.submitted_by == MARKET_STAFF.name
    assert report.snapshot.sha256 == snapshot_sha256(MARKET, Q3, report.snapshot.sections, SUMMARY)
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit()), WrongState, "already_submitted")


def test_a_report_submitted_on_its_due_day_is_on_time(memory_ledger):
    memory_ledger.clock = fixed_clock(datetime(2026, 7, 21, 23, 0, tzinfo=CST))
    q2 = Period(kind=PeriodKind.QUARTER, year=2026, number=2)
    result = memory_ledger.execute(ctx(MARKET_STAFF), submit(q2))
    assert not memory_ledger.risk_assessment_visible(ctx(MARKET_STAFF), result.record_id).late


def test_the_summary_is_required_field_by_field_and_nothing_is_written(memory_ledger):
    error = refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit(
        summary=Summary(experience=" ", problems="", suggestions="加强宣传"))), InvalidInput, "required")
    assert {e.field for e in error.errors} == {"summary.experience", "summary.problems"}


def test_only_the_authoritys_own_staff_submit_and_a_typed_time_is_refused(memory_ledger):
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(FIRE_STAFF), submit()), InvalidInput, "other_unit")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), submit()), NotAllowed, "role_not_allowed")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit(
        business_time=datetime(2026, 10, 2, tzinfo=CST))), InvalidInput, "not_allowed")


def test_a_report_the_submitter_did_not_see_is_refused_as_a_conflict(memory_ledger):
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit(sections_sha256="0" * 64)), Conflict,
            "conflict")


def test_the_schedule_decides_the_period_kind_and_the_deadline(memory_ledger):
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), SetAssessmentSchedule(
        authority=MARKET, period=PeriodKind.YEAR)), NotAllowed, "scheduler_only")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(ADMIN), SetAssessmentSchedule(
        authority=MARKET, period=PeriodKind.YEAR, due_days=0)), InvalidInput, "out_of_range")
    memory_ledger.execute(ctx(SUPERVISOR), SetAssessmentSchedule(authority=MARKET, period=PeriodKind.YEAR, due_days=20,
                                                                  counting=DayCounting.CALENDAR))
    assert memory_ledger.assessment_schedule(MARKET) == Schedule(period=PeriodKind.YEAR, due_days=20,
                                                                 counting=DayCounting.CALENDAR)
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), submit()), InvalidInput, "wrong_kind")
    year = Period(kind=PeriodKind.YEAR, year=2025)
    assert memory_ledger.risk_assessment_due(MARKET, year).due_on == date(2026, 1, 20)
    memory_ledger.execute(ctx(MARKET_STAFF), submit(year))
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), SetAssessmentSchedule(
        authority=MARKET, period=PeriodKind.YEAR, due_days=20, counting=DayCounting.CALENDAR)), InvalidInput,
            "unchanged")
