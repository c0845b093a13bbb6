"""The quarterly register report (seed 004 六), its rules with their boundary
values: the 5th working day of a quarter across the National Day holiday, a
quarter ending on 31 December before the next year's schedule is recorded
(provisional), the quarter not yet over, a second submission that is not a
correction, the office's steps in their order, and the canonical form the
snapshot's SHA-256 is computed over."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from ledger.application import Ledger
from ledger.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.register_reports import RegisterConsolidation, RegisterReport
from ledger.register_reports.commands import (
    ConsolidateRegisterReports,
    CorrectRegisterReport,
    ForwardRegisterConsolidation,
    ReceiveRegisterReport,
    ReturnRegisterReport,
    SubmitRegisterReport,
)
from ledger.register_reports.values import (
    DayCounting,
    RegisterLine,
    ReportState,
    canonical_snapshot,
    explain,
    forward_due,
    previous_quarter,
    report_due,
    snapshot_sha256,
)
from ledger.settings import Settings
from ledger.values import CST
from ledger.workdays import WorkCalendarView, known_schedules_from_package
from tests.builders import DISPATCHER, FIRE_STAFF, MARKET, MARKET_STAFF, REGISTRAR, SUPERVISOR, ctx

CALENDAR = WorkCalendarView({s.year: s for s in known_schedules_from_package()})
WORKING, CALENDAR_DAYS = DayCounting.WORKING, DayCounting.CALENDAR
XLSX = "ab" * 32
LINES = (
    RegisterLine(seq=1, time="2026年8月3日", matter="鲁味轩餐饮有限公司：提示提醒（食品经营许可延续）",
                 result="已按期提出延续申请", staff="王磊、赵静", source="guidance", ref="g-1"),
    RegisterLine(seq=2, time="2026年9月21日", matter="某超市：合规指导（进货查验台账）", result="建立台账",
                 staff="王磊", source="case", ref="c-1"),
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def memory(now: datetime, report_days: str = "working") -> Ledger:
    return Ledger(Settings(backend="sqlite", report_days=report_days), env={"PERSISTENCE_MODULE": "eventsourcing.popo"},
                  clock=lambda: now)


@pytest.fixture
def october() -> Iterator[Ledger]:
    """A ledger whose clock stands on 9 October 2026, within Q3's reporting period."""
    app = memory(at("2026-10-09T10:00:00"))
    yield app
    app.close()


def submit(app: Ledger, actor=MARKET_STAFF, unit: str = MARKET, year: int = 2026, quarter: int = 3,
           lines=LINES, **over) -> str:
    cmd = SubmitRegisterReport(unit=unit, year=year, quarter=quarter, lines=lines, xlsx_sha256=XLSX, **over)
    return app.execute(ctx(actor), cmd).record_id


def head(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


def codes(e: pytest.ExceptionInfo) -> list[tuple[str, str]]:
    return [(f.field, f.code) for f in e.value.errors]


# ------------------------------------------------------------------ deadlines


def test_the_fifth_working_day_after_1_october_skips_the_national_day_holiday_and_counts_the_makeup_saturday():
    due = report_due(2026, 3, WORKING, CALENDAR)
    # 1–7 October 2026 rest (国庆节、中秋节), Saturday 10 October is worked (调休)
    workdays = [d for d in (date(2026, 10, 1) + timedelta(days=n) for n in range(20)) if chinese_calendar.is_workday(d)]
    assert workdays[:5] == [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12),
                            date(2026, 10, 13)]
    assert (due.start, due.due_on, due.provisional) == (date(2026, 10, 1), workdays[4], False)
    assert due.due_at == datetime(2026, 10, 13, 23, 59, 59, tzinfo=CST)
    lines = explain(due, CALENDAR, "报送期限")
    assert lines[1].startswith("10月01日 国庆节放假，不计")
    assert any(li.startswith("10月10日 周六，调休上班，计入，第3个工作日") for li in lines)
    assert "第5个工作日 2026年10月13日 24时前为期限" in lines
    assert any(li.startswith("2026年节假日安排已登记") for li in lines)


def test_in_calendar_days_the_register_is_due_on_the_fifth_of_the_quarters_first_month():
    assert report_due(2026, 3, CALENDAR_DAYS, CALENDAR).due_on == date(2026, 10, 5)
    assert report_due(2026, 4, CALENDAR_DAYS, CALENDAR).due_on == date(2027, 1, 5)
    assert explain(report_due(2026, 3, CALENDAR_DAYS, CALENDAR), CALENDAR, "报送期限")[-1] == \
        "第5日 2026年10月05日 24时前为期限"


