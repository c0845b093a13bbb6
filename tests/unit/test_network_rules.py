"""The supervision network's rules (seed 003 一–三) on an in-memory ledger:
quotas filled exactly and exceeded, terms of one year (from 29 February too),
renewal up to the last day, an expired supervisor filing, pairings that
overlap a contact point or a supervisor's employer, the pairing minimums."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from ledger.application import Ledger
from ledger.directory import Post, UnitKind, post_label
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.network import ContactPoint, InvitedSupervisor, NetworkNotFound, OfficeRoster
from ledger.network.commands import (
    AdjustContactPoint,
    AppointSupervisor,
    DismissSupervisor,
    FileNetworkReport,
    ForwardNetworkReport,
    NominateContactPoint,
    PlaqueContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
    RemoveContactPoint,
    RenewSupervisor,
)
from ledger.network.values import ActKind, ReportSource, SupervisorCategory, TownQuota, Visit, annex_1_quotas, term_end
from ledger.settings import Settings
from ledger.values import CST
from tests.builders import MARKET_STAFF, T0, ctx
from tests.network_builders import (
    BUREAU,
    CHENGNAN,
    DEPUTY,
    HEAD,
    OFFICER,
    RIC_2,
    RUCHENG,
    SOUTH,
    YEAR,
    appointed_supervisor,
    at,
    firm,
    pair,
    plaqued_point,
    seed_network,
    supervisor_cmd,
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(T0 + timedelta(hours=1))


@pytest.fixture
def ledger(clock: Clock):
    app = Ledger(Settings(backend="sqlite"), env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, clock=clock)
    seed_network(app)
    yield app
    app.close()


def refused(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


def log_length(ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


# ------------------------------------------------------------------ terms

@pytest.mark.parametrize(("start", "end"), [
    (date(2026, 4, 15), date(2027, 4, 14)),
    (date(2026, 1, 1), date(2026, 12, 31)),
    (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February next year: the month's end
    (date(2027, 2, 28), date(2028, 2, 27)),
    (date(2027, 3, 1), date(2028, 2, 29)),  # into a leap year: the day before 1 March is the 29th
])
def test_a_term_lasts_one_year_through_the_day_before_its_anniversary(start, end):
    assert term_end(start) == end


def test_annex_1_holds_the_seeds_totals():
    quotas = annex_1_quotas()
    assert len(quotas) == 14 and quotas[0].office == "如城司法所"
    assert [sum(getattr(q, f) for q in quotas) for f in ("contact_points", "enterprise", "deputy", "counsel")] == [20, 26, 18, 16]


def test_a_justice_offices_posts_read_as_its_staff_call_them():
    assert [post_label(p, UnitKind.JUSTICE_OFFICE) for p in Post] == ["所长", "副所长", "司法干警"]
    assert post_label(Post.HEAD, UnitKind.ENFORCEMENT) == "单位负责人" and post_label(Post.DEPUTY, None) == "副职负责人"


# ------------------------------------------------------------------ quotas

def test_a_quota_filled_exactly_is_accepted_and_one_more_is_refused_with_nothing_written(ledger):
    first = ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1)))
    second = ledger.execute(ctx(OFFICER), NominateContactPoint(enterprise=firm(2)))
    assert first.record_id != second.record_id  # 如城's quota is 2: filled exactly
    before = log_length(ledger)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(3)))
    assert refused(exc) == {"enterprise": "quota_exceeded"}
    assert "名额为2个，已提名2个" in exc.value.errors[0].message
    assert log_length(ledger) == before
    # another town's quota is its own
    assert ledger.execute(ctx(SOUTH), NominateContactPoint(enterprise=firm(3))).record_id is not None


def test_a_removed_or_rejected_contact_point_frees_its_seat(ledger):
    point = plaqued_point(ledger, 1)
    ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(2)))
    with pytest.raises(InvalidInput):
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(3)))
    ledger.execute(ctx(BUREAU), RemoveContactPoint(contact_point_id=point, reason="企业迁出本镇"))
    assert ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(3))).record_id is not None


def test_supervisor_quotas_are_per_category(ledger):
    ids = [RIC_2, "11010519491231002X"]
    for n, rid in enumerate(ids):
        ledger.execute(ctx(HEAD), supervisor_cmd(category=SupervisorCategory.DEPUTY, name=f"代表{n}", id_number=rid,
                                                 employer=f"如皋市人大{n}"))
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), supervisor_cmd(category=SupervisorCategory.DEPUTY, employer="如皋市政协"))
    assert refused(exc) == {"category": "quota_exceeded"}
    ledger.execute(ctx(HEAD), supervisor_cmd(category=SupervisorCategory.COUNSEL, employer="江苏某律师事务所"))


def test_quotas_name_registered_justice_offices_once_each(ledger):
    bad = (TownQuota(town="如城", office=RUCHENG, contact_points=1, enterprise=1, deputy=1, counsel=1),
           TownQuota(town="城北", office="城北司法所", contact_points=-1, enterprise=1, deputy=1, counsel=1),
           TownQuota(town="如城", office=RUCHENG, contact_points=1, enterprise=1, deputy=1, counsel=1))
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(BUREAU), RecordNetworkQuotas(year=YEAR + 1, quotas=bad))
    assert refused(exc) == {"quotas[1].office": "not_a_justice_office"}
    bad = bad[:1] + (bad[1].__class__(town="如城", office=RUCHENG, contact_points=-1, enterprise=1, deputy=1, counsel=1),)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(BUREAU), RecordNetworkQuotas(year=YEAR + 1, quotas=bad))
    assert refused(exc) == {"quotas[1].town": "duplicate", "quotas[1].office": "duplicate",
                            "quotas[1].contact_points": "bad_count"}
    with pytest.raises(NotAllowed):
        ledger.execute(ctx(HEAD), RecordNetworkQuotas(year=YEAR + 1, quotas=bad[:1]))


def test_a_year_without_quotas_and_a_unit_outside_them_cannot_nominate(ledger):
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1), year=YEAR + 1))
    assert refused(exc) == {"year": "no_quota"}
    with pytest.raises(NotAllowed):
        ledger.execute(ctx(MARKET_STAFF), NominateContactPoint(enterprise=firm(1)))
    with pytest.raises(NotAllowed):
        ledger.execute(ctx(BUREAU), NominateContactPoint(enterprise=firm(1)))


# ------------------------------------------------------------------ contact points

def test_a_nomination_names_every_bad_field(ledger):
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1, name=" ", uscc="91320682000000000A",
                                                                        contact="12345", legal_rep="")))
    assert set(refused(exc)) == {"enterprise.name", "enterprise.uscc", "enterprise.contact", "enterprise.legal_rep"}


def test_the_bureau_plaques_adjusts_and_removes_with_reasons(ledger):
    point_id = ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1))).record_id
    with pytest.raises(NotAllowed):
        ledger.execute(ctx(HEAD), PlaqueContactPoint(contact_point_id=point_id, plaqued_on=T0.date()))
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(BUREAU), PlaqueContactPoint(contact_point_id=point_id, plaqued_on=T0.date() + timedelta(days=1)))
    assert refused(exc) == {"plaqued_on": "in_future"}
    ledger.execute(ctx(BUREAU), PlaqueContactPoint(contact_point_id=point_id, plaqued_on=T0.date()))
    with pytest.raises(WrongState):
        ledger.execute(ctx(BUREAU), PlaqueContactPoint(contact_point_id=point_id, plaqued_on=T0.date()))
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(BUREAU), AdjustContactPoint(contact_point_id=point_id, enterprise=firm(1, address="新址"), reason=""))
    assert refused(exc) == {"reason": "required"}
    ledger.execute(ctx(BUREAU), AdjustContactPoint(contact_point_id=point_id, enterprise=firm(1, address="如城街道新址8号"),
                                                   reason="企业搬迁"))
    point = ledger.network_record(ContactPoint, point_id)
    assert (point.state.label, point.enterprise.address, point.reason) == ("已挂牌", "如城街道新址8号", "企业搬迁")
    with pytest.raises(InvalidInput):
        ledger.execute(ctx(BUREAU), RemoveContactPoint(contact_point_id=point_id, reason=" "))
    ledger.execute(ctx(BUREAU), RemoveContactPoint(contact_point_id=point_id, reason="不再适合"))
    assert ledger.network_record(ContactPoint, point_id).state.label == "已撤销"


def test_another_offices_record_is_unknown_to_its_staff(ledger):
    point_id = ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1))).record_id
    with pytest.raises(InvalidInput) as exc:  # the same answer as for an id that does not exist
        ledger.execute(ctx(SOUTH), FileNetworkReport(source=ReportSource.CONTACT_POINT, source_id=point_id,
                                                     received_on=T0.date(), act_kind=ActKind.PENALTY, happened="x"))
    assert refused(exc) == {"source_id": "unknown_source"}
    with pytest.raises(NetworkNotFound):
        ledger.execute(ctx(SOUTH), RemoveContactPoint(contact_point_id=point_id, reason="x"))


# ------------------------------------------------------------------ supervisors

def test_a_supervisor_is_appointed_with_a_numbered_letter_for_one_year(ledger):
    supervisor_id = ledger.execute(ctx(HEAD), supervisor_cmd()).record_id
    result = ledger.execute(ctx(BUREAU), AppointSupervisor(supervisor_id=supervisor_id, term_start=T0.date()))
    assert result.number == f"{YEAR}年第1号"
    second = ledger.execute(ctx(HEAD), supervisor_cmd(id_number=RIC_2, name="王芳", employer="如皋某电子公司")).record_id
    assert ledger.execute(ctx(BUREAU), AppointSupervisor(supervisor_id=second, term_start=T0.date())).number == f"{YEAR}年第2号"
    supervisor = ledger.network_record(InvitedSupervisor, supervisor_id)
    assert (supervisor.term.start, supervisor.term.end) == (T0.date(), T0.date().replace(year=YEAR + 1) - timedelta(days=1))


def test_a_nomination_checks_the_resident_id_and_the_mobile(ledger):
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), supervisor_cmd(id_number="110105194912310021", mobile="051387654321", name=""))
    assert refused(exc) == {"id_number": "ric_checksum", "mobile": "not_mobile", "name": "required"}


def test_a_renewal_on_the_last_day_is_accepted_and_the_day_after_refused(ledger, clock):
    start = T0.date()
    supervisor_id = appointed_supervisor(ledger, start)
    last = term_end(start)
    clock.now = at(last, 16)
    result = ledger.execute(ctx(BUREAU), RenewSupervisor(supervisor_id=supervisor_id))
    assert result.number == f"{last.year}年第1号"  # the letter of the year it was issued in
    supervisor = ledger.network_record(InvitedSupervisor, supervisor_id)
    assert (supervisor.term.start, supervisor.term.end) == (last + timedelta(days=1), term_end(last + timedelta(days=1)))
    other = ledger.execute(ctx(HEAD), supervisor_cmd(id_number=RIC_2, employer="如皋某电子公司", year=YEAR,
                                                     business_time=at(last, 9))).record_id
    ledger.execute(ctx(BUREAU), AppointSupervisor(supervisor_id=other, term_start=last))
    clock.now = at(term_end(last) + timedelta(days=1))
    before = log_length(ledger)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(BUREAU), RenewSupervisor(supervisor_id=other))
    assert refused(exc) == {"supervisor_id": "term_expired"}
    assert log_length(ledger) == before


def test_an_expired_supervisor_can_no_longer_file_and_one_in_term_can(ledger, clock):
    supervisor_id = appointed_supervisor(ledger, T0.date())
    last = term_end(T0.date())
    clock.now = at(last + timedelta(days=3))
    report = dict(source=ReportSource.SUPERVISOR, source_id=supervisor_id, act_kind=ActKind.INSPECTION,
                  unit_concerned="市场监督管理局", happened="一周内三次检查同一企业")
    ledger.execute(ctx(HEAD), FileNetworkReport(received_on=last, **report))  # received on the last day: filed later
    before = log_length(ledger)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), FileNetworkReport(received_on=last + timedelta(days=1), **report))
    assert refused(exc) == {"source_id": "supervisor_not_in_term"}
    assert f"聘期已于{last.isoformat()}届满" in exc.value.errors[0].message
    assert log_length(ledger) == before


def test_a_dismissed_supervisor_cannot_file_and_frees_the_seat(ledger):
    supervisor_id = appointed_supervisor(ledger)
    ledger.execute(ctx(BUREAU), DismissSupervisor(supervisor_id=supervisor_id, reason="本人申请"))
    with pytest.raises(InvalidInput):
        ledger.execute(ctx(HEAD), FileNetworkReport(source=ReportSource.SUPERVISOR, source_id=supervisor_id,
                                                    received_on=T0.date(), act_kind=ActKind.OTHER, happened="建议"))
    roster = ledger.repository.get(OfficeRoster.create_id(RUCHENG))
    assert roster.seats_taken(YEAR, SupervisorCategory.ENTERPRISE.value) == 0


# ------------------------------------------------------------------ reports

def test_a_contact_points_report_needs_the_unit_concerned_and_is_forwarded_once(ledger):
    point = plaqued_point(ledger)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), FileNetworkReport(source=ReportSource.CONTACT_POINT, source_id=point,
                                                    received_on=T0.date(), act_kind=ActKind.PENALTY, happened=""))
    assert refused(exc) == {"unit_concerned": "required", "happened": "required"}
    report = ledger.execute(ctx(HEAD), FileNetworkReport(
        source=ReportSource.CONTACT_POINT, source_id=point, received_on=T0.date(), act_kind=ActKind.PENALTY,
        unit_concerned="生态环境局", happened="未告知陈述申辩权利即作出罚款")).record_id
    ledger.execute(ctx(OFFICER), ForwardNetworkReport(report_id=report))
    with pytest.raises(WrongState):
        ledger.execute(ctx(HEAD), ForwardNetworkReport(report_id=report))


def test_a_nominated_contact_point_cannot_report_yet(ledger):
    point = ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1))).record_id
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), FileNetworkReport(source=ReportSource.CONTACT_POINT, source_id=point,
                                                    received_on=T0.date(), act_kind=ActKind.OTHER, happened="建议"))
    assert refused(exc) == {"source_id": "not_a_contact_point"}


# ------------------------------------------------------------------ pairings

def test_a_pairing_that_overlaps_a_contact_point_or_a_supervisors_employer_is_refused(ledger):
    plaqued_point(ledger, 1)
    ledger.execute(ctx(HEAD), supervisor_cmd(employer="如皋市第2机械有限公司"))
    before = log_length(ledger)
    with pytest.raises(InvalidInput) as exc:
        pair(ledger, OFFICER, 1)
    assert refused(exc) == {"enterprise.name": "overlaps_contact_point"}
    with pytest.raises(InvalidInput) as exc:  # matched by name: 附件3 gives the employer's name only
        pair(ledger, OFFICER, 2)
    assert refused(exc) == {"enterprise.name": "overlaps_supervisor"}
    assert log_length(ledger) == before
    pair(ledger, OFFICER, 3)
    with pytest.raises(InvalidInput) as exc:  # and the other way round
        ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(3, name="如皋市（第3）机械有限公司")))
    assert refused(exc) == {"enterprise.name": "overlaps_pairing"}


def test_a_pairing_is_with_the_offices_own_staff_and_its_visits_collect_needs(ledger):
    with pytest.raises(InvalidInput) as exc:
        pair(ledger, SOUTH, 1)
    assert refused(exc) == {"staff": "not_office_staff"}
    pairing = pair(ledger, DEPUTY, 1)
    with pytest.raises(InvalidInput) as exc:
        ledger.execute(ctx(HEAD), RecordPairingVisit(pairing_id=pairing, visit=Visit(
            visited_on=T0.date() + timedelta(days=1), summary="")))
    assert refused(exc) == {"visit.visited_on": "in_future", "visit.summary": "required"}
    ledger.execute(ctx(DEPUTY), RecordPairingVisit(pairing_id=pairing, visit=Visit(
        visited_on=T0.date(), summary="座谈涉企检查频次", needs=("合同审查培训", "安全生产法规宣讲"))))
    assert ledger.network_record(type(ledger.repository.get(pairing)), pairing).visits[0].needs[1] == "安全生产法规宣讲"
    with pytest.raises(NetworkNotFound):
        ledger.execute(ctx(SOUTH), RecordPairingVisit(pairing_id=pairing, visit=Visit(visited_on=T0.date(), summary="x")))


def test_the_quota_year_is_the_business_years(ledger):
    point = ledger.execute(ctx(HEAD), NominateContactPoint(enterprise=firm(1)))
    assert ledger.network_record(ContactPoint, point.record_id).year == T0.astimezone(CST).year
    assert CHENGNAN != RUCHENG
