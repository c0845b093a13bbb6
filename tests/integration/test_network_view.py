"""The network view on SQLite and PostgreSQL: incremental equals a rebuild and
the as-of fold; the lists are scoped and masked; the reminder queue, the
pairing check and the quotas' seats read what the ledger decided."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.errors import InvalidInput, NotAllowed
from ledger.network.commands import (
    DismissSupervisor,
    FileNetworkReport,
    ForwardNetworkReport,
    NominateContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
    RemoveContactPoint,
)
from ledger.network.values import ActKind, ReportSource, Visit, term_end
from ledger.scope import Reach, scope_for
from ledger.values import Role
from projections.network import NetworkProjection
from projections.rebuild import fold_as_of, rebuild
from projections.views import Views
from tests.builders import T0, VALID_RIC, ctx
from tests.integration.test_guidance_view import project
from tests.integration.test_projections import dump, log_count_and_head
from tests.network_builders import (
    BUREAU,
    CHENGNAN,
    DEPUTY,
    HEAD,
    OFFICER,
    QUOTAS,
    RIC_2,
    RUCHENG,
    SOUTH,
    YEAR,
    appointed_supervisor,
    firm,
    pair,
    plaqued_point,
    seed_network,
    supervisor_cmd,
)

BUREAU_SCOPE = scope_for(Role.SUPERVISOR, BUREAU.unit, Reach.SUPERVISION)
OFFICE_SCOPE = scope_for(Role.UNIT_STAFF, RUCHENG, Reach.SUPERVISION)


def a_network(ledger) -> dict[str, Any]:
    seed_network(ledger)
    point = plaqued_point(ledger, 1)
    removed = plaqued_point(ledger, 2)
    ledger.execute(ctx(BUREAU), RemoveContactPoint(contact_point_id=removed, reason="企业停产", business_time=T0))
    ledger.execute(ctx(SOUTH), NominateContactPoint(enterprise=firm(5), business_time=T0))
    supervisor = appointed_supervisor(ledger)
    dismissed = appointed_supervisor(ledger, id_number=RIC_2, name="王芳", employer="如皋某电子公司")
    ledger.execute(ctx(BUREAU), DismissSupervisor(supervisor_id=dismissed, reason="本人申请", business_time=T0))
    pairing = pair(ledger, HEAD, 3)
    pair(ledger, HEAD, 4)
    pair(ledger, DEPUTY, 6)
    ledger.execute(ctx(HEAD), RecordPairingVisit(pairing_id=pairing, business_time=T0, visit=Visit(
        visited_on=T0.date(), summary="座谈", needs=("合同审查", "劳动用工"))))
    report = ledger.execute(ctx(HEAD), FileNetworkReport(
        source=ReportSource.CONTACT_POINT, source_id=point, received_on=T0.date(), act_kind=ActKind.INSPECTION,
        unit_concerned="市场监督管理局", happened="同一事项重复检查", business_time=T0)).record_id
    ledger.execute(ctx(HEAD), ForwardNetworkReport(report_id=report, business_time=T0))
    ledger.execute(ctx(OFFICER), FileNetworkReport(
        source=ReportSource.SUPERVISOR, source_id=supervisor, received_on=T0.date(), act_kind=ActKind.OTHER,
        happened="建议公开检查计划", suggestion="每季度公布", business_time=T0))
    return {"point": str(point), "supervisor": str(supervisor), "pairing": str(pairing), "report": str(report)}


def test_the_incremental_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    a_network(ledger)
    project(store_settings, NetworkProjection())
    incremental = dump(store_settings, NetworkProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head
    assert len(incremental["network_contact_point"]) == 3 and len(incremental["network_report"]) == 2
    assert rebuild(store_settings, NetworkProjection()) == head
    assert dump(store_settings, NetworkProjection()) == incremental
    folded = fold_as_of(store_settings, NetworkProjection(), head)
    for table in NetworkProjection.tables:
        assert sorted(folded.get(table.name, {}).values(), key=lambda r: [str(r[k]) for k in table.key]) == \
            incremental[table.name], table.name


def test_a_view_cut_midway_equals_the_fold_as_of_that_moment(ledger, store_settings):
    a_network(ledger)
    _, head = log_count_and_head(store_settings)
    for cut in (head // 3, head // 2, head - 2):
        project(store_settings, NetworkProjection(), upto=cut)
        live = dump(store_settings, NetworkProjection())
        folded = fold_as_of(store_settings, NetworkProjection(), cut)
        for table in NetworkProjection.tables:
            rows = sorted(folded.get(table.name, {}).values(), key=lambda r: [str(r[k]) for k in table.key])
            assert rows == live[table.name], (cut, table.name)


def test_a_revised_quota_replaces_the_years_rows(ledger, store_settings):
    seed_network(ledger)
    project(store_settings, NetworkProjection())
    bigger = (QUOTAS[0], QUOTAS[1].__class__(town="城南", office=CHENGNAN, contact_points=4, enterprise=1, deputy=1,
                                             counsel=0))
    ledger.execute(ctx(BUREAU), RecordNetworkQuotas(year=YEAR, quotas=bigger, business_time=T0))
    project(store_settings, NetworkProjection())
    views = Views(store_settings)
    try:
        rows = views.network_quotas(BUREAU_SCOPE, YEAR)
        assert [(r["town"], r["contact_points"], r["counsel"]) for r in rows] == [("如城", 2, 1), ("城南", 4, 0)]
        assert dump(store_settings, NetworkProjection())["network_quota"] == sorted(
            fold_as_of(store_settings, NetworkProjection(), log_count_and_head(store_settings)[1])["network_quota"].values(),
            key=lambda r: (r["year"], r["town"]))
    finally:
        views.close()


def test_the_lists_are_scoped_masked_and_count_what_the_ledger_decided(ledger, store_settings):
    ids = a_network(ledger)
    project(store_settings, NetworkProjection())
    views = Views(store_settings)
    try:
        everyone = views.contact_points(BUREAU_SCOPE)
        assert {r["office"] for r in everyone} == {RUCHENG, CHENGNAN}
        own = views.contact_points(OFFICE_SCOPE)
        assert {r["office"] for r in own} == {RUCHENG} and len(own) == 2
        with pytest.raises(NotAllowed):
            views.contact_points(OFFICE_SCOPE, office=CHENGNAN)
        assert [r["name"] for r in views.published_contact_points()] == [firm(1).name]
        point = next(r for r in own if r["contact_point_id"] == ids["point"])
        assert point["reports"] == 1 and point["state_label"] == "已挂牌"

        masked = views.invited_supervisors(OFFICE_SCOPE)
        assert {r["id_number"] for r in masked} == {"110105********002X", "110105********0016"}
        assert VALID_RIC in {r["id_number"] for r in views.invited_supervisors(BUREAU_SCOPE)}
        by_id = {r["supervisor_id"]: r for r in masked}
        assert by_id[ids["supervisor"]]["term_end"] == term_end(T0.date()).isoformat()
        assert by_id[ids["supervisor"]]["letter_number"] == f"{YEAR}年第1号"

        quotas = {r["town"]: r for r in views.network_quotas(BUREAU_SCOPE, YEAR)}
        # 如城: one plaqued, one removed (its seat freed); one supervisor in place, one dismissed
        assert (quotas["如城"]["contact_points_taken"], quotas["如城"]["enterprise_taken"]) == (1, 1)
        assert quotas["城南"]["contact_points_taken"] == 1

        check = {r["username"]: r for r in views.pairing_check(OFFICE_SCOPE, RUCHENG)}
        assert [(r["post_label"], r["paired"], r["required"], r["short"]) for r in check.values()] == [
            ("所长", 2, 2, False), ("副所长", 1, 2, True), ("司法干警", 0, 1, True)]
        pairings = views.pairings(OFFICE_SCOPE)
        visited = next(r for r in pairings if r["pairing_id"] == ids["pairing"])
        assert visited["needs_list"] == ["合同审查", "劳动用工"] and visited["staff_post_label"] == "所长"

        reports = views.network_reports(BUREAU_SCOPE, received_from=T0.date(), received_to=T0.date() + timedelta(days=1))
        assert {(r["source_label"], r["forwarded_on"] is not None) for r in reports} == {
            ("企业联系点", True), ("特邀行政执法监督员", False)}
        assert views.network_reports(scope_for(Role.UNIT_STAFF, CHENGNAN, Reach.SUPERVISION)) == []
    finally:
        views.close()


def test_the_reminder_queue_holds_terms_ending_within_thirty_days(ledger, store_settings):
    seed_network(ledger)
    supervisor = appointed_supervisor(ledger)
    project(store_settings, NetworkProjection())
    views = Views(store_settings)
    end = term_end(T0.date())
    try:
        assert views.invited_supervisors(BUREAU_SCOPE, expiring_only=True, today=end - timedelta(days=31)) == []
        due = views.invited_supervisors(BUREAU_SCOPE, expiring_only=True, today=end - timedelta(days=30))
        assert [r["supervisor_id"] for r in due] == [str(supervisor)] and due[0]["reminder"]
        assert len(views.invited_supervisors(BUREAU_SCOPE, expiring_only=True, today=end)) == 1
        after = views.invited_supervisors(BUREAU_SCOPE, today=end + timedelta(days=1))
        assert views.invited_supervisors(BUREAU_SCOPE, expiring_only=True, today=end + timedelta(days=1)) == []
        assert after[0]["state_label"] == "已届满"
    finally:
        views.close()


def test_a_refused_nomination_writes_nothing_on_either_store(ledger, store_settings):
    seed_network(ledger)
    plaqued_point(ledger, 1)
    plaqued_point(ledger, 2)
    before = log_count_and_head(store_settings)
    with pytest.raises(InvalidInput):
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(3), business_time=T0))
    with pytest.raises(InvalidInput):
        pair(ledger, OFFICER, 1)
    with pytest.raises(InvalidInput):
        ledger.execute(ctx(HEAD), supervisor_cmd(id_number="123"))
    assert log_count_and_head(store_settings) == before
