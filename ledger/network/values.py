"""The supervision network's values (seed 003 一–三, annexes 1–4): the
enterprises, the quotas, the supervisors' categories and terms, the acts a
report is about, a pairing's visits."""

from __future__ import annotations

from datetime import date, timedelta

from ledger.values import FormNumber, LabelledEnum, Struct


class SupervisorCategory(LabelledEnum):
    """附件1/附件3 人员类别: each has its own quota per town."""

    ENTERPRISE = "enterprise", "企业负责人或员工"
    DEPUTY = "deputy", "非公职市人大代表或政协委员"
    COUNSEL = "counsel", "企业法律顾问"


class ContactPointState(LabelledEnum):
    NOMINATED = "nominated", "待审核"
    PLAQUED = "plaqued", "已挂牌"
    REJECTED = "rejected", "未通过"
    REMOVED = "removed", "已撤销"


class SupervisorState(LabelledEnum):
    """The appointment's state; an appointed supervisor whose term has ended
    reads as 已届满 on the day (``InvitedSupervisor.status_on``), not by an event."""

    NOMINATED = "nominated", "待聘任"
    APPOINTED = "appointed", "在聘"
    EXPIRED = "expired", "已届满"
    ENDED = "ended", "已解聘"


class ActKind(LabelledEnum):
    """What a report is about: seed 003 一's five kinds of enforcement act,
    or (a supervisor's) an opinion or suggestion not tied to one act."""

    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    LEVY = "levy", "行政征收"
    INSPECTION = "inspection", "行政检查"
    OTHER = "other", "其他意见建议"


class ReportSource(LabelledEnum):
    CONTACT_POINT = "contact_point", "企业联系点"
    SUPERVISOR = "supervisor", "特邀行政执法监督员"


class PairingState(LabelledEnum):
    ACTIVE = "active", "结对中"
    ENDED = "ended", "已解除"


class Enterprise(Struct):
    """附件2/附件4's columns: 企业名称, 企业地址, 法人代表, 联系方式, and the
    统一社会信用代码 that tells two enterprises apart (E.164 phone)."""

    name: str
    uscc: str
    address: str
    legal_rep: str
    contact: str


class TownQuota(Struct):
    """One line of 附件1: a town's (镇（街道）) 司法所 and its numbers."""

    town: str
    office: str  # the 司法所 unit that nominates for the town
    contact_points: int
    enterprise: int  # 企业负责人或员工
    deputy: int  # 非公职市人大代表或政协委员
    counsel: int  # 企业法律顾问

    def supervisors(self, category: SupervisorCategory) -> int:
        return {SupervisorCategory.ENTERPRISE: self.enterprise, SupervisorCategory.DEPUTY: self.deputy,
                SupervisorCategory.COUNSEL: self.counsel}[category]


class Term(Struct):
    """一届: from ``start`` through ``end`` (both days in term), with its 聘任书."""

    start: date
    end: date
    letter: FormNumber


class Visit(Struct):
    """走访座谈 of a paired enterprise, and the 法治需求 it collected."""

    visited_on: date
    summary: str
    needs: tuple[str, ...] = ()


def term_end(start: date) -> date:
    """每届任期一年: the last day of a term starting on ``start`` is the day
    before its anniversary (聘期 2026年4月15日至2027年4月14日). A term from
    29 February has no anniversary in the next year: it ends on 28 February,
    the month's end — as 民法典第二百零二条 counts a period that has no
    corresponding day (没有对应日的，月末日为期间的最后一日)."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February → the next year has none
        return date(start.year + 1, 2, 28)


REMINDER_DAYS = 30


def reminder_on(end: date) -> date:
    """The day a term's end is first announced (30 days before it)."""
    return end - timedelta(days=REMINDER_DAYS)


# 附件1 as data: the quotas of 皋司发〔2021〕15号 (town, contact points,
# 企业负责人或员工, 非公职人大代表或政协委员, 企业法律顾问). Each town's 司法所 is
# named ``<town>司法所``; a year's quotas are recorded from these (or others).
ANNEX_1 = (
    ("如城", 2, 3, 2, 1), ("城南", 1, 3, 2, 1), ("城北", 3, 4, 2, 2), ("长江", 3, 4, 2, 2),
    ("白蒲", 2, 2, 1, 1), ("搬经", 1, 2, 1, 1), ("江安", 1, 1, 1, 1), ("磨头", 1, 1, 1, 1),
    ("东陈", 1, 1, 1, 1), ("丁堰", 1, 1, 1, 1), ("下原", 1, 1, 1, 1), ("九华", 1, 1, 1, 1),
    ("吴窑", 1, 1, 1, 1), ("石庄", 1, 1, 1, 1),
)


def annex_1_quotas() -> tuple[TownQuota, ...]:
    return tuple(TownQuota(town=t, office=f"{t}司法所", contact_points=c, enterprise=e, deputy=d, counsel=k)
                 for t, c, e, d, k in ANNEX_1)
