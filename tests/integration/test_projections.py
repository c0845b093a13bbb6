"""The read side on SQLite and PostgreSQL: the registry, the work queues, the
audit log, exactly-once batches, rebuilds, as-of exports, masking by role,
statistics and waiting for one's own writes.

Every test records cases through the real ``Ledger`` and reads what the
projections made of them; expected values are worked out by hand from the
commands (form numbers, due times, scores, rates)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.calendar.commands import RecordYearSchedule
from ledger.case.commands import (
    AcceptCase,
    AnnotateCase,
    ArchiveCase,
    CorrectRecord,
    DispatchCase,
    RecordFollowUp,
    RefuseCase,
    RemakePenalty,
    TrackRectification,
    WithdrawCase,
)
from ledger.case.values import (
    Applicant,
    ApplicantKind,
    Assignment,
    FieldChange,
    FollowUp,
    FollowUpMethod,
    Grade,
    RatingMethod,
    Rectification,
    RectificationItem,
    RectificationStatus,
    Referral,
    ServiceForm,
    ServiceType,
)
from ledger.commands import Context
from ledger.demo import record_demo_case
from ledger.scope import Reach, console_scope
from ledger.settings import Settings
from ledger.store.sql import ViewDB
from ledger.values import CST, DeadlineClass, FourList, Person, Role
from ledger.workdays import Holiday, YearSchedule
from projections.audit import AuditProjection
from projections.cases import CasesProjection
from projections.cases.export import registry_csv, registry_order
from projections.rebuild import fold_as_of, rebuild, resolve_cutoff
from projections.runner import Runner, wait_for
from projections.views import Views
from tests.builders import (
    ADMIN,
    AUDITOR,
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
    VALID_USCC,
    book_cmd,
    ctx,
    dispatched_case,
    fixed_clock,
    rate_cmd,
    rated_case,
    reversal,
    serve_cmd,
    single_assignment,
)

EVERY = console_scope(Reach.CASES)  # every unit
AUDIT_ALL = console_scope(Reach.AUDIT)
SUPERVISION_ALL = console_scope(Reach.SUPERVISION)

PROJECTIONS = {"cases": CasesProjection, "audit": AuditProjection}
DEMO_OFFICE = "市司法局行政执法协调监督科"
DEMO_MARKET = "市市场监督管理局"
DEMO_FIRE = "市消防救援支队"


# ----------------------------------------------------------------- helpers


@pytest.fixture
def views(store_settings: Settings) -> Iterator[Views]:
    v = Views(store_settings)
    yield v
    v.close()


def project(settings: Settings, *projections: Any, batch_size: int = 1000) -> None:
    """Catch the given views (default: all) up with the log."""
    for projection in projections or (CasesProjection(), AuditProjection()):
        runner = Runner(settings, projection, batch_size=batch_size)
        try:
            runner.catch_up()
        finally:
            runner.close()


def dump(settings: Settings, projection: Any, suffix: str = "", view: str | None = None) -> dict[str, Any]:
    """Every row of every table of a view (by key), and its tracking position."""
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            out: dict[str, Any] = {
                t.name: cur.dicts(f"SELECT * FROM {t.name}{suffix} ORDER BY {', '.join(t.key)}")
                for t in projection.tables
            }
            out["position"] = cur.position(view or projection.name)
            return out
    finally:
        db.close()


def query(settings: Settings, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    db = ViewDB(settings)
    try:
        with db.reading() as cur:
            return cur.execute(statement, params).fetchall()
    finally:
        db.close()


def log_count_and_head(settings: Settings) -> tuple[int, int]:
    table = settings.events_table
    nid = "rowid" if settings.backend == "sqlite" else "notification_id"
    ((count, head),) = query(settings, f"SELECT count(*), COALESCE(MAX({nid}), 0) FROM {table}")
    return int(count), int(head)


def by_case(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["case_id"]: r for r in rows}


def index_names(settings: Settings, table: str) -> set[str]:
    if settings.backend == "sqlite":
        rows = query(settings, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", (table,))
    else:
        rows = query(
            settings, "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
            (settings.pg_schema, table),
        )
    return {r[0] for r in rows}


def history_of_several_cases(ledger: Ledger) -> dict[str, Any]:
    """A demo case (archived), a joint rated case, a served one, a refused one,
    a withdrawn one and one just booked: every kind of event of a case."""
    ids = {"demo": record_demo_case(ledger, NOW - timedelta(days=14))}
    ids["joint"] = rated_case(ledger, joint=True)
    ids["served"] = dispatched_case(ledger)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(ids["served"]))
    ids["refused"] = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.refuse(
        ctx(REGISTRAR),
        RefuseCase(
            case_id=ids["refused"], business_time=T0 + timedelta(hours=2), reason="属于劳动争议",
            notice="请向劳动人事争议仲裁委员会申请仲裁", referral=Referral(body="劳动人事争议仲裁委员会", how_to_reach="0533-1234567"),
        ),
    )
    ids["withdrawn"] = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.withdraw(ctx(REGISTRAR), WithdrawCase(case_id=ids["withdrawn"], business_time=T0 + timedelta(hours=3), reason="已自行整改"))
    ids["applied"] = ledger.book(ctx(REGISTRAR), book_cmd(needs="咨询许可材料")).case_id
    ledger.annotate(ctx(SUPERVISOR), AnnotateCase(case_id=ids["applied"], note="请尽快受理"))
    return ids


# ----------------------------------------------------------------- registry


def test_the_registry_shows_each_case_with_its_numbers_state_units_scores_and_summaries(ledger, store_settings, views):
    demo = record_demo_case(ledger, NOW - timedelta(days=14))  # starts Friday 2026-11-06 10:00
    joint = dispatched_case(ledger, joint=True)  # accepted first in the builders' office series
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(joint, joint=True))
    ledger.rate(
        ctx(REGISTRAR),
        rate_cmd(joint, response=Grade.FAIR, attitude=Grade.POOR, usefulness=Grade.GOOD, result=Grade.FAIR,
                 method=RatingMethod.PHONE_FOLLOW_UP),
    )
    ledger.track_rectification(
        ctx(MARKET_STAFF),
        TrackRectification(
            case_id=joint,
            business_time=T0 + timedelta(days=3),
            rectification=Rectification(
                penalty_decision=None,
                items=(
                    RectificationItem(description="建立台账", due_on=date(2026, 11, 30), status=RectificationStatus.DONE,
                                      evidence="台账照片"),
                    RectificationItem(description="清理通道", due_on=date(2026, 11, 30)),
                ),
            ),
        ),
    )
    ledger.remake_penalty(
        ctx(MARKET_STAFF),
        RemakePenalty(
            case_id=joint, business_time=T0 + timedelta(days=4),
            reversal=reversal(FourList.LIGHTER, outcome="改为罚款五百元", new_sanction="罚款500元"),
        ),
    )
    # consultation: due by the end of the next working day (Tue 3 Nov), served Wed 4 Nov: late
    late = ledger.book(ctx(REGISTRAR), book_cmd(service_types=(ServiceType.LEGAL_CONSULTATION,))).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=late, business_time=T0 + timedelta(minutes=20),
                                               deadline_class=DeadlineClass.CONSULTATION))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(case_id=late, business_time=T0 + timedelta(hours=1),
                                                    assignments=single_assignment(), form=ServiceForm.BY_PHONE))
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(late, on_site=False))
    refused = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.refuse(ctx(REGISTRAR), RefuseCase(case_id=refused, business_time=T0 + timedelta(hours=2), reason="属于劳动争议",
                                               notice="请申请劳动仲裁", referral=Referral(body="劳动仲裁委", how_to_reach="0533-1234567")))
    booked = ledger.book(ctx(REGISTRAR), book_cmd(needs="咨询许可材料")).case_id

    project(store_settings, CasesProjection())
    rows = by_case(views.registry_rows(EVERY))
    assert set(rows) == {str(i) for i in (demo, joint, late, refused, booked)}

    d = rows[str(demo)]
    assert (d["state"], d["form_number"], d["form_unit"], d["form_seq"]) == ("archived", "2026年第1号", DEMO_OFFICE, 1)
    assert d["units"] == f"{DEMO_MARKET}、{DEMO_FIRE}" and d["lead_unit"] == DEMO_MARKET
    assert d["staff"] == "王磊、赵静、孙浩" and d["service_staff"] == "王磊、孙浩"
    assert d["due_target"] == "2026-11-11T23:59:59+08:00"  # Mon 9, Tue 10, Wed 11
    assert d["due_limit"] == "2026-11-13T23:59:59+08:00"  # ... Thu 12, Fri 13
    assert d["served_at"] == "2026-11-08T11:00:00+08:00" and d["on_time"] == 1
    assert (d["served_month"], d["served_quarter"]) == ("2026-11", "2026-Q4")
    assert (d["response_score"], d["attitude_score"], d["usefulness_score"], d["result_score"]) == (4, 4, 3, 4)
    assert d["phone_follow_up"] == 0
    assert d["rectification"] == "淄张市监罚〔2025〕118号：1/1项已整改" and d["rectification_open"] == 0
    assert d["reversal"] == "撤销淄张市监罚〔2025〕118号（不予处罚清单2025版第12项）：撤销原罚款决定，予以批评教育"
    assert d["reversals"] == 1
    assert d["follow_ups"] == 1 and d["last_follow_up"] == "2026-11-12 上门回访：台账已建立，疏散通道已清理。"
    assert d["contact_phone"] == "+8613953312346" and d["corrections"] == 1  # the correction, not the booking
    assert d["archive_number"] == "2026年第1号" and d["archived_at"] == "2026-11-14T11:00:00+08:00"
    assert d["version"] == 10

    j = rows[str(joint)]
    assert (j["state"], j["form_number"], j["form_unit"]) == ("rated", "2026年第1号", OFFICE)
    assert j["units"] == f"{MARKET}、{FIRE}" and j["service_form"] == "joint_visit"
    assert j["on_time"] == 1 and j["opinion_number"] == "2026年第1号"
    assert (j["response_score"], j["attitude_score"], j["usefulness_score"], j["result_score"]) == (2, 1, 3, 2)
    assert j["phone_follow_up"] == 1 and j["rating_number"] == "2026年第1号"
    assert j["rectification"] == "整改事项：1/2项已整改" and j["rectification_open"] == 1
    assert j["reversal"] == "重新作出张市监罚〔2025〕118号（从轻处罚清单2025版第12项）：改为罚款五百元"
    assert j["archive_number"] is None

    late_row = rows[str(late)]
    assert (late_row["state"], late_row["form_number"], late_row["form_seq"]) == ("served", "2026年第2号", 2)
    assert late_row["due_limit"] == "2026-11-03T23:59:59+08:00" and late_row["on_time"] == 0
    assert late_row["response_score"] is None and late_row["phone_follow_up"] is None
    assert late_row["opinion_number"] == "2026年第2号" and late_row["service_types"] == "legal_consultation"

    r = rows[str(refused)]
    assert (r["state"], r["form_number"], r["units"], r["on_time"]) == ("refused", None, None, None)
    assert r["refusal_reason"] == "属于劳动争议" and r["referral"] == "劳动仲裁委（0533-1234567）"
    assert rows[str(booked)]["state"] == "applied" and rows[str(booked)]["needs"] == "咨询许可材料"

    # as clerks read it
    shown = {row["case_id"]: row for row in views.registry(console_scope(Reach.CASES, Role.SUPERVISOR))}
    assert shown[str(demo)]["state"] == "已归档" and shown[str(demo)]["on_time"] == "是"
    assert shown[str(late)]["on_time"] == "否" and shown[str(late)]["service_types"] == "法律问题咨询"
    assert (shown[str(joint)]["response"], shown[str(joint)]["attitude"]) == ("一般", "较差")
    assert shown[str(joint)]["phone_follow_up"] == "是" and shown[str(joint)]["provisional"] == "否"
    # filters
    assert {row["case_id"] for row in views.registry_rows(EVERY, unit=FIRE)} == {str(joint)}
    assert {row["case_id"] for row in views.registry_rows(EVERY, service_type=ServiceType.LEGAL_CONSULTATION)} == {str(late)}
    assert {row["case_id"] for row in views.registry_rows(EVERY, state="refused")} == {str(refused)}


def test_a_correction_changes_the_value_shown_in_the_registry(ledger, store_settings, views):
    case_id = dispatched_case(ledger)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(case_id))  # version 4
    project(store_settings, CasesProjection())
    before = by_case(views.registry_rows(EVERY))[str(case_id)]
    assert (before["applicant_name"], before["findings"], before["corrections"]) == ("鲁味轩餐饮有限公司", "台账不全", 0)

    ledger.correct(ctx(REGISTRAR), CorrectRecord(
        case_id=case_id, basis="营业执照名称有误", corrects_version=1,
        changes=(FieldChange(field="applicant.name", old="", new="鲁味轩餐饮管理有限公司"),
                 FieldChange(field="contact.phone", old="", new="13953312399")),
    ))
    ledger.correct(ctx(MARKET_STAFF), CorrectRecord(
        case_id=case_id, basis="笔误", corrects_version=4,
        changes=(FieldChange(field="opinion.findings", old="", new="进货台账不全"),),
    ))
    project(store_settings, CasesProjection())
    after = by_case(views.registry_rows(EVERY))[str(case_id)]
    assert after["applicant_name"] == "鲁味轩餐饮管理有限公司"
    assert after["contact_phone"] == "+8613953312399"
    assert after["findings"] == "进货台账不全"
    assert after["corrections"] == 2 and after["version"] == 6
    assert after["state"] == "served"  # a correction is not a step
    # the work queue shows the corrected name too
    (queued,) = views.queue(EVERY, "rating")
    assert queued["applicant_name"] == "鲁味轩餐饮管理有限公司"


def test_a_correction_of_a_refusals_referral_changes_the_registry_referral(ledger, store_settings, views):
    case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.refuse(ctx(REGISTRAR), RefuseCase(
        case_id=case_id, business_time=T0 + timedelta(hours=1), reason="属于劳动争议", notice="请申请劳动仲裁",
        referral=Referral(body="劳动仲裁委", how_to_reach="0533-1234567"),
    ))
    ledger.correct(ctx(REGISTRAR), CorrectRecord(
        case_id=case_id, basis="指引机关名称写错", corrects_version=2,
        changes=(FieldChange(field="referral.body", old="", new="张店区劳动人事争议仲裁委员会"),),
    ))
    assert ledger.get_case(case_id).referral.body == "张店区劳动人事争议仲裁委员会"
    project(store_settings, CasesProjection())
    row = by_case(views.registry_rows(EVERY))[str(case_id)]
    assert row["corrections"] == 1
    assert row["referral"] == "张店区劳动人事争议仲裁委员会（0533-1234567）"


# ------------------------------------------------------------------- queues


def test_each_open_case_is_in_one_work_queue_at_its_stage_and_archived_cases_leave(ledger, store_settings, views):
    applied = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    urgent = ledger.book(ctx(REGISTRAR), book_cmd(business_time=T0 + timedelta(minutes=5))).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=urgent, business_time=T0 + timedelta(minutes=10),
                                               deadline_class=DeadlineClass.URGENT))
    market = dispatched_case(ledger)
    joint = dispatched_case(ledger, joint=True)
    served = dispatched_case(ledger)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(served))
    rated = rated_case(ledger)
    followed = rated_case(ledger)
    ledger.follow_up(ctx(MARKET_STAFF), RecordFollowUp(
        case_id=followed, business_time=T0 + timedelta(days=3),
        follow_up=FollowUp(on=date(2026, 11, 5), method=FollowUpMethod.PHONE, findings="已整改"),
    ))
    refused = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.refuse(ctx(REGISTRAR), RefuseCase(case_id=refused, business_time=T0 + timedelta(hours=2), reason="不属于指导范围",
                                               notice="请咨询12345", referral=Referral(body="12345热线", how_to_reach="12345")))
    withdrawn = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.withdraw(ctx(REGISTRAR), WithdrawCase(case_id=withdrawn, business_time=T0 + timedelta(hours=4), reason="不再需要"))
    archived = record_demo_case(ledger, NOW - timedelta(days=14))
    project(store_settings, CasesProjection())

    def stage_ids(stage: str, **kw: Any) -> set[str]:
        return {r["case_id"] for r in views.queue(EVERY, stage, **kw)}

    assert stage_ids("acceptance") == {str(applied)}
    assert stage_ids("dispatch") == {str(urgent)}
    assert stage_ids("service") == {str(market), str(joint)}
    assert stage_ids("rating") == {str(served)}
    assert stage_ids("follow_up") == {str(rated)}
    assert stage_ids("archiving") == {str(followed), str(refused), str(withdrawn)}
    everywhere = set().union(*(stage_ids(s) for s in ("acceptance", "dispatch", "service", "rating", "follow_up", "archiving")))
    assert str(archived) not in everywhere
    assert len(query(store_settings, "SELECT case_id FROM work_queue")) == 9  # one row per open case

    (acceptance,) = views.queue(EVERY, "acceptance")
    assert acceptance["since"] == "2026-11-02T09:00:00+08:00" and acceptance["due_at"] is None
    assert acceptance["form_number"] is None and acceptance["units"] is None
    (dispatch,) = views.queue(EVERY, "dispatch")
    assert dispatch["form_number"] == "2026年第1号"
    assert dispatch["due_at"] == dispatch["due_target"] == "2026-11-03T09:10:00+08:00"  # 24 hours
    assert dispatch["provisional"] == 0
    service = by_case(views.queue(EVERY, "service"))
    assert service[str(market)]["units"] == MARKET and service[str(joint)]["units"] == f"{MARKET}、{FIRE}"
    assert service[str(joint)]["lead_unit"] == MARKET and service[str(joint)]["staff"] == "王磊、孙浩"
    assert service[str(market)]["due_target"] == "2026-11-05T23:59:59+08:00"
    assert service[str(market)]["due_at"] == "2026-11-09T23:59:59+08:00"
    assert service[str(market)]["since"] == "2026-11-02T10:00:00+08:00"
    assert by_case(views.queue(EVERY, "archiving"))[str(withdrawn)]["since"] == "2026-11-02T13:00:00+08:00"

    # a unit sees only what was dispatched to it
    assert stage_ids("service", unit=FIRE) == {str(joint)}
    assert stage_ids("service", unit=MARKET) == {str(market), str(joint)}
    assert stage_ids("service", unit="生态环境局") == set()
    assert stage_ids("service", unit="市场监督") == set()  # no partial matches
    assert stage_ids("dispatch", unit=MARKET) == set()
    assert stage_ids("rating", unit=MARKET) == {str(served)}
    assert stage_ids("follow_up", unit=FIRE) == set()

    # overdue and due soon, against a given now
    def flags(stage: str, now: datetime) -> dict[str, tuple[bool, bool]]:
        return {r["case_id"]: (r["overdue"], r["due_soon"]) for r in views.queue(EVERY, stage, now=now)}

    early = datetime(2026, 11, 2, 12, 0, tzinfo=CST)
    assert flags("dispatch", early) == {str(urgent): (False, True)}
    assert set(flags("service", early).values()) == {(False, False)}
    assert flags("dispatch", datetime(2026, 11, 3, 9, 10, tzinfo=CST)) == {str(urgent): (False, True)}  # due now
    assert flags("dispatch", datetime(2026, 11, 3, 9, 11, tzinfo=CST)) == {str(urgent): (True, False)}
    assert set(flags("service", datetime(2026, 11, 9, 0, 0, tzinfo=CST)).values()) == {(False, True)}
    assert set(flags("service", datetime(2026, 11, 8, 23, 59, tzinfo=CST)).values()) == {(False, False)}
    assert set(flags("service", datetime(2026, 11, 10, 0, 0, tzinfo=CST)).values()) == {(True, False)}
    # a UTC "now" means the same instant
    assert set(flags("service", datetime(2026, 11, 9, 16, 0, tzinfo=timezone.utc)).values()) == {(True, False)}
    assert set(flags("archiving", datetime(2030, 1, 1, tzinfo=CST)).values()) == {(False, False)}  # no due time

    # without a due time, in order of arrival at the stage
    assert [r["case_id"] for r in views.queue(EVERY, "archiving")] == [str(refused), str(withdrawn), str(followed)]

    # archiving takes a case out of the queues; dispatching moves it on
    ledger.archive(ctx(REGISTRAR), ArchiveCase(case_id=followed, business_time=T0 + timedelta(days=4)))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(
        case_id=urgent, business_time=T0 + timedelta(hours=2), assignments=single_assignment(),
        form=ServiceForm.BY_PHONE))
    project(store_settings, CasesProjection())
    assert stage_ids("archiving") == {str(refused), str(withdrawn)}
    assert stage_ids("dispatch") == set()
    assert stage_ids("service") == {str(market), str(joint), str(urgent)}
    assert views.queue(EVERY, "service")[0]["case_id"] == str(urgent)  # the earliest due time first
    assert views.queue(EVERY, "service")[0]["due_at"] == "2026-11-03T09:10:00+08:00"


def test_recording_a_years_schedule_moves_a_queued_due_time_and_clears_provisional(store_settings):
    ledger = Ledger(store_settings, clock=fixed_clock(datetime(2027, 1, 5, 9, 0, tzinfo=CST)))
    views = Views(store_settings)
    try:
        case_id = ledger.book(ctx(REGISTRAR), book_cmd(business_time=datetime(2026, 12, 30, 9, tzinfo=CST))).case_id
        ledger.accept(ctx(REGISTRAR), AcceptCase(
            case_id=case_id, business_time=datetime(2026, 12, 30, 10, tzinfo=CST), deadline_class=DeadlineClass.GENERAL))
        project(store_settings)
        now = datetime(2027, 1, 8, 2, 0, tzinfo=CST)
        (before,) = views.queue(EVERY, "dispatch", now=now)
        # Monday–Friday less the statutory days assumed for 2027 (1 Jan 元旦 rests):
        # 31 Dec, 4, 5 Jan (target) … 6, 7 Jan (limit)
        assert before["due_target"] == "2027-01-05T23:59:59+08:00"
        assert before["due_at"] == "2027-01-07T23:59:59+08:00"
        assert before["provisional"] == 1 and before["overdue"] and not before["due_soon"]
        assert views.registry(console_scope(Reach.CASES, Role.REGISTRAR))[0]["provisional"] == "是"

        # a test schedule that also bridges Monday 4 January (the statutory assumption did not know it)
        schedule = YearSchedule(
            year=2027, holidays=tuple(Holiday(day=date(2027, 1, d), name="元旦") for d in (1, 2, 3, 4)),
            makeup_workdays=(), source="国办发明电（测试）",
        )
        result = ledger.record_year_schedule(ctx(ADMIN), RecordYearSchedule(schedule=schedule, basis="国务院办公厅通知"))
        project(store_settings)
        (after,) = views.queue(EVERY, "dispatch", now=now)
        # 1–4 January rest now: 31 Dec, 5, 6 Jan (target) … 7, 8 Jan (limit)
        assert after["due_target"] == "2027-01-06T23:59:59+08:00"
        assert after["due_at"] == "2027-01-08T23:59:59+08:00"
        assert after["provisional"] == 0 and not after["overdue"] and after["due_soon"]
        (row,) = views.registry_rows(EVERY)
        assert (row["due_limit"], row["provisional"], row["state"]) == ("2027-01-08T23:59:59+08:00", 0, "accepted")
        assert views.registry(console_scope(Reach.CASES, Role.REGISTRAR))[0]["provisional"] == "否"
        recomputed = views.audit(AUDIT_ALL, action="DeadlineRecomputed")
        assert [(r["case_id"], r["version"], r["actor_id"], r["basis"]) for r in recomputed] == [
            (str(case_id), 3, ADMIN.id, "国务院办公厅通知")]
        assert recomputed[0]["notification_id"] <= result.notification_id
    finally:
        views.close()
        ledger.close()


# -------------------------------------------------------------------- audit


def test_the_audit_log_has_one_row_per_event_and_filters_by_actor_unit_case_action_and_period(ledger, store_settings, views):
    booked = ledger.book(Context(actor=REGISTRAR, request_id="req-book-a"), book_cmd())
    a = booked.case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=a, business_time=T0 + timedelta(minutes=10),
                                               deadline_class=DeadlineClass.GENERAL))
    dispatched = ledger.dispatch(ctx(DISPATCHER), DispatchCase(
        case_id=a, business_time=T0 + timedelta(hours=1), assignments=single_assignment(),
        form=ServiceForm.ONSITE_VISIT, agreed_time=T0 + timedelta(days=2)))
    time.sleep(0.03)
    boundary = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    time.sleep(0.03)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(a))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(a))
    b = ledger.book(ctx(REGISTRAR), book_cmd(needs="咨询许可材料")).case_id
    ledger.annotate(ctx(SUPERVISOR), AnnotateCase(case_id=a, note="服务及时", basis="抽查"))
    ledger.correct(ctx(REGISTRAR), CorrectRecord(case_id=b, basis="申请人来电更正", corrects_version=1,
                                                   changes=(FieldChange(field="needs", old="", new="咨询消防通道"),)))
    project(store_settings, AuditProjection())

    count, head = log_count_and_head(store_settings)
    rows = views.audit(AUDIT_ALL, limit=10_000)
    assert len(rows) == count == head
    assert [r["notification_id"] for r in rows] == list(range(1, head + 1))
    assert len(query(store_settings, "SELECT notification_id FROM audit_log")) == count

    # a case: each of its events, in order, with business time and request id
    (applied_a,) = [r for r in rows if r["request_id"] == "req-book-a"]
    a_id = str(a)
    assert applied_a["case_id"] == a_id
    case_rows = views.audit(AUDIT_ALL, case_id=a_id)
    assert [r["action"] for r in case_rows] == [type(e).__name__ for e in ledger.history(a)]
    assert [r["version"] for r in case_rows] == list(range(1, 7))
    assert {r["aggregate"] for r in case_rows} == {"case"} and {r["aggregate_id"] for r in case_rows} == {a_id}
    assert case_rows[0]["request_id"] == "req-book-a"
    assert case_rows[0]["notification_id"] == booked.notification_id
    assert case_rows[0]["business_time"] == "2026-11-02T09:00:00+08:00"
    # an actor
    (d,) = views.audit(AUDIT_ALL, actor_id=DISPATCHER.id)
    assert (d["action"], d["case_id"], d["role"], d["unit"], d["actor_name"]) == (
        "Dispatched", a_id, "dispatcher", OFFICE, "李强")
    assert d["notification_id"] == dispatched.notification_id and d["business_time"] == "2026-11-02T10:00:00+08:00"
    market = views.audit(AUDIT_ALL, actor_id=MARKET_STAFF.id)
    assert Counter(r["action"] for r in market) == {"Served": 1, "Rated": 1, "NumberIssued": 2}
    assert {r["aggregate"] for r in market if r["action"] == "NumberIssued"} == {"form_counter"}
    assert all(r["case_id"] is None for r in market if r["aggregate"] != "case")
    (note,) = views.audit(AUDIT_ALL, actor_id=SUPERVISOR.id)
    assert (note["action"], note["basis"]) == ("Annotated", "抽查")
    # a unit
    assert views.audit(AUDIT_ALL, unit=MARKET) == market
    office = views.audit(AUDIT_ALL, unit=OFFICE)
    assert Counter(r["action"] for r in office) == {"Applied": 2, "Accepted": 1, "NumberIssued": 1, "Dispatched": 1,
                                                   "Corrected": 1}
    assert {r["actor_id"] for r in office} == {REGISTRAR.id, DISPATCHER.id}
    # an action
    applied = views.audit(AUDIT_ALL, action="Applied")
    assert len(applied) == 2 and applied[0]["case_id"] == a_id and applied[1]["case_id"] != a_id
    (corrected,) = views.audit(AUDIT_ALL, action="Corrected")
    assert (corrected["case_id"], corrected["basis"]) == (applied[1]["case_id"], "申请人来电更正")
    assert views.audit(AUDIT_ALL, case_id=applied[1]["case_id"]) == [applied[1], corrected]
    # events of no actor (counters starting, the seeded calendar's start) are logged too
    assert any(r["actor_id"] is None and r["action"] == "Started" for r in rows)
    # the period of recording
    before = views.audit(AUDIT_ALL, recorded_to=boundary, limit=10_000)
    after = views.audit(AUDIT_ALL, recorded_from=boundary, limit=10_000)
    assert before[-1]["notification_id"] == dispatched.notification_id
    assert [r["notification_id"] for r in before + after] == list(range(1, head + 1))
    assert Counter(r["action"] for r in after if r["aggregate"] == "case") == {
        "Served": 1, "Rated": 1, "Applied": 1, "Annotated": 1, "Corrected": 1}
    assert [r["action"] for r in views.audit(AUDIT_ALL, actor_id=REGISTRAR.id, recorded_from=boundary)] == ["Applied", "Corrected"]
    window = views.audit(AUDIT_ALL, recorded_from=rows[3]["recorded_at"], recorded_to=after[0]["recorded_at"], limit=10_000)
    assert window and all(rows[3]["recorded_at"] <= r["recorded_at"] < after[0]["recorded_at"] for r in window)
    assert window[-1]["notification_id"] == dispatched.notification_id
    # paging
    assert views.audit(AUDIT_ALL, limit=5, offset=5) == rows[5:10]


def test_the_audit_period_treats_a_whole_second_utc_bound_as_that_instant(ledger, store_settings, views):
    ledger.book(ctx(REGISTRAR), book_cmd())
    project(store_settings, AuditProjection())
    (applied,) = views.audit(AUDIT_ALL, action="Applied")
    recorded = datetime.fromisoformat(applied["recorded_at"])  # e.g. 2026-11-22T21:30:00.123456Z
    second = recorded.replace(microsecond=0)
    assert second <= recorded
    bound = second.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert applied in views.audit(AUDIT_ALL, recorded_from=bound)  # recorded at or after that second
    assert applied not in views.audit(AUDIT_ALL, recorded_to=bound)  # not before it


def test_the_audit_log_names_a_case_by_the_same_id_as_the_registry(ledger, store_settings, views):
    # (SQLite stores originator ids as 32 hex digits; the audit log must still say str(UUID))
    case_id = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=case_id, deadline_class=DeadlineClass.GENERAL))
    project(store_settings)
    (registry_row,) = views.registry_rows(EVERY)
    assert registry_row["case_id"] == str(case_id)
    case_rows = [r for r in views.audit(AUDIT_ALL, limit=10_000) if r["aggregate"] == "case"]
    assert {r["case_id"] for r in case_rows} == {r["aggregate_id"] for r in case_rows} == {str(case_id)}
    assert [r["action"] for r in views.audit(AUDIT_ALL, case_id=registry_row["case_id"])] == ["Applied", "Accepted"]


# --------------------------------------------------------------- exactly once


class Boom(RuntimeError):
    pass


class FailsMidway:
    """A projection that, on its ``fail_on``-th batch, writes part of the batch
    and then raises (as a crash in the middle of a batch would)."""

    def __init__(self, inner: Any, fail_on: int) -> None:
        self.inner = inner
        self.fail_on = fail_on
        self.calls = 0

    def __getattr__(self, name: str) -> Any:  # name, tables, wants, headers_only …
        return getattr(self.inner, name)

    def apply(self, cur: Any, items: list[Any], suffix: str = "") -> None:
        self.calls += 1
        if self.calls == self.fail_on:
            self.inner.apply(cur, items[: max(1, len(items) // 2)], suffix)
            raise Boom(f"projection failed after writing part of batch {self.calls}")
        self.inner.apply(cur, items, suffix)


@pytest.mark.parametrize("which", ["cases", "audit"])
def test_a_batch_that_fails_midway_leaves_view_and_tracking_unchanged_and_a_new_runner_applies_it_once(
    ledger, store_settings, which
):
    ids = history_of_several_cases(ledger)
    count, head = log_count_and_head(store_settings)
    Views(store_settings).close()  # the view's tables exist, empty
    flaky = Runner(store_settings, FailsMidway(PROJECTIONS[which](), fail_on=3), batch_size=6)
    try:
        for _ in range(head + 1):
            before = dump(store_settings, PROJECTIONS[which]())
            try:
                consumed = flaky.run_batch()
            except Boom:
                break
            assert consumed > 0, "the projection never failed"
        else:
            pytest.fail("the projection never failed")
    finally:
        flaky.close()
    after = dump(store_settings, PROJECTIONS[which]())
    assert after == before  # nothing of the failed batch, not even its first half
    assert 0 < after["position"] < head

    fresh = Runner(store_settings, PROJECTIONS[which](), batch_size=6)
    try:
        assert fresh.catch_up() == head - after["position"]
    finally:
        fresh.close()
    live = dump(store_settings, PROJECTIONS[which]())
    clean_runner = Runner(store_settings, PROJECTIONS[which](), view_name=f"{which}_clean", suffix="_clean")
    try:
        clean_runner.catch_up()
    finally:
        clean_runner.close()
    clean = dump(store_settings, PROJECTIONS[which](), suffix="_clean", view=f"{which}_clean")
    assert live == clean
    assert live["position"] == head
    if which == "audit":
        assert len(live["audit_log"]) == count
        assert len({r["notification_id"] for r in live["audit_log"]}) == count
    else:
        assert {r["case_id"] for r in live["registry"]} == {str(i) for i in ids.values()}
        assert {r["case_id"]: r["version"] for r in live["registry"]} == {
            str(i): ledger.get_case(i).version for i in ids.values()}


def test_a_started_runner_whose_projection_fails_stops_with_the_error_and_commits_nothing_of_that_batch(
    ledger, store_settings
):
    history_of_several_cases(ledger)
    count, head = log_count_and_head(store_settings)
    runner = Runner(store_settings, FailsMidway(AuditProjection(), fail_on=2), batch_size=10, poll_interval=0.05)
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while runner.error is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        runner.stop()
    with pytest.raises(Boom):
        runner.raise_if_failed()
    view = dump(store_settings, AuditProjection())
    assert view["position"] == 10  # the first batch only
    assert [r["notification_id"] for r in view["audit_log"]] == list(range(1, 11))
    project(store_settings, AuditProjection(), batch_size=10)
    assert len(dump(store_settings, AuditProjection())["audit_log"]) == count


def test_two_runners_started_together_on_a_fresh_view_both_succeed_and_apply_each_event_once(
    ledger, store_settings
):
    # A fresh view has no tracking row to lock: the second runner must still wait, not re-apply.
    history_of_several_cases(ledger)
    count, head = log_count_and_head(store_settings)
    gate, inside = threading.Event(), threading.Event()

    class HoldsItsBatch:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def apply(self, cur: Any, items: list[Any], suffix: str = "") -> None:
            self.inner.apply(cur, items, suffix)
            inside.set()
            gate.wait(10)

    first = Runner(store_settings, HoldsItsBatch(AuditProjection()))
    second = Runner(store_settings, AuditProjection())
    outcome: dict[str, Any] = {}

    def run(name: str, runner: Runner) -> None:
        try:
            outcome[name] = runner.catch_up()
        except Exception as e:  # noqa: BLE001 - reported below
            outcome[name] = e

    try:
        assert second.run_batch(upto=0) == 0  # connected, tables ensured, as a second process would be
        t1 = threading.Thread(target=run, args=("first", first))
        t1.start()
        assert inside.wait(10)
        t2 = threading.Thread(target=run, args=("second", second))
        t2.start()
        time.sleep(0.5)  # the second runner is now waiting on the first one's batch
        gate.set()
        t1.join(20)
        t2.join(20)
    finally:
        gate.set()
        first.close()
        second.close()
    assert outcome == {"first": head, "second": 0}
    view = dump(store_settings, AuditProjection())
    assert len(view["audit_log"]) == count and view["position"] == head


# ------------------------------------------------------------------ rebuild


@pytest.mark.parametrize("which", ["cases", "audit"])
def test_a_rebuild_equals_the_incrementally_maintained_view_and_can_be_repeated(ledger, store_settings, which):
    history_of_several_cases(ledger)
    make = PROJECTIONS[which]
    project(store_settings, make(), batch_size=4)
    incremental = dump(store_settings, make())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head

    progress: list[tuple[int, int]] = []
    assert rebuild(store_settings, make(), progress=lambda done, total: progress.append((done, total))) == head
    assert dump(store_settings, make()) == incremental
    assert progress and progress[-1] == (head, head)
    assert rebuild(store_settings, make()) == head  # again: the names of indexes and keys are free again
    assert dump(store_settings, make()) == incremental

    # the live runner carries on on the rebuilt tables, and agrees with a third rebuild
    more = rated_case(ledger)
    ledger.annotate(ctx(SUPERVISOR), AnnotateCase(case_id=more, note="抽查"))
    project(store_settings, make(), batch_size=3)
    carried_on = dump(store_settings, make())
    _, head = log_count_and_head(store_settings)
    assert carried_on["position"] == head
    assert rebuild(store_settings, make()) == head
    assert dump(store_settings, make()) == carried_on

    tracking = dict(query(store_settings, "SELECT view, position FROM view_tracking"))
    assert tracking == {which: head}
    for table in make().tables:
        assert {table.index_name(idx) for idx in table.indexes} <= index_names(store_settings, table.name)
    leftovers = {t.name + "__new" for t in make().tables}
    if store_settings.backend == "sqlite":
        existing = {r[0] for r in query(store_settings, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    else:
        existing = {r[0] for r in query(store_settings, "SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                        (store_settings.pg_schema,))}
    assert not existing & leftovers


@pytest.mark.parametrize("which", ["cases", "audit"])
def test_after_each_rebuild_the_live_tables_carry_exactly_their_own_key_and_indexes(
    ledger, store_settings, which
):
    # (the builder's tables get no indexes of their own, which would follow the rename on SQLite)
    rated_case(ledger)
    make = PROJECTIONS[which]
    project(store_settings, make())

    def expected(table: Any) -> set[str]:
        declared = {table.index_name(idx) for idx in table.indexes}
        key = f"sqlite_autoindex_{table.name}_1" if store_settings.backend == "sqlite" else f"{table.name}_pkey"
        return declared | {key}

    before = {t.name: index_names(store_settings, t.name) for t in make().tables}
    assert before == {t.name: expected(t) for t in make().tables}
    for _ in range(2):
        rebuild(store_settings, make())
        assert {t.name: index_names(store_settings, t.name) for t in make().tables} == before
        if store_settings.backend == "postgres":
            for table in make().tables:
                constraints = query(store_settings, "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass",
                                    (table.name,))
                assert {r[0] for r in constraints} == {f"{table.name}_pkey"}


@pytest.mark.parametrize("which", ["cases", "audit"])
def test_a_rebuild_in_many_small_pages_completes_and_equals_the_incremental_view(
    ledger, store_settings, which, monkeypatch
):
    # (the page reader must not hold SQLite's write lock while the folding connection waits for it)
    # a lock wait shows in seconds, not after the default 30 s busy timeout
    connect = ViewDB.connect

    def connect_with_short_busy_timeout(self: ViewDB) -> Any:
        conn = connect(self)
        if self.backend == "sqlite":
            conn.execute("PRAGMA busy_timeout=2000")
        return conn

    monkeypatch.setattr(ViewDB, "connect", connect_with_short_busy_timeout)
    history_of_several_cases(ledger)
    make = PROJECTIONS[which]
    project(store_settings, make(), batch_size=4)
    incremental = dump(store_settings, make())
    _, head = log_count_and_head(store_settings)
    progress: list[tuple[int, int]] = []
    assert rebuild(store_settings, make(), progress=lambda done, total: progress.append((done, total)), batch_size=7) == head
    assert dump(store_settings, make()) == incremental
    assert len(progress) >= 4 and progress[-1] == (head, head)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


@pytest.mark.parametrize("which", ["cases", "audit"])
def test_a_rebuild_while_the_live_runner_is_in_the_middle_of_a_batch_waits_for_it_and_both_finish(
    ledger, store_settings, which, request
):
    make = PROJECTIONS[which]
    history_of_several_cases(ledger)
    project(store_settings, make())
    rated_case(ledger)  # the live runner's next batch
    _, head = log_count_and_head(store_settings)
    gate, inside, built = threading.Event(), threading.Event(), threading.Event()

    class PausesBeforeWriting:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

        def apply(self, cur: Any, items: list[Any], suffix: str = "") -> None:
            inside.set()  # the tracking row is locked; nothing written yet
            gate.wait(10)
            self.inner.apply(cur, items, suffix)

    live = Runner(store_settings, PausesBeforeWriting(make()))
    before = live.position()
    outcome: dict[str, Any] = {}

    def run_live() -> None:
        try:
            outcome["runner"] = live.catch_up()
        except Exception as e:  # noqa: BLE001 - reported below
            outcome["runner"] = e

    def run_rebuild() -> None:
        try:
            outcome["rebuild"] = rebuild(store_settings, make(), progress=lambda done, total: done == total and built.set())
        except Exception as e:  # noqa: BLE001 - reported below
            outcome["rebuild"] = e

    threads = [threading.Thread(target=run_live), threading.Thread(target=run_rebuild)]
    try:
        threads[0].start()
        assert inside.wait(10)
        threads[1].start()
        # on PostgreSQL the build completes; on SQLite it waits for the runner's write lock
        built.wait(3 if store_settings.backend == "postgres" else 0.2)
        time.sleep(0.5)  # the rebuild now waits to swap
        gate.set()
        for t in threads:
            t.join(30)
    finally:
        gate.set()
        live.close()
    assert outcome == {"runner": head - before, "rebuild": head}
    clean = Runner(store_settings, make(), view_name=f"{which}_clean", suffix="_clean")
    try:
        clean.catch_up()
    finally:
        clean.close()
    assert dump(store_settings, make()) == dump(store_settings, make(), suffix="_clean", view=f"{which}_clean")


def test_a_rebuild_of_views_never_caught_up_brings_every_table_and_the_tracking_to_the_head(ledger, store_settings):
    history_of_several_cases(ledger)
    Views(store_settings).close()  # the live tables exist, empty, at position 0
    _, head = log_count_and_head(store_settings)
    for which, make in PROJECTIONS.items():
        assert dump(store_settings, make())["position"] == 0
        assert rebuild(store_settings, make()) == head
        reference = Runner(store_settings, make(), view_name=f"{which}_ref", suffix="_ref", batch_size=5)
        try:
            reference.catch_up()
        finally:
            reference.close()
        rebuilt = dump(store_settings, make())
        assert rebuilt == dump(store_settings, make(), suffix="_ref", view=f"{which}_ref")
        assert rebuilt["position"] == head
        assert rebuilt[make().tables[0].name]  # not empty
    positions = dict(query(store_settings, "SELECT view, position FROM view_tracking WHERE view IN ('cases', 'audit')"))
    assert positions == {"cases": head, "audit": head}
    assert not [v for (v,) in query(store_settings, "SELECT view FROM view_tracking") if v.endswith("__new")]


# -------------------------------------------------------------------- as of


def test_an_as_of_export_by_notification_or_by_time_equals_the_export_made_at_that_moment(ledger, store_settings, views):
    first = dispatched_case(ledger)
    second = ledger.book(ctx(REGISTRAR), book_cmd(
        applicant=Applicant(kind=ApplicantKind.INDIVIDUAL, name="赵六", id_number=VALID_RIC, address="和平路1号"))).case_id
    project(store_settings, CasesProjection())
    then = registry_csv(registry_order(views.registry_rows(EVERY)), Role.SUPERVISOR)
    _, cutoff = log_count_and_head(store_settings)
    time.sleep(0.02)
    between = datetime.now(CST)
    time.sleep(0.02)

    ledger.serve(ctx(MARKET_STAFF), serve_cmd(first))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(first))
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=second, business_time=T0 + timedelta(hours=1),
                                               deadline_class=DeadlineClass.CONSULTATION))
    ledger.correct(ctx(REGISTRAR), CorrectRecord(case_id=first, basis="更正", corrects_version=1,
                                                   changes=(FieldChange(field="applicant.name", old="", new="新名称有限公司"),)))
    ledger.book(ctx(REGISTRAR), book_cmd(business_time=T0 - timedelta(days=1)))
    project(store_settings, CasesProjection())
    now = registry_csv(registry_order(views.registry_rows(EVERY)), Role.SUPERVISOR)
    assert now != then

    by_id = fold_as_of(store_settings, CasesProjection(), cutoff)
    assert registry_csv(registry_order(by_id.values()), Role.SUPERVISOR) == then
    assert resolve_cutoff(store_settings, str(cutoff))[0] == cutoff

    n, label = resolve_cutoff(store_settings, between.isoformat())
    assert n == cutoff and f"notification {cutoff}" in label
    assert resolve_cutoff(store_settings, between.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"))[0] == cutoff
    assert resolve_cutoff(store_settings, between.replace(tzinfo=None).isoformat())[0] == cutoff  # naive: China time
    by_time = fold_as_of(store_settings, CasesProjection(), n)
    assert registry_csv(registry_order(by_time.values()), Role.SUPERVISOR) == then

    _, head = log_count_and_head(store_settings)
    assert registry_csv(registry_order(fold_as_of(store_settings, CasesProjection(), head).values()), Role.SUPERVISOR) == now
    assert resolve_cutoff(store_settings, "2020-01-01T00:00:00+08:00")[0] == 0
    assert fold_as_of(store_settings, CasesProjection(), 0) == {}
    assert then.startswith("\ufeff申请表编号".encode())


# ------------------------------------------------------------------ masking


def test_an_individuals_resident_id_is_masked_except_for_registrar_and_supervisor(ledger, store_settings, views):
    person = ledger.book(ctx(REGISTRAR), book_cmd(
        applicant=Applicant(kind=ApplicantKind.INDIVIDUAL, name="赵六", id_number=VALID_RIC, address="和平路1号"))).case_id
    company = ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    shop = ledger.book(ctx(REGISTRAR), book_cmd(
        applicant=Applicant(kind=ApplicantKind.INDIVIDUAL_BUSINESS, name="老王烧烤店", id_number=VALID_USCC,
                            address="和平路2号"))).case_id
    project(store_settings, CasesProjection())
    masked = "110105********002X"
    expected = {
        Role.REGISTRAR: VALID_RIC, Role.SUPERVISOR: VALID_RIC,
        Role.AUDITOR: masked, Role.UNIT_STAFF: masked, Role.DISPATCHER: masked, Role.ADMINISTRATOR: masked,
    }
    for role, shown in expected.items():
        rows = {r["case_id"]: r for r in views.registry(console_scope(Reach.CASES, role))}
        assert rows[str(person)]["id_number"] == shown, role
        assert rows[str(company)]["id_number"] == VALID_USCC, role
        assert rows[str(shop)]["id_number"] == VALID_USCC, role
        exported = registry_csv(views.registry_rows(EVERY), role).decode("utf-8-sig")
        assert (VALID_RIC in exported) == (shown == VALID_RIC), role
        assert (masked in exported) == (shown == masked), role
        assert exported.count(VALID_USCC) == 2, role
    # the stored row keeps the full number; only the display masks it
    assert by_case(views.registry_rows(EVERY))[str(person)]["id_number"] == VALID_RIC


# -------------------------------------------------------------------- stats


def test_statistics_by_unit_service_type_month_and_quarter_match_hand_computed_values(ledger, store_settings, views):
    # 1: market, general, served Wed 4 Nov (due Mon 9 Nov): on time; rated 4,3,3,4
    rated_case(ledger)
    # 2: market + fire, general, on time; rated 3,2,1,3
    joint = dispatched_case(ledger, joint=True)
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(joint, joint=True))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(joint, response=Grade.GOOD, attitude=Grade.FAIR, usefulness=Grade.POOR,
                                             result=Grade.GOOD))
    # 3: market, consultation (due Tue 3 Nov), served Wed 4 Nov: late; not rated
    late = ledger.book(ctx(REGISTRAR), book_cmd(service_types=(ServiceType.LEGAL_CONSULTATION,))).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=late, business_time=T0 + timedelta(minutes=10),
                                               deadline_class=DeadlineClass.CONSULTATION))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(case_id=late, business_time=T0 + timedelta(hours=1),
                                                    assignments=single_assignment(), form=ServiceForm.ONSITE_VISIT,
                                                    agreed_time=T0 + timedelta(days=2)))
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(late))
    # 4: fire, urgent, September (Q3): accepted 28 Sep 09:30, served 29 Sep 08:30: on time; rated 1,1,1,1 by phone
    sept = datetime(2026, 9, 28, 9, 0, tzinfo=CST)
    autumn = ledger.book(ctx(REGISTRAR), book_cmd(business_time=sept)).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=autumn, business_time=sept + timedelta(minutes=30),
                                               deadline_class=DeadlineClass.URGENT))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(
        case_id=autumn, business_time=sept + timedelta(hours=1),
        assignments=(Assignment(unit=FIRE, staff=(Person(id="s2", name="孙浩"),)),),
        form=ServiceForm.ONSITE_VISIT, agreed_time=sept + timedelta(hours=23)))
    ledger.serve(ctx(FIRE_STAFF), serve_cmd(autumn, business_time=sept + timedelta(hours=23, minutes=30),
                                            staff=(Person(id="s2", name="孙浩"),)))
    ledger.rate(ctx(REGISTRAR), rate_cmd(autumn, business_time=sept + timedelta(days=1, hours=3),
                                         response=Grade.POOR, attitude=Grade.POOR, usefulness=Grade.POOR,
                                         result=Grade.POOR, method=RatingMethod.PHONE_FOLLOW_UP))
    # 5: dispatched to market, not served: not counted
    dispatched_case(ledger)
    project(store_settings, CasesProjection())

    scales = ("response", "attitude", "usefulness", "result")

    def expect(served: int, on_time: int, rate: float, rated: int, means: tuple, satisfied: tuple) -> dict[str, Any]:
        out: dict[str, Any] = {"served": served, "on_time": on_time, "on_time_rate": rate, "rated": rated}
        for s, m, r in zip(scales, means, satisfied, strict=True):
            out[f"{s}_mean"], out[f"{s}_satisfied_rate"] = m, r
        return out

    none4 = (None, None, None, None)
    by_unit = {r.pop("unit"): r for r in views.stats(EVERY, "unit")}
    assert by_unit == {
        MARKET: expect(3, 2, 0.6667, 2, (3.5, 2.5, 2.0, 3.5), (1.0, 0.5, 0.5, 1.0)),
        FIRE: expect(2, 2, 1.0, 2, (2.0, 1.5, 1.0, 2.0), (0.5, 0.0, 0.0, 0.5)),
    }
    by_type = {r.pop("service_type"): r for r in views.stats(EVERY, "service_type")}
    assert {k: r.pop("label") for k, r in by_type.items()} == {
        "compliance_guidance": "合规经营指导", "legal_consultation": "法律问题咨询"}
    assert by_type == {
        "compliance_guidance": expect(3, 3, 1.0, 3, (2.667, 2.0, 1.667, 2.667), (0.6667, 0.3333, 0.3333, 0.6667)),
        "legal_consultation": expect(1, 0, 0.0, 0, none4, none4),
    }
    by_month = views.stats(EVERY, "month")
    assert [r.pop("month") for r in by_month] == ["2026-09", "2026-11"]
    assert by_month == [
        expect(1, 1, 1.0, 1, (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)),
        expect(3, 2, 0.6667, 2, (3.5, 2.5, 2.0, 3.5), (1.0, 0.5, 0.5, 1.0)),
    ]
    by_quarter = views.stats(EVERY, "quarter")
    assert [r.pop("quarter") for r in by_quarter] == ["2026-Q3", "2026-Q4"]
    assert by_quarter == by_month
    with pytest.raises(ValueError):
        views.stats(EVERY, "year")

    # the 行政指导事项登记簿 of the same services, cut by quarter
    (line,) = views.guidance_register(EVERY, 2026, 3)
    assert line == {
        "seq": 1, "time": "2026年9月29日", "matter": "鲁味轩餐饮有限公司：合规经营指导（合规指导）",
        "result": "建立台账", "staff": "孙浩", "source": "case", "ref": line["ref"],
    }
    q4 = views.guidance_register(EVERY, 2026, 4)
    assert [r["seq"] for r in q4] == [1, 2, 3] and {r["time"] for r in q4} == {"2026年11月4日"}
    assert sorted(r["matter"] for r in q4) == sorted(
        ["鲁味轩餐饮有限公司：合规经营指导（合规指导）"] * 2 + ["鲁味轩餐饮有限公司：法律问题咨询（合规指导）"])
    assert len(views.guidance_register(EVERY)) == 4 and views.guidance_register(EVERY, 2026, 1) == []


def test_statistics_by_service_type_count_a_case_under_each_of_its_types(ledger, store_settings, views):
    both = ledger.book(ctx(REGISTRAR), book_cmd(
        service_types=(ServiceType.COMPLIANCE_GUIDANCE, ServiceType.RISK_SCREENING))).case_id
    ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=both, business_time=T0 + timedelta(minutes=10),
                                               deadline_class=DeadlineClass.GENERAL))
    ledger.dispatch(ctx(DISPATCHER), DispatchCase(case_id=both, business_time=T0 + timedelta(hours=1),
                                                    assignments=single_assignment(), form=ServiceForm.ONSITE_VISIT,
                                                    agreed_time=T0 + timedelta(days=2)))
    ledger.serve(ctx(MARKET_STAFF), serve_cmd(both))
    ledger.rate(ctx(MARKET_STAFF), rate_cmd(both, response=Grade.GOOD, attitude=Grade.FAIR, usefulness=Grade.POOR,
                                            result=Grade.GOOD))
    rated_case(ledger)  # compliance guidance only: 4,3,3,4
    project(store_settings, CasesProjection())
    stats = {r["service_type"]: r for r in views.stats(EVERY, "service_type")}
    assert set(stats) == {"compliance_guidance", "risk_screening"}
    assert (stats["risk_screening"]["served"], stats["risk_screening"]["rated"]) == (1, 1)
    assert [stats["risk_screening"][f"{s}_mean"] for s in ("response", "attitude", "usefulness", "result")] == [
        3.0, 2.0, 1.0, 3.0]
    assert (stats["compliance_guidance"]["served"], stats["compliance_guidance"]["on_time_rate"]) == (2, 1.0)
    assert [stats["compliance_guidance"][f"{s}_mean"] for s in ("response", "attitude", "usefulness", "result")] == [
        3.5, 2.5, 2.0, 3.5]
    assert stats["compliance_guidance"]["attitude_satisfied_rate"] == 0.5


# ----------------------------------------------------------------- wait_for


def test_wait_for_returns_true_once_a_running_runner_reaches_the_event_and_false_on_timeout(ledger, store_settings):
    booked = ledger.book(ctx(REGISTRAR), book_cmd())
    started = time.monotonic()
    assert wait_for(store_settings, ("cases",), booked.notification_id, timeout=0.3) is False
    assert 0.3 <= time.monotonic() - started < 5

    runner = Runner(store_settings, CasesProjection(), poll_interval=0.05).start()
    try:
        assert wait_for(store_settings, ("cases",), booked.notification_id, timeout=10) is True
        accepted = ledger.accept(ctx(REGISTRAR), AcceptCase(case_id=booked.case_id, deadline_class=DeadlineClass.GENERAL))
        assert wait_for(store_settings, ("cases",), accepted.notification_id, timeout=10) is True
        views = Views(store_settings)
        try:
            assert views.registry_rows(EVERY)[0]["state"] == "accepted"  # read your own write
        finally:
            views.close()
        # a view that no runner keeps up to date is never reached
        assert wait_for(store_settings, ("cases", "audit"), accepted.notification_id, timeout=0.2) is False
    finally:
        runner.stop()
    assert runner.error is None
    assert wait_for(store_settings, ("cases",), accepted.notification_id + 1, timeout=0.1) is False


def test_a_whole_registry_export_streams_in_batches_the_same_rows_as_one_query(ledger, store_settings, views):
    """Keyset batches (applied_at, case_id): the same rows in the same order
    as the whole query, for every path the registry query takes."""
    from ledger.case.values import ServiceType

    record_demo_case(ledger, NOW - timedelta(days=14))
    for _ in range(4):
        dispatched_case(ledger)
    dispatched_case(ledger, joint=True)
    ledger.book(ctx(REGISTRAR), book_cmd())
    project(store_settings)
    every = console_scope(Reach.CASES)
    for filters in ({}, {"unit": DEMO_MARKET}, {"service_type": ServiceType.COMPLIANCE_GUIDANCE}, {"state": "dispatched"}):
        whole = views.registry_rows(every, **filters)
        assert whole, filters
        assert list(views.registry_stream(every, batch=2, **filters)) == whole, filters
        assert list(views.registry_stream(every, batch=len(whole), **filters)) == whole, filters
