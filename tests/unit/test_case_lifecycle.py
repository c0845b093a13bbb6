"""Every transition the guidance process allows, through the application service.

Each test drives the ``Ledger`` on the in-memory store (fixed clock: 2026-11-20
10:00 +08:00) and checks the resulting state, the numbers issued and the events
recorded in ``ledger.history(case_id)``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

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
    CaseState,
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
from ledger.commands import Context
from ledger.errors import WrongState
from ledger.values import CST, Actor, DeadlineClass, FormKind, FormNumber, FourList, PenaltyDecision, Person, Role
from tests.builders import (
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    NOW,
    OFFICE,
    REGISTRAR,
    SUPERVISOR,
    T0,
    VALID_RIC,
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

# Business times of the steps, all before the fixed clock (NOW).
ACCEPT_AT = T0 + timedelta(minutes=10)
DISPATCH_AT = T0 + timedelta(hours=1)
SERVE_AT = T0 + timedelta(days=2)
RATE_AT = T0 + timedelta(days=2, hours=1)
FOLLOW_UP_AT = T0 + timedelta(days=3)
REVERSE_AT = T0 + timedelta(days=4)
ARCHIVE_AT = T0 + timedelta(days=5)
LATER = T0 + timedelta(days=6)

END_OF_DAY = (23, 59, 59)


def cst(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=CST)


# ------------------------------------------------------------------ helpers


def book(ledger, **over):
    return ledger.book(ctx(REGISTRAR), book_cmd(**over)).case_id


def accept(ledger, case_id, deadline_class=DeadlineClass.GENERAL, actor=REGISTRAR, at=ACCEPT_AT):
    return ledger.accept(ctx(actor), AcceptCase(case_id=case_id, business_time=at, deadline_class=deadline_class))


def accepted_case(ledger, deadline_class=DeadlineClass.GENERAL):
    case_id = book(ledger)
    accept(ledger, case_id, deadline_class)
    return case_id


def refuse_cmd(case_id, **over) -> RefuseCase:
    values = dict(
        case_id=case_id,
        business_time=T0 + timedelta(minutes=20),
        reason="申请事项属于民事纠纷，不属于指导服务范围",
        notice="请携带合同及相关证据向人民法院或调解委员会申请",
        referral=Referral(body="区人民调解委员会", how_to_reach="人民西路1号，电话0533-2345678"),
        basis="指导服务工作方案第三条",
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


def served_case(ledger, joint=False):
    case_id = dispatched_case(ledger, joint=joint)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, joint=joint))
    return case_id


def phone_served_case(ledger):
    """A case answered by phone: nobody was on site, so it is rated by phone follow-up."""
    case_id = accepted_case(ledger)
    ledger.dispatch(
        ctx(DISPATCHER),
        dispatch_cmd(case_id, form=ServiceForm.BY_PHONE, agreed_time=None),
    )
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, place="电话", on_site=False))
    return case_id


def follow_up_cmd(case_id, **over) -> RecordFollowUp:
    values = dict(
        case_id=case_id,
        business_time=FOLLOW_UP_AT,
        follow_up=FollowUp(on=date(2026, 11, 5), method=FollowUpMethod.PHONE, findings="台账已建立一半"),
    )
    values.update(over)
    return RecordFollowUp(**values)


def item(description="建立进货查验台账", status=RectificationStatus.OPEN, evidence="", due_on=date(2026, 11, 30)):
    return RectificationItem(description=description, due_on=due_on, status=status, evidence=evidence)


def track_cmd(case_id, decision="张市监罚〔2025〕118号", items=None, **over) -> TrackRectification:
    values = dict(
        case_id=case_id,
        business_time=FOLLOW_UP_AT,
        rectification=Rectification(penalty_decision=decision, items=tuple(items or (item(),))),
    )
    values.update(over)
    return TrackRectification(**values)


def withdraw_cmd(case_id, **over) -> WithdrawCase:
    values = dict(case_id=case_id, business_time=LATER - timedelta(hours=1), reason="申请人自行完成整改，不再需要指导")
    values.update(over)
    return WithdrawCase(**values)


def archive_cmd(case_id, **over) -> ArchiveCase:
    values = dict(case_id=case_id, business_time=ARCHIVE_AT)
    values.update(over)
    return ArchiveCase(**values)


def archived_case(ledger):
    case_id = rated_case(ledger)
    ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    return case_id


def events(ledger, case_id):
    return ledger.history(case_id)


def event_names(ledger, case_id):
    return [type(e).__name__ for e in ledger.history(case_id)]


def last_event(ledger, case_id):
    return ledger.history(case_id)[-1]


# ------------------------------------------------------------------ booking


def test_booking_records_an_applied_case_with_normalised_contact_and_applicant(memory_ledger):
    result = memory_ledger.book(
        ctx(REGISTRAR),
        book_cmd(
            applicant=Applicant(
                kind=ApplicantKind.ORGANISATION, name="  鲁味轩餐饮有限公司 ", id_number=book_cmd().applicant.id_number,
                address=" 人民西路88号 ",
            ),
            needs="  指导后厨台账 ",
        ),
    )
    case = memory_ledger.get_case(result.case_id)
    assert result.version == 1
    assert case.state is CaseState.APPLIED
    assert case.applicant.name == "鲁味轩餐饮有限公司"
    assert case.applicant.address == "人民西路88号"
    assert case.needs == "指导后厨台账"
    assert case.contact.phone == "+8613953312345"  # stored in E.164 form
    assert case.applied_at == T0
    assert case.application_number is None and case.due is None
    assert event_names(memory_ledger, result.case_id) == ["Applied"]


def test_booking_accepts_an_individual_with_a_resident_id_and_a_landline(memory_ledger):
    case_id = book(
        memory_ledger,
        applicant=Applicant(kind=ApplicantKind.INDIVIDUAL, name="刘芳", id_number=VALID_RIC, address="人民西路88号"),
        contact=Contact(name="刘芳", phone="0533-2345678"),
    )
    case = memory_ledger.get_case(case_id)
    assert case.applicant.id_number == VALID_RIC
    assert case.contact.phone == "+865332345678"


# ------------------------------------------------------------------ acceptance


@pytest.mark.parametrize(
    ("deadline_class", "target", "limit"),
    [
        # Accepted Monday 2026-11-02 09:10; the start day is excluded.
        (DeadlineClass.CONSULTATION, cst(2026, 11, 3, *END_OF_DAY), cst(2026, 11, 3, *END_OF_DAY)),
        (DeadlineClass.GENERAL, cst(2026, 11, 5, *END_OF_DAY), cst(2026, 11, 9, *END_OF_DAY)),
        (DeadlineClass.URGENT, cst(2026, 11, 3, 9, 10), cst(2026, 11, 3, 9, 10)),
    ],
    ids=["consultation", "general", "urgent"],
)
def test_accepting_a_case_computes_the_due_times_of_its_deadline_class(memory_ledger, deadline_class, target, limit):
    case_id = book(memory_ledger)
    result = accept(memory_ledger, case_id, deadline_class)
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.ACCEPTED
    assert result.version == 2
    assert case.due.deadline_class is deadline_class
    assert case.due.start == ACCEPT_AT
    assert case.due.target == target
    assert case.due.limit == limit
    assert case.due.provisional is False  # 2026's official schedule is known
    accepted = last_event(memory_ledger, case_id)
    assert type(accepted).__name__ == "Accepted"
    assert accepted.deadline_class is deadline_class
    assert accepted.due == case.due


def test_accepting_numbers_the_application_form_in_the_registrar_units_series(memory_ledger):
    first = book(memory_ledger)
    second = book(memory_ledger)
    r1 = accept(memory_ledger, first)
    r2 = accept(memory_ledger, second)
    assert r1.number == "2026年第1号"
    assert r2.number == "2026年第2号"
    assert memory_ledger.get_case(first).application_number == FormNumber(
        unit=OFFICE, kind=FormKind.APPLICATION, year=2026, seq=1
    )
    assert memory_ledger.get_case(second).application_number == FormNumber(
        unit=OFFICE, kind=FormKind.APPLICATION, year=2026, seq=2
    )
    assert str(memory_ledger.get_case(second).application_number) == "2026年第2号"


def test_another_registration_unit_numbers_its_applications_in_its_own_series(memory_ledger):
    other_registrar = Actor(id="r2", name="赵丽", role=Role.REGISTRAR, unit="行政审批服务局")
    accept(memory_ledger, book(memory_ledger))
    case_id = memory_ledger.book(ctx(other_registrar), book_cmd()).case_id
    result = accept(memory_ledger, case_id, actor=other_registrar)
    assert result.number == "2026年第1号"
    assert memory_ledger.get_case(case_id).application_number.unit == "行政审批服务局"


# ------------------------------------------------------------------ refusal


def test_refusing_a_case_records_the_notice_and_referral_and_ends_it(memory_ledger):
    case_id = book(memory_ledger)
    result = memory_ledger.refuse(ctx(REGISTRAR), refuse_cmd(case_id, reason="  不属于服务范围  "))
    case = memory_ledger.get_case(case_id)
    assert result.version == 2 and result.number is None
    assert case.state is CaseState.REFUSED
    assert case.refusal_reason == "不属于服务范围"
    assert case.refusal_notice == "请携带合同及相关证据向人民法院或调解委员会申请"
    assert case.referral == Referral(body="区人民调解委员会", how_to_reach="人民西路1号，电话0533-2345678")
    assert case.application_number is None
    assert event_names(memory_ledger, case_id) == ["Applied", "Refused"]


def test_a_refused_case_is_terminal_and_only_archiving_moves_it_on(memory_ledger):
    case_id = refused_case(memory_ledger)
    with pytest.raises(WrongState):
        accept(memory_ledger, case_id)
    memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    assert memory_ledger.get_case(case_id).state is CaseState.ARCHIVED


# ------------------------------------------------------------------ dispatch


def test_dispatching_to_one_unit_makes_it_the_lead_unit(memory_ledger):
    case_id = accepted_case(memory_ledger)
    result = memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id))
    case = memory_ledger.get_case(case_id)
    assert result.version == 3
    assert case.state is CaseState.DISPATCHED
    assert case.assignments == single_assignment()
    assert case.units == (MARKET,)
    assert case.lead_unit == MARKET
    assert case.is_joint is False
    assert case.service_form is ServiceForm.ONSITE_VISIT
    assert case.agreed_time == SERVE_AT


def test_a_joint_visit_is_dispatched_to_several_units_under_a_lead_unit(memory_ledger):
    case_id = accepted_case(memory_ledger)
    memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, joint=True, lead_unit=FIRE))
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.DISPATCHED
    assert case.units == (MARKET, FIRE)
    assert case.is_joint
    assert case.lead_unit == FIRE
    assert case.service_form is ServiceForm.JOINT_VISIT


def test_a_service_answered_by_phone_needs_no_agreed_time(memory_ledger):
    case_id = accepted_case(memory_ledger)
    memory_ledger.dispatch(ctx(DISPATCHER), dispatch_cmd(case_id, form=ServiceForm.BY_PHONE, agreed_time=None))
    case = memory_ledger.get_case(case_id)
    assert case.service_form is ServiceForm.BY_PHONE
    assert case.agreed_time is None


def test_a_dispatched_case_can_be_redispatched_with_a_reason(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    new_assignment = (Assignment(unit=FIRE, staff=(Person(id="s2", name="孙浩"),)),)
    result = memory_ledger.dispatch(
        ctx(DISPATCHER),
        dispatch_cmd(
            case_id,
            business_time=DISPATCH_AT + timedelta(hours=1),
            assignments=new_assignment,
            agreed_time=SERVE_AT + timedelta(hours=2),
            redispatch_reason="  原服务人员出差，改派消防救援支队  ",
        ),
    )
    case = memory_ledger.get_case(case_id)
    assert result.version == 4
    assert case.state is CaseState.DISPATCHED
    assert case.assignments == new_assignment
    assert case.lead_unit == FIRE
    assert case.agreed_time == SERVE_AT + timedelta(hours=2)
    first, second = [e for e in events(memory_ledger, case_id) if type(e).__name__ == "Dispatched"]
    assert first.redispatch_reason is None
    assert second.redispatch_reason == "原服务人员出差，改派消防救援支队"
    # The re-dispatched unit, not the first one, now serves.
    memory_ledger.serve(ctx(FIRE_STAFF), serve_cmd(case_id, business_time=SERVE_AT + timedelta(hours=2)))
    assert memory_ledger.get_case(case_id).opinion.number.unit == FIRE


# ------------------------------------------------------------------ service


def test_the_dispatched_unit_records_its_opinion_numbered_in_its_own_series(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    result = memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, place=" 后厨 "))
    case = memory_ledger.get_case(case_id)
    assert result.number == "2026年第1号"
    assert case.state is CaseState.SERVED
    opinion = case.opinion
    assert opinion.number == FormNumber(unit=MARKET, kind=FormKind.OPINION, year=2026, seq=1)
    assert opinion.service_time == SERVE_AT
    assert opinion.place == "后厨"
    assert (opinion.content, opinion.findings, opinion.advice) == ("合规指导", "台账不全", "建立台账")
    assert opinion.staff == (Person(id="s1", name="王磊"),)
    assert opinion.on_site is True
    assert opinion.unit_entries == ()
    assert opinion.disclaimer == "本意见书仅为指导服务使用，不作为行政执法依据。"
    assert type(last_event(memory_ledger, case_id)).__name__ == "Served"


def test_opinions_of_one_unit_are_numbered_consecutively(memory_ledger):
    first = dispatched_case(memory_ledger)
    second = dispatched_case(memory_ledger)
    assert memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(first)).number == "2026年第1号"
    assert memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(second)).number == "2026年第2号"


def test_a_joint_visit_gives_one_consolidated_opinion_by_the_lead_unit_with_an_entry_per_unit(memory_ledger):
    case_id = dispatched_case(memory_ledger, joint=True)
    result = memory_ledger.serve(
        ctx(MARKET_STAFF),
        serve_cmd(case_id, joint=True, staff=(Person(id="s1", name="王磊"), Person(id="s2", name="孙浩"))),
    )
    case = memory_ledger.get_case(case_id)
    assert result.number == "2026年第1号"
    assert case.state is CaseState.SERVED
    assert case.opinion.number.unit == MARKET  # numbered by the lead unit
    assert [e.unit for e in case.opinion.unit_entries] == [MARKET, FIRE]
    fire_entry = case.opinion.unit_entries[1]
    assert fire_entry == UnitEntry(unit=FIRE, findings="通道堵塞", advice="清理通道", staff=(Person(id="s2", name="孙浩"),))
    served = last_event(memory_ledger, case_id)
    assert served.envelope.actor.unit == MARKET
    assert served.opinion == case.opinion


# ------------------------------------------------------------------ rating


def test_the_applicant_rates_an_on_site_service_on_the_form(memory_ledger):
    case_id = served_case(memory_ledger)
    result = memory_ledger.rate(ctx(MARKET_STAFF), rate_cmd(case_id, comments="  很好  "))
    case = memory_ledger.get_case(case_id)
    assert result.number == "2026年第1号"
    assert case.state is CaseState.RATED
    rating = case.rating
    assert rating.number == FormNumber(unit=MARKET, kind=FormKind.RATING, year=2026, seq=1)
    assert rating.method is RatingMethod.ONSITE_FORM
    assert rating.comments == "很好"
    assert rating.rated_on == date(2026, 11, 4)
    assert (rating.response.score, rating.attitude.score, rating.usefulness.score, rating.result.score) == (4, 3, 3, 4)


def test_the_registrar_may_also_record_an_on_site_rating_form(memory_ledger):
    case_id = served_case(memory_ledger)
    result = memory_ledger.rate(ctx(REGISTRAR), rate_cmd(case_id))
    assert result.number == "2026年第1号"
    assert memory_ledger.get_case(case_id).rating.number.unit == OFFICE


def test_a_service_nobody_attended_on_site_is_rated_by_the_registrars_phone_follow_up(memory_ledger):
    case_id = phone_served_case(memory_ledger)
    result = memory_ledger.rate(
        ctx(REGISTRAR), rate_cmd(case_id, method=RatingMethod.PHONE_FOLLOW_UP, business_time=T0 + timedelta(days=3))
    )
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.RATED
    assert case.rating.method is RatingMethod.PHONE_FOLLOW_UP
    assert case.rating.number == FormNumber(unit=OFFICE, kind=FormKind.RATING, year=2026, seq=1)
    assert case.rating.rated_on == date(2026, 11, 5)
    assert result.number == "2026年第1号"
    assert last_event(memory_ledger, case_id).envelope.actor.role is Role.REGISTRAR


def test_an_on_site_service_whose_applicant_did_not_sign_is_rated_by_phone(memory_ledger):
    case_id = dispatched_case(memory_ledger)
    memory_ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id, applicant_signed=False))
    memory_ledger.rate(ctx(REGISTRAR), rate_cmd(case_id, method=RatingMethod.PHONE_FOLLOW_UP))
    assert memory_ledger.get_case(case_id).rating.method is RatingMethod.PHONE_FOLLOW_UP


# ------------------------------------------------------------------ follow-up and rectification


@pytest.mark.parametrize("rated", [False, True], ids=["served", "rated"])
def test_the_serving_unit_follows_up_a_served_or_rated_case(memory_ledger, rated):
    case_id = rated_case(memory_ledger) if rated else served_case(memory_ledger)
    state = memory_ledger.get_case(case_id).state
    follow_up = FollowUp(
        on=date(2026, 11, 5),
        method=FollowUpMethod.VISIT,
        findings="台账已建立",
        rectification_status=RectificationStatus.DONE,
    )
    memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id, follow_up=follow_up))
    case = memory_ledger.get_case(case_id)
    assert case.follow_ups == (follow_up,)
    assert case.state is state  # a follow-up does not move the case on
    assert type(last_event(memory_ledger, case_id)).__name__ == "FollowedUp"


def test_follow_ups_accumulate_and_the_registrar_may_record_one(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id))
    memory_ledger.follow_up(
        ctx(REGISTRAR),
        follow_up_cmd(
            case_id,
            business_time=FOLLOW_UP_AT + timedelta(days=1),
            follow_up=FollowUp(on=date(2026, 11, 6), method=FollowUpMethod.PHONE, findings="申请人表示已全部整改"),
        ),
    )
    follow_ups = memory_ledger.get_case(case_id).follow_ups
    assert [f.findings for f in follow_ups] == ["台账已建立一半", "申请人表示已全部整改"]


def test_tracking_rectification_records_the_items_of_a_penalty_decision(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.track_rectification(
        ctx(MARKET_STAFF), track_cmd(case_id, items=(item(), item("清理消防通道", due_on=date(2026, 11, 10))))
    )
    (rectification,) = memory_ledger.get_case(case_id).rectifications
    assert rectification.penalty_decision == "张市监罚〔2025〕118号"
    assert [i.description for i in rectification.items] == ["建立进货查验台账", "清理消防通道"]
    assert all(i.status is RectificationStatus.OPEN for i in rectification.items)


def test_retracking_the_same_penalty_decision_replaces_its_items(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id, items=(item(), item("清理消防通道"))))
    memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id, decision="张市监罚〔2025〕120号"))
    done = item(status=RectificationStatus.DONE, evidence="台账照片三张")
    memory_ledger.track_rectification(
        ctx(MARKET_STAFF), track_cmd(case_id, items=(done,), business_time=FOLLOW_UP_AT + timedelta(hours=3))
    )
    rectifications = memory_ledger.get_case(case_id).rectifications
    by_decision = {r.penalty_decision: r.items for r in rectifications}
    assert len(rectifications) == 2
    assert by_decision["张市监罚〔2025〕118号"] == (done,)
    assert by_decision["张市监罚〔2025〕120号"] == (item(),)
    # The earlier tracking is still in the history, untouched.
    tracked = [e for e in events(memory_ledger, case_id) if type(e).__name__ == "RectificationTracked"]
    assert len(tracked) == 3
    assert len(tracked[0].rectification.items) == 2


def test_a_file_can_be_archived_once_every_rectification_item_is_done(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.track_rectification(ctx(MARKET_STAFF), track_cmd(case_id))
    memory_ledger.track_rectification(
        ctx(MARKET_STAFF), track_cmd(case_id, items=(item(status=RectificationStatus.DONE, evidence="台账照片"),))
    )
    result = memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    assert result.number == "2026年第1号"
    assert memory_ledger.get_case(case_id).state is CaseState.ARCHIVED


# ------------------------------------------------------------------ penalty reversal


@pytest.mark.parametrize("list_", [FourList.NO_PENALTY, FourList.NO_COERCIVE_MEASURE])
def test_the_issuing_unit_revokes_its_penalty_under_the_no_penalty_lists(memory_ledger, list_):
    case_id = rated_case(memory_ledger)
    revoked = reversal(list_, legal_reviewer=Person(id="l1", name="法制审核员"))
    result = memory_ledger.revoke_penalty(
        ctx(MARKET_STAFF), RevokePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=revoked, basis="行政处罚法第三十三条")
    )
    case = memory_ledger.get_case(case_id)
    assert result.version == 6
    assert case.reversals == (revoked,)
    assert case.state is CaseState.RATED
    event = last_event(memory_ledger, case_id)
    assert type(event).__name__ == "PenaltyRevoked"
    assert event.reversal == revoked
    assert event.envelope.basis == "行政处罚法第三十三条"


def test_a_penalty_can_be_revoked_on_a_served_case_before_rating(memory_ledger):
    case_id = served_case(memory_ledger)
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=reversal()))
    assert len(memory_ledger.get_case(case_id).reversals) == 1


def test_an_explanation_of_exactly_ten_characters_is_enough(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.revoke_penalty(
        ctx(MARKET_STAFF),
        RevokePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=reversal(explanation="初次违法且已及时改正")),
    )
    assert memory_ledger.get_case(case_id).reversals[0].explanation == "初次违法且已及时改正"


@pytest.mark.parametrize("list_", [FourList.LIGHTER, FourList.MITIGATED])
def test_the_issuing_unit_remakes_its_penalty_under_the_lighter_or_mitigated_list(memory_ledger, list_):
    case_id = rated_case(memory_ledger)
    remade = reversal(list_, outcome="重新作出从轻处罚决定", new_sanction="罚款500元")
    memory_ledger.remake_penalty(ctx(MARKET_STAFF), RemakePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=remade))
    case = memory_ledger.get_case(case_id)
    assert case.reversals == (remade,)
    assert case.reversals[0].new_sanction == "罚款500元"
    assert type(last_event(memory_ledger, case_id)).__name__ == "PenaltyRemade"


def test_different_penalty_decisions_of_a_case_can_each_be_reversed(memory_ledger):
    case_id = rated_case(memory_ledger, joint=True)
    market = reversal()
    fire = reversal(
        FourList.LIGHTER,
        unit=FIRE,
        decision=PenaltyDecision(
            number="消防罚〔2025〕7号", decided_on=date(2025, 10, 1), issuing_unit=FIRE, four_lists_applied=False
        ),
        new_sanction="警告",
    )
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=market))
    memory_ledger.remake_penalty(ctx(FIRE_STAFF), RemakePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=fire))
    assert [r.decision.number for r in memory_ledger.get_case(case_id).reversals] == [
        "张市监罚〔2025〕118号",
        "消防罚〔2025〕7号",
    ]


# ------------------------------------------------------------------ withdrawal


def _case_in(ledger, state: CaseState):
    if state is CaseState.APPLIED:
        return book(ledger)
    if state is CaseState.ACCEPTED:
        return accepted_case(ledger)
    if state is CaseState.DISPATCHED:
        return dispatched_case(ledger)
    if state is CaseState.SERVED:
        return served_case(ledger)
    if state is CaseState.RATED:
        return rated_case(ledger)
    raise AssertionError(state)


OPEN_STATES = [CaseState.APPLIED, CaseState.ACCEPTED, CaseState.DISPATCHED, CaseState.SERVED, CaseState.RATED]


@pytest.mark.parametrize("state", OPEN_STATES, ids=[s.value for s in OPEN_STATES])
def test_the_applicant_may_withdraw_from_every_open_state(memory_ledger, state):
    case_id = _case_in(memory_ledger, state)
    assert memory_ledger.get_case(case_id).state is state
    before = len(events(memory_ledger, case_id))
    memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id, reason="  申请人不再需要指导  "))
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.WITHDRAWN
    assert case.withdrawal_reason == "申请人不再需要指导"
    assert len(events(memory_ledger, case_id)) == before + 1
    assert type(last_event(memory_ledger, case_id)).__name__ == "Withdrawn"


# ------------------------------------------------------------------ archiving


def test_a_rated_case_is_archived_with_a_number_after_the_completeness_check(memory_ledger):
    case_id = rated_case(memory_ledger)
    assert all(check.ok for check in memory_ledger.get_case(case_id).completeness())
    result = memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    case = memory_ledger.get_case(case_id)
    assert result.number == "2026年第1号"
    assert case.state is CaseState.ARCHIVED
    assert case.archive_number == FormNumber(unit=OFFICE, kind=FormKind.ARCHIVE, year=2026, seq=1)
    archived = last_event(memory_ledger, case_id)
    assert type(archived).__name__ == "Archived"
    assert [check.item for check in archived.checks] == [
        "指导服务申请表已编号",
        "指导服务意见书已填写",
        "服务满意度评价表已填写",
        "整改事项已跟踪完毕",
    ]
    assert all(check.ok for check in archived.checks)


def test_a_refused_case_is_archived(memory_ledger):
    case_id = refused_case(memory_ledger)
    result = memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    assert result.number == "2026年第1号"
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.ARCHIVED
    assert [check.item for check in last_event(memory_ledger, case_id).checks] == ["终止原因已记录"]


def test_a_withdrawn_case_is_archived(memory_ledger):
    case_id = accepted_case(memory_ledger)
    memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id, business_time=DISPATCH_AT))
    memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    assert memory_ledger.get_case(case_id).state is CaseState.ARCHIVED


def test_archive_numbers_are_consecutive_whatever_the_way_the_case_ended(memory_ledger):
    rated = rated_case(memory_ledger)
    refused = refused_case(memory_ledger)
    withdrawn = book(memory_ledger)
    memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(withdrawn))
    numbers = [
        memory_ledger.archive(ctx(REGISTRAR), archive_cmd(cid, business_time=LATER)).number
        for cid in (rated, refused, withdrawn)
    ]
    assert numbers == ["2026年第1号", "2026年第2号", "2026年第3号"]


# ------------------------------------------------------------------ corrections


def test_a_correction_names_the_event_it_corrects_and_leaves_that_event_unchanged(memory_ledger):
    case_id = rated_case(memory_ledger)
    result = memory_ledger.correct(
        ctx(REGISTRAR),
        CorrectRecord(
            case_id=case_id,
            business_time=LATER,
            basis="申请人来电告知登记的电话号码有误",
            corrects_version=1,
            changes=(FieldChange(field="contact.phone", old="", new="138 0013 8000"),),
        ),
    )
    case = memory_ledger.get_case(case_id)
    assert result.version == 6
    assert case.contact.phone == "+8613800138000"
    assert case.corrections == 1
    history = events(memory_ledger, case_id)
    corrected = history[-1]
    assert type(corrected).__name__ == "Corrected"
    assert corrected.corrects_version == 1
    assert corrected.corrects_event == "Applied"
    assert corrected.changes == (FieldChange(field="contact.phone", old="+8613953312345", new="+8613800138000"),)
    assert corrected.envelope.basis == "申请人来电告知登记的电话号码有误"
    # The corrected event itself is never touched.
    assert type(history[0]).__name__ == "Applied"
    assert history[0].contact.phone == "+8613953312345"
    # And the case as it was before the correction still reads the old value.
    assert memory_ledger.get_case(case_id, version=5).contact.phone == "+8613953312345"


def test_several_fields_of_the_application_are_corrected_at_once(memory_ledger):
    case_id = book(memory_ledger)
    memory_ledger.correct(
        ctx(REGISTRAR),
        CorrectRecord(
            case_id=case_id,
            business_time=LATER,
            basis="核对营业执照后更正",
            corrects_version=1,
            changes=(
                FieldChange(field="applicant.name", old="", new=" 鲁味轩餐饮管理有限公司 "),
                FieldChange(field="applicant.address", old="", new="人民西路86号"),
                FieldChange(field="notes", old="", new="需携带营业执照复印件"),
            ),
        ),
    )
    case = memory_ledger.get_case(case_id)
    assert case.applicant.name == "鲁味轩餐饮管理有限公司"
    assert case.applicant.address == "人民西路86号"
    assert case.notes == "需携带营业执照复印件"
    assert case.applicant.id_number == events(memory_ledger, case_id)[0].applicant.id_number
    assert events(memory_ledger, case_id)[0].applicant.name == "鲁味轩餐饮有限公司"


def test_the_unit_that_recorded_the_opinion_corrects_it(memory_ledger):
    case_id = served_case(memory_ledger)
    memory_ledger.correct(
        ctx(MARKET_STAFF),
        CorrectRecord(
            case_id=case_id,
            business_time=LATER,
            basis="服务地点笔误",
            corrects_version=4,
            changes=(FieldChange(field="opinion.place", old="", new="前厅及后厨"),),
        ),
    )
    case = memory_ledger.get_case(case_id)
    assert case.opinion.place == "前厅及后厨"
    assert case.opinion.number.seq == 1  # the rest of the opinion is kept
    assert events(memory_ledger, case_id)[3].opinion.place == "后厨"


def test_the_refusal_notice_and_the_rating_comments_can_be_corrected(memory_ledger):
    refused = refused_case(memory_ledger)
    memory_ledger.correct(
        ctx(REGISTRAR),
        CorrectRecord(
            case_id=refused,
            business_time=LATER,
            basis="指引机关电话变更",
            corrects_version=2,
            changes=(FieldChange(field="referral.how_to_reach", old="", new="人民西路1号，电话0533-2345679"),),
        ),
    )
    assert memory_ledger.get_case(refused).referral.how_to_reach == "人民西路1号，电话0533-2345679"
    assert memory_ledger.get_case(refused).referral.body == "区人民调解委员会"

    rated = rated_case(memory_ledger)
    memory_ledger.correct(
        ctx(MARKET_STAFF),
        CorrectRecord(
            case_id=rated,
            business_time=LATER,
            basis="评价意见誊写错误",
            corrects_version=5,
            changes=(FieldChange(field="rating.comments", old="", new="非常满意"),),
        ),
    )
    assert memory_ledger.get_case(rated).rating.comments == "非常满意"


def test_an_archived_case_can_still_be_corrected(memory_ledger):
    case_id = archived_case(memory_ledger)
    memory_ledger.correct(
        ctx(REGISTRAR),
        CorrectRecord(
            case_id=case_id,
            business_time=LATER,
            basis="归档后发现需求简述遗漏",
            corrects_version=1,
            changes=(FieldChange(field="needs", old="", new="指导后厨台账及消防通道"),),
        ),
    )
    case = memory_ledger.get_case(case_id)
    assert case.state is CaseState.ARCHIVED
    assert case.needs == "指导后厨台账及消防通道"


# ------------------------------------------------------------------ annotations


def test_an_annotation_is_recorded_about_an_event(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.annotate(
        ctx(SUPERVISOR), AnnotateCase(case_id=case_id, business_time=LATER, note="  评价表需附照片  ", about_version=5)
    )
    case = memory_ledger.get_case(case_id)
    assert case.annotations == 1
    assert case.state is CaseState.RATED
    annotated = last_event(memory_ledger, case_id)
    assert type(annotated).__name__ == "Annotated"
    assert annotated.note == "评价表需附照片"
    assert annotated.about_version == 5
    assert annotated.envelope.actor.role is Role.SUPERVISOR


@pytest.mark.parametrize("ending", ["archived", "refused", "withdrawn"])
def test_a_closed_case_can_still_be_annotated(memory_ledger, ending):
    if ending == "archived":
        case_id = archived_case(memory_ledger)
    elif ending == "refused":
        case_id = refused_case(memory_ledger)
    else:
        case_id = book(memory_ledger)
        memory_ledger.withdraw(ctx(REGISTRAR), withdraw_cmd(case_id))
    state = memory_ledger.get_case(case_id).state
    memory_ledger.annotate(ctx(REGISTRAR), AnnotateCase(case_id=case_id, business_time=LATER, note="已电话告知申请人"))
    case = memory_ledger.get_case(case_id)
    assert case.annotations == 1
    assert case.state is state
    assert type(last_event(memory_ledger, case_id)).__name__ == "Annotated"


# ------------------------------------------------------------------ the whole path and the audit envelope


def test_a_full_case_records_every_step_in_order(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.follow_up(ctx(MARKET_STAFF), follow_up_cmd(case_id))
    memory_ledger.track_rectification(
        ctx(MARKET_STAFF), track_cmd(case_id, items=(item(status=RectificationStatus.DONE, evidence="照片"),))
    )
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), RevokePenalty(case_id=case_id, business_time=REVERSE_AT, reversal=reversal()))
    memory_ledger.archive(ctx(REGISTRAR), archive_cmd(case_id))
    memory_ledger.annotate(ctx(REGISTRAR), AnnotateCase(case_id=case_id, business_time=LATER, note="归档备查"))
    history = events(memory_ledger, case_id)
    assert [type(e).__name__ for e in history] == [
        "Applied",
        "Accepted",
        "Dispatched",
        "Served",
        "Rated",
        "FollowedUp",
        "RectificationTracked",
        "PenaltyRevoked",
        "Archived",
        "Annotated",
    ]
    assert [e.originator_version for e in history] == list(range(1, 11))
    assert memory_ledger.get_case(case_id).version == 10
    assert [(r.version, r.name, r.unit) for r in memory_ledger.get_case(case_id).history][:5] == [
        (1, "Applied", OFFICE),
        (2, "Accepted", OFFICE),
        (3, "Dispatched", OFFICE),
        (4, "Served", MARKET),
        (5, "Rated", MARKET),
    ]


def test_every_event_carries_the_audit_envelope_of_its_command(memory_ledger):
    book_ctx = Context(actor=REGISTRAR, request_id="req-book-1")
    case_id = memory_ledger.book(book_ctx, book_cmd(basis="  来电预约  ")).case_id
    # A business time given in UTC is kept as the same instant, in China time.
    utc_time = datetime(2026, 11, 2, 1, 10, tzinfo=timezone.utc)
    memory_ledger.accept(
        Context(actor=REGISTRAR, request_id="req-accept-1"),
        AcceptCase(case_id=case_id, business_time=utc_time, deadline_class=DeadlineClass.GENERAL, basis="属于服务范围"),
    )
    memory_ledger.dispatch(Context(actor=DISPATCHER, request_id="req-dispatch-1"), dispatch_cmd(case_id))

    applied, accepted, dispatched = events(memory_ledger, case_id)
    assert applied.envelope.actor == REGISTRAR
    assert applied.envelope.actor.role is Role.REGISTRAR
    assert applied.envelope.actor.unit == OFFICE
    assert applied.envelope.request_id == "req-book-1"
    assert applied.envelope.business_time == T0
    assert applied.envelope.basis == "来电预约"

    assert accepted.envelope.request_id == "req-accept-1"
    assert accepted.envelope.business_time == utc_time
    assert accepted.envelope.business_time.utcoffset() == timedelta(hours=8)
    assert accepted.envelope.business_time == cst(2026, 11, 2, 9, 10)
    assert accepted.envelope.basis == "属于服务范围"

    assert dispatched.envelope.actor == DISPATCHER
    assert dispatched.envelope.actor.role is Role.DISPATCHER
    assert dispatched.envelope.request_id == "req-dispatch-1"
    assert dispatched.envelope.business_time == DISPATCH_AT
    assert dispatched.envelope.basis is None
    # Recording time is separate from business time.
    assert all(e.timestamp is not None for e in (applied, accepted, dispatched))


def test_the_envelope_names_the_unit_staff_who_served_and_rated(memory_ledger):
    case_id = rated_case(memory_ledger, joint=True)
    served, rated = events(memory_ledger, case_id)[3:5]
    for e in (served, rated):
        assert e.envelope.actor == MARKET_STAFF
        assert e.envelope.actor.role is Role.UNIT_STAFF
        assert e.envelope.actor.unit == MARKET
        assert len(e.envelope.request_id) == 32
    assert served.envelope.business_time == SERVE_AT
    assert rated.envelope.business_time == RATE_AT


def test_the_business_time_defaults_to_the_ledgers_clock(memory_ledger):
    case_id = book(memory_ledger)
    memory_ledger.annotate(ctx(REGISTRAR), AnnotateCase(case_id=case_id, note="补充说明"))
    assert last_event(memory_ledger, case_id).envelope.business_time == NOW


def test_a_business_time_slightly_ahead_of_the_clock_is_tolerated(memory_ledger):
    case_id = book(memory_ledger)
    memory_ledger.annotate(
        ctx(REGISTRAR), AnnotateCase(case_id=case_id, business_time=NOW + timedelta(minutes=4), note="时钟略快")
    )
    assert last_event(memory_ledger, case_id).envelope.business_time == NOW + timedelta(minutes=4)


def test_a_command_with_the_current_expected_version_is_accepted(memory_ledger):
    case_id = book(memory_ledger)
    result = memory_ledger.accept(
        ctx(REGISTRAR),
        AcceptCase(case_id=case_id, business_time=ACCEPT_AT, deadline_class=DeadlineClass.GENERAL, expected_version=1),
    )
    assert result.version == 2
