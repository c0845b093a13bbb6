"""Value types of agency-initiated administrative guidance (行政指导; seeds
001, 002 ch.3, 004): the addressee, the method and stage, the two ways through
(written 意见书 + 登记文书, or a simple form), the interview, the 整改承诺书,
the party's answer and the end.

Enum *values* are stored in events forever, so they are stable English codes;
the Chinese wording comes from ``label``. Methods are stored as their Chinese
names because each authority keeps its own list (seed 001 has six, seed 002
eight, seed 004 adds its own): ``SEED_METHODS`` is what a list starts from.
"""

from __future__ import annotations

from datetime import date, datetime

from ledger.values import FormNumber, LabelledEnum, Struct

# The methods named by the seeds, in their order: what an authority's list of
# methods starts from (a later catalogue may add or retire names per authority).
SEED_001_METHODS = ("政策指引", "意见建议", "提示提醒", "劝导警示", "示范引领", "案件回访")
SEED_002_METHODS = ("引导", "示范", "提示", "辅导", "建议", "规劝", "约谈", "回访")
SEED_004_METHODS = ("行政约谈", "行政调解", "行政走（回）访")
SEED_METHODS: tuple[str, ...] = (*SEED_001_METHODS, *SEED_002_METHODS, *SEED_004_METHODS)

# Methods whose act is an interview (seed 002 约谈; seed 004 四(四) 行政约谈).
INTERVIEW_METHODS = frozenset({"约谈", "行政约谈"})
# Methods that may record a 整改承诺书 (seed 001 (四) 劝导警示; seed 002 规劝).
ADMONITION_METHODS = frozenset({"劝导警示", "规劝"})


class AddresseeKind(LabelledEnum):
    """Same codes as a booking's applicant: an organisation or 个体工商户 gives
    a USCC, an individual a resident ID."""

    ORGANISATION = "organisation", "单位"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    INDIVIDUAL = "individual", "个人"


class Addressee(Struct):
    """The 行政相对人 guided. ``id_number`` may be empty only for the simple
    way (a question answered at the counter); when given it is checked."""

    kind: AddresseeKind
    name: str
    id_number: str = ""
    address: str = ""
    contact: str = ""
    phone: str = ""  # E.164 once checked


class Officer(Struct):
    """A guiding officer (指导人员) as the directory knows them: username, name, unit."""

    id: str
    name: str
    unit: str


class Matter(Struct):
    """指导事项: free text, or a reference into the unit's catalogue of
    guidance matters (``catalogue_ref``, e.g. ``2026版/3``) with its wording."""

    text: str
    catalogue_ref: str = ""


class Stage(LabelledEnum):
    """Seed 004 三: 事前重点指导、事中即时指导、事后回访指导."""

    BEFORE = "before", "事前"
    DURING = "during", "事中"
    AFTER = "after", "事后"


class Way(LabelledEnum):
    """Seed 004 四(二): written as a rule; simple in the three listed situations."""

    WRITTEN = "written", "书面形式"
    SIMPLE = "simple", "简易形式"


class SimpleForm(LabelledEnum):
    ORAL = "oral", "口头"
    PHONE = "phone", "电话"
    SMS_WECHAT = "sms_wechat", "短信/微信"
    MATERIAL = "material", "发放材料"


class SimpleSituation(LabelledEnum):
    """Seed 004 四(二) 1–3: when the simple way may be used."""

    ROUTINE_BUSINESS = "routine_business", "在办理、咨询日常业务过程中当场解答疑问、引导办理"
    INSPECTION_MATERIAL = "inspection_material", "在现场执法检查中当场发放法律法规宣传资料"
    OTHER_MINOR = "other_minor", "其他简单、影响较小、时效性要求较强的情形"


class DeliveryMethod(LabelledEnum):
    DIRECT = "direct", "直接送达"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达"
    LEFT = "left", "留置送达"


class GuidanceOpinion(Struct):
    """附件1 行政指导意见书: “关于你（单位）存在的 {problem_of} 问题，现提出以下指导意见”."""

    number: FormNumber
    problem_of: str  # 存在的…问题
    problems: str  # 存在问题
    opinion: str  # 指导意见
    contact_person: str  # 指导联系人
    contact_phone: str  # 联系电话 (E.164)
    issued_on: date


class Delivery(Struct):
    """送达 of the 意见书."""

    delivered_on: date
    method: DeliveryMethod
    receiver: str


class GuidanceRecord(Struct):
    """附件2 行政指导登记文书 / seed 001 行政指导文书 (its own number). 指导人员
    and 指导对象 are the guidance's officers and addressee; 指导取得的效益、效果
    is the effect, recorded later."""

    number: FormNumber
    guided_at: datetime  # 指导时间
    place: str  # 指导地点
    content: str  # 指导内容（事项）


class SimpleGuidance(Struct):
    """A simple-way act (口头, 电话, 短信/微信, 发放材料) and its situation."""

    at: datetime
    form: SimpleForm
    situation: SimpleSituation
    officer: Officer
    content: str


class InterviewKind(LabelledEnum):
    INDIVIDUAL = "individual", "个别约谈"
    COLLECTIVE = "collective", "集中约谈"


class Interview(Struct):
    """约谈: who took part, the problems pointed out, the requirements set."""

    kind: InterviewKind
    held_at: datetime
    place: str
    participants: tuple[str, ...]
    problems: str
    requirements: str


class ItemStatus(LabelledEnum):
    OPEN = "open", "整改中"
    DONE = "done", "已整改"
    OVERDUE = "overdue", "逾期未整改"


class CommitmentItem(Struct):
    """One item of a 整改承诺书, followed up like a rectification item."""

    description: str
    due_on: date
    status: ItemStatus = ItemStatus.OPEN
    evidence: str = ""


class Commitment(Struct):
    """整改承诺书 (劝导警示): what the party promised to put right, by when."""

    signed_on: date
    items: tuple[CommitmentItem, ...]


class CorrectionOrder(Struct):
    """责令改正通知书 (seed 001 (四) 劝导警示), numbered per unit and year: the
    problems found, the legal basis, what must be corrected (``items``, each
    due by ``due_on``, followed up like the 整改承诺书's items)."""

    number: FormNumber
    issued_on: date
    problems: str
    legal_basis: str
    items: tuple[CommitmentItem, ...]
    due_on: date


class TerminationReason(LabelledEnum):
    """Seed 004 四(三): why guidance was terminated. Nothing else about it is kept."""

    REFUSED = "refused", "明确表示拒绝行政指导"
    ASKED_TO_STOP = "asked_to_stop", "要求停止行政指导"
    MADE_IMPOSSIBLE = "made_impossible", "以实际行动导致行政指导无法继续"


class VisitMethod(LabelledEnum):
    VISIT = "visit", "上门回访"
    PHONE = "phone", "电话回访"
    OTHER = "other", "其他方式"


class FollowUpVisit(Struct):
    on: date
    method: VisitMethod
    findings: str


class TypicalMark(Struct):
    """典型事例 for the year-end summary: who marked it, when, why."""

    by: str  # the marking user's id
    by_name: str
    on: date
    reason: str


class GuidanceState(LabelledEnum):
    STARTED = "started", "已启动"
    GIVEN = "given", "已实施"
    ACCEPTED = "accepted", "已接受"
    TERMINATED = "terminated", "已终止"


class End(Struct):
    """How a guidance ended: accepted, or terminated with its reason — and no
    more (no count, no score, nothing about the party)."""

    at: datetime
    accepted: bool
    reason: TerminationReason | None = None
