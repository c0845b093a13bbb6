"""Supervision feedback rules (seed 003 四): boxes as the seed assigns them,
monthly checks, one problem per form due 次月5日前, letters to units the
directory knows, answered by the addressed unit and verified only once answered."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ledger.errors import InvalidInput, NotAllowed, NotFound, WrongState
from ledger.feedback import FeedbackForm, SuggestionBox, SuggestionLetter
from ledger.feedback.commands import VerifySuggestionLetter
from ledger.feedback.values import (
    EMPTY_NOTE,
    BoxKind,
    BoxSite,
    Collector,
    FeedbackSource,
    LetterState,
    collector_of,
    forms_due,
)
from ledger.supervision.commands import AnswerObjection
from ledger.values import CST
from ledger.workdays import WorkCalendarView, known_schedules_from_package
from tests.builders import SUPERVISOR, ctx
from tests.feedback_builders import (
    BUREAU,
    CHEN,
    OFFICE,
    SUN,
    WANG,
    WU,
    answer_cmd,
    box_with_form,
    check_cmd,
    form_cmd,
    install_cmd,
    letter_cmd,
    seed_feedback_directory,
)
from tests.unit.test_four_lists import object_cmd, reversed_case

CALENDAR = WorkCalendarView({s.year: s for s in known_schedules_from_package()})


def fields(e: InvalidInput) -> dict[str, str]:
    return {f.field: f.code for f in e.errors}


def events_after(ledger, fn) -> int:
    """How many events ``fn`` appended (to prove a refusal writes nothing)."""
    before = ledger.recorder.max_notification_id() or 0
    try:
        fn()
    finally:
        after = ledger.recorder.max_notification_id() or 0
    return after - before


# ------------------------------------------------------------------ due day


@pytest.mark.parametrize(("month", "due", "why"), [
    ("2026-10", "2026-11-05", "a Thursday: the 5th itself is the last day"),
    ("2026-09", "2026-10-08", "5 October is in the National Day holiday: the next working day"),
    ("2026-11", "2026-12-07", "5 December 2026 is a Saturday: Monday"),
    ("2026-03", "2026-04-07", "Qingming (4–6 April 2026) covers the 5th"),
    ("2026-12", "2027-01-05", "December's forms are due in January of the next year"),
    ("2025-09", "2025-10-09", "2025: the holiday runs to 8 October"),
])
def test_forms_are_due_on_the_5th_of_the_next_month_or_the_next_working_day(month, due, why):
    assert forms_due(month, CALENDAR) == date.fromisoformat(due), why


def test_a_year_without_a_recorded_schedule_rests_only_on_weekends_and_statutory_days():
    # 2031: no State Council notice in the package; 5 January 2031 is a Sunday
    assert not CALENDAR.knows(2031)
    assert forms_due("2030-12", CALENDAR) == date(2031, 1, 6)


def test_the_seed_assigns_each_box_its_collector():
    assert collector_of(BoxSite.JUSTICE_BUREAU, BoxKind.MAILBOX) is Collector.SUPERVISION
    assert collector_of(BoxSite.SERVICE_CENTRE, BoxKind.SUGGESTION_BOX) is Collector.SUPERVISION
    assert collector_of(BoxSite.SERVICE_CENTRE, BoxKind.MAILBOX) is Collector.CENTRE
    assert collector_of(BoxSite.TOWN_CENTRE, BoxKind.SUGGESTION_BOX) is Collector.JUSTICE_OFFICE
    assert collector_of(BoxSite.TOWN_CENTRE, BoxKind.MAILBOX) is Collector.JUSTICE_OFFICE


# -------------------------------------------------------------------- boxes


def test_a_town_centres_box_collected_by_the_supervision_department_is_refused(memory_ledger):
    seed_feedback_directory(memory_ledger)
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), install_cmd(collecting_unit=BUREAU, keeper=WU.id))
    assert fields(e.value) == {"collecting_unit": "wrong_collector"}


def test_a_service_centres_box_goes_to_the_supervision_department_with_a_keeper_of_it(memory_ledger):
    seed_feedback_directory(memory_ledger)
    cmd = install_cmd(site=BoxSite.SERVICE_CENTRE, site_name="市政务服务中心", collecting_unit=OFFICE, keeper=CHEN.id)
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), cmd)
    assert fields(e.value) == {"collecting_unit": "wrong_collector"}
    # the keeper must be of the collecting unit
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), install_cmd(keeper=WANG.id))
    assert fields(e.value) == {"keeper": "not_of_unit"}
    box_id = memory_ledger.execute(ctx(WU), install_cmd(
        site=BoxSite.SERVICE_CENTRE, site_name="市政务服务中心", collecting_unit=BUREAU, keeper=WU.id)).record_id
    box = memory_ledger.feedback_record(SuggestionBox, box_id)
    assert (box.collector, box.keeper.name) == (Collector.SUPERVISION, "吴监")


def test_only_the_supervision_department_installs_boxes_and_a_mailbox_needs_an_address(memory_ledger):
    seed_feedback_directory(memory_ledger)
    with pytest.raises(NotAllowed):
        memory_ledger.execute(ctx(CHEN), install_cmd())
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), install_cmd(kind=BoxKind.MAILBOX))
    assert fields(e.value) == {"address": "required"}
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), install_cmd(collecting_unit="不存在的司法所"))
    assert fields(e.value) == {"collecting_unit": "unknown_unit"}


def test_an_empty_month_is_recorded_and_a_month_is_checked_once(memory_ledger):
    seed_feedback_directory(memory_ledger)
    box_id = memory_ledger.execute(ctx(WU), install_cmd()).record_id
    memory_ledger.execute(ctx(CHEN), check_cmd(box_id, received=0, note=""))
    checked = [e for e in memory_ledger.events.get(box_id) if type(e).__name__ == "Checked"]
    assert (checked[0].note, checked[0].forms_due) == (EMPTY_NOTE, date(2026, 11, 5))
    assert events_after(memory_ledger, lambda: pytest.raises(InvalidInput, memory_ledger.execute, ctx(CHEN),
                                                             check_cmd(box_id))) == 0
    # a month not yet begun; a unit that does not collect the box
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(CHEN), check_cmd(box_id, month="2026-12"))
    assert fields(e.value) == {"month": "in_future"}
    with pytest.raises(NotFound):
        memory_ledger.execute(ctx(WANG), check_cmd(box_id, month="2026-09"))


# -------------------------------------------------------------------- forms


def test_a_form_without_source_or_description_is_refused_field_by_field_and_nothing_written(memory_ledger):
    seed_feedback_directory(memory_ledger)
    bad = form_cmd(source=None, problem="  ", suggestion="", category=None)

    def fill() -> None:
        with pytest.raises(InvalidInput) as e:
            memory_ledger.execute(ctx(CHEN), bad)
        assert fields(e.value) == {"source": "required", "problem": "required", "suggestion": "required",
                                   "category": "required"}
        assert "请选择情况来源" in str(e.value) and "问题描述不能为空" in str(e.value)

    assert events_after(memory_ledger, fill) == 0


def test_the_reviewer_is_another_user_of_the_collecting_unit(memory_ledger):
    seed_feedback_directory(memory_ledger)
    for reviewer, code in ((CHEN.id, "own_review"), (WANG.id, "not_of_unit"), ("nobody", "unknown_user"), ("", "required")):
        with pytest.raises(InvalidInput) as e:
            memory_ledger.execute(ctx(CHEN), form_cmd(reviewer=reviewer))
        assert fields(e.value) == {"reviewer": code}


def test_a_mailbox_source_names_a_box_the_unit_collects(memory_ledger):
    seed_feedback_directory(memory_ledger)
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(CHEN), form_cmd(source=FeedbackSource.MAILBOX, source_detail=""))
    assert fields(e.value) == {"box_id": "required"}
    bureau_box = memory_ledger.execute(ctx(WU), install_cmd(
        site=BoxSite.JUSTICE_BUREAU, kind=BoxKind.MAILBOX, site_name="司法局", address="sfj@example.cn",
        collecting_unit=BUREAU, keeper=WU.id)).record_id
    with pytest.raises(InvalidInput) as e:  # the 司法所 cannot see the bureau's mailbox
        memory_ledger.execute(ctx(CHEN), form_cmd(bureau_box))
    assert fields(e.value) == {"box_id": "unknown_box"}


def test_a_form_filled_in_after_the_due_day_is_late_and_on_the_day_is_not(memory_ledger):
    seed_feedback_directory(memory_ledger)
    on_day = memory_ledger.execute(ctx(CHEN), form_cmd(
        month="2026-09", business_time=datetime(2026, 10, 8, 17, 0, tzinfo=CST))).record_id
    after = memory_ledger.execute(ctx(CHEN), form_cmd(
        month="2026-09", business_time=datetime(2026, 10, 9, 9, 0, tzinfo=CST))).record_id
    first, second = (memory_ledger.feedback_record(FeedbackForm, i) for i in (on_day, after))
    assert (first.due_on, first.late, second.late) == (date(2026, 10, 8), False, True)


def test_auditors_and_administrators_fill_in_no_forms(memory_ledger):
    from tests.builders import ADMIN, AUDITOR
    seed_feedback_directory(memory_ledger)
    for who in (ADMIN, AUDITOR):
        with pytest.raises(NotAllowed):
            memory_ledger.execute(ctx(who), form_cmd())


# ------------------------------------------------------------------ letters


def test_a_letter_to_a_unit_that_does_not_exist_is_refused_and_takes_no_number(memory_ledger):
    seed_feedback_directory(memory_ledger)

    def issue() -> None:
        with pytest.raises(InvalidInput) as e:
            memory_ledger.execute(ctx(WU), letter_cmd(unit="不存在的执法局", problems="", reply_due=date(2026, 11, 20)))
        assert fields(e.value) == {"unit": "unknown_unit", "problems": "required", "reply_due": "not_in_future"}

    assert events_after(memory_ledger, issue) == 0
    first = memory_ledger.execute(ctx(WU), letter_cmd())
    assert first.number == "2026年第1号"  # the refused one took none
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), letter_cmd(unit=BUREAU))
    assert fields(e.value) == {"unit": "not_enforcement"}


def test_only_supervisors_issue_letters(memory_ledger):
    seed_feedback_directory(memory_ledger)
    for who in (CHEN, WANG):
        with pytest.raises(NotAllowed):
            memory_ledger.execute(ctx(who), letter_cmd())


def test_a_letter_from_a_form_is_answered_by_the_addressed_unit_and_verified(memory_ledger):
    _, form_id = box_with_form(memory_ledger)
    letter_id = memory_ledger.execute(ctx(WU), letter_cmd(form_id=form_id)).record_id
    # verifying an unanswered letter is refused, and writes nothing
    assert events_after(memory_ledger, lambda: pytest.raises(
        WrongState, memory_ledger.execute, ctx(WU), VerifySuggestionLetter(letter_id=letter_id))) == 0
    # another unit does not know the letter exists; the 司法所 neither
    for who in (SUN, CHEN):
        with pytest.raises(NotFound):
            memory_ledger.execute(ctx(who), answer_cmd(letter_id))
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WANG), answer_cmd(letter_id, reply=""))
    assert fields(e.value) == {"reply": "required"}
    memory_ledger.execute(ctx(WANG), answer_cmd(letter_id))
    with pytest.raises(WrongState):
        memory_ledger.execute(ctx(WANG), answer_cmd(letter_id))
    with pytest.raises(NotAllowed):  # the addressed unit does not verify itself
        memory_ledger.execute(ctx(WANG), VerifySuggestionLetter(letter_id=letter_id))
    memory_ledger.execute(ctx(WU), VerifySuggestionLetter(letter_id=letter_id, comment="经回访企业，已整改到位"))
    letter = memory_ledger.feedback_record(SuggestionLetter, letter_id)
    assert (letter.state, letter.form_id, letter.source.value) == (LetterState.VERIFIED, form_id, "feedback")


def test_a_letter_issued_again_cites_the_first_and_closes_it(memory_ledger):
    seed_feedback_directory(memory_ledger)
    first = memory_ledger.execute(ctx(WU), letter_cmd()).record_id
    memory_ledger.execute(ctx(WANG), answer_cmd(first))
    with pytest.raises(InvalidInput) as e:
        memory_ledger.execute(ctx(WU), letter_cmd(follows=first, unit="消防救援支队"))
    assert fields(e.value) == {"unit": "not_the_same_unit"}
    again = memory_ledger.execute(ctx(WU), letter_cmd(follows=first, problems="答复所称检查计划未落实"))
    assert again.number == "2026年第2号"
    old, new = (memory_ledger.feedback_record(SuggestionLetter, i) for i in (first, again.record_id))
    assert (old.state, new.follows_id, str(new.follows_number)) == (LetterState.REISSUED, first, "2026年第1号")
    with pytest.raises(WrongState):
        memory_ledger.execute(ctx(WU), letter_cmd(follows=first))
    with pytest.raises(WrongState):
        memory_ledger.execute(ctx(WU), VerifySuggestionLetter(letter_id=first))


def test_letters_and_objections_to_reversals_share_one_number_series(memory_ledger):
    """A new letter takes the next number of the series the objections take
    (the supervising unit's 整改建议书 counter of the year), and an objection
    after it the one after; the review keeps its own letters."""
    seed_feedback_directory(memory_ledger)
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    objection = memory_ledger.execute(ctx(SUPERVISOR), object_cmd(review_id))
    letter = memory_ledger.execute(ctx(WU), letter_cmd())
    assert SUPERVISOR.unit == WU.unit == BUREAU
    assert (objection.number, letter.number) == ("2026年第1号", "2026年第2号")
    memory_ledger.execute(ctx(WANG), AnswerObjection(review_id=review_id, reply="已补充书面说明"))
    again = memory_ledger.execute(ctx(SUPERVISOR), object_cmd(review_id, problems="仍未说明危害后果"))
    assert again.number == "2026年第3号"
    assert [str(n) for n in memory_ledger.review(review_id).letters] == ["2026年第1号", "2026年第3号"]
