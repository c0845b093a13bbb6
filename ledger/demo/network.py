"""The supervision network's demo (seed 003 一–三): 如城司法所 and 城南司法所
with their staff, this year's quotas from 附件1, two contact points of 如城
(one plaqued), an invited supervisor appointed, a pairing with a visit."""

from __future__ import annotations

from datetime import datetime

from stdnum.cn import uscc

from ledger.application import Ledger
from ledger.commands import Context
from ledger.directory import Post, UnitKind
from ledger.directory.commands import SetUserPost
from ledger.directory.setup import ensure_unit, ensure_user, system_context
from ledger.network.commands import (
    AppointSupervisor,
    NominateContactPoint,
    NominateSupervisor,
    PairEnterprise,
    PlaqueContactPoint,
    RecordNetworkQuotas,
    RecordPairingVisit,
)
from ledger.network.values import Enterprise, SupervisorCategory, Visit, annex_1_quotas
from ledger.values import CST, Actor, Role

RUCHENG, CHENGNAN = "如城司法所", "城南司法所"
BUREAU = Actor(id="wujian", name="吴监", role=Role.SUPERVISOR, unit="市司法局执法监督科")
STAFF = (("rcsuozhang", "刘建华", RUCHENG, Post.HEAD), ("rcfusuo", "陈丽", RUCHENG, Post.DEPUTY),
         ("rcganjing", "周强", RUCHENG, Post.STAFF), ("cnganjing", "吴涛", CHENGNAN, Post.STAFF))


def _firm(n: int, name: str, address: str, rep: str) -> Enterprise:
    body = f"913206820{n:08d}"
    return Enterprise(name=name, uscc=body + uscc.calc_check_digit(body), address=address, legal_rep=rep,
                      contact="13962712345")


def seed_network_demo(ledger: Ledger, credentials, password: str) -> bool:
    """Create the demo network unless its users exist; True if created."""
    for quota in annex_1_quotas():  # every town's 司法所 (附件1)
        ensure_unit(ledger, quota.office, UnitKind.JUSTICE_OFFICE)
    created = [ensure_user(ledger, credentials, u, n, Role.UNIT_STAFF, unit, password) for u, n, unit, _ in STAFF]
    if not any(created):
        return False
    for username, _, _, post in STAFF:
        if post is not Post.STAFF:
            ledger.execute(system_context(), SetUserPost(username=username, post=post))
    now = datetime.now(CST)
    bureau = Context(actor=BUREAU, request_id="demo-network-quota")
    head = Context(actor=Actor(id="rcsuozhang", name="刘建华", role=Role.UNIT_STAFF, unit=RUCHENG), request_id="demo-network")
    ledger.execute(bureau, RecordNetworkQuotas(year=now.year, quotas=annex_1_quotas()))
    point = ledger.execute(head, NominateContactPoint(enterprise=_firm(1, "如皋市福寿机械有限公司", "如城街道福寿东路18号", "张建国"))).record_id
    ledger.execute(head, NominateContactPoint(enterprise=_firm(2, "如皋市花木盆景有限公司", "如城街道花市路6号", "李红")))
    ledger.execute(bureau, PlaqueContactPoint(contact_point_id=point, plaqued_on=now.date()))
    supervisor = ledger.execute(head, NominateSupervisor(
        category=SupervisorCategory.ENTERPRISE, name="王明", id_number="110105198001010016",
        employer="如皋市长江电子有限公司", mobile="13812345678")).record_id
    ledger.execute(bureau, AppointSupervisor(supervisor_id=supervisor, term_start=now.date()))
    pairing = ledger.execute(head, PairEnterprise(staff="rcsuozhang", enterprise=_firm(3, "如皋市宏达纺织有限公司",
                                                                                      "如城街道纺织路3号", "赵刚"))).record_id
    ledger.execute(head, RecordPairingVisit(pairing_id=pairing, visit=Visit(
        visited_on=now.date(), summary="走访座谈，了解涉企检查情况", needs=("劳动合同审查", "安全生产法规宣讲"))))
    return True