def test_a_quarter_ending_on_31_december_before_the_next_years_schedule_is_recorded_is_due_provisionally():
    assert not CALENDAR.knows(2027)
    due = report_due(2026, 4, WORKING, CALENDAR)
    # 1 January 2027 (a Friday) rests by statute; the weekend; then Monday to Friday
    assert (due.start, due.due_on) == (date(2027, 1, 1), date(2027, 1, 8))
    assert due.provisional and due.assumed_years == (2027,)
    lines = explain(due, CALENDAR, "报送期限")
    assert lines[1].startswith("01月01日 元旦（按法定节假日推定）放假，不计")
    assert lines[-1].startswith("2027年节假日安排尚未登记") and "暂定" in lines[-1]


def test_the_office_forwards_within_three_working_days_after_the_day_it_consolidated():
    # consolidated on Friday 30 September 2026: the holiday follows, then Thursday, Friday, the make-up Saturday
    due = forward_due(date(2026, 9, 30), WORKING, CALENDAR)
    assert (due.start, due.due_on, due.provisional) == (date(2026, 10, 1), date(2026, 10, 10), False)
    assert forward_due(date(2026, 9, 30), CALENDAR_DAYS, CALENDAR).due_on == date(2026, 10, 3)
    assert forward_due(date(2026, 12, 30), WORKING, CALENDAR).provisional


@pytest.mark.parametrize(("day", "quarter"), [(date(2026, 1, 1), (2025, 4)), (date(2026, 3, 31), (2025, 4)),
                                              (date(2026, 4, 1), (2026, 1)), (date(2026, 12, 31), (2026, 3))])
def test_the_quarter_reported_is_the_one_before_today(day: date, quarter: tuple[int, int]):
    assert previous_quarter(day) == quarter


def test_the_day_counting_is_a_setting_that_defaults_to_working_days():
    assert Settings.from_env({}).report_days == "working"
    assert Settings.from_env({"LEDGER_REPORT_DAYS": "Calendar"}).report_days == "calendar"
    assert Settings.from_env({"LEDGER_REPORT_DAYS": "calendar"}).to_env()["LEDGER_REPORT_DAYS"] == "calendar"
    with pytest.raises(ValueError, match="LEDGER_REPORT_DAYS"):
        Settings.from_env({"LEDGER_REPORT_DAYS": "weekdays"})


# ----------------------------------------------------------- the canonical form


def test_the_snapshot_hash_is_sha256_of_the_documented_canonical_json():
    data = canonical_snapshot(MARKET, 2026, 3, LINES[:1])
    expected = ('{"unit":"' + MARKET + '","year":2026,"quarter":3,"lines":[{"seq":1,"time":"2026年8月3日",'
                '"matter":"鲁味轩餐饮有限公司：提示提醒（食品经营许可延续）","result":"已按期提出延续申请",'
                '"staff":"王磊、赵静","source":"guidance","ref":"g-1"}]}').encode("utf-8")
    assert data == expected
    assert snapshot_sha256(MARKET, 2026, 3, LINES[:1]) == hashlib.sha256(expected).hexdigest()
    # what json.dumps writes, and it reads back to the same lines
    assert json.loads(data)["lines"][0]["matter"] == LINES[0].matter


def test_any_change_of_a_line_its_order_or_the_period_changes_the_hash():
    base = snapshot_sha256(MARKET, 2026, 3, LINES)
    reordered = tuple(RegisterLine(**{**{f: getattr(li, f) for f in li.__struct_fields__}, "seq": i + 1})
                      for i, li in enumerate(reversed(LINES)))
    quoted = (RegisterLine(seq=1, time="2026年8月3日", matter='引号"与\\反斜杠\n换行', result="", staff="王磊"),)
    others = {snapshot_sha256(MARKET, 2026, 3, reordered), snapshot_sha256(MARKET, 2026, 2, LINES),
              snapshot_sha256("消防救援支队", 2026, 3, LINES), snapshot_sha256(MARKET, 2026, 3, LINES[:1]),
              snapshot_sha256(MARKET, 2026, 3, quoted), snapshot_sha256(MARKET, 2026, 3, ())}
    assert base not in others and len(others) == 6
    assert canonical_snapshot(MARKET, 2026, 3, quoted).count(b'\\"') == 1  # escaped as JSON requires


# ------------------------------------------------------------- the unit submits


