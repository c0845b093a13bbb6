"""The feedback view on SQLite and PostgreSQL: incremental equals a rebuild
and the as-of fold; the late queue per collecting unit; the letters of both
sources (forms and reversals) in one number series; scopes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ledger.feedback.commands import VerifySuggestionLetter
from ledger.feedback.values import BoxKind, BoxSite
from ledger.scope import Reach, console_scope, scope_for
from ledger.supervision.commands import AnswerObjection, ConfirmReversal
from ledger.values import CST, Role
from projections.feedback import TABLES, FeedbackProjection
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import FIRE, MARKET, SUPERVISOR, ctx
from tests.feedback_builders import (
    BUREAU,
    CHEN,
    OFFICE,
    TOWN_CENTRE,
    WANG,
    WU,
    answer_cmd,
    box_with_form,
    check_cmd,
    form_cmd,
    install_cmd,
    letter_cmd,
)
from tests.integration.test_projections import dump, log_count_and_head
from tests.unit.test_four_lists import object_cmd, reversed_case

EVERY = console_scope(Reach.SUPERVISION)
TODAY = date(2026, 11, 20)


def project(settings: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, FeedbackProjection(), batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def folded_tables(folded: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {t.name: [row for _, row in sorted(folded.get(t.name, {}).items())] for t in TABLES}


def everything(ledger) -> dict[str, Any]:
    """Two boxes (one empty month, one month with letters and no form), forms
    on time and late, a letter from a form answered and verified, one issued
    again, and a reversal's objection answered, objected to again, confirmed."""
    box, form = box_with_form(ledger)
    mailbox = ledger.execute(ctx(WU), install_cmd(kind=BoxKind.MAILBOX, address="rc-sfs@example.cn")).record_id
    ledger.execute(ctx(CHEN), check_cmd(mailbox, received=0, note=""))
    ledger.execute(ctx(CHEN), check_cmd(mailbox, month="2026-09", received=3, note="来信3封",
                                        business_time=datetime(2026, 10, 9, 9, tzinfo=CST)))
    late_form = ledger.execute(ctx(CHEN), form_cmd(month="2026-09")).record_id  # filled in 20 November
    bureau_mailbox = ledger.execute(ctx(WU), install_cmd(
        site=BoxSite.JUSTICE_BUREAU, kind=BoxKind.MAILBOX, site_name="司法局", address="sfj@example.cn",
        collecting_unit=BUREAU, keeper=WU.id)).record_id
    ledger.execute(ctx(WU), check_cmd(bureau_mailbox, month="2026-11", received=1, note="来信1封"))  # due 7 December
    from_form = ledger.execute(ctx(WU), letter_cmd(form_id=form))
    ledger.execute(ctx(WANG), answer_cmd(from_form.record_id))
    ledger.execute(ctx(WU), VerifySuggestionLetter(letter_id=from_form.record_id, comment="整改到位"))
    first = ledger.execute(ctx(WU), letter_cmd(unit=FIRE, problems="消防检查未出具书面意见"))
    again = ledger.execute(ctx(WU), letter_cmd(unit=FIRE, follows=first.record_id, problems="仍未出具书面意见"))
    _, (review,) = reversed_case(ledger, "张市监罚〔2025〕118号")
    objection = ledger.execute(ctx(SUPERVISOR), object_cmd(review))
    ledger.execute(ctx(WANG), AnswerObjection(review_id=review, reply="已补充书面说明"))
    second = ledger.execute(ctx(SUPERVISOR), object_cmd(review, problems="仍未说明危害后果"))
    ledger.execute(ctx(WANG), AnswerObjection(review_id=review, reply="已说明"))
    ledger.execute(ctx(SUPERVISOR), ConfirmReversal(review_id=review))
    return dict(box=str(box), form=str(form), mailbox=str(mailbox), late_form=str(late_form), review=str(review),
                from_form=from_form, first=first, again=again, objection=objection, second=second,
                bureau_mailbox=str(bureau_mailbox))


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    everything(ledger)
    project(store_settings)
    incremental = dump(store_settings, FeedbackProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert len(incremental["suggestion_letter"]) == 5 and len(incremental["feedback_form"]) == 2
    assert rebuild(store_settings, FeedbackProjection()) == head
    assert dump(store_settings, FeedbackProjection()) == incremental
    folded = folded_tables(fold_as_of(store_settings, FeedbackProjection(), head))
    assert folded == {t.name: incremental[t.name] for t in TABLES}


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    everything(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 3, head // 2, head - 3, head - 1):
        project(store_settings, upto=cut)
        live = dump(store_settings, FeedbackProjection())
        assert folded_tables(fold_as_of(store_settings, FeedbackProjection(), cut)) == {t.name: live[t.name] for t in TABLES}


def test_letters_of_both_sources_share_one_series_with_their_states(ledger, store_settings):
    ids = everything(ledger)
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        letters = views.suggestion_letters(EVERY)
        by_number = {r["number"]: r for r in letters}
        assert [r["number"] for r in letters] == [f"2026年第{n}号" for n in (5, 4, 3, 2, 1)]
        assert ids["from_form"].number == "2026年第1号" and ids["objection"].number == "2026年第4号"
        assert by_number["2026年第1号"]["state"] == "verified" and by_number["2026年第1号"]["form_id"] == ids["form"]
        assert (by_number["2026年第2号"]["state"], by_number["2026年第2号"]["reissued_as"]) == ("reissued", "2026年第3号")
        assert (by_number["2026年第3号"]["follows_number"], by_number["2026年第3号"]["state"]) == ("2026年第2号", "issued")
        objection, second = by_number["2026年第4号"], by_number["2026年第5号"]
        assert (objection["source"], objection["unit"], objection["state"]) == ("reversal", MARKET, "reissued")
        assert (second["state"], second["review_id"], second["follows_number"]) == ("verified", ids["review"], "2026年第4号")
        assert second["source_label"] == "处罚撤销审查"
        # the form names the letter issued from it
        form = views.feedback_form_row(EVERY, ids["form"])
        assert (form["letters"], form["letter_numbers"]) == (1, "2026年第1号")
        # an addressed unit reads its letters only; the 司法所 none of them
        market = scope_for(Role.UNIT_STAFF, MARKET, Reach.SUPERVISION)
        assert {r["unit"] for r in views.suggestion_letters(market)} == {MARKET}
        assert views.suggestion_letters(scope_for(Role.UNIT_STAFF, OFFICE, Reach.SUPERVISION)) == []
        assert views.suggestion_letter_row(market, by_number["2026年第2号"]["letter_id"]) is None
        assert [r["number"] for r in views.suggestion_letters(EVERY, state="issued")] == ["2026年第3号"]
    finally:
        views.close()


def test_the_late_queue_shows_checked_boxes_without_forms_and_late_forms_per_unit(ledger, store_settings):
    ids = everything(ledger)
    project(store_settings, batch_size=1000)
    views = Views(store_settings)
    try:
        late = views.feedback_late(EVERY, TODAY)
        # the box's October form came in on time; the mailbox's September had
        # letters and no form from the box (the late September form names a contact point)
        assert [(r["what"], r["unit"], r["month"], r["due_on"]) for r in late] == [
            ("late", OFFICE, "2026-09", "2026-10-08"),
            ("missing", OFFICE, "2026-09", "2026-10-08"),
        ]
        assert late[1]["box_id"] == ids["mailbox"] and late[0]["form_id"] == ids["late_form"]
        # on the due day itself nothing of October is late yet
        assert views.feedback_late(EVERY, date(2026, 10, 8)) == [r for r in late if r["what"] == "late"]
        office = scope_for(Role.UNIT_STAFF, OFFICE, Reach.SUPERVISION)
        assert views.feedback_late(office, TODAY) == late
        assert views.feedback_late(scope_for(Role.UNIT_STAFF, MARKET, Reach.SUPERVISION), TODAY) == []
        desk = views.feedback_dashboard(EVERY, TODAY)
        assert [(r["collecting_unit"], r["month"], r["forms_due"]) for r in desk["due"]] == [(BUREAU, "2026-11", "2026-12-07")]
        assert [r["number"] for r in desk["awaiting_answer"]] == ["2026年第3号"]
        assert desk["awaiting_verification"] == [] and len(desk["late"]) == 2
        checks = views.feedback_checks(office)
        assert {(r["month"], r["received"], r["forms"]) for r in checks} == {
            ("2026-10", 2, 1), ("2026-10", 0, 0), ("2026-09", 3, 0)}
        assert [r["note"] for r in checks if r["received"] == 0] == ["本月无意见建议"]
        assert {r["collecting_unit"] for r in views.feedback_boxes(EVERY)} == {OFFICE, BUREAU}
        assert [r["site_name"] for r in views.feedback_boxes(office)] == [TOWN_CENTRE, TOWN_CENTRE]
        assert [r["form_id"] for r in views.feedback_forms(office, late=True)] == [ids["late_form"]]
    finally:
        views.close()
