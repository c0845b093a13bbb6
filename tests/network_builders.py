"""Valid example values and a seeded directory for the supervision network
(seed 003 一–三): two towns' 司法所 with their staff, the year's quotas."""

from __future__ import annotations

from datetime import date, datetime

from ledger.commands import Context
from ledger.directory import Post, UnitKind
from ledger.directory.commands import RegisterUnit, RegisterUser, SetUserPost
from ledger.network.commands import (
    AppointSupervisor,
    NominateContactPoint,
    NominateSupervisor,
    PairEnterprise,
    PlaqueContactPoint,
    RecordNetworkQuotas,
)
from ledger.network.values import Enterprise, SupervisorCategory, TownQuota
from ledger.values import CST, Actor, Role
from tests.builders import ADMIN, SUPERVISOR, T0, VALID_RIC, ctx, make_uscc

RUCHENG = "如城司法所"
CHENGNAN = "城南司法所"
BUREAU = SUPERVISOR  # 司法局执法监督科
HEAD = Actor(id="liusz", name="刘所长", role=Role.UNIT_STAFF, unit=RUCHENG)
DEPUTY = Actor(id="chenfsz", name="陈副所长", role=Role.UNIT_STAFF, unit=RUCHENG)
OFFICER = Actor(id="zhougj", name="周干警", role=Role.UNIT_STAFF, unit=RUCHENG)
SOUTH = Actor(id="wugj", name="吴干警", role=Role.UNIT_STAFF, unit=CHENGNAN)
YEAR = T0.year
QUOTAS = (
    TownQuota(town="如城", office=RUCHENG, contact_points=2, enterprise=3, deputy=2, counsel=1),
    TownQuota(town="城南", office=CHENGNAN, contact_points=1, enterprise=3, deputy=2, counsel=1),
)
RIC_2 = "110105198001010016"  # another valid resident ID


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def uscc(n: int) -> str:
    return make_uscc(f"913206820{n:08d}")


def firm(n: int = 1, **over) -> Enterprise:
    values = dict(name=f"如皋市第{n}机械有限公司", uscc=uscc(n), address=f"如城街道福寿路{n}号", legal_rep="张建国",
                  contact="13962712345")
    values.update(over)
    return Enterprise(**values)


def seed_network(ledger, *, quotas: tuple[TownQuota, ...] = QUOTAS) -> None:
    """The two 司法所 and their staff (posts set), the bureau's year quotas."""
    for unit in (RUCHENG, CHENGNAN):
        ledger.execute(ctx(ADMIN), RegisterUnit(name=unit, kind=UnitKind.JUSTICE_OFFICE))
    for who, post in ((HEAD, Post.HEAD), (DEPUTY, Post.DEPUTY), (OFFICER, Post.STAFF), (SOUTH, Post.STAFF)):
        ledger.execute(ctx(ADMIN), RegisterUser(username=who.id, display_name=who.name, role=who.role, unit=who.unit))
        if post is not Post.STAFF:
            ledger.execute(ctx(ADMIN), SetUserPost(username=who.id, post=post))
    ledger.execute(ctx(BUREAU), RecordNetworkQuotas(year=YEAR, quotas=quotas, business_time=T0))


def plaqued_point(ledger, n: int = 1, by: Actor = HEAD) -> str:
    point = ledger.execute(ctx(by), NominateContactPoint(enterprise=firm(n), business_time=T0)).record_id
    ledger.execute(ctx(BUREAU), PlaqueContactPoint(contact_point_id=point, plaqued_on=T0.date(), business_time=T0))
    return point


def supervisor_cmd(**over) -> NominateSupervisor:
    values = dict(category=SupervisorCategory.ENTERPRISE, name="李明", id_number=VALID_RIC,
                  employer="如皋市长江化工有限公司", mobile="13812345678", business_time=T0)
    values.update(over)
    return NominateSupervisor(**values)


def appointed_supervisor(ledger, start: date | None = None, **over) -> str:
    supervisor = ledger.execute(ctx(HEAD), supervisor_cmd(**over)).record_id
    ledger.execute(ctx(BUREAU), AppointSupervisor(supervisor_id=supervisor, term_start=start or T0.date(),
                                                  business_time=T0))
    return supervisor


def pair(ledger, staff: Actor, n: int, by: Actor = HEAD) -> str:
    return ledger.execute(ctx(by), PairEnterprise(staff=staff.id, enterprise=firm(n), business_time=T0)).record_id


def office_ctx(actor: Actor) -> Context:
    return ctx(actor)
