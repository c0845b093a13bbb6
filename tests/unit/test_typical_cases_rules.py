"""Typical and excellent cases (seed 002 第二十九、三十一条): a unit's head
proposes a finished record of any kind with a reason; the round of the year it
was finished in takes it; the reviewer (执法监督人员, for the 法治政府建设领导小组
办公室) opens the review, decides on each with a reason, closes the round. A
refusal by the party is never proposed, and nothing about it is written."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest

from ledger.case.commands import ArchiveCase, WithdrawCase
from ledger.errors import Conflict, InvalidInput, NotAllowed, NotFound, WrongState
from ledger.guidance.commands import AcceptGuidance, MarkTypicalGuidance, TerminateGuidance
from ledger.guidance.values import TerminationReason
from ledger.typical_cases import TypicalCaseRound, proposal_id
from ledger.typical_cases.commands import (
    CloseTypicalCaseRound,
    DecideTypicalCase,
    OpenTypicalCaseReview,
    ProposeTypicalCase,
)
from ledger.typical_cases.service import case_facts
from ledger.typical_cases.values import CaseSummary, Distinction, RecordFacts, RecordKind, RoundState
from ledger.values import CST
from tests.builders import REGISTRAR, SUPERVISOR, T0, ctx, envelope, fixed_clock, rated_case
from tests.guidance_builders import SUN, WANG, ZHAO, deliver_cmd, make_head, opinion_cmd, seed_directory, start_cmd
from tests.unit.test_four_lists import log_position

ARCHIVED_AT = T0 + timedelta(days=3)


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    make_head(memory_ledger, WANG)
    return memory_ledger


def archived_case(app, at: datetime = ARCHIVED_AT):
    case_id = rated_case(app)
    app.execute(ctx(REGISTRAR), ArchiveCase(case_id=case_id, business_time=at))
    return case_id


def given_guidance(app, **over):
    gid = app.execute(ctx(WANG), start_cmd(**over)).case_id
    app.execute(ctx(WANG), opinion_cmd(gid))
    app.execute(ctx(WANG), deliver_cmd(gid))
    return gid


def accepted_guidance(app, *, marked: bool = False):
    gid = given_guidance(app)
    app.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=T0 + timedelta(days=3)))
    if marked:
        app.execute(ctx(WANG), MarkTypicalGuidance(guidance_id=gid, reason="上门提示许可延续，企业按期办理",
                                                   business_time=T0 + timedelta(days=4)))
    return gid


def propose(kind: RecordKind, record_id, **over) -> ProposeTypicalCase:
    values = dict(kind=kind, record_id=record_id, distinction=Distinction.TYPICAL,
                  reason="提前介入、上门指导，企业当场整改，做法可复制")
    values.update(over)
    return ProposeTypicalCase(**values)


def refused(app, call, error, code: str):
    """``call`` raises ``error`` with ``code`` (or a field error with it) and appends nothing."""
    before = log_position(app)
    with pytest.raises(error) as raised:
        call()
    assert raised.value.code == code or (isinstance(raised.value, InvalidInput)
                                         and code in {e.code for e in raised.value.errors}), raised.value
    assert raised.value.message
    assert log_position(app) == before, "a refused command appended to the log"
    return raised.value


# --------------------------------------------------------------- proposing


def test_the_unit_head_proposes_an_archived_case_and_the_years_round_starts_in_the_same_save(app):
    case_id = archived_case(app)
    before = log_position(app)
    result = app.execute(ctx(WANG), propose(RecordKind.CASE, case_id))
    assert log_position(app) == before + 2  # Started + Proposed, one atomic save
    round_ = app.typical_round(2026)
    assert round_.state is RoundState.COLLECTING and result.number == "2026"
    (p,) = round_.proposals
    assert p.id == result.record_id == proposal_id(RecordKind.CASE, case_id)
    assert (p.unit, p.proposed_by, p.distinction, p.selected) == (WANG.unit, "王磊", Distinction.TYPICAL, None)
    assert p.summary.finished_on == date(2026, 11, 5) and p.summary.units == (WANG.unit,)
    assert p.summary.reference.startswith("2026年第") and "合规经营指导" in p.summary.title


def test_the_summary_the_selection_reads_has_no_party_and_no_answer_of_the_party():
    assert set(CaseSummary.__struct_fields__) == {"kind", "record_id", "reference", "title", "units", "finished_on",
                                                   "head_mark"}


def test_an_accepted_guidance_is_proposed_with_the_heads_typical_mark(app):
    gid = accepted_guidance(app, marked=True)
    result = app.execute(ctx(WANG), propose(RecordKind.GUIDANCE, gid, distinction=Distinction.EXCELLENT))
    (p,) = app.typical_round(2026).proposals
    assert p.id == result.record_id and p.distinction is Distinction.EXCELLENT
    assert p.summary.head_mark == "上门提示许可延续，企业按期办理"
    assert p.summary.reference == "2026年第1号" and p.summary.title == "提示提醒：食品经营许可事项指导"


def test_a_staff_member_who_is_not_the_units_head_cannot_propose(app):
    case_id = archived_case(app)
    refused(app, lambda: app.execute(ctx(ZHAO), propose(RecordKind.CASE, case_id)), NotAllowed, "not_unit_head")


def test_another_units_head_is_answered_as_if_the_record_did_not_exist(app):
    case_id = archived_case(app)
    make_head(app, SUN)
    refused(app, lambda: app.execute(ctx(SUN), propose(RecordKind.CASE, case_id)), NotFound, "record_not_found")


def test_a_record_named_as_the_wrong_kind_is_not_found(app):
    case_id = archived_case(app)
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.GUIDANCE, case_id)), NotFound, "record_not_found")


def test_the_reviewer_does_not_propose(app):
    case_id = archived_case(app)
    refused(app, lambda: app.execute(ctx(SUPERVISOR), propose(RecordKind.CASE, case_id)), NotAllowed,
            "role_not_allowed")


def test_a_withdrawn_case_is_never_proposed_against_the_applicant_and_nothing_is_written(app):
    case_id = rated_case(app)
    app.execute(ctx(REGISTRAR), WithdrawCase(case_id=case_id, reason="申请人表示不再需要指导",
                                             business_time=T0 + timedelta(days=3)))
    error = refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, case_id)), InvalidInput,
                    "refused_by_party")
    assert [e.field for e in error.errors] == ["record_id"] and "自愿" in error.errors[0].message
    # archived after the withdrawal: still a refusal
    app.execute(ctx(REGISTRAR), ArchiveCase(case_id=case_id, business_time=T0 + timedelta(days=4)))
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, case_id)), InvalidInput, "refused_by_party")
    with pytest.raises(NotFound):
        app.typical_round(2026)  # not even the round was started


@pytest.mark.parametrize("reason", list(TerminationReason))
def test_a_terminated_guidance_is_never_proposed_whatever_the_partys_reason(app, reason):
    gid = given_guidance(app)
    app.execute(ctx(WANG), TerminateGuidance(guidance_id=gid, reason=reason, business_time=T0 + timedelta(days=3)))
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.GUIDANCE, gid)), InvalidInput, "refused_by_party")


def test_an_unfinished_record_waits_until_it_is_finished(app):
    case_id = rated_case(app)
    error = refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, case_id)), InvalidInput,
                    "not_finished")
    assert "归档" in error.errors[0].message
    gid = given_guidance(app)
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.GUIDANCE, gid)), InvalidInput, "not_finished")


def test_a_proposal_without_a_reason_is_refused_on_that_field(app):
    case_id = archived_case(app)
    error = refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, case_id, reason="  ")), InvalidInput,
                    "required")
    assert [e.field for e in error.errors] == ["reason"]


def test_a_record_is_proposed_once(app):
    case_id = archived_case(app)
    app.execute(ctx(WANG), propose(RecordKind.CASE, case_id))
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, case_id, distinction=Distinction.EXCELLENT)),
            WrongState, "already_proposed")


# ------------------------------------------------------------------ the year


def test_a_record_finished_on_new_years_eve_belongs_to_that_years_round_and_one_a_second_later_to_the_next():
    def facts(finished_on: date) -> RecordFacts:
        return RecordFacts(summary=CaseSummary(kind=RecordKind.CASE, record_id=uuid.uuid4(), reference="", title="t",
                                               units=(WANG.unit,), finished_on=finished_on))

    env = envelope(WANG, datetime(2027, 1, 5, 9, 0, tzinfo=CST))
    round_ = TypicalCaseRound.start(env, 2026)
    round_.propose(env, facts(date(2026, 12, 31)), distinction=Distinction.TYPICAL, reason="r", by_head=True)
    with pytest.raises(InvalidInput) as raised:
        round_.propose(env, facts(date(2027, 1, 1)), distinction=Distinction.TYPICAL, reason="r", by_head=True)
    assert raised.value.errors[0].code == "other_year"


def test_the_finishing_day_is_counted_in_china_time(memory_ledger):
    """Archived at 2026-12-31 16:00 UTC, i.e. 2027-01-01 00:00 in China: the 2027 round."""
    memory_ledger.clock = fixed_clock(datetime(2027, 1, 4, 9, 0, tzinfo=CST))
    seed_directory(memory_ledger)
    late = archived_case(memory_ledger, at=datetime(2026, 12, 31, 23, 59, 59, tzinfo=CST))
    midnight = archived_case(memory_ledger, at=datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc))
    assert case_facts(memory_ledger._get_case(late)).summary.finished_on == date(2026, 12, 31)
    assert case_facts(memory_ledger._get_case(midnight)).summary.finished_on == date(2027, 1, 1)


# ------------------------------------------------------------- selecting


def two_proposals(app):
    first = app.execute(ctx(WANG), propose(RecordKind.CASE, archived_case(app))).record_id
    second = app.execute(ctx(WANG), propose(RecordKind.GUIDANCE, accepted_guidance(app),
                                            distinction=Distinction.EXCELLENT)).record_id
    return first, second


def decide(pid, selected: bool = True, reason: str = "做法新颖，成效明显", **over) -> DecideTypicalCase:
    return DecideTypicalCase(year=2026, proposal_id=pid, selected=selected, reason=reason, **over)


def test_the_reviewer_opens_decides_each_with_a_reason_and_closes_publishing_the_selected(app):
    first, second = two_proposals(app)
    refused(app, lambda: app.execute(ctx(SUPERVISOR), decide(first)), WrongState, "not_reviewing")
    refused(app, lambda: app.execute(ctx(WANG), OpenTypicalCaseReview(year=2026)), NotAllowed, "reviewer_only")
    app.execute(ctx(SUPERVISOR), OpenTypicalCaseReview(year=2026))
    late = archived_case(app)
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.CASE, late)), WrongState, "round_not_collecting")
    refused(app, lambda: app.execute(ctx(SUPERVISOR), decide(first, reason="")), InvalidInput, "required")
    refused(app, lambda: app.execute(ctx(SUPERVISOR), decide(proposal_id(RecordKind.CASE, late))), InvalidInput,
            "unknown_proposal")
    app.execute(ctx(SUPERVISOR), decide(first))
    refused(app, lambda: app.execute(ctx(SUPERVISOR), decide(first, selected=False)), WrongState, "already_decided")
    error = refused(app, lambda: app.execute(ctx(SUPERVISOR), CloseTypicalCaseRound(year=2026)), InvalidInput,
                    "undecided")
    assert "1件" in error.errors[0].message
    app.execute(ctx(SUPERVISOR), decide(second, selected=False, reason="与已入选案例同类"))
    version = app.typical_round(2026).version
    refused(app, lambda: app.execute(ctx(SUPERVISOR), CloseTypicalCaseRound(year=2026, expected_version=version - 1)),
            Conflict, "conflict")
    app.execute(ctx(SUPERVISOR), CloseTypicalCaseRound(year=2026, expected_version=version))
    round_ = app.typical_round(2026)
    assert round_.state is RoundState.CLOSED and [p.id for p in round_.selected] == [first]
    closed = list(app.events.get(round_.id))[-1]
    assert type(closed).__name__ == "Closed" and closed.selected == (first,)
    refused(app, lambda: app.execute(ctx(SUPERVISOR), decide(second)), WrongState, "round_closed")
    refused(app, lambda: app.execute(ctx(SUPERVISOR), OpenTypicalCaseReview(year=2026)), WrongState, "already_open")


def test_a_year_without_proposals_has_no_round_to_open(app):
    refused(app, lambda: app.execute(ctx(SUPERVISOR), OpenTypicalCaseReview(year=2025)), NotFound,
            "typical_round_not_found")


# -------------------------------------------------------------- mediation


def test_an_agreed_mediation_is_proposed_and_one_ended_by_a_party_or_without_agreement_never(app):
    from ledger.mediation.commands import EndMediation, WithdrawMediationConsent
    from ledger.mediation.values import Referral
    from tests.mediation_builders import AGREE_AT, SESSION_AT, accepted, agree_cmd, session_cmd

    agreed = accepted(app)
    app.execute(ctx(WANG), session_cmd(agreed))
    app.execute(ctx(WANG), agree_cmd(agreed))
    withdrawn = accepted(app, matter="装修噪声纠纷")
    app.execute(ctx(WANG), WithdrawMediationConsent(
        mediation_id=withdrawn, business_time=SESSION_AT, party=1, reason="不愿再调解", referral=Referral.LITIGATION,
        body="张店区人民法院", contact="张店区人民西路1号"))
    no_agreement = accepted(app, matter="停车位纠纷")
    app.execute(ctx(WANG), session_cmd(no_agreement))
    app.execute(ctx(WANG), EndMediation(
        mediation_id=no_agreement, business_time=AGREE_AT, referral=Referral.ARBITRATION, body="淄博仲裁委员会",
        contact="淄博市张店区", explanation="双方对赔偿数额分歧过大"))
    open_ = accepted(app, matter="广告牌遮挡纠纷")
    for mid in (withdrawn, no_agreement):
        refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.MEDIATION, mid)), InvalidInput, "refused_by_party")
    refused(app, lambda: app.execute(ctx(WANG), propose(RecordKind.MEDIATION, open_)), InvalidInput, "not_finished")
    result = app.execute(ctx(WANG), propose(RecordKind.MEDIATION, agreed))
    (p,) = app.typical_round(2026).proposals
    assert p.id == result.record_id and p.summary.title == "餐饮油烟噪声扰民赔偿纠纷"
    assert p.summary.finished_on == AGREE_AT.date() and p.summary.reference
