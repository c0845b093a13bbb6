"""Administrative mediation (行政调解): its rules, boundary values, and that
every refusal writes nothing (the whole notification log is as it was)."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest

from ledger.errors import InvalidInput, LedgerError, NotAllowed, WrongState
from ledger.mediation import MediationNotFound, due_date, overdue
from ledger.mediation.commands import (
    AcceptMediation,
    DeclineMediation,
    EndMediation,
    GiveMediationRightNotice,
    RecordMediationInvestigation,
    SetMediationDeadline,
    WithdrawMediationConsent,
)
from ledger.mediation.values import (
    Investigation,
    InvestigationKind,
    MediationState,
    NoticeMethod,
    Party,
    PartyKind,
    Procedure,
    Referral,
    RightSource,
    Signature,
    SignatureForm,
)
from ledger.workdays import WorkCalendarView, known_schedules_from_package
from tests.builders import ADMIN, REGISTRAR, T0, VALID_RIC, VALID_USCC, ctx
from tests.guidance_builders import SUN, WANG, seed_directory
from tests.mediation_builders import (
    ACCEPT_AT,
    AGREE_AT,
    CONSENT_AT,
    SESSION_AT,
    accept_cmd,
    accepted,
    agree_cmd,
    agreement,
    consent_cmd,
    parties,
    rights_cmd,
    session_cmd,
    start_cmd,
)


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    return memory_ledger


def log_position(app) -> int:
    return app.recorder.max_notification_id() or 0


def refused(app, call, error: type[LedgerError], code: str | None = None) -> LedgerError:
    """``call`` raises ``error`` (with ``code``) and appends nothing at all."""
    before = log_position(app)
    with pytest.raises(error) as raised:
        call()
    if code is not None:
        assert raised.value.code == code or (
            isinstance(raised.value, InvalidInput) and code in {e.code for e in raised.value.errors}
        ), raised.value
    assert log_position(app) == before
    return raised.value


def fields(e: LedgerError) -> list[str]:
    return [f.field for f in e.errors] if isinstance(e, InvalidInput) else []


def started(app, **over):
    return app.execute(ctx(WANG), start_cmd(**over)).case_id


# ------------------------------------------------------------------ start


def test_a_mediation_needs_two_parties_each_identified(app):
    one = refused(app, lambda: app.execute(ctx(WANG), start_cmd(parties=parties()[:1])), InvalidInput, "too_few")
    assert fields(one) == ["parties"]
    bad = (msgspec.structs.replace(parties()[0], id_number="91370303MA3C7Q2N80"),
           msgspec.structs.replace(parties()[1], id_number="110105194912310021"))
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(parties=bad)), InvalidInput)
    assert fields(e) == ["parties[0].id_number", "parties[1].id_number"]


def test_an_organisation_party_names_its_representative_and_a_party_is_not_listed_twice(app):
    no_rep = msgspec.structs.replace(parties()[0], representative=None)
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(parties=(no_rep, parties()[1]))), InvalidInput)
    assert fields(e) == ["parties[0].representative.name"]
    twice = (parties()[0], Party(kind=PartyKind.INDIVIDUAL_BUSINESS, name="同一家", id_number=VALID_USCC,
                                 representative=parties()[0].representative))
    e = refused(app, lambda: app.execute(ctx(WANG), start_cmd(parties=twice)), InvalidInput, "duplicate")
    assert fields(e) == ["parties[1].id_number"]


def test_only_an_officer_starts_a_mediation(app):
    refused(app, lambda: app.execute(ctx(REGISTRAR), start_cmd()), NotAllowed, "role_not_allowed")


# ---------------------------------------------------------------- consent


def test_a_mediation_without_every_consent_cannot_be_accepted(app):
    mid = started(app)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    e = refused(app, lambda: app.execute(ctx(WANG), accept_cmd(mid)), InvalidInput, "consent_missing")
    assert fields(e) == ["consents"] and "张华" in str(e)
    app.execute(ctx(WANG), consent_cmd(mid, 1, CONSENT_AT + timedelta(minutes=1)))
    result = app.execute(ctx(WANG), accept_cmd(mid))
    assert result.number == "2026年第1号"
    assert app.get_mediation(mid).state is MediationState.ACCEPTED


def test_a_consent_is_recorded_once_and_never_in_the_future(app):
    mid = started(app)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    refused(app, lambda: app.execute(ctx(WANG), consent_cmd(mid, 0)), WrongState, "consent_exists")
    future = consent_cmd(mid, 1, CONSENT_AT + timedelta(hours=1))
    future = msgspec.structs.replace(future, business_time=CONSENT_AT)
    refused(app, lambda: app.execute(ctx(WANG), future), InvalidInput, "in_future")
    refused(app, lambda: app.execute(ctx(WANG), consent_cmd(mid, 2)), InvalidInput, "unknown_party")


def test_consent_withdrawn_between_sessions_ends_the_mediation_and_no_session_follows(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    app.execute(ctx(WANG), WithdrawMediationConsent(
        mediation_id=mid, business_time=SESSION_AT + timedelta(hours=3), party=1, reason="决定直接起诉",
        referral=Referral.LITIGATION, body="张店区人民法院", contact="张店区人民西路1号，0533-1234567"))
    m = app.get_mediation(mid)
    assert m.state is MediationState.ENDED and m.ending.withdrawn_by == 1 and m.ending.referral is Referral.LITIGATION
    later = session_cmd(mid, SESSION_AT + timedelta(days=1))
    refused(app, lambda: app.execute(ctx(WANG), later), WrongState, "closed")


def test_a_party_that_never_consented_has_nothing_to_withdraw(app):
    mid = started(app)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    withdraw = WithdrawMediationConsent(mediation_id=mid, business_time=ACCEPT_AT, party=1, referral=Referral.REVIEW,
                                        body="区人民政府", contact="区政府行政复议室")
    refused(app, lambda: app.execute(ctx(WANG), withdraw), InvalidInput, "no_consent")


# ------------------------------------------------------------- acceptance


def test_the_general_procedure_needs_the_notice_and_a_decline_needs_reasons(app):
    mid = started(app)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    app.execute(ctx(WANG), consent_cmd(mid, 1, CONSENT_AT + timedelta(minutes=1)))
    e = refused(app, lambda: app.execute(ctx(WANG), AcceptMediation(mediation_id=mid, business_time=ACCEPT_AT)),
                InvalidInput, "required")
    assert fields(e) == ["notice"]
    refused(app, lambda: app.execute(ctx(WANG), DeclineMediation(mediation_id=mid, business_time=ACCEPT_AT,
                                                                 reasons=" ")), InvalidInput, "required")
    app.execute(ctx(WANG), DeclineMediation(mediation_id=mid, business_time=ACCEPT_AT, reasons="属于民事诉讼受案范围，已起诉"))
    m = app.get_mediation(mid)
    assert m.state is MediationState.DECLINED and m.number is None
    refused(app, lambda: app.execute(ctx(WANG), accept_cmd(mid)), WrongState, "closed")


def test_another_unit_cannot_see_the_mediation(app):
    mid = started(app)
    refused(app, lambda: app.execute(ctx(SUN), consent_cmd(mid, 0)), MediationNotFound)


# ----------------------------------------------------------------- sessions


def test_no_session_before_the_rights_are_notified(app):
    mid = started(app)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    app.execute(ctx(WANG), consent_cmd(mid, 1, CONSENT_AT + timedelta(minutes=1)))
    app.execute(ctx(WANG), accept_cmd(mid))
    refused(app, lambda: app.execute(ctx(WANG), session_cmd(mid)), InvalidInput, "not_given")
    app.execute(ctx(WANG), rights_cmd(mid))
    assert app.execute(ctx(WANG), session_cmd(mid)).number == "第1次"
    assert app.execute(ctx(WANG), session_cmd(mid, SESSION_AT + timedelta(hours=2))).number == "第2次"


def test_a_session_records_every_party_and_mediators_from_the_directory(app):
    mid = accepted(app)
    one = session_cmd(mid)
    only_first = msgspec.structs.replace(one, statements=one.statements[:1])
    e = refused(app, lambda: app.execute(ctx(WANG), only_first), InvalidInput, "required")
    assert fields(e) == ["statements[1].statement"]
    stranger = msgspec.structs.replace(one, mediators=("nobody",))
    e = refused(app, lambda: app.execute(ctx(WANG), stranger), InvalidInput, "unknown")
    assert fields(e) == ["mediators[0]"]
    no_disputes = msgspec.structs.replace(one, disputes="")
    assert fields(refused(app, lambda: app.execute(ctx(WANG), no_disputes), InvalidInput)) == ["disputes"]


def test_a_session_after_closing_is_refused(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    app.execute(ctx(WANG), agree_cmd(mid))
    refused(app, lambda: app.execute(ctx(WANG), session_cmd(mid, AGREE_AT + timedelta(hours=1))), WrongState, "closed")
    end = EndMediation(mediation_id=mid, business_time=AGREE_AT + timedelta(hours=1), referral=Referral.ARBITRATION,
                       body="市劳动人事争议仲裁委员会", contact="0533-7654321", explanation="—")
    refused(app, lambda: app.execute(ctx(WANG), end), WrongState, "closed")


def test_an_investigation_is_for_the_general_procedure(app):
    mid = accepted(app)
    site = Investigation(kind=InvestigationKind.SITE, at=SESSION_AT, place="餐厅后厨排烟口", participants=("王磊", "陈工"),
                         findings="夜间22时实测噪声58分贝")
    app.execute(ctx(WANG), RecordMediationInvestigation(mediation_id=mid, business_time=SESSION_AT, investigation=site))
    assert len(app.get_mediation(mid).investigations) == 1


# ---------------------------------------------------------------- closing


def test_an_agreement_missing_a_signature_is_refused(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    half = agree_cmd(mid, agreement=agreement(signatures=(
        Signature(party=0, form=SignatureForm.SEALED, signed_by="刘芳"),)))
    e = refused(app, lambda: app.execute(ctx(WANG), half), InvalidInput, "unsigned")
    assert fields(e) == ["agreement.signatures[1]"] and "张华" in str(e)
    blank_name = agree_cmd(mid, agreement=agreement(signatures=(
        Signature(party=0, form=SignatureForm.SEALED, signed_by="刘芳"),
        Signature(party=1, form=SignatureForm.SIGNED, signed_by=" "))))
    refused(app, lambda: app.execute(ctx(WANG), blank_name), InvalidInput, "unsigned")
    app.execute(ctx(WANG), agree_cmd(mid))
    assert app.get_mediation(mid).state is MediationState.AGREED


def test_the_general_procedure_agrees_only_after_a_session(app):
    mid = accepted(app)
    refused(app, lambda: app.execute(ctx(WANG), agree_cmd(mid)), InvalidInput, "no_session")


def test_the_simple_procedure_settles_on_the_spot_the_same_day(app):
    mid = started(app, procedure=Procedure.SIMPLE)
    app.execute(ctx(WANG), consent_cmd(mid, 0))
    app.execute(ctx(WANG), consent_cmd(mid, 1, CONSENT_AT + timedelta(minutes=1)))
    app.execute(ctx(WANG), AcceptMediation(mediation_id=mid, business_time=ACCEPT_AT))  # no notice needed
    app.execute(ctx(WANG), rights_cmd(mid))
    next_day = agree_cmd(mid, T0 + timedelta(days=1))
    refused(app, lambda: app.execute(ctx(WANG), next_day), InvalidInput, "not_on_the_spot")
    app.execute(ctx(WANG), agree_cmd(mid, T0 + timedelta(hours=3)))
    assert app.get_mediation(mid).state is MediationState.AGREED


def test_ending_without_agreement_points_the_way(app):
    mid = accepted(app)
    app.execute(ctx(WANG), session_cmd(mid))
    empty = EndMediation(mediation_id=mid, business_time=AGREE_AT, referral=Referral.REVIEW, body="", contact="",
                         explanation="")
    assert fields(refused(app, lambda: app.execute(ctx(WANG), empty), InvalidInput)) == ["body", "contact", "explanation"]
    app.execute(ctx(WANG), msgspec.structs.replace(empty, body="区人民政府行政复议机构", contact="区政府三楼，0533-2100000",
                                                   explanation="赔偿数额分歧过大"))
    m = app.get_mediation(mid)
    assert m.state is MediationState.ENDED and m.ending.referral is Referral.REVIEW


# ---------------------------------------------------------------- deadline


def calendar() -> WorkCalendarView:
    return WorkCalendarView({s.year: s for s in known_schedules_from_package()})


def test_the_deadline_ends_on_the_last_working_day_and_is_overdue_only_after_it():
    cal = calendar()
    # accepted Friday 2026-11-20: 5 working days exclude the day itself → Friday 2026-11-27
    due = due_date(date(2026, 11, 20), 5, cal)
    assert due == date(2026, 11, 27)
    assert not overdue(due, date(2026, 11, 27))  # the last working day itself is in time
    assert overdue(due, date(2026, 11, 28))
    # across the National Day holiday: accepted 2026-09-30, 1 working day → the first day back (10月1日–7日 rest)
    assert due_date(date(2026, 9, 30), 1, cal) == date(2026, 10, 8)


def test_the_authoritys_period_sets_the_due_date_on_acceptance(app):
    refused(app, lambda: app.execute(ctx(SUN), SetMediationDeadline(authority=WANG.unit, working_days=10)), NotAllowed)
    refused(app, lambda: app.execute(ctx(WANG), SetMediationDeadline(authority=WANG.unit, working_days=0)),
            InvalidInput, "out_of_range")
    app.execute(ctx(WANG), SetMediationDeadline(authority=WANG.unit, working_days=10))
    app.execute(ctx(ADMIN), SetMediationDeadline(authority=WANG.unit, working_days=15))
    mid = accepted(app)
    a = app.get_mediation(mid).acceptance
    assert a.working_days == 15 and a.due_on == due_date(ACCEPT_AT.date(), 15, calendar()) == date(2026, 11, 23)


# -------------------------------------------------------- 第十五条 the right notice


def test_the_right_notice_is_given_once_per_source(app):
    give = GiveMediationRightNotice(source=RightSource.COMPLAINT, ref="投诉2026-031", party="张华",
                                    given_on=T0.date(), method=NoticeMethod.WRITTEN,
                                    content="可向本机关申请行政调解，也可通过诉讼等途径解决")
    app.execute(ctx(WANG), give)
    refused(app, lambda: app.execute(ctx(WANG), give), WrongState, "notice_exists")
    future = msgspec.structs.replace(give, ref="投诉2026-032", given_on=date(2026, 12, 1))
    refused(app, lambda: app.execute(ctx(WANG), future), InvalidInput, "in_future")
    unknown_case = msgspec.structs.replace(give, source=RightSource.SERVICE, ref="not-a-case")
    refused(app, lambda: app.execute(ctx(WANG), unknown_case), InvalidInput, "unknown_case")


def test_a_party_is_identified_by_a_resident_id_when_a_person(app):
    person = Party(kind=PartyKind.INDIVIDUAL, name="张华", id_number=VALID_RIC)
    mid = started(app, parties=(parties()[0], person))
    assert app.get_mediation(mid).parties[1].representative is None
