"""Every transition the guidance process forbids.

Each test checks that the command raises the named domain error (with its
stable code and, for ``InvalidInput``, the fields at fault) and that nothing
was appended: the case's history, its version and the whole notification log
(counters included) are exactly as they were before.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    CorrectRecord,
    DispatchCase,
    RecordFollowUp,
    RefuseCase,
    RemakePenalty,
    RevokePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Assignment,
    Contact,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    RatingMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Referral,
    ServiceForm,
    UnitEntry,
)
from ledger.errors import CaseNotFound, Conflict, Incomplete, InvalidInput, LedgerError, NotAllowed, WrongState
from ledger.identifiers import USCC_ALPHABET
from ledger.numbering import FormCounter
from ledger.values import DeadlineClass, FourList, PenaltyDecision, Person
from tests.builders import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    NOW,
    OTHER_STAFF,
    REGISTRAR,
    SUPERVISOR,
    T0,
    VALID_USCC,
    book_cmd,
    ctx,
    dispatched_case,
    joint_assignments,
    rate_cmd,
    rated_case,
    reversal,
    serve_cmd,
    single_assignment,
)

ACCEPT_AT = T0 + timedelta(minutes=10)
DISPATCH_AT = T0 + timedelta(hours=1)
SERVE_AT = T0 + timedelta(days=2)
FOLLOW_UP_AT = T0 + timedelta(days=3)
REVERSE_AT = T0 + timedelta(days=4)
ARCHIVE_AT = T0 + timedelta(days=5)
LATER = T0 + timedelta(days=6)


# ------------------------------------------------------------------ helpers


def book(ledger, **over):
    return ledger.book(ctx(REGISTRAR), book_cmd(**over)).case_id


def accept_cmd(case_id, **over) -> AcceptCase:
    values = dict(case_id=case_id, business_time=ACCEPT_AT, deadline_class=DeadlineClass.GENERAL)
    values.update(over)
    return AcceptCase(**values)


def accepted_case(ledger):
    case_id = book(ledger)
    ledger.accept(ctx(REGISTRAR), accept_cmd(case_id))
    return case_id


def refuse_cmd(case_id, **over) -> RefuseCase:
    values = dict(
        case_id=case_id,
        business_time=T0 + timedelta(minutes=20),
        reason="不属于指导服务范围",
        notice="请向区人民调解委员会申请调解",
        referral=Referral(body="区人民调解委员会", how_to_reach="电话0533-2345678"),
    )
    values.update(over)
    return RefuseCase(**values)


def refused_case(ledger):
    case_id = book(ledger)
    ledger.refuse(ctx(REGISTRAR), refuse_cmd(case_id))
    return case_id


def dispatch_cmd(case_id, joint=False, **over) -> DispatchCase:
    values = dict(
        case_id=case_id,
        business_time=DISPATCH_AT,
        assignments=joint_assignments() if joint else single_assignment(),
        form=ServiceForm.JOINT_VISIT if joint else ServiceForm.ONSITE_VISIT,
        lead_unit=MARKET if joint else None,
        agreed_time=SERVE_AT,
    )
    values.update(over)
    return DispatchCase(**values)


def served_case(ledger, joint=False, **over):
    case_id = dispatched_case(ledger, joint=joint)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, joint=joint, **over))
    return case_id


def follow_up_cmd(case_id, **over) -> RecordFollowUp:
    values = dict(
        case_id=case_id,
        business_time=FOLLOW_UP_AT,
        follow_up=FollowUp(on=date(2026, 11, 5), method=FollowUpMethod.PHONE, findings="已整改"),
    )
    values.update(over)
    return RecordFollowUp(**values)


def track_cmd(case_id, status=RectificationStatus.OPEN, evidence="", **over) -> TrackRectification:
    values = dict(
        case_id=case_id,
        business_time=FOLLOW_UP_AT,
        rectification=Rectification(
            penalty_decision="张市监罚〔2025〕118号",
            items=(
                RectificationItem(description="建立台账", due_on=date(2026, 11, 30), status=status, evidence=evidence),
            ),
        ),
    )
    values.update(over)
    return TrackRectification(**values)


def revoke_cmd(case_id, **over) -> RevokePenalty:
    values = dict(case_id=case_id, business_time=REVERSE_AT, reversal=reversal())
    values.update(over)
    return RevokePenalty(**values)


def remake_cmd(case_id, **over) -> RemakePenalty:
    values = dict(
        case_id=case_id,
        business_time=REVERSE_AT,
        reversal=reversal(FourList.LIGHTER, outcome="重新作出从轻处罚", new_sanction="罚款500元"),
    )
    values.update(over)
    return RemakePenalty(**values)


def withdraw_cmd(case_id, **over) -> WithdrawCase:
    values = dict(case_id=case_id, business_time=LATER, reason="申请人不再需要")
    values.update(over)
    return WithdrawCase(**values)


def archive_cmd(case_id, **over) -> ArchiveCase:
    values = dict(case_id=case_id, business_time=ARCHIVE_AT)
    values.update(over)
    return ArchiveCase(**values)


def correct_cmd(case_id, field="contact.phone", new="13800138000", corrects_version=1, **over) -> CorrectRecord:
    values = dict(
        case_id=case_id,
        business_time=LATER,
        basis="申请人来电更正",
        corrects_version=corrects_version,
        changes=(FieldChange(field=field, old="", new=new),),
    )
    values.update(over)
    return CorrectRecord(**values)


def annotate_cmd(case_id, **over) -> AnnotateCase:
    values = dict(case_id=case_id, business_time=LATER, note="请补充照片")
    values.update(over)
    return AnnotateCase(**values)


def archived_case(ledger):
    case_id = rated_case(ledger)
    ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    return case_id


def withdrawn_case(ledger):
    case_id = book(ledger)
    ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id, business_time=ACCEPT_AT))
    return case_id


def log_position(ledger) -> int:
    """The last position of the notification log."""
    return ledger.recorder.max_notification_id() or 0


def rejected(
    ledger,
    case_id,
    call: Callable[[], Any],
    error: type[LedgerError],
    code: str | None = None,
) -> LedgerError:
    """Run ``call``; it must raise ``error`` (with ``code``) and append nothing."""
    history_before = len(ledger.history(case_id))
    version_before = ledger.get_case(case_id).version
    state_before = ledger.get_case(case_id).state
    log_before = log_position(ledger)
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error
    if code is not None:
        assert info.value.code == code, str(info.value)
    assert len(ledger.history(case_id)) == history_before
    case = ledger.get_case(case_id)
    assert case.version == version_before
    assert case.state is state_before
    assert log_position(ledger) == log_before, "something was appended to the notification log"
    return info.value


def field_errors(error: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in error.errors}


def invalid(ledger, case_id, call, field: str, code: str) -> InvalidInput:
    error = rejected(ledger, case_id, call, InvalidInput, "invalid_input")
    assert field_errors(error) == {(field, code)}
    assert all(e.message for e in error.errors)  # a reason for the clerk, in Chinese
    return error


# ------------------------------------------------------------------ out-of-order steps


def test_a_case_cannot_be_rated_before_it_is_served(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id)), WrongState, "wrong_state")


def test_a_booked_case_cannot_be_rated(memory_ledger):
    case_id = book(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.rate(ctx(REGISTRAR), rate_cmd(case_id)), WrongState)


def test_a_refused_case_cannot_be_dispatched(memory_ledger):
    case_id = refused_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id)), WrongState, "wrong_state"
    )


def test_a_booked_but_unaccepted_case_cannot_be_dispatched(memory_ledger):
    case_id = book(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id)), WrongState)


def test_an_undispatched_case_is_unknown_to_unit_staff_and_cannot_be_served(memory_ledger):
    # visibility comes before state: no unit has the case yet, so no unit learns its state
    case_id = accepted_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id)), CaseNotFound, "case_not_found"
    )


def test_a_served_case_cannot_be_served_again(memory_ledger):
    case_id = served_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id)), WrongState)


def test_a_served_case_cannot_be_redispatched(memory_ledger):
    case_id = served_case(memory_ledger)
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, redispatch_reason="改派")),
        WrongState,
    )


def test_a_case_cannot_be_accepted_twice(memory_ledger):
    case_id = accepted_case(memory_ledger)
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.accept(ctx(REGISTRAR), accept_cmd(case_id, business_time=ACCEPT_AT + timedelta(minutes=5))),
        WrongState,
        "wrong_state",
    )


def test_a_rated_case_cannot_be_rated_again(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id)), WrongState)


def test_an_accepted_case_cannot_be_refused(memory_ledger):
    case_id = accepted_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.refuse(ctx(REGISTRAR), refuse_cmd(case_id)), WrongState, "wrong_state")


def test_a_refused_case_cannot_be_accepted(memory_ledger):
    case_id = refused_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.accept(ctx(REGISTRAR), accept_cmd(case_id)), WrongState)


@pytest.mark.parametrize("command", ["follow_up", "track_rectification", "revoke_penalty", "remake_penalty"])
def test_after_service_steps_are_refused_before_the_service(memory_ledger, command):
    case_id = dispatched_case(memory_ledger)
    cmd = {
        "follow_up": follow_up_cmd,
        "track_rectification": track_cmd,
        "revoke_penalty": revoke_cmd,
        "remake_penalty": remake_cmd,
    }[command](case_id)
    rejected(memory_ledger, case_id, lambda: getattr(memory_ledger, command)(ctx(MARKET_STAFF), cmd), WrongState)


def test_a_case_cannot_be_archived_before_it_is_rated(memory_ledger):
    case_id = served_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id)), WrongState)


# ------------------------------------------------------------------ refusal and withdrawal


def test_a_refused_case_cannot_be_withdrawn(memory_ledger):
    case_id = refused_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id)), WrongState, "wrong_state")


def test_a_withdrawn_case_cannot_be_withdrawn_again(memory_ledger):
    case_id = withdrawn_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id)), WrongState)


def test_a_withdrawn_case_cannot_be_accepted(memory_ledger):
    case_id = withdrawn_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.accept(ctx(REGISTRAR), accept_cmd(case_id)), WrongState)


def test_a_withdrawal_needs_a_reason(memory_ledger):
    case_id = book(memory_ledger)
    invalid(memory_ledger, case_id, lambda: memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id, reason="  ")), "reason", "required")


@pytest.mark.parametrize(
    ("field", "over"),
    [
        ("reason", {"reason": " "}),
        ("notice", {"notice": ""}),
        ("referral.body", {"referral": Referral(body="", how_to_reach="电话0533-2345678")}),
        ("referral.how_to_reach", {"referral": Referral(body="区人民调解委员会", how_to_reach=" ")}),
    ],
)
def test_a_refusal_needs_a_reason_a_one_time_notice_and_a_complete_referral(memory_ledger, field, over):
    case_id = book(memory_ledger)
    invalid(memory_ledger, case_id, lambda: memory_ledger.refuse(ctx(REGISTRAR), refuse_cmd(case_id, **over)), field, "required")


# ------------------------------------------------------------------ dispatch rules


@pytest.mark.parametrize("reason", [None, "", "   "], ids=["none", "empty", "blank"])
def test_a_redispatch_without_a_reason_is_refused(memory_ledger, reason):
    case_id = dispatched_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, redispatch_reason=reason)),
        "redispatch_reason",
        "required",
    )


@pytest.mark.parametrize("lead_unit", [None, "生态环境局"], ids=["missing", "not_among_units"])
def test_a_joint_dispatch_needs_a_lead_unit_among_the_assigned_units(memory_ledger, lead_unit):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, joint=True, lead_unit=lead_unit)),
        "lead_unit",
        "lead_unit_required",
    )


def test_a_joint_visit_needs_more_than_one_unit(memory_ledger):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(
            ctx(DISPATCHER), dispatch_cmd(case_id, form=ServiceForm.JOINT_VISIT, lead_unit=MARKET)
        ),
        "form",
        "joint_needs_units",
    )


@pytest.mark.parametrize("joint", [False, True], ids=["onsite_visit", "joint_visit"])
def test_a_visit_needs_an_agreed_time(memory_ledger, joint):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, joint=joint, agreed_time=None)),
        "agreed_time",
        "required",
    )


def test_an_agreed_time_before_the_application_is_refused(memory_ledger):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, agreed_time=T0 - timedelta(days=1))),
        "agreed_time",
        "before_application",
    )


def test_a_dispatch_needs_at_least_one_unit_with_staff(memory_ledger):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, assignments=())),
        "assignments",
        "required",
    )
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(
            ctx(DISPATCHER), dispatch_cmd(case_id, assignments=(Assignment(unit=MARKET, staff=()),))
        ),
        "assignments[0].staff",
        "required",
    )


def test_a_unit_cannot_be_assigned_twice(memory_ledger):
    case_id = accepted_case(memory_ledger)
    twice = single_assignment() * 2
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, assignments=twice, lead_unit=MARKET)),
        "assignments",
        "duplicate_unit",
    )


# ------------------------------------------------------------------ service rules


def test_staff_of_a_unit_not_dispatched_cannot_serve(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(FIRE_STAFF), serve_cmd(case_id, staff=(Person(id="s2", name="孙浩"),))),
        CaseNotFound,  # another unit's case is unknown to them, as in reads
        "case_not_found",
    )


def test_a_joint_opinion_cannot_be_written_by_a_unit_that_does_not_lead(memory_ledger):
    case_id = dispatched_case(memory_ledger, joint=True)  # lead unit: MARKET
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(FIRE_STAFF), serve_cmd(case_id, joint=True)),
        NotAllowed,
        "lead_unit_only",
    )


def test_a_joint_opinion_needs_an_entry_for_every_unit(memory_ledger):
    case_id = dispatched_case(memory_ledger, joint=True)
    only_market = (UnitEntry(unit=MARKET, findings="台账不全", advice="建立台账", staff=(Person(id="s1", name="王磊"),)),)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, unit_entries=only_market)),
        "unit_entries",
        "joint_entries",
    )
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, unit_entries=())),
        "unit_entries",
        "joint_entries",
    )


def test_each_entry_of_a_joint_opinion_needs_findings_and_advice(memory_ledger):
    case_id = dispatched_case(memory_ledger, joint=True)
    entries = (
        UnitEntry(unit=MARKET, findings="台账不全", advice="建立台账", staff=()),
        UnitEntry(unit=FIRE, findings="通道堵塞", advice=" ", staff=()),
    )
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, unit_entries=entries)),
        "unit_entries[1].advice",
        "required",
    )


def test_a_single_unit_opinion_is_not_split_by_unit(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, joint=True)),
        "unit_entries",
        "not_joint",
    )


@pytest.mark.parametrize("field", ["place", "content", "findings", "advice"])
def test_an_opinion_needs_every_section(memory_ledger, field):
    case_id = dispatched_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, **{field: "  "})),
        field,
        "required",
    )


def test_a_failed_opinion_does_not_use_up_a_number(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, staff=())),
        "staff",
        "required",
    )
    assert memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id)).number == "2026年第1号"


# ------------------------------------------------------------------ rating rules


def test_a_service_not_given_on_site_cannot_be_rated_on_the_on_site_form(memory_ledger):
    case_id = served_case(memory_ledger, on_site=False)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, method=RatingMethod.ONSITE_FORM)),
        "method",
        "phone_follow_up_required",
    )


def test_a_service_whose_applicant_did_not_sign_cannot_be_rated_on_the_on_site_form(memory_ledger):
    case_id = served_case(memory_ledger, applicant_signed=False)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.rate(ctx(REGISTRAR), rate_cmd(case_id, method=RatingMethod.ONSITE_FORM)),
        "method",
        "phone_follow_up_required",
    )


def test_unit_staff_cannot_rate_by_phone_follow_up(memory_ledger):
    case_id = served_case(memory_ledger, on_site=False)
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, method=RatingMethod.PHONE_FOLLOW_UP)),
        NotAllowed,
        "role_not_allowed",
    )


def test_staff_of_another_unit_cannot_record_the_rating(memory_ledger):
    case_id = served_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.rate(ctx(FIRE_STAFF), rate_cmd(case_id)), CaseNotFound, "case_not_found"
    )


def test_a_rating_cannot_predate_the_service(memory_ledger):
    case_id = served_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, business_time=SERVE_AT - timedelta(hours=1))),
        "business_time",
        "before_previous_step",
    )


def test_a_service_answered_by_phone_cannot_be_rated_on_the_on_site_form(memory_ledger):
    case_id = accepted_case(memory_ledger)
    memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, form=ServiceForm.BY_PHONE, agreed_time=None))
    memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, place="电话", on_site=False))
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, method=RatingMethod.ONSITE_FORM)),
        "method",
        "phone_follow_up_required",
    )


# ------------------------------------------------------------------ follow-up and rectification rules


def test_a_phone_service_cannot_be_recorded_as_on_site(memory_ledger):
    case_id = accepted_case(memory_ledger)
    memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, form=ServiceForm.BY_PHONE, agreed_time=None))
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, place="电话", on_site=True)),
        "on_site",
        "phone_service_not_on_site",
    )


def test_a_follow_up_by_a_unit_not_assigned_is_refused(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.follow_up(ctx(FIRE_STAFF), follow_up_cmd(case_id)), CaseNotFound, "case_not_found"
    )


def test_a_follow_up_needs_findings(memory_ledger):
    case_id = rated_case(memory_ledger)
    empty = FollowUp(on=date(2026, 11, 5), method=FollowUpMethod.PHONE, findings=" ")
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id, follow_up=empty)),
        "findings",
        "required",
    )


@pytest.mark.parametrize("on", [date(2030, 1, 1), date(2020, 1, 1)], ids=["after_today", "before_service"])
def test_a_follow_up_cannot_be_dated_after_today_or_before_the_service(memory_ledger, on):
    case_id = rated_case(memory_ledger)
    dated = FollowUp(on=on, method=FollowUpMethod.PHONE, findings="已整改")
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id, follow_up=dated)),
        InvalidInput,
    )


def test_rectification_is_tracked_only_by_an_assigned_unit(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.track_rectification(ctx(FIRE_STAFF), track_cmd(case_id)), CaseNotFound, "case_not_found"
    )
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.track_rectification(ctx(REGISTRAR), track_cmd(case_id)), NotAllowed, "role_not_allowed"
    )


def test_a_done_rectification_item_needs_evidence(memory_ledger):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id, status=RectificationStatus.DONE)),
        "items[0].evidence",
        "required",
    )


def test_a_rectification_item_cannot_fall_due_before_the_service(memory_ledger):
    case_id = rated_case(memory_ledger)
    early = Rectification(
        penalty_decision=None, items=(RectificationItem(description="建立台账", due_on=date(2026, 11, 1)),)
    )
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id, rectification=early)),
        "items[0].due_on",
        "before_service",
    )


def test_a_file_with_an_open_rectification_item_cannot_be_archived(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id))
    error = rejected(
        memory_ledger, case_id, lambda: memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id)), Incomplete, "incomplete_file"
    )
    assert "整改事项已跟踪完毕" in error.message


def test_a_file_with_an_overdue_rectification_item_cannot_be_archived(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id, status=RectificationStatus.OVERDUE))
    rejected(memory_ledger, case_id, lambda: memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id)), Incomplete)


# ------------------------------------------------------------------ penalty reversal rules


@pytest.mark.parametrize("explanation", ["", "   ", "情况属实已改正了"], ids=["empty", "blank", "nine_chars"])
def test_a_revocation_needs_a_written_explanation_of_at_least_ten_characters(memory_ledger, explanation):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.revoke_penalty(
            ctx(MARKET_STAFF), revoke_cmd(case_id, reversal=reversal(explanation=explanation))
        ),
        "explanation",
        "explanation_required",
    )


def test_a_remake_needs_a_written_explanation_too(memory_ledger):
    case_id = rated_case(memory_ledger)
    short = reversal(FourList.MITIGATED, new_sanction="罚款200元", explanation="减轻")
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), remake_cmd(case_id, reversal=short)),
        "explanation",
        "explanation_required",
    )


@pytest.mark.parametrize("list_", [FourList.LIGHTER, FourList.MITIGATED])
def test_a_revocation_cannot_cite_a_lighter_or_mitigated_penalty_list(memory_ledger, list_):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, reversal=reversal(list_))),
        "cited.list",
        "list_mismatch",
    )


@pytest.mark.parametrize("list_", [FourList.NO_PENALTY, FourList.NO_COERCIVE_MEASURE])
def test_a_remake_cannot_cite_a_no_penalty_list(memory_ledger, list_):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.remake_penalty(
            ctx(MARKET_STAFF), remake_cmd(case_id, reversal=reversal(list_, new_sanction="罚款500元"))
        ),
        "cited.list",
        "list_mismatch",
    )


@pytest.mark.parametrize("new_sanction", [None, "", "  "], ids=["none", "empty", "blank"])
def test_a_remake_needs_the_new_sanction(memory_ledger, new_sanction):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.remake_penalty(
            ctx(MARKET_STAFF), remake_cmd(case_id, reversal=reversal(FourList.LIGHTER, new_sanction=new_sanction))
        ),
        "new_sanction",
        "required",
    )


def test_a_revocation_carries_no_new_sanction(memory_ledger):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.revoke_penalty(
            ctx(MARKET_STAFF), revoke_cmd(case_id, reversal=reversal(new_sanction="罚款100元"))
        ),
        "new_sanction",
        "not_for_revocation",
    )


@pytest.mark.parametrize("command", ["revoke_penalty", "remake_penalty"])
def test_a_unit_cannot_reverse_another_units_penalty(memory_ledger, command):
    case_id = rated_case(memory_ledger, joint=True)
    # A penalty decided by the market bureau; the fire brigade serves the same case.
    cmd = revoke_cmd(case_id) if command == "revoke_penalty" else remake_cmd(case_id)
    assert cmd.reversal.decision.issuing_unit == MARKET
    rejected(
        memory_ledger,
        case_id,
        lambda: getattr(memory_ledger, command)(ctx(FIRE_STAFF), cmd),
        NotAllowed,
        "issuing_unit_only",
    )


def test_the_registrar_cannot_reverse_a_penalty(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.revoke_penalty(ctx(REGISTRAR), revoke_cmd(case_id)), NotAllowed, "role_not_allowed"
    )


@pytest.mark.parametrize("second", ["revoke_penalty", "remake_penalty"])
def test_the_same_penalty_decision_cannot_be_reversed_twice(memory_ledger, second):
    case_id = rated_case(memory_ledger)
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id))
    cmd = revoke_cmd(case_id) if second == "revoke_penalty" else remake_cmd(case_id)
    rejected(
        memory_ledger, case_id, lambda: getattr(memory_ledger, second)(ctx(MARKET_STAFF), cmd), WrongState, "already_reversed"
    )


def test_a_penalty_decided_after_the_reversal_date_is_refused(memory_ledger):
    case_id = rated_case(memory_ledger)
    future = reversal(
        decision=PenaltyDecision(
            number="张市监罚〔2026〕3号", decided_on=date(2026, 11, 10), issuing_unit=MARKET, four_lists_applied=False
        )
    )
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, reversal=future)),
        "decision.decided_on",
        "in_future",
    )


@pytest.mark.parametrize(
    ("field", "over"),
    [
        ("conditions_met", {"conditions_met": ()}),
        ("conditions_met", {"conditions_met": ("初次违法", " ")}),
        ("outcome", {"outcome": ""}),
    ],
)
def test_a_reversal_needs_the_conditions_met_and_the_outcome(memory_ledger, field, over):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, reversal=reversal(**over))),
        field,
        "required",
    )


# ------------------------------------------------------------------ after archiving


def _after_archive_commands(case_id):
    """Every command but correction and annotation, each by an actor who could
    otherwise give it."""
    return {
        "accept": (REGISTRAR, "accept", accept_cmd(case_id, business_time=LATER)),
        "refuse": (REGISTRAR, "refuse", refuse_cmd(case_id, business_time=LATER)),
        "dispatch": (DISPATCHER, "dispatch", dispatch_cmd(case_id, business_time=LATER, redispatch_reason="改派")),
        "serve": (MARKET_STAFF, "serve", serve_cmd(case_id, business_time=LATER)),
        "rate": (MARKET_STAFF, "rate", rate_cmd(case_id, business_time=LATER)),
        "follow_up": (MARKET_STAFF, "follow_up", follow_up_cmd(case_id, business_time=LATER)),
        "track_rectification": (MARKET_STAFF, "track_rectification", track_cmd(case_id, business_time=LATER)),
        "revoke_penalty": (MARKET_STAFF, "revoke_penalty", revoke_cmd(case_id, business_time=LATER)),
        "remake_penalty": (MARKET_STAFF, "remake_penalty", remake_cmd(case_id, business_time=LATER)),
        "withdraw": (REGISTRAR, "withdraw", withdraw_cmd(case_id, business_time=LATER)),
        "archive": (REGISTRAR, "archive", archive_cmd(case_id, business_time=LATER)),
    }


AFTER_ARCHIVE = list(_after_archive_commands(uuid.uuid4()))


@pytest.mark.parametrize("command", AFTER_ARCHIVE)
def test_an_archived_case_accepts_nothing_but_corrections_and_annotations(memory_ledger, command):
    case_id = archived_case(memory_ledger)
    actor, method, cmd = _after_archive_commands(case_id)[command]
    error = rejected(memory_ledger, case_id, lambda: getattr(memory_ledger, method)(ctx(actor), cmd), WrongState)
    assert error.code in ("archived", "wrong_state")


def test_an_archived_case_says_it_is_archived(memory_ledger):
    case_id = archived_case(memory_ledger)
    error = rejected(
        memory_ledger, case_id, lambda: memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id)), WrongState, "archived"
    )
    assert "归档" in error.message


# ------------------------------------------------------------------ roles


@pytest.mark.parametrize(
    ("actor", "command"),
    [
        (DISPATCHER, "accept"),
        (MARKET_STAFF, "accept"),
        (REGISTRAR, "dispatch"),
        (MARKET_STAFF, "dispatch"),
        (REGISTRAR, "serve"),
        (DISPATCHER, "refuse"),
        (SUPERVISOR, "withdraw"),
        (MARKET_STAFF, "withdraw"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.role.value,
)
def test_a_step_given_by_the_wrong_role_is_not_allowed(memory_ledger, actor, command):
    if command in ("accept", "refuse"):
        case_id = book(memory_ledger)
    elif command == "dispatch":
        case_id = accepted_case(memory_ledger)
    else:
        case_id = dispatched_case(memory_ledger)
    cmd = {
        "accept": accept_cmd,
        "refuse": refuse_cmd,
        "dispatch": dispatch_cmd,
        "serve": serve_cmd,
        "withdraw": withdraw_cmd,
    }[command](case_id)
    if actor.role.value == "unit_staff" and command in ("accept", "refuse", "dispatch"):
        # not dispatched to any unit yet: unit staff do not see the case at all
        rejected(memory_ledger, case_id, lambda: getattr(memory_ledger, command)(ctx(actor), cmd), CaseNotFound, "case_not_found")
        return
    rejected(memory_ledger, case_id, lambda: getattr(memory_ledger, command)(ctx(actor), cmd), NotAllowed, "role_not_allowed")


def test_only_the_registrar_archives(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(
        memory_ledger, case_id, lambda: memory_ledger.archive(ctx(DISPATCHER), archive_cmd(case_id)), NotAllowed, "role_not_allowed"
    )


@pytest.mark.parametrize("actor", [DISPATCHER, MARKET_STAFF, ADMIN], ids=lambda a: a.role.value)
def test_only_the_registrar_books(memory_ledger, actor):
    log_before = log_position(memory_ledger)
    with pytest.raises(NotAllowed) as info:
        memory_ledger.book(ctx(actor), book_cmd())
    assert info.value.code == "role_not_allowed"
    assert log_position(memory_ledger) == log_before


def test_an_auditor_can_neither_correct_nor_annotate(memory_ledger):
    case_id = rated_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.correct(ctx(AUDITOR), correct_cmd(case_id)), NotAllowed, "read_only_role")
    rejected(memory_ledger, case_id, lambda: memory_ledger.annotate(ctx(AUDITOR), annotate_cmd(case_id)), NotAllowed, "read_only_role")


def test_an_auditor_cannot_annotate_an_archived_case_either(memory_ledger):
    case_id = archived_case(memory_ledger)
    rejected(memory_ledger, case_id, lambda: memory_ledger.annotate(ctx(AUDITOR), annotate_cmd(case_id)), NotAllowed, "read_only_role")


# ------------------------------------------------------------------ corrections and annotations


def test_a_field_the_event_does_not_allow_cannot_be_corrected(memory_ledger):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, field="service_types", new="other")),
        "changes[0].field",
        "not_correctable",
    )
    # The opinion's number is not correctable either, even by the unit that issued it.
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(
            ctx(MARKET_STAFF), correct_cmd(case_id, field="opinion.number", new="2026年第9号", corrects_version=4)
        ),
        "changes[0].field",
        "not_correctable",
    )


def test_an_event_without_correctable_fields_cannot_be_corrected(memory_ledger):
    case_id = rated_case(memory_ledger)  # version 2 is Accepted
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, corrects_version=2)),
        "corrects_version",
        "not_correctable",
    )


def test_a_correction_must_name_an_event_of_the_case(memory_ledger):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, corrects_version=7)),
        "corrects_version",
        "no_such_event",
    )


@pytest.mark.parametrize(("phone", "code"), [("12345", "phone_invalid"), ("abc", "phone_format"), (" ", "phone_missing")])
def test_a_correction_to_an_invalid_phone_is_refused(memory_ledger, phone, code):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, new=phone)),
        "changes[0].new",
        code,
    )
    assert memory_ledger.get_case(case_id).contact.phone == "+8613953312345"


def test_a_correction_to_an_invalid_credit_code_is_refused(memory_ledger):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, field="applicant.id_number", new="123")),
        "changes[0].new",
        "uscc_length",
    )


def test_a_correction_needs_a_basis(memory_ledger):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, basis="  ")),
        "basis",
        "required",
    )


def test_a_correction_that_changes_nothing_is_refused(memory_ledger):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, new="139-5331-2345")),
        "changes[0].new",
        "unchanged",
    )


def test_a_correction_with_no_changes_is_refused(memory_ledger):
    case_id = book(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(ctx(REGISTRAR), correct_cmd(case_id, changes=())),
        "changes",
        "required",
    )


def test_only_the_recording_unit_corrects_its_record(memory_ledger):
    case_id = rated_case(memory_ledger)  # Served (version 4) was recorded by the market bureau
    rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.correct(
            ctx(REGISTRAR), correct_cmd(case_id, field="opinion.place", new="前厅", corrects_version=4)
        ),
        NotAllowed,
        "recording_unit_only",
    )


def test_an_annotation_needs_a_note_about_an_existing_event(memory_ledger):
    case_id = book(memory_ledger)
    invalid(memory_ledger, case_id, lambda: memory_ledger.annotate(ctx(REGISTRAR), annotate_cmd(case_id, note=" ")), "note", "required")
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.annotate(ctx(REGISTRAR), annotate_cmd(case_id, about_version=2)),
        "about_version",
        "no_such_event",
    )


# ------------------------------------------------------------------ business time


@pytest.mark.parametrize(
    "command",
    ["accept", "annotate", "withdraw"],
)
def test_a_business_time_in_the_future_is_refused(memory_ledger, command):
    case_id = book(memory_ledger)
    future = NOW + timedelta(minutes=6)  # beyond the tolerated clock skew
    cmd = {"accept": accept_cmd, "annotate": annotate_cmd, "withdraw": withdraw_cmd}[command](case_id, business_time=future)
    invalid(memory_ledger, case_id, lambda: getattr(memory_ledger, command)(ctx(REGISTRAR), cmd), "business_time", "in_future")


def test_a_service_given_tomorrow_is_refused(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, business_time=NOW + timedelta(days=1))),
        "business_time",
        "in_future",
    )


def test_a_booking_in_the_future_is_refused(memory_ledger):
    log_before = log_position(memory_ledger)
    with pytest.raises(InvalidInput) as info:
        memory_ledger.book(ctx(REGISTRAR), book_cmd(business_time=NOW + timedelta(hours=1)))
    assert field_errors(info.value) == {("business_time", "in_future")}
    assert log_position(memory_ledger) == log_before


def test_a_business_time_without_a_time_zone_is_refused(memory_ledger):
    case_id = book(memory_ledger)
    naive = ACCEPT_AT.replace(tzinfo=None)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.accept(ctx(REGISTRAR), accept_cmd(case_id, business_time=naive)),
        "business_time",
        "naive_datetime",
    )


@pytest.mark.parametrize("command", ["accept", "refuse", "withdraw"])
def test_a_business_time_before_the_application_is_refused(memory_ledger, command):
    case_id = book(memory_ledger)
    early = T0 - timedelta(minutes=1)
    cmd = {"accept": accept_cmd, "refuse": refuse_cmd, "withdraw": withdraw_cmd}[command](case_id, business_time=early)
    invalid(
        memory_ledger, case_id, lambda: getattr(memory_ledger, command)(ctx(REGISTRAR), cmd), "business_time", "before_application"
    )


def test_a_dispatch_before_the_application_is_refused(memory_ledger):
    case_id = accepted_case(memory_ledger)
    invalid(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, business_time=T0 - timedelta(days=1))),
        "business_time",
        "before_application",
    )


# ------------------------------------------------------------------ booking validation


def _wrong_check_character(code: str) -> str:
    return code[:-1] + next(ch for ch in USCC_ALPHABET if ch != code[-1])


def _rejected_booking(ledger, cmd, actor=REGISTRAR) -> InvalidInput:
    log_before = log_position(ledger)
    with pytest.raises(InvalidInput) as info:
        ledger.book(ctx(actor), cmd)
    assert log_position(ledger) == log_before, "a rejected booking must append nothing"
    assert info.value.code == "invalid_input"
    return info.value


def test_a_booking_names_every_invalid_field_at_once(memory_ledger):
    error = _rejected_booking(
        memory_ledger,
        book_cmd(
            applicant=Applicant(
                kind=ApplicantKind.ORGANISATION,
                name="  ",
                id_number=_wrong_check_character(VALID_USCC),
                address="人民西路88号",
            ),
            contact=Contact(name="刘芳", phone="12345"),
        ),
    )
    assert field_errors(error) == {
        ("applicant.name", "required"),
        ("applicant.id_number", "uscc_checksum"),
        ("contact.phone", "phone_invalid"),
    }
    assert len(error.errors) == 3
    for fe in error.errors:
        assert fe.message and fe.field in str(error)


def test_a_booking_with_everything_missing_lists_each_missing_field(memory_ledger):
    error = _rejected_booking(
        memory_ledger,
        book_cmd(
            applicant=Applicant(kind=ApplicantKind.ORGANISATION, name="", id_number="", address=""),
            contact=Contact(name="", phone=""),
            service_types=(),
            needs=" ",
        ),
    )
    assert field_errors(error) == {
        ("applicant.name", "required"),
        ("applicant.address", "required"),
        ("contact.name", "required"),
        ("needs", "required"),
        ("applicant.id_number", "uscc_length"),
        ("contact.phone", "phone_missing"),
        ("service_types", "required"),
    }


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("123", "uscc_length"),
        ("91370303MA3C7Q2N8" + "O", "uscc_charset"),
    ],
)
def test_a_booking_with_a_malformed_credit_code_is_refused(memory_ledger, id_number, code):
    applicant = Applicant(kind=ApplicantKind.INDIVIDUAL_BUSINESS, name="老王烧烤", id_number=id_number, address="步行街3号")
    error = _rejected_booking(memory_ledger, book_cmd(applicant=applicant))
    assert field_errors(error) == {("applicant.id_number", code)}


def test_an_individual_must_give_a_valid_resident_id(memory_ledger):
    applicant = Applicant(kind=ApplicantKind.INDIVIDUAL, name="刘芳", id_number=VALID_USCC, address="人民西路88号")
    error = _rejected_booking(memory_ledger, book_cmd(applicant=applicant))
    assert [fe.field for fe in error.errors] == ["applicant.id_number"]
    assert error.errors[0].code.startswith("ric_")


def test_a_booking_with_a_service_type_twice_is_refused(memory_ledger):
    cmd = book_cmd()
    error = _rejected_booking(memory_ledger, book_cmd(service_types=cmd.service_types * 2))
    assert field_errors(error) == {("service_types", "duplicate")}


# ------------------------------------------------------------------ unknown cases and stale versions


def test_an_unknown_case_is_not_found(memory_ledger):
    unknown = uuid.uuid4()
    log_before = log_position(memory_ledger)
    with pytest.raises(CaseNotFound) as info:
        memory_ledger.accept(ctx(REGISTRAR), accept_cmd(unknown))
    assert info.value.code == "case_not_found"
    with pytest.raises(CaseNotFound):
        memory_ledger.annotate(ctx(REGISTRAR), annotate_cmd(unknown))
    with pytest.raises(CaseNotFound):
        memory_ledger.history(unknown)
    with pytest.raises(CaseNotFound):
        memory_ledger.get_case(unknown)
    assert log_position(memory_ledger) == log_before


def test_a_form_counter_is_not_a_case(memory_ledger):
    case_id = accepted_case(memory_ledger)
    number = memory_ledger.get_case(case_id).application_number
    counter = FormCounter.create_id(number.unit, number.kind, number.year)
    with pytest.raises(CaseNotFound):
        memory_ledger.get_case(counter)


def test_a_command_on_a_stale_version_is_a_conflict(memory_ledger):
    case_id = accepted_case(memory_ledger)  # version 2
    error = rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, expected_version=1)),
        Conflict,
        "conflict",
    )
    assert error.current_version == 2


def test_a_conflict_reports_the_current_version_after_several_steps(memory_ledger):
    case_id = rated_case(memory_ledger)  # version 5
    error = rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.annotate(ctx(REGISTRAR), annotate_cmd(case_id, expected_version=3)),
        Conflict,
    )
    assert error.current_version == 5
    # An expected version ahead of the case is just as stale.
    error = rejected(
        memory_ledger,
        case_id,
        lambda: memory_ledger.annotate(ctx(REGISTRAR), annotate_cmd(case_id, expected_version=6)),
        Conflict,
    )
    assert error.current_version == 5