def test_a_unit_submits_last_quarters_register_on_time_with_its_snapshot(october: Ledger):
    report = october.get_register_report(submit(october))
    assert (report.unit, report.year, report.quarter, report.state) == (MARKET, 2026, 3, ReportState.SUBMITTED)
    assert report.id == RegisterReport.create_id(MARKET, 2026, 3)
    v = report.latest
    assert v.number == 1 and v.snapshot.lines == LINES and v.submitted_by == MARKET_STAFF.name
    assert v.snapshot.sha256 == snapshot_sha256(MARKET, 2026, 3, LINES) and v.snapshot.xlsx_sha256 == XLSX
    assert report.due.due_on == date(2026, 10, 13) and not report.late


@pytest.mark.parametrize(("now", "late"), [("2026-10-13T23:59:59", False), ("2026-10-14T00:00:00", True)])
def test_a_submission_after_the_end_of_the_fifth_working_day_is_late(now: str, late: bool):
    app = memory(at(now))
    try:
        assert app.get_register_report(submit(app)).late is late
    finally:
        app.close()


def test_in_calendar_days_a_submission_on_6_october_is_late():
    app = memory(at("2026-10-06T09:00:00"), report_days="calendar")
    try:
        report = app.get_register_report(submit(app))
        assert report.due.counting is CALENDAR_DAYS and report.due.due_on == date(2026, 10, 5) and report.late
    finally:
        app.close()


@pytest.mark.parametrize(("now", "refused"), [("2026-12-31T23:59:59", True), ("2027-01-01T00:00:00", False)])
def test_a_report_for_a_quarter_not_yet_over_is_refused_and_writes_nothing(now: str, refused: bool):
    app = memory(at(now))
    try:
        if refused:
            with pytest.raises(InvalidInput) as e:
                submit(app, quarter=4)
            assert codes(e) == [("quarter", "quarter_not_over")]
            assert "2026年第4季度至2026年12月31日结束，尚未结束" in e.value.errors[0].message
            assert head(app) == 0
        else:
            report = app.get_register_report(submit(app, quarter=4))
            assert report.due.provisional and report.due.due_on == date(2027, 1, 8) and not report.late
    finally:
        app.close()


def test_a_second_submission_of_the_same_quarter_that_is_not_a_correction_is_refused(october: Ledger):
    submit(october)
    before = head(october)
    with pytest.raises(InvalidInput) as e:
        submit(october, lines=LINES[:1])
    assert codes(e) == [("quarter", "already_submitted")] and "再次报送须作为更正" in e.value.errors[0].message
    assert head(october) == before


def test_a_units_staff_submit_only_for_their_own_unit_and_only_unit_staff_submit(october: Ledger):
    with pytest.raises(InvalidInput) as e:
        submit(october, actor=FIRE_STAFF)
    assert codes(e) == [("unit", "other_unit")] and FIRE_STAFF.unit in e.value.errors[0].message
    for actor in (REGISTRAR, SUPERVISOR):
        with pytest.raises(NotAllowed):
            submit(october, actor=actor, unit=actor.unit)
    assert head(october) == 0


def test_a_submission_names_its_own_time_and_a_valid_period(october: Ledger):
    with pytest.raises(InvalidInput) as e:
        submit(october, business_time=at("2026-10-05T09:00:00"))
    assert codes(e) == [("business_time", "not_allowed")]
    with pytest.raises(InvalidInput) as e:
        submit(october, year=1999, quarter=5)
    assert codes(e) == [("year", "out_of_range"), ("quarter", "out_of_range")]
    with pytest.raises(InvalidInput) as e:
        submit(october, lines=(LINES[1],))
    assert codes(e) == [("lines[0].seq", "bad_sequence")]
    assert head(october) == 0


def test_a_register_that_changed_since_the_submitter_looked_is_not_submitted_unseen(october: Ledger):
    with pytest.raises(Conflict):
        submit(october, register_sha256=snapshot_sha256(MARKET, 2026, 3, LINES[:1]))
    assert head(october) == 0
    assert october.get_register_report(submit(october, register_sha256=snapshot_sha256(MARKET, 2026, 3, LINES)))


def test_the_pre_check_refuses_what_the_submission_would_and_writes_nothing(october: Ledger):
    due = october.check_register_submission(ctx(MARKET_STAFF), SubmitRegisterReport(unit=MARKET, year=2026, quarter=3))
    assert due.due_on == date(2026, 10, 13) and head(october) == 0
    with pytest.raises(InvalidInput):
        october.check_register_submission(ctx(MARKET_STAFF), SubmitRegisterReport(unit=MARKET, year=2026, quarter=4))
    submit(october)
    with pytest.raises(InvalidInput) as e:
        october.check_register_submission(ctx(MARKET_STAFF), SubmitRegisterReport(unit=MARKET, year=2026, quarter=3))
    assert codes(e) == [("quarter", "already_submitted")]


