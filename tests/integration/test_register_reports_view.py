"""The quarterly register report on SQLite and PostgreSQL: a unit's register
read from the views, submitted as a snapshot, returned, corrected, received,
consolidated and forwarded; the register reports view maintained
incrementally equals a rebuild and the as-of fold; the queue of late and
missing reports comes from the directory; the XLSX of a snapshot is the file
drawn at submission, bit for bit, after the register has moved on."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.directory import UnitKind
from ledger.directory.commands import RegisterUser, SetUserActive
from ledger.directory.setup import ensure_unit
from ledger.errors import InvalidInput, NotAllowed
from ledger.guidance.commands import RecordGuidanceEffect, RecordSimpleGuidance
from ledger.guidance.values import SimpleForm, SimpleSituation, Way
from ledger.register_reports import QuarterReportIndex, RegisterReport
from ledger.register_reports.commands import (
    ConsolidateRegisterReports,
    CorrectRegisterReport,
    ForwardRegisterConsolidation,
    ReceiveRegisterReport,
    ReturnRegisterReport,
    SubmitRegisterReport,
)
from ledger.register_reports.values import snapshot_sha256
from ledger.scope import Reach, console_scope, scope_for
from ledger.values import CST, Actor, Role
from projections.cases import CasesProjection
from projections.guidance import GuidanceProjection
from projections.rebuild import fold_as_of, rebuild
from projections.register_reports import RegisterReportsProjection
from projections.register_reports.export import lines_of, snapshot_xlsx
from projections.runner import Runner
from projections.views import Views
from tests.builders import ADMIN, FIRE, MARKET, REGISTRAR, ctx
from tests.guidance_builders import SUN, WANG, ZHAO, seed_directory, start_cmd
from tests.integration.test_projections import dump, log_count_and_head

OCT_9 = datetime(2026, 10, 9, 10, 0, tzinfo=CST)
ECOLOGY = "生态环境局"
ZHOU = Actor(id="zhoutao", name="周涛", role=Role.UNIT_STAFF, unit=ECOLOGY)
EVERY = console_scope(Reach.CASES)


@pytest.fixture
def clocked(store_settings) -> Iterator[tuple[Ledger, list[datetime]]]:
    """The ledger on a clock the test moves (starting on 9 October 2026)."""
    now = [OCT_9]
    app = Ledger(store_settings, clock=lambda: now[0])
    yield app, now
    app.close()


def project(settings: Any, *projections: Any, batch_size: int = 3) -> None:
    for projection in projections:
        runner = Runner(settings, projection, batch_size=batch_size)
        try:
            runner.catch_up()
        finally:
            runner.close()


def register_now(settings: Any, views: Views, unit: str, year: int = 2026, quarter: int = 3) -> tuple[Any, str]:
    """The unit's 登记簿 as the views hold it (after catching up), and its XLSX's hash."""
    project(settings, CasesProjection(), GuidanceProjection())
    lines = lines_of(views.guidance_register(EVERY, year, quarter, unit=unit, limit=None))
    xlsx = snapshot_xlsx(unit, year, quarter, lines, snapshot_sha256(unit, year, quarter, lines))
    return lines, hashlib.sha256(xlsx).hexdigest()


def guidance_in_q3(ledger: Ledger) -> Any:
    """A simple guidance the market regulator gave in August 2026."""
    at = datetime(2026, 8, 3, 9, 30, tzinfo=CST)
    gid = ledger.execute(ctx(WANG), start_cmd(business_time=at, way=Way.SIMPLE, addressee=None, method="政策指引",
                                              officers=("wanglei",))).case_id
    ledger.execute(ctx(WANG), RecordSimpleGuidance(
        guidance_id=gid, business_time=at + timedelta(hours=1), at=at + timedelta(hours=1), form=SimpleForm.PHONE,
        situation=SimpleSituation.ROUTINE_BUSINESS, officer="wanglei", content="电话解答食品经营许可延续材料"))
    return gid


def quarter_story(settings: Any, ledger: Ledger, now: list[datetime], views: Views) -> dict[str, Any]:
    seed_directory(ledger)  # the market regulator (王磊, 赵静) and the fire brigade (孙浩)
    ensure_unit(ledger, ECOLOGY, UnitKind.ENFORCEMENT)
    ledger.execute(ctx(ADMIN), RegisterUser(username=ZHOU.id, display_name=ZHOU.name, role=ZHOU.role, unit=ECOLOGY))
    ledger.execute(ctx(ADMIN), SetUserActive(username=ZHOU.id, active=False))  # no active staff: not expected
    gid = guidance_in_q3(ledger)

    lines, xlsx = register_now(settings, views, MARKET)
    rid = ledger.execute(ctx(WANG), SubmitRegisterReport(unit=MARKET, year=2026, quarter=3, lines=lines,
                                                         xlsx_sha256=xlsx)).record_id
    now[0] += timedelta(hours=1)
    ledger.execute(ctx(REGISTRAR), ReturnRegisterReport(report_id=rid, reason="指导结果未登记"))
    ledger.execute(ctx(WANG), RecordGuidanceEffect(guidance_id=gid, business_time=now[0], effect="已按期申请延续"))
    now[0] += timedelta(hours=1)
    corrected, corrected_xlsx = register_now(settings, views, MARKET)
    ledger.execute(ctx(WANG), CorrectRegisterReport(report_id=rid, corrects=1, lines=corrected,
                                                    xlsx_sha256=corrected_xlsx))
    ledger.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid, version=2))
    cid = ledger.execute(ctx(REGISTRAR), ConsolidateRegisterReports(year=2026, quarter=3)).record_id
    ledger.execute(ctx(REGISTRAR), ForwardRegisterConsolidation(consolidation_id=cid, forwarded_on=OCT_9.date(),
                                                                platform_ref="协同平台〔2026〕第318号"))
    return {"report_id": rid, "consolidation_id": cid, "guidance_id": gid, "lines": lines,
            "corrected": corrected, "xlsx": xlsx}


def without_kind(rows: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "_kind"} for r in rows]


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(clocked, store_settings):
    ledger, now = clocked
    views = Views(store_settings)
    try:
        story = quarter_story(store_settings, ledger, now, views)
    finally:
        views.close()
    project(store_settings, RegisterReportsProjection())
    incremental = dump(store_settings, RegisterReportsProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert rebuild(store_settings, RegisterReportsProjection()) == head
    assert dump(store_settings, RegisterReportsProjection()) == incremental
    folded = fold_as_of(store_settings, RegisterReportsProjection(), head)
    for table in RegisterReportsProjection().tables:
        key = table.key[0]
        kind = {"register_report": "RegisterReport", "register_consolidation": "RegisterConsolidation",
                "register_report_staff": "User", "register_report_unit": "Unit"}[table.name]
        mine = sorted((r for r in folded.values() if r["_kind"] == kind), key=lambda r: r[key])
        assert without_kind(mine) == incremental[table.name]

    (report,) = incremental["register_report"]
    assert report["report_id"] == str(story["report_id"]) == str(RegisterReport.create_id(MARKET, 2026, 3))
    assert (report["state"], report["version"], report["corrects"], report["late"]) == ("received", 2, 1, 0)
    assert report["due_on"] == "2026-10-13" and report["lines"] == 1
    assert report["sha256"] == snapshot_sha256(MARKET, 2026, 3, story["corrected"])
    assert report["return_reason"] is None and report["received_by"] == REGISTRAR.name
    (consolidation,) = incremental["register_consolidation"]
    assert (consolidation["office"], consolidation["reports"], consolidation["units"]) == (
        REGISTRAR.unit, 1, f"{MARKET}（第2版）")
    assert consolidation["platform_ref"] == "协同平台〔2026〕第318号" and consolidation["forward_late"] == 0
    assert consolidation["forward_due"] == "2026-10-13"
    staff = {r["username"]: r for r in incremental["register_report_staff"]}
    assert staff["zhoutao"]["active"] == 0 and staff["wanglei"]["role"] == "unit_staff"


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(clocked, store_settings):
    ledger, now = clocked
    views = Views(store_settings)
    try:
        quarter_story(store_settings, ledger, now, views)
    finally:
        views.close()
    _, head = log_count_and_head(store_settings)
    for cut in (head - 6, head - 3, head - 1):
        runner = Runner(store_settings, RegisterReportsProjection(), batch_size=2)
        try:
            runner.catch_up(cut)
        finally:
            runner.close()
        live = dump(store_settings, RegisterReportsProjection())["register_report"]
        folded = fold_as_of(store_settings, RegisterReportsProjection(), cut)
        assert without_kind(r for r in folded.values() if r["_kind"] == "RegisterReport") == live


def test_the_queue_lists_every_unit_with_active_staff_late_or_missing_within_the_readers_scope(clocked, store_settings):
    ledger, now = clocked
    views = Views(store_settings)
    try:
        quarter_story(store_settings, ledger, now, views)
        project(store_settings, RegisterReportsProjection())
        office = scope_for(Role.REGISTRAR, REGISTRAR.unit, Reach.CASES)
        due = date(2026, 10, 13)
        before = views.register_report_queue(office, 2026, 3, due_on=due, today=date(2026, 10, 12))
        assert [(r["unit"], r["status"], r["status_label"]) for r in before] == [(FIRE, "missing", "未报送（剩1天）")]
        after = views.register_report_queue(office, 2026, 3, due_on=due, today=date(2026, 10, 14))
        assert [(r["unit"], r["status"], r["report_id"]) for r in after] == [
            (FIRE, "overdue", str(RegisterReport.create_id(FIRE, 2026, 3)))]
        everything = views.register_report_queue(office, 2026, 3, due_on=due, today=date(2026, 10, 14), everything=True)
        assert [(r["unit"], r["status"]) for r in everything] == sorted([(FIRE, "overdue"), (MARKET, "received")])
        assert ECOLOGY not in views.expected_units()

        fire = scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)
        assert [r["unit"] for r in views.register_report_queue(fire, 2026, 3, due_on=due, today=date(2026, 10, 14),
                                                               everything=True)] == [FIRE]
        assert views.register_reports(fire) == []
        with pytest.raises(NotAllowed):
            views.register_reports(fire, unit=MARKET)
        with pytest.raises(NotAllowed):
            views.register_consolidations(fire)
        assert [r["unit"] for r in views.register_reports(office, year=2026, quarter=3)] == [MARKET]

        # the fire brigade reports late, after the deadline: in the queue as late, even once received
        now[0] = datetime(2026, 10, 15, 9, 0, tzinfo=CST)
        lines, xlsx = register_now(store_settings, views, FIRE)
        assert lines == ()  # an empty register is still reported
        rid = ledger.execute(ctx(SUN), SubmitRegisterReport(unit=FIRE, year=2026, quarter=3, lines=lines,
                                                            xlsx_sha256=xlsx)).record_id
        ledger.execute(ctx(REGISTRAR), ReceiveRegisterReport(report_id=rid))
        project(store_settings, RegisterReportsProjection())
        late = views.register_report_queue(office, 2026, 3, due_on=due, today=date(2026, 10, 15))
        assert [(r["unit"], r["status"], r["state"]) for r in late] == [(FIRE, "late", "received")]
    finally:
        views.close()


def test_a_snapshots_xlsx_is_drawn_again_bit_for_bit_after_the_register_moved_on(clocked, store_settings):
    ledger, now = clocked
    views = Views(store_settings)
    try:
        story = quarter_story(store_settings, ledger, now, views)
        report = ledger.get_register_report(story["report_id"])
        first = report.numbered(1)
        assert first.snapshot.lines == story["lines"] and report.latest.snapshot.lines == story["corrected"]
        assert story["lines"][0].result != story["corrected"][0].result  # the effect recorded in between
        # a fresh process, the register as it is now differs from version 1
        reopened = Ledger(store_settings, clock=lambda: now[0])
        try:
            stored = reopened.get_register_report(story["report_id"]).numbered(1).snapshot
        finally:
            reopened.close()
        drawn = snapshot_xlsx(MARKET, 2026, 3, stored.lines, stored.sha256)
        assert hashlib.sha256(drawn).hexdigest() == first.snapshot.xlsx_sha256 == story["xlsx"]
        assert register_now(store_settings, views, MARKET)[0] == story["corrected"]
    finally:
        views.close()


def test_concurrent_submissions_list_every_unit_once_and_a_units_second_one_is_refused(clocked, store_settings):
    """Two units at the same moment both get in (the quarter's index is decided
    again for the second); the same unit twice at once gets one report."""
    ledger, _ = clocked
    seed_directory(ledger)
    barrier = threading.Barrier(4)
    outcomes: list[Any] = []

    def submit(actor: Actor) -> None:
        barrier.wait()
        try:
            outcomes.append(ledger.execute(ctx(actor), SubmitRegisterReport(
                unit=actor.unit, year=2026, quarter=3, lines=(), xlsx_sha256="ab" * 32)).record_id)
        except InvalidInput as e:
            outcomes.append([f.code for f in e.errors])

    threads = [threading.Thread(target=submit, args=(who,)) for who in (WANG, ZHAO, SUN, SUN)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [o for o in outcomes if isinstance(o, list)]
    assert sorted(map(str, (o for o in outcomes if not isinstance(o, list)))) == sorted(
        str(RegisterReport.create_id(unit, 2026, 3)) for unit in (MARKET, FIRE))
    assert refused == [["already_submitted"], ["already_submitted"]]
    index = ledger.repository.get(QuarterReportIndex.create_id(2026, 3))
    assert sorted(index.report_ids) == sorted(RegisterReport.create_id(u, 2026, 3) for u in (MARKET, FIRE))
