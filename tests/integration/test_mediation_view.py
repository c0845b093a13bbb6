"""The mediation view on SQLite and PostgreSQL: incremental equals a rebuild
and the as-of fold (also cut midway); the queue holds the open ones with
their due date; a served 纠纷化解 case owes the notice of the right to
mediation until it is given (第十五条)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ledger.case.commands import AcceptCase, DispatchCase
from ledger.case.values import ServiceForm, ServiceType
from ledger.mediation.commands import (
    EndMediation,
    GiveMediationRightNotice,
    SetMediationDeadline,
    WithdrawMediationConsent,
)
from ledger.mediation.values import NoticeMethod, Referral, RightSource
from ledger.scope import Reach, console_scope, scope_for
from ledger.values import DeadlineClass, Role
from projections.cases import CasesProjection
from projections.mediation import NOTICES_KEY, MediationProjection
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import (
    DISPATCHER,
    FIRE,
    MARKET,
    MARKET_STAFF,
    REGISTRAR,
    T0,
    book_cmd,
    ctx,
    rated_case,
    serve_cmd,
    single_assignment,
)
from tests.guidance_builders import WANG, seed_directory
from tests.integration.test_projections import dump, log_count_and_head
from tests.mediation_builders import AGREE_AT, SESSION_AT, accepted, agree_cmd, session_cmd, start_cmd

EVERY = console_scope(Reach.CASES)


def project(settings: Any, projection: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, projection, batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def rows_of(folded: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((r for k, r in folded.items() if k != NOTICES_KEY), key=lambda r: r["mediation_id"])


def three_mediations(ledger) -> dict[str, str]:
    """One agreed, one ended with a referral, one withdrawn; one still consenting; a notice given."""
    seed_directory(ledger)
    ledger.execute(ctx(WANG), SetMediationDeadline(authority=MARKET, working_days=5))
    agreed = accepted(ledger)
    ledger.execute(ctx(WANG), session_cmd(agreed))
    ledger.execute(ctx(WANG), agree_cmd(agreed))
    ended = accepted(ledger)
    ledger.execute(ctx(WANG), session_cmd(ended))
    ledger.execute(ctx(WANG), EndMediation(mediation_id=ended, business_time=AGREE_AT, referral=Referral.REVIEW,
                                           body="区人民政府", contact="区政府三楼", explanation="分歧过大"))
    withdrawn = accepted(ledger)
    ledger.execute(ctx(WANG), WithdrawMediationConsent(
        mediation_id=withdrawn, business_time=SESSION_AT, party=0, referral=Referral.LITIGATION, body="区人民法院",
        contact="0533-2180000"))
    waiting = ledger.execute(ctx(WANG), start_cmd(business_time=T0 + timedelta(days=3))).case_id
    ledger.execute(ctx(WANG), GiveMediationRightNotice(
        business_time=T0 + timedelta(days=3), source=RightSource.COMPLAINT, ref="投诉2026-031", party="张华",
        given_on=(T0 + timedelta(days=3)).date(), method=NoticeMethod.WRITTEN, content="可申请行政调解"))
    return {"agreed": str(agreed), "ended": str(ended), "withdrawn": str(withdrawn), "waiting": str(waiting)}


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    ids = three_mediations(ledger)
    project(store_settings, MediationProjection())
    incremental = dump(store_settings, MediationProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head and len(incremental["mediation"]) == 4
    assert rebuild(store_settings, MediationProjection()) == head
    assert dump(store_settings, MediationProjection()) == incremental
    folded = fold_as_of(store_settings, MediationProjection(), head)
    assert rows_of(folded) == incremental["mediation"]
    assert sorted(folded[NOTICES_KEY].values()) == [tuple(r.values()) for r in incremental["mediation_right_notice"]]

    rows = {r["mediation_id"]: r for r in incremental["mediation"]}
    agreed = rows[ids["agreed"]]
    assert (agreed["state"], agreed["number"], agreed["sessions"], agreed["consents"]) == ("agreed", "2026年第1号", 1, 2)
    assert agreed["parties"] == "鲁味轩餐饮有限公司、张华" and agreed["due_on"] == "2026-11-09"  # 5 working days after Monday
    assert (rows[ids["ended"]]["state"], rows[ids["ended"]]["referral"]) == ("ended", "review")
    assert rows[ids["withdrawn"]]["end_reason"] == "consent_withdrawn"
    assert rows[ids["waiting"]]["state"] == "started" and rows[ids["waiting"]]["number"] is None


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    three_mediations(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 2, head - 3, head - 1):
        project(store_settings, MediationProjection(), upto=cut)
        live = dump(store_settings, MediationProjection())["mediation"]
        assert rows_of(fold_as_of(store_settings, MediationProjection(), cut)) == live


def test_the_queue_marks_overdue_after_the_last_working_day_and_scopes_by_unit(ledger, store_settings):
    ids = three_mediations(ledger)
    open_one = accepted(ledger)  # accepted Monday 2026-11-02, 5 working days: due Monday 2026-11-09
    project(store_settings, MediationProjection())
    views = Views(store_settings)
    try:
        on_due = views.mediation_list(EVERY, open_only=True, today=date(2026, 11, 9))
        assert [r["mediation_id"] for r in on_due] == [str(open_one), ids["waiting"]]
        assert not on_due[0]["overdue"] and on_due[0]["age_days"] == 7
        after = views.mediation_list(EVERY, overdue_only=True, today=date(2026, 11, 10))
        assert [r["mediation_id"] for r in after] == [str(open_one)] and after[0]["overdue"]
        fire = scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)
        assert views.mediation_list(fire) == []
        assert [n["ref"] for n in views.right_notices(EVERY)] == ["投诉2026-031"]
    finally:
        views.close()


def test_a_served_dispute_case_owes_the_notice_until_it_is_given(ledger, store_settings):
    seed_directory(ledger)
    case_id = rated_case(ledger)  # a compliance case (its catalogues published): owes nothing
    dispute = ledger.book(ctx(REGISTRAR), book_cmd(service_types=(ServiceType.DISPUTE_MEDIATION,))).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=dispute, business_time=T0 + timedelta(minutes=10),
                                             deadline_class=DeadlineClass.GENERAL))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(case_id=dispute, business_time=T0 + timedelta(hours=1),
                                                  assignments=single_assignment(), form=ServiceForm.ONSITE_VISIT,
                                                  agreed_time=T0 + timedelta(days=2)))
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(dispute))
    project(store_settings, CasesProjection(), batch_size=1000)
    project(store_settings, MediationProjection())
    views = Views(store_settings)
    try:
        owed = views.right_notices_owed(EVERY)
        assert [o["case_id"] for o in owed] == [str(dispute)] and str(case_id) not in {o["case_id"] for o in owed}
        assert views.right_notices_owed(scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)) == []
    finally:
        views.close()
    ledger.execute(ctx(WANG), GiveMediationRightNotice(
        business_time=T0 + timedelta(days=3), source=RightSource.SERVICE, ref=str(dispute), party="鲁味轩",
        given_on=(T0 + timedelta(days=3)).date(), method=NoticeMethod.ORAL, content="可申请行政调解"))
    project(store_settings, MediationProjection())
    views = Views(store_settings)
    try:
        assert views.right_notices_owed(EVERY) == []
        assert views.right_notice_for("service", str(dispute))["method"] == "oral"
    finally:
        views.close()