# --------------------------------------------------------------- the office


def test_the_office_receives_the_latest_version_once(october: Ledger):
    rid = submit(october)
    with pytest.raises(NotAllowed):
        october.execute(ctx(MARKET_STAFF), ReceiveRegisterReport(report_id=rid))
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid, version=2))
    assert codes(e) == [("version", "not_latest")]
    assert october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid, version=1)).number == "1"
    report = october.get_register_report(rid)
    assert report.state is ReportState.RECEIVED and report.latest.received_by == REGISTRAR.name
    with pytest.raises(WrongState):
        october.execute(ctx(DISPATCHER), ReceiveRegisterReport(report_id=rid))


def test_receiving_or_returning_an_unsubmitted_report_is_refused_by_field(october: Ledger):
    missing = RegisterReport.create_id(MARKET, 2026, 3)
    for cmd in (ReceiveRegisterReport(report_id=missing), ReturnRegisterReport(report_id=missing, reason="补报")):
        with pytest.raises(InvalidInput) as e:
            october.execute(ctx(REGISTRAR), cmd)
        assert codes(e) == [("report_id", "not_submitted")]
    with pytest.raises(NotFound):  # a unit's staff learn nothing of what they may not read
        october.execute(ctx(FIRE_STAFF), ReceiveRegisterReport(report_id=missing))
    assert head(october) == 0


def test_a_return_needs_its_reason_and_the_unit_then_corrects_without_one(october: Ledger):
    rid = submit(october)
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(REGISTRAR), ReturnRegisterReport(report_id=rid, reason=" "))
    assert codes(e) == [("reason", "required")]
    october.execute(ctx(REGISTRAR), ReturnRegisterReport(report_id=rid, reason="第2行指导结果不完整"))
    with pytest.raises(WrongState):
        october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid))
    fixed = (LINES[0], RegisterLine(**{**{f: getattr(LINES[1], f) for f in LINES[1].__struct_fields__},
                                       "result": "建立进货查验台账并经回访核实"}))
    with pytest.raises(InvalidInput) as e:  # the very same register again
        october.execute(ctx(MARKET_STAFF), CorrectRegisterReport(report_id=rid, corrects=1, lines=LINES,
                                                                 xlsx_sha256=XLSX))
    assert codes(e) == [("lines", "unchanged")]
    result = october.execute(ctx(MARKET_STAFF), CorrectRegisterReport(report_id=rid, corrects=1, lines=fixed,
                                                                      xlsx_sha256=XLSX))
    report = october.get_register_report(rid)
    assert result.number == "2" and report.state is ReportState.SUBMITTED
    assert [(v.number, v.corrects, v.return_reason) for v in report.versions] == [
        (1, 0, "第2行指导结果不完整"), (2, 1, "")]
    assert report.numbered(1).snapshot.lines == LINES and report.latest.snapshot.lines == fixed
    names = [type(e).__name__ for e in october.events.get(rid)]
    assert names == ["Submitted", "Returned", "Corrected"]


def test_a_correction_not_asked_for_needs_a_reason_and_cites_the_latest_version(october: Ledger):
    rid = submit(october)
    october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid))
    cmd = CorrectRegisterReport(report_id=rid, corrects=1, lines=LINES[:1], xlsx_sha256=XLSX)
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(MARKET_STAFF), cmd)
    assert codes(e) == [("reason", "required")]
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(MARKET_STAFF), CorrectRegisterReport(report_id=rid, corrects=2, reason="漏登", lines=LINES[:1],
                                                                 xlsx_sha256=XLSX))
    assert codes(e) == [("corrects", "not_latest")]
    with pytest.raises(NotFound):  # another unit's report is unknown to its staff
        october.execute(ctx(FIRE_STAFF), CorrectRegisterReport(report_id=rid, corrects=1, reason="x", lines=(),
                                                               xlsx_sha256=XLSX))
    october.execute(ctx(MARKET_STAFF), CorrectRegisterReport(report_id=rid, corrects=1, reason="第2行重复登记",
                                                             lines=LINES[:1], xlsx_sha256=XLSX))
    report = october.get_register_report(rid)
    assert report.state is ReportState.SUBMITTED and report.latest.reason == "第2行重复登记"
    assert report.versions[0].received_by == REGISTRAR.name  # what was received stays as it was


