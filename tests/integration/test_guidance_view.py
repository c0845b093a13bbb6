"""The guidance view on SQLite and PostgreSQL: incremental equals a rebuild
and the as-of fold; the 登记簿 holds a unit's services on booked cases and its
own guidance in one order; a termination leaves nothing a later decision reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.errors import InvalidInput
from ledger.guidance.commands import (
    AcceptGuidance,
    RecordGuidanceEffect,
    RecordPlatformExport,
    RecordSimpleGuidance,
    TerminateGuidance,
)
from ledger.guidance.platform import ExportedAct
from ledger.guidance.values import SimpleForm, SimpleSituation, TerminationReason, Way
from ledger.scope import Reach, console_scope, scope_for
from ledger.values import Role
from projections.cases import CasesProjection
from projections.guidance import EXPORTS_KEY, GuidanceProjection
from projections.guidance.as_of import register_as_of
from projections.rebuild import fold_as_of, rebuild
from projections.runner import Runner
from projections.views import Views
from tests.builders import FIRE, MARKET, T0, ctx, rated_case
from tests.guidance_builders import (
    ANSWER_AT,
    LATER,
    SUN,
    WANG,
    deliver_cmd,
    opinion_cmd,
    record_cmd,
    seed_directory,
    start_cmd,
)
from tests.integration.test_projections import dump, log_count_and_head

EVERY = console_scope(Reach.CASES)


def project(settings: Any, projection: Any, batch_size: int = 3, upto: int | None = None) -> None:
    runner = Runner(settings, projection, batch_size=batch_size)
    try:
        runner.catch_up(upto)
    finally:
        runner.close()


def guidance_rows(folded: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((r for k, r in folded.items() if k != EXPORTS_KEY), key=lambda r: r["guidance_id"])


def three_guidances(ledger) -> dict[str, Any]:
    """A written guidance accepted with its effect, a simple one, one terminated."""
    seed_directory(ledger)
    written = ledger.execute(ctx(WANG), start_cmd()).case_id
    ledger.execute(ctx(WANG), opinion_cmd(written))
    ledger.execute(ctx(WANG), deliver_cmd(written))
    ledger.execute(ctx(WANG), record_cmd(written))
    ledger.execute(ctx(WANG), AcceptGuidance(guidance_id=written, business_time=ANSWER_AT))
    ledger.execute(ctx(WANG), RecordGuidanceEffect(guidance_id=written, business_time=LATER, effect="按期办理许可延续"))
    simple = ledger.execute(ctx(WANG), start_cmd(way=Way.SIMPLE, addressee=None, method="政策指引")).case_id
    ledger.execute(ctx(WANG), RecordSimpleGuidance(
        guidance_id=simple, business_time=T0 + timedelta(hours=3), at=T0 + timedelta(hours=3), form=SimpleForm.PHONE,
        situation=SimpleSituation.ROUTINE_BUSINESS, officer="wanglei", content="电话解答许可延续材料"))
    ended = ledger.execute(ctx(WANG), start_cmd(business_time=T0 + timedelta(hours=4))).case_id
    ledger.execute(ctx(WANG), TerminateGuidance(guidance_id=ended, business_time=T0 + timedelta(hours=5),
                                                reason=TerminationReason.REFUSED))
    return {"written": str(written), "simple": str(simple), "ended": str(ended)}


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    ids = three_guidances(ledger)
    project(store_settings, GuidanceProjection())
    incremental = dump(store_settings, GuidanceProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head and len(incremental["guidance"]) == 3
    assert rebuild(store_settings, GuidanceProjection()) == head
    assert dump(store_settings, GuidanceProjection()) == incremental
    folded = fold_as_of(store_settings, GuidanceProjection(), head)
    assert guidance_rows(folded) == incremental["guidance"]

    rows = {r["guidance_id"]: r for r in incremental["guidance"]}
    written = rows[ids["written"]]
    assert (written["state"], written["opinion_number"], written["record_number"]) == ("accepted", "2026年第1号", "2026年第1号")
    assert written["effect"] == "按期办理许可延续" and written["officers"] == "王磊、赵静"
    # the 登记文书's 指导时间 is the register's time
    assert written["register_at"].startswith((T0 + timedelta(days=1)).date().isoformat())
    assert rows[ids["simple"]]["given_at"] == (T0 + timedelta(hours=3)).isoformat()
    assert rows[ids["ended"]]["state"] == "terminated" and rows[ids["ended"]]["given_at"] is None


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    three_guidances(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 3, head // 2, head - 1):
        project(store_settings, GuidanceProjection(), upto=cut)
        live = dump(store_settings, GuidanceProjection())["guidance"]
        folded = fold_as_of(store_settings, GuidanceProjection(), cut)
        assert guidance_rows(folded) == live


def test_the_register_holds_booked_services_and_the_units_own_guidance_in_time_order(ledger, store_settings):
    ids = three_guidances(ledger)
    case_id = rated_case(ledger)
    project(store_settings, GuidanceProjection())
    project(store_settings, CasesProjection(), batch_size=1000)
    views = Views(store_settings)
    try:
        lines = views.guidance_register(EVERY, 2026, 4, unit=MARKET, limit=None)
        # simple at T0+3h, terminated at T0+5h, the 登记文书's 指导时间 T0+1d, the case served at T0+2d
        assert [line["ref"] for line in lines] == [ids["simple"], ids["ended"], ids["written"], str(case_id)]
        assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
        by_ref = {line["ref"]: line for line in lines}
        assert by_ref[ids["written"]]["result"] == "按期办理许可延续"
        assert by_ref[ids["written"]]["matter"] == "鲁味轩餐饮有限公司：提示提醒（食品经营许可事项指导）"
        assert by_ref[ids["written"]]["staff"] == "王磊、赵静"
        assert by_ref[ids["simple"]]["matter"].startswith("（未登记相对人）：政策指引")
        assert by_ref[ids["ended"]]["result"] == "行政指导已终止"
        assert by_ref[str(case_id)]["source"] == "case"
        # a page counts on from its offset, and pages put together are the whole
        pages = [views.guidance_register(EVERY, 2026, 4, unit=MARKET, limit=2, offset=o) for o in (0, 2)]
        assert [line for page in pages for line in page] == lines
        # a unit's staff read their own unit's register only; another quarter is empty
        staff = scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES)
        assert views.guidance_register(staff, 2026, 4, limit=None) == lines
        assert views.guidance_register(EVERY, 2026, 3, unit=MARKET, limit=None) == []
        # the list of the unit's guidance, newest first, filtered
        listed = views.guidance_list(staff)
        assert [r["guidance_id"] for r in listed][:1] == [ids["ended"]] and len(listed) == 3
        assert [r["guidance_id"] for r in views.guidance_list(staff, open_only=True)] == [ids["simple"]]
        assert [r["guidance_id"] for r in views.guidance_list(staff, way="simple")] == [ids["simple"]]
    finally:
        views.close()


def test_a_termination_leaves_no_trace_in_what_a_later_decision_reads(ledger, store_settings):
    """Guidance is voluntary: the booked case of the same firm, its registry
    row and the guidance view carry no reason, no flag, no count of it."""
    seed_directory(ledger)
    case_id = rated_case(ledger)
    project(store_settings, CasesProjection(), batch_size=1000)
    before = dump(store_settings, CasesProjection())
    case_before = ledger.get_case(case_id)
    gid = ledger.execute(ctx(WANG), start_cmd()).case_id
    ledger.execute(ctx(WANG), TerminateGuidance(guidance_id=gid, business_time=T0 + timedelta(hours=5),
                                                reason=TerminationReason.REFUSED))
    project(store_settings, CasesProjection(), batch_size=1000)
    project(store_settings, GuidanceProjection())
    after = dump(store_settings, CasesProjection())
    assert {k: v for k, v in after.items() if k != "position"} == {k: v for k, v in before.items() if k != "position"}
    assert vars(ledger.get_case(case_id)) == vars(case_before)
    (row,) = dump(store_settings, GuidanceProjection())["guidance"]
    words = {TerminationReason.REFUSED.value, TerminationReason.REFUSED.label}
    assert not any(str(v) in words for v in row.values())
    assert not {c for c in row if "reason" in c or "refus" in c or "cooperat" in c} - {"typical_reason"}


def test_a_platform_export_marks_its_acts_sent_until_they_change(ledger, store_settings):
    ids = three_guidances(ledger)
    project(store_settings, GuidanceProjection())
    views = Views(store_settings)
    try:
        staff = scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES)
        unsent = views.platform_rows(staff)
        assert {r["guidance_id"] for r in unsent} == set(ids.values())  # the terminated attempt is listed too
        acts = tuple(ExportedAct(guidance_id=UUID(r["guidance_id"]), version=r["content_version"], unit=MARKET)
                     for r in unsent)
        ledger.execute(ctx(WANG), RecordPlatformExport(unit=MARKET, acts=acts, format="csv", sha256="a" * 64))
        project(store_settings, GuidanceProjection())
        assert views.platform_rows(staff) == []
        assert views.platform_exports(staff)[0]["acts"] == 3
        ledger.execute(ctx(WANG), RecordGuidanceEffect(guidance_id=UUID(ids["written"]), business_time=LATER,
                                                       effect="许可已延续"))
        project(store_settings, GuidanceProjection())
        assert [r["guidance_id"] for r in views.platform_rows(staff)] == [ids["written"]]
        # the view so folded is what a rebuild gives
        incremental = dump(store_settings, GuidanceProjection())
        rebuild(store_settings, GuidanceProjection())
        assert dump(store_settings, GuidanceProjection()) == incremental
        # an act the exporter may not read, or a version it never had, refuses the record
        bad = (ExportedAct(guidance_id=UUID(ids["simple"]), version=99, unit=MARKET),)
        with pytest.raises(InvalidInput) as e:
            ledger.execute(ctx(WANG), RecordPlatformExport(unit=MARKET, acts=bad, format="csv", sha256="b" * 64))
        assert e.value.errors[0].field == "acts[0].version"
        with pytest.raises(InvalidInput):
            ledger.execute(ctx(SUN), RecordPlatformExport(unit=FIRE, acts=acts[:1], format="csv", sha256="c" * 64))
    finally:
        views.close()


def test_the_register_as_of_any_moment_equals_the_live_register_then(ledger, store_settings):
    """The 登记簿 cut at a notification id, folded from the log (both sources),
    equals the register the incremental views answered at that point."""
    three_guidances(ledger)
    rated_case(ledger)
    _, head = log_count_and_head(store_settings)
    views = Views(store_settings)
    try:
        for cut in (head // 4, head // 2, (3 * head) // 4, head):
            project(store_settings, GuidanceProjection(), upto=cut)
            project(store_settings, CasesProjection(), batch_size=7, upto=cut)
            for unit in (MARKET, None):
                live = views.guidance_register(EVERY, 2026, 4, unit=unit, limit=None)
                assert register_as_of(store_settings, EVERY, cut, 2026, 4, unit=unit) == live, (cut, unit)
        assert len(views.guidance_register(EVERY, 2026, 4, unit=MARKET, limit=None)) == 4
    finally:
        views.close()
