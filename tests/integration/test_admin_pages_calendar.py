"""The administrator's schedule form: the lines a clerk types from the State
Council's notice, and the confirmation step's question to the ledger — which
provisional deadlines recording the year would recompute — answered by the
same decision as the command, saving nothing."""

from __future__ import annotations

from datetime import date, datetime

import msgspec
import pytest

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import AcceptCase
from ledger.errors import InvalidInput, NotAllowed
from ledger.values import CST, DeadlineClass
from ledger.workdays import Holiday, YearSchedule
from ledger_http.web.admin.schedule import parse_schedule, spans
from tests.builders import ADMIN, REGISTRAR, book_cmd, ctx

NOTICE = """一、元旦：2027-01-01（周五）至 2027-01-04（周一）放假，共4天。
2月5日至11日 春节 放假
2027年2月14日（周日）上班
# a comment line, and a blank one

2027/2/20 班"""


def test_a_clerks_lines_are_read_as_holidays_and_make_up_days_with_ranges_weekdays_and_short_dates() -> None:
    text = parse_schedule(NOTICE, 2027)
    assert [(line.number, line.rest, line.name, len(line.days)) for line in text.lines] == [
        (1, True, "元旦", 4), (2, True, "春节", 7), (3, False, "", 1), (6, False, "", 1)]
    assert text.holidays[:4] == tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in (1, 2, 3, 4))
    assert text.holidays[-1] == Holiday(day=date(2027, 2, 11), name="春节")
    assert text.makeup == (date(2027, 2, 14), date(2027, 2, 20))
    assert text.holiday_lines == [1] * 4 + [2] * 7 and text.makeup_lines == [3, 6]
    assert spans(text.lines[1].days) == "2027-02-05（周五）至2027-02-11（周四）"


def test_every_bad_line_is_named_and_no_day_is_read() -> None:
    with pytest.raises(InvalidInput) as e:
        parse_schedule("2027-01-01 元旦\n2027-02-30 班\n2027-01-05 至 2027-01-02 某节 休\n1月1日 元旦 休\n至3日 休", 2027)
    assert [(f.field, f.message) for f in e.value.errors] == [
        ("days.1", "第1行：请在行末写明“休”（放假）或“班”（调休上班）"),
        ("days.2", "第2行：“2027-02-30”不是有效日期"),
        ("days.3", "第3行：结束日期2027-01-02早于开始日期2027-01-05"),
        ("days.5", "第5行：“3日”缺少月份"),
    ]
    with pytest.raises(InvalidInput) as e:
        parse_schedule("2027-01-01 元旦 休\n2027-01-01 至 2027-01-02 元旦 休\n2027-03-01 休", 2027)
    assert [f.message for f in e.value.errors] == ["第2行：2027-01-01已在第1行列出", "第3行：请写明节日名称，如“元旦”"]
    with pytest.raises(InvalidInput) as e:
        parse_schedule("  \n# nothing\n", 2027)
    assert e.value.errors[0].field == "days"


def year_2027() -> RecordYearSchedule:
    text = parse_schedule(NOTICE, 2027)
    return RecordYearSchedule(
        schedule=YearSchedule(year=2027, holidays=text.holidays, makeup_workdays=text.makeup, source="国务院办公厅通知"),
        basis="国办发明电〔2026〕7号",
    )


def test_the_preview_lists_the_provisional_deadlines_recording_recomputes_and_saves_nothing(store_settings) -> None:
    late = datetime(2026, 12, 30, 10, 0, tzinfo=CST)
    ledger = Ledger(store_settings, clock=lambda: late)
    try:
        case_id = ledger.book(ctx(REGISTRAR), book_cmd(business_time=late)).case_id
        number = ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, deadline_class=DeadlineClass.GENERAL)).number
        assert ledger.provisional_cases(2027) == (case_id,)
        head = ledger.recorder.max_notification_id()

        changes = ledger.year_schedule_effects(ctx(ADMIN), year_2027())
        assert ledger.recorder.max_notification_id() == head  # nothing written
        assert [(c.case_id, c.application_number) for c in changes] == [(case_id, number)]
        assert changes[0].previous == ledger.get_case(case_id).due  # the case itself unchanged
        assert changes[0].previous.limit.date() == date(2027, 1, 7) and changes[0].previous.provisional
        # 1–4 January rest: the fifth working day after 30 December is 8 January
        assert changes[0].due.limit.date() == date(2027, 1, 8) and not changes[0].due.provisional
        assert ledger.provisional_cases(2027) == (case_id,)

        ledger.record_year_schedule(ctx(ADMIN), year_2027())
        assert ledger.get_case(case_id).due == changes[0].due  # what the confirmation step showed
        assert ledger.provisional_cases(2027) == ()
        corrected = msgspec.structs.replace(year_2027().schedule, source="国务院办公厅通知（更正）")
        assert ledger.year_schedule_effects(ctx(ADMIN), RecordYearSchedule(schedule=corrected, basis="更正")) == []
    finally:
        ledger.close()


def test_the_preview_refuses_what_recording_refuses(store_settings) -> None:
    ledger = Ledger(store_settings)
    try:
        with pytest.raises(NotAllowed):
            ledger.year_schedule_effects(ctx(REGISTRAR), year_2027())
        bad = RecordYearSchedule(schedule=YearSchedule(year=2027, holidays=(), makeup_workdays=(date(2027, 2, 15),),
                                                       source="通知"), basis="国办发明电〔2026〕7号")
        with pytest.raises(InvalidInput) as e:
            ledger.year_schedule_effects(ctx(ADMIN), bad)
        assert e.value.errors[0].field == "makeup_workdays[0]"
        ledger.record_year_schedule(ctx(ADMIN), year_2027())
        with pytest.raises(InvalidInput) as e:
            ledger.year_schedule_effects(ctx(ADMIN), year_2027())
        assert e.value.errors[0].code == "unchanged"
    finally:
        ledger.close()
