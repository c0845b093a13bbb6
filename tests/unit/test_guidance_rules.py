"""Administrative guidance (行政指导): its rules, boundary values, and that
every refusal writes nothing (the guidance's version and the whole
notification log, counters included, are as they were)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest

from ledger.errors import InvalidInput, LedgerError, NotAllowed, WrongState
from ledger.guidance import AdministrativeGuidance, GuidanceNotFound
from ledger.guidance.commands import (
    AcceptGuidance,
    MarkTypicalGuidance,
    RecordCommitment,
    RecordGuidanceEffect,
    RecordGuidanceFollowUp,
    RecordInterview,
    RecordSimpleGuidance,
    TerminateGuidance,
    TrackCommitment,
)
from ledger.guidance.values import (
    SEED_METHODS,
    AddresseeKind,
    Commitment,
    CommitmentItem,
    End,
    FollowUpVisit,
    GuidanceState,
    Interview,
    InterviewKind,
    ItemStatus,
    SimpleForm,
    SimpleSituation,
    TerminationReason,
    VisitMethod,
    Way,
)
from ledger.identifiers import USCC_ALPHABET
from ledger.values import FormKind
from tests.builders import REGISTRAR, SUPERVISOR, VALID_RIC, VALID_USCC, ctx
from tests.guidance_builders import (
    ANSWER_AT,
    DELIVER_AT,
    LATER,
    OPINION_AT,
    RECORD_AT,
    START_AT,
    SUN,
    WANG,
    ZHAO,
    deliver_cmd,
    firm,
    make_head,
    opinion_cmd,
    record_cmd,
    seed_directory,
    start_cmd,
)


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    return memory_ledger


def started(app, **over) -> Any:
    return app.execute(ctx(WANG), start_cmd(**over)).case_id


def given(app, **over) -> Any:
    """A written guidance whose 意见书 has been issued and delivered."""
    gid = started(app, **over)
    app.execute(ctx(WANG), opinion_cmd(gid))
    app.execute(ctx(WANG), deliver_cmd(gid))
    return gid


def log_position(app) -> int:
    return app.recorder.max_notification_id() or 0


def refused(app, call, error: type[LedgerError], code: str | None = None, gid=None) -> LedgerError:
    """``call`` raises ``error`` (with ``code``) and appends nothing at all."""
    before = log_position(app)
    version = app.get_guidance(gid).version if gid else None
    with pytest.raises(error) as raised:
        call()
    if code is not None:
        assert raised.value.code == code or (
            isinstance(raised.value, InvalidInput) and code in {e.code for e in raised.value.errors}
        ), raised.value
    assert log_position(app) == before
    if gid:
        assert app.get_guidance(gid).version == version
    return raised.value


def fields(error: LedgerError) -> set[str]:
    assert isinstance(error, InvalidInput)
    return {e.field for e in error.errors}


# ------------------------------------------------------------------- methods


def test_the_method_list_starts_from_every_method_the_seeds_name():
    assert len(SEED_METHODS) == 6 + 8 + 3 == len(set(SEED_METHODS))
    for name in ("政策指引", "劝导警示", "案件回访", "辅导", "规劝", "约谈", "行政约谈", "行政调解", "行政走（回）访"):
        assert name in SEED_METHODS


def test_a_method_not_in_the_units_list_is_refused(app):
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(method="罚款")), InvalidInput, "unknown_method")
    assert fields(e) == {"method"}


# --------------------------------------------------------------------- start


def test_an_officer_starts_written_guidance_with_officers_named_by_the_directory(app):
    gid = started(app)
    g = app.get_guidance(gid)
    assert g.unit == WANG.unit and g.state is GuidanceState.STARTED and g.way is Way.WRITTEN
    assert [(o.id, o.name, o.unit) for o in g.officers] == [
        ("wanglei", "王磊", WANG.unit),
        ("zhaojing", "赵静", ZHAO.unit),
    ]
    assert g.addressee.phone == "+8613953312345"  # normalised
    assert g.matter.catalogue_ref == "2026版/3" and g.legal_basis.startswith("《中华人民共和国食品安全法》")


def test_written_guidance_without_an_addressee_is_refused_on_that_field(app):
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(addressee=None)), InvalidInput, "required")
    assert fields(e) == {"addressee"}


def test_every_bad_field_of_a_start_is_named_at_once(app):
    bad = start_cmd(
        addressee=firm(name=" ", address="", id_number=VALID_USCC[:-1] + "0" if VALID_USCC[-1] != "0" else "1"),
        officers=(),
        legal_basis="",
        method="罚款",
    )
    e = refused(app, lambda: app.execute(ctx(WANG), bad), InvalidInput)
    assert fields(e) == {
        "addressee.name", "addressee.address", "addressee.id_number", "officers", "legal_basis", "method",
    }


@pytest.mark.parametrize(
    "kind, number, code",
    [
        (AddresseeKind.ORGANISATION, VALID_USCC[:17], "uscc_length"),
        (AddresseeKind.INDIVIDUAL_BUSINESS, VALID_USCC[:-1] + next(c for c in USCC_ALPHABET if c != VALID_USCC[-1]),
         "uscc_checksum"),
        (AddresseeKind.INDIVIDUAL, VALID_RIC[:-1] + "1", "ric_checksum"),
        (AddresseeKind.INDIVIDUAL, VALID_USCC, "ric_format"),
    ],
)
def test_an_identifier_that_fails_its_check_is_refused(app, kind, number, code):
    cmd = start_cmd(addressee=firm(kind=kind, id_number=number))
    e = refused(app, lambda: app.execute(ctx(WANG), cmd), InvalidInput)
    assert [(fe.field, fe.code) for fe in e.errors] == [("addressee.id_number", code)]


def test_an_individual_with_a_valid_resident_id_is_accepted(app):
    gid = started(app, addressee=firm(kind=AddresseeKind.INDIVIDUAL, name="刘芳", id_number=VALID_RIC))
    assert app.get_guidance(gid).addressee.id_number == VALID_RIC


def test_an_officer_of_another_unit_is_refused_by_position(app):
    e = refused(
        app, lambda: app.execute(ctx(WANG), start_cmd(officers=("wanglei", "sunhao"))), InvalidInput, "other_unit"
    )
    assert fields(e) == {"officers[1]"}


def test_an_officer_unknown_to_the_directory_is_refused(app):
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(officers=("nobody",))), InvalidInput, "unknown_officer")
    assert fields(e) == {"officers[0]"}


def test_the_same_officer_twice_is_refused(app):
    refused(app, lambda: app.execute(ctx(WANG), start_cmd(officers=("wanglei", "wanglei"))), InvalidInput, "duplicate")


@pytest.mark.parametrize("actor", [REGISTRAR, SUPERVISOR])
def test_only_unit_staff_start_guidance(app, actor):
    refused(app, lambda: app.execute(ctx(actor), start_cmd()), NotAllowed, "role_not_allowed")


# ---------------------------------------------------------- the written way


def test_the_opinion_and_the_record_are_numbered_in_their_own_series_per_unit_and_year(app):
    first, second = started(app), started(app)
    assert app.execute(ctx(WANG), opinion_cmd(first)).number == "2026年第1号"
    assert app.execute(ctx(ZHAO), opinion_cmd(second)).number == "2026年第2号"
    app.execute(ctx(WANG), deliver_cmd(first))
    assert app.execute(ctx(WANG), record_cmd(first)).number == "2026年第1号"
    g = app.get_guidance(first)
    assert g.opinion.number.kind is FormKind.GUIDANCE_OPINION and g.record.number.kind is FormKind.GUIDANCE_RECORD
    assert g.opinion.issued_on == OPINION_AT.date() and g.opinion.contact_phone == "+865332345678"
    # the fire brigade's series starts at 1
    fire = app.execute(ctx(SUN), start_cmd(officers=("sunhao",))).case_id
    assert app.execute(ctx(SUN), opinion_cmd(fire)).number == "2026年第1号"


def test_an_opinion_without_problems_or_opinion_is_refused_and_takes_no_number(app):
    gid = started(app)
    e = refused(
        app, lambda: app.execute(ctx(WANG), opinion_cmd(gid, problems="  ", opinion="")), InvalidInput, gid=gid
    )
    assert fields(e) == {"problems", "opinion"}
    refused(app, lambda: app.execute(ctx(WANG), opinion_cmd(gid, contact_phone="12")), InvalidInput, gid=gid)
    assert app.execute(ctx(WANG), opinion_cmd(gid)).number == "2026年第1号"  # no gap


def test_a_second_opinion_is_refused(app):
    gid = started(app)
    app.execute(ctx(WANG), opinion_cmd(gid))
    refused(app, lambda: app.execute(ctx(WANG), opinion_cmd(gid)), WrongState, "opinion_exists", gid=gid)


def test_the_simple_way_has_no_opinion(app):
    gid = started(app, way=Way.SIMPLE)
    refused(app, lambda: app.execute(ctx(WANG), opinion_cmd(gid)), InvalidInput, "wrong_way", gid=gid)


def test_delivery_before_the_opinion_exists_is_refused(app):
    gid = started(app)
    e = refused(app, lambda: app.execute(ctx(WANG), deliver_cmd(gid)), InvalidInput, "no_opinion", gid=gid)
    assert fields(e) == {"delivery"}


def test_delivery_dated_before_the_opinion_is_refused_and_the_same_day_is_accepted(app):
    gid = started(app)
    app.execute(ctx(WANG), opinion_cmd(gid))
    day = OPINION_AT.date()
    e = refused(
        app, lambda: app.execute(ctx(WANG), deliver_cmd(gid, on=day - timedelta(days=1))), InvalidInput,
        "before_opinion", gid=gid,
    )
    assert fields(e) == {"delivery.delivered_on"}
    refused(
        app, lambda: app.execute(ctx(WANG), deliver_cmd(gid, on=DELIVER_AT.date() + timedelta(days=1))),
        InvalidInput, "in_future", gid=gid,
    )
    app.execute(ctx(WANG), deliver_cmd(gid, on=day))
    g = app.get_guidance(gid)
    assert g.delivery.delivered_on == day and g.state is GuidanceState.GIVEN
    refused(app, lambda: app.execute(ctx(WANG), deliver_cmd(gid)), WrongState, "already_delivered", gid=gid)


def test_delivery_without_a_receiver_is_refused(app):
    gid = started(app)
    app.execute(ctx(WANG), opinion_cmd(gid))
    cmd = deliver_cmd(gid)
    cmd = msgspec.structs.replace(cmd, delivery=msgspec.structs.replace(cmd.delivery, receiver=" "))
    e = refused(app, lambda: app.execute(ctx(WANG), cmd), InvalidInput, "required", gid=gid)
    assert fields(e) == {"delivery.receiver"}


def test_the_record_needs_the_opinion_first_and_a_time_within_the_guidance(app):
    gid = started(app)
    refused(app, lambda: app.execute(ctx(WANG), record_cmd(gid)), WrongState, "no_opinion", gid=gid)
    app.execute(ctx(WANG), opinion_cmd(gid))
    refused(
        app, lambda: app.execute(ctx(WANG), record_cmd(gid, guided_at=START_AT - timedelta(minutes=1))),
        InvalidInput, "before_start", gid=gid,
    )
    refused(
        app, lambda: app.execute(ctx(WANG), record_cmd(gid, guided_at=RECORD_AT + timedelta(minutes=1))),
        InvalidInput, "in_future", gid=gid,
    )
    e = refused(app, lambda: app.execute(ctx(WANG), record_cmd(gid, place="", content="")), InvalidInput, gid=gid)
    assert fields(e) & {"place", "content"}
    assert app.execute(ctx(WANG), record_cmd(gid, guided_at=START_AT)).number == "2026年第1号"


# -------------------------------------------------------------- the simple way


def simple_cmd(gid, **over) -> RecordSimpleGuidance:
    values = dict(
        guidance_id=gid,
        business_time=DELIVER_AT,
        at=OPINION_AT,
        form=SimpleForm.MATERIAL,
        situation=SimpleSituation.INSPECTION_MATERIAL,
        officer="zhaojing",
        content="发放《食品安全法》宣传资料",
    )
    values.update(over)
    return RecordSimpleGuidance(**values)


def test_simple_guidance_may_omit_the_identifier_but_not_a_bad_one(app):
    bad = firm(id_number="123")
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(way=Way.SIMPLE, addressee=bad)), InvalidInput)
    assert fields(e) == {"addressee.id_number"}
    gid = started(app, way=Way.SIMPLE, addressee=firm(id_number="", address=""))
    app.execute(ctx(WANG), simple_cmd(gid))
    g = app.get_guidance(gid)
    assert g.state is GuidanceState.GIVEN
    assert (g.simple.form, g.simple.situation, g.simple.officer.name) == (
        SimpleForm.MATERIAL, SimpleSituation.INSPECTION_MATERIAL, "赵静",
    )


def test_simple_guidance_is_recorded_by_one_of_its_officers_with_content(app):
    gid = started(app, way=Way.SIMPLE, officers=("wanglei",))
    refused(app, lambda: app.execute(ctx(WANG), simple_cmd(gid)), InvalidInput, "not_an_officer", gid=gid)
    e = refused(app, lambda: app.execute(ctx(WANG), simple_cmd(gid, officer="wanglei", content="")), InvalidInput,
                gid=gid)
    assert fields(e) == {"simple.content"}
    written = started(app)
    refused(app, lambda: app.execute(ctx(WANG), simple_cmd(written, officer="wanglei")), InvalidInput, "wrong_way",
            gid=written)


# ------------------------------------------------------------------ interview


def interview_cmd(gid, **over) -> RecordInterview:
    values = dict(
        kind=InterviewKind.COLLECTIVE,
        held_at=OPINION_AT,
        place="局三楼会议室",
        participants=("刘芳", "张伟"),
        problems="员工健康证过期",
        requirements="十日内补办健康证",
    )
    values.update(over)
    return RecordInterview(guidance_id=gid, business_time=DELIVER_AT, interview=Interview(**values))


def test_an_interview_is_for_an_interview_method_and_a_collective_one_has_two_participants(app):
    plain = started(app)
    refused(app, lambda: app.execute(ctx(WANG), interview_cmd(plain)), InvalidInput, "not_an_interview", gid=plain)
    gid = started(app, method="行政约谈")
    refused(
        app, lambda: app.execute(ctx(WANG), interview_cmd(gid, participants=("刘芳", " "))), InvalidInput,
        "collective_needs_two", gid=gid,
    )
    e = refused(app, lambda: app.execute(ctx(WANG), interview_cmd(gid, problems="", requirements="")), InvalidInput,
                gid=gid)
    assert fields(e) <= {"interview.problems", "interview.requirements"}
    app.execute(ctx(WANG), interview_cmd(gid, kind=InterviewKind.INDIVIDUAL, participants=("刘芳",)))
    g = app.get_guidance(gid)
    assert g.state is GuidanceState.GIVEN and g.interview.participants == ("刘芳",)


# ------------------------------------------------------------- 整改承诺书


DAY = timedelta(days=1)


def commitment_cmd(gid, *items: CommitmentItem) -> RecordCommitment:
    items = items or (CommitmentItem(description="补办健康证", due_on=DELIVER_AT.date() + timedelta(days=10)),)
    return RecordCommitment(
        guidance_id=gid, business_time=DELIVER_AT, commitment=Commitment(signed_on=DELIVER_AT.date(), items=items)
    )


def test_a_commitment_is_recorded_under_admonition_and_tracked_like_rectification(app):
    plain = started(app)
    refused(app, lambda: app.execute(ctx(WANG), commitment_cmd(plain)), InvalidInput, "not_admonition", gid=plain)
    gid = started(app, method="劝导警示")
    signed = DELIVER_AT.date()
    refused(
        app,
        lambda: app.execute(ctx(WANG), commitment_cmd(gid, CommitmentItem(description="x", due_on=signed - DAY))),
        InvalidInput, "before_commitment", gid=gid,
    )
    app.execute(ctx(WANG), commitment_cmd(gid, CommitmentItem(description="补办健康证", due_on=signed)))  # same day: ok
    done_bare = (CommitmentItem(description="补办健康证", due_on=signed, status=ItemStatus.DONE),)
    e = refused(
        app,
        lambda: app.execute(ctx(WANG), TrackCommitment(guidance_id=gid, business_time=ANSWER_AT, items=done_bare)),
        InvalidInput, "required", gid=gid,
    )
    assert fields(e) == {"commitment.items[0].evidence"}
    renamed = (CommitmentItem(description="别的事项", due_on=signed),)
    refused(
        app, lambda: app.execute(ctx(WANG), TrackCommitment(guidance_id=gid, business_time=ANSWER_AT, items=renamed)),
        InvalidInput, "items_changed", gid=gid,
    )
    done = (CommitmentItem(description="补办健康证", due_on=signed, status=ItemStatus.DONE, evidence="健康证复印件"),)
    app.execute(ctx(WANG), TrackCommitment(guidance_id=gid, business_time=ANSWER_AT, items=done))
    assert app.get_guidance(gid).commitment.items[0].status is ItemStatus.DONE


# ------------------------------------------------------- the answer and the end


def test_the_party_accepts_only_guidance_that_was_given(app):
    gid = started(app)
    app.execute(ctx(WANG), opinion_cmd(gid))
    refused(app, lambda: app.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT)),
            WrongState, "not_given", gid=gid)
    app.execute(ctx(WANG), deliver_cmd(gid))
    app.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT))
    g = app.get_guidance(gid)
    assert g.state is GuidanceState.ACCEPTED and g.end == End(at=ANSWER_AT, accepted=True)


@pytest.mark.parametrize("first", ["accept", "terminate"])
def test_no_answer_after_the_end(app, first):
    gid = given(app)
    answer = (
        AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT)
        if first == "accept"
        else TerminateGuidance(guidance_id=gid, business_time=ANSWER_AT, reason=TerminationReason.REFUSED)
    )
    app.execute(ctx(WANG), answer)
    for again in (
        AcceptGuidance(guidance_id=gid, business_time=LATER),
        TerminateGuidance(guidance_id=gid, business_time=LATER, reason=TerminationReason.ASKED_TO_STOP),
    ):
        refused(app, lambda again=again: app.execute(ctx(WANG), again), WrongState, "ended", gid=gid)


def test_an_answer_dated_before_the_previous_step_is_refused(app):
    gid = given(app)
    early = AcceptGuidance(guidance_id=gid, business_time=DELIVER_AT - timedelta(minutes=1))
    e = refused(app, lambda: app.execute(ctx(WANG), early), InvalidInput, "before_previous_step", gid=gid)
    assert fields(e) == {"business_time"}


def _public(g: AdministrativeGuidance) -> dict[str, Any]:
    return {k: v for k, v in vars(g).items() if not k.startswith("_")}


@pytest.mark.parametrize("reason", list(TerminationReason))
def test_a_termination_leaves_only_its_reason_and_its_end(app, reason):
    """Guidance is voluntary: terminating it may change nothing but the
    state and the end (reason, time) — no flag, score or count that a later
    decision about the party could read."""
    gid = given(app)
    before = _public(app.get_guidance(gid))
    app.execute(ctx(WANG), TerminateGuidance(guidance_id=gid, business_time=ANSWER_AT, reason=reason))
    after = _public(app.get_guidance(gid))
    changed = {k for k in after if after[k] != before.get(k)} | (after.keys() ^ before.keys())
    assert changed == {"state", "state_since", "end", "history"}
    assert after["end"] == End(at=ANSWER_AT, accepted=False, reason=reason)
    assert set(End.__struct_fields__) == {"at", "accepted", "reason"}
    assert after["addressee"] == before["addressee"]


def test_guidance_may_be_terminated_before_it_was_given_and_nothing_follows(app):
    gid = started(app)
    app.execute(ctx(WANG), TerminateGuidance(guidance_id=gid, business_time=OPINION_AT,
                                              reason=TerminationReason.MADE_IMPOSSIBLE))
    refused(app, lambda: app.execute(ctx(WANG), opinion_cmd(gid, business_time=ANSWER_AT)), WrongState, "ended",
            gid=gid)
    effect = RecordGuidanceEffect(guidance_id=gid, business_time=ANSWER_AT, effect="x")
    refused(app, lambda: app.execute(ctx(WANG), effect), WrongState, "ended", gid=gid)


# ------------------------------------------------ effect, follow-up, typical


def test_effect_follow_up_and_typical_mark_come_after_the_guidance_was_given(app):
    gid = started(app)
    effect = RecordGuidanceEffect(guidance_id=gid, business_time=ANSWER_AT, effect="按期办理延续")
    refused(app, lambda: app.execute(ctx(WANG), effect), WrongState, "not_given", gid=gid)
    app.execute(ctx(WANG), opinion_cmd(gid))
    app.execute(ctx(WANG), deliver_cmd(gid))
    app.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT))
    app.execute(ctx(WANG), effect)
    refused(app, lambda: app.execute(ctx(WANG), effect), InvalidInput, "unchanged", gid=gid)

    def visit(on):
        return RecordGuidanceFollowUp(
            guidance_id=gid, business_time=LATER, visit=FollowUpVisit(on=on, method=VisitMethod.PHONE, findings="已延续")
        )

    e = refused(app, lambda: app.execute(ctx(WANG), visit(DELIVER_AT.date() - timedelta(days=1))), InvalidInput,
                "before_guidance", gid=gid)
    assert fields(e) == {"visit.on"}
    refused(app, lambda: app.execute(ctx(WANG), visit(LATER.date() + timedelta(days=1))), InvalidInput, "in_future",
            gid=gid)
    app.execute(ctx(WANG), visit(DELIVER_AT.date()))  # the day it was given: ok
    mark = MarkTypicalGuidance(guidance_id=gid, business_time=LATER, reason="主动延续许可，可作示范")
    # the unit's head marks it (seed 004 五(三)); an officer who is not is refused
    refused(app, lambda: app.execute(ctx(ZHAO), mark), NotAllowed, "not_unit_head", gid=gid)
    make_head(app, ZHAO)
    refused(app, lambda: app.execute(ctx(ZHAO), msgspec.structs.replace(mark, reason="")), InvalidInput, "required",
            gid=gid)
    app.execute(ctx(ZHAO), mark)
    make_head(app, WANG)
    refused(app, lambda: app.execute(ctx(WANG), mark), WrongState, "already_typical", gid=gid)
    g = app.get_guidance(gid)
    assert g.effect == "按期办理延续" and len(g.follow_ups) == 1
    assert (g.typical.by, g.typical.by_name, g.typical.on) == ("zhaojing", "赵静", LATER.date())


# ------------------------------------------------------------------ who acts


def test_another_units_officer_is_told_the_guidance_does_not_exist(app):
    gid = started(app)
    refused(app, lambda: app.execute(ctx(SUN), opinion_cmd(gid)), GuidanceNotFound, gid=gid)


def test_a_supervisor_reads_but_does_not_act(app):
    gid = started(app)
    refused(app, lambda: app.execute(ctx(SUPERVISOR), opinion_cmd(gid)), NotAllowed, "role_not_allowed", gid=gid)


def test_the_record_and_the_end_may_follow_in_either_order(app):
    gid = given(app)
    app.execute(ctx(WANG), AcceptGuidance(guidance_id=gid, business_time=ANSWER_AT))
    assert app.execute(ctx(WANG), record_cmd(gid, business_time=LATER)).number == "2026年第1号"
    assert app.get_guidance(gid).record.guided_at == DELIVER_AT