def test_consolidating_needs_a_received_report_and_takes_every_received_version(october: Ledger):
    cmd = ConsolidateRegisterReports(year=2026, quarter=3)
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(REGISTRAR), cmd)
    assert codes(e) == [("reports", "none_received")]
    market = submit(october)
    fire = submit(october, actor=FIRE_STAFF, unit=FIRE_STAFF.unit, lines=())
    with pytest.raises(InvalidInput) as e:  # submitted is not received
        october.execute(ctx(REGISTRAR), cmd)
    assert codes(e) == [("reports", "none_received")]
    with pytest.raises(NotAllowed):
        october.execute(ctx(MARKET_STAFF), cmd)
    before = head(october)
    october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=market))
    assert head(october) == before + 1
    result = october.execute(ctx(REGISTRAR), cmd)
    c = october.get_register_consolidation(result.record_id)
    assert c.id == RegisterConsolidation.create_id(REGISTRAR.unit, 2026, 3) and c.round == 1
    assert [(r.unit, r.version, r.lines) for r in c.reports] == [(MARKET, 1, 2)]
    # consolidated on 9 October (a working Friday): Saturday 10 (调休), Monday 12, Tuesday 13
    assert c.due.due_on == date(2026, 10, 13)
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(DISPATCHER), cmd)
    assert codes(e) == [("reports", "unchanged")]
    october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=fire))
    with pytest.raises(InvalidInput) as e:
        october.execute(ctx(DISPATCHER), cmd)
    assert codes(e) == [("reason", "required")]
    october.execute(ctx(DISPATCHER), ConsolidateRegisterReports(year=2026, quarter=3, reason="消防救援支队补报"))
    c = october.get_register_consolidation(result.record_id)
    assert c.round == 2 and [r.unit for r in c.reports] == sorted([MARKET, FIRE_STAFF.unit])


def test_forwarding_upward_needs_the_platforms_reference_a_sensible_date_and_happens_once(october: Ledger):
    rid = submit(october)
    october.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid))
    cid = october.execute(ctx(REGISTRAR), ConsolidateRegisterReports(year=2026, quarter=3)).record_id

    def forward(on: date, ref: str = "协同平台收文〔2026〕88号", actor=REGISTRAR):
        return october.execute(ctx(actor), ForwardRegisterConsolidation(consolidation_id=cid, forwarded_on=on,
                                                                        platform_ref=ref))

    with pytest.raises(InvalidInput) as e:
        forward(date(2026, 10, 8), ref=" ")
    assert codes(e) == [("forwarded_on", "before_consolidation"), ("platform_ref", "required")]
    with pytest.raises(InvalidInput) as e:
        forward(date(2026, 10, 10))
    assert codes(e) == [("forwarded_on", "in_future")]
    with pytest.raises(NotFound):
        forward(date(2026, 10, 9), actor=MARKET_STAFF)
    forward(date(2026, 10, 9))
    c = october.get_register_consolidation(cid)
    assert c.forwarding.platform_ref == "协同平台收文〔2026〕88号" and not c.forwarding.late
    with pytest.raises(WrongState):
        forward(date(2026, 10, 9))


@pytest.mark.parametrize(("on", "late"), [(date(2026, 10, 13), False), (date(2026, 10, 14), True)])
def test_a_forwarding_after_the_third_working_day_is_late(on: date, late: bool):
    app = memory(at("2026-10-09T10:00:00"))
    try:
        rid = submit(app)
        app.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid))
        cid = app.execute(ctx(REGISTRAR), ConsolidateRegisterReports(year=2026, quarter=3)).record_id
        app.clock = lambda: at("2026-10-20T09:00:00")
        app.execute(ctx(REGISTRAR), ForwardRegisterConsolidation(consolidation_id=cid, forwarded_on=on,
                                                                 platform_ref="回执0001"))
        assert app.get_register_consolidation(cid).forwarding.late is late
    finally:
        app.close()


def test_a_report_replays_from_its_events_to_the_same_state(october: Ledger):
    rid = submit(october)
    october.execute(ctx(REGISTRAR), ReturnRegisterReport(report_id=rid, reason="请补登9月的回访"))
    october.execute(ctx(MARKET_STAFF), CorrectRegisterReport(report_id=rid, corrects=1, lines=LINES[:1],
                                                             xlsx_sha256=XLSX))
    copy = october.repository.get(rid)
    replayed = None
    for e in october.events.get(rid):
        replayed = e.mutate(replayed)
    assert {k: v for k, v in vars(replayed).items() if not k.startswith("_")} == {
        k: v for k, v in vars(copy).items() if not k.startswith("_")}
    assert [v.number for v in replayed.versions] == [1, 2] and replayed.state is ReportState.SUBMITTED
