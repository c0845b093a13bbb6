"""Value types of administrative mediation (行政调解, seed 002 第十五条–第十八条):
the parties and their consents, the two procedures, the acceptance and its
notice, the notice of rights, the sessions (行政调解笔录), the on-site
investigation or hearing, the agreement (行政调解协议书) with every party's
signature, the end without agreement and the way pointed to, the notice of
the right to apply for mediation.

Enum *values* are stored in events forever: stable English codes; the
Chinese wording comes from ``label``. A party is named in the other records by
its position in the mediation's list of parties (``party``: 0, 1, …), which
never changes once started.
"""

from __future__ import annotations

from datetime import date, datetime

from ledger.values import FormNumber, LabelledEnum, Struct


class StartWay(LabelledEnum):
    """第十八条(一): the agency may start it itself or on a party's application."""

    EX_OFFICIO = "ex_officio", "依职权启动"
    ON_APPLICATION = "on_application", "依申请启动"


class Procedure(LabelledEnum):
    """第十八条: the simple procedure for a simple dispute settled on the spot."""

    SIMPLE = "simple", "简易程序"
    GENERAL = "general", "一般程序"


class PartyKind(LabelledEnum):
    """As a booking's applicant: an organisation or 个体工商户 gives a USCC, a person a resident ID."""

    ORGANISATION = "organisation", "单位"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    INDIVIDUAL = "individual", "个人"


class Representative(Struct):
    """Who acts for a party: its 法定代表人, 负责人 or 委托代理人 (``capacity``)."""

    name: str
    capacity: str = "委托代理人"
    phone: str = ""  # E.164 once checked


class Party(Struct):
    """当事人. ``id_number``: a USCC for an organisation or 个体工商户, a
    resident ID for a person (checked, stored in full; masked by role when read)."""

    kind: PartyKind
    name: str
    id_number: str
    address: str = ""
    phone: str = ""  # E.164 once checked
    representative: Representative | None = None


class ConsentMethod(LabelledEnum):
    """How a party's consent (第十八条(一) 必须征得当事人同意) was given."""

    WRITTEN = "written", "书面同意"
    ORAL = "oral", "口头同意（记录在案）"
    APPLICATION = "application", "提出调解申请"
    ELECTRONIC = "electronic", "电子方式"


class Consent(Struct):
    party: int
    given_at: datetime
    method: ConsentMethod
    note: str = ""


class Withdrawal(Struct):
    """A party withdrew its consent (自愿原则): the mediation ends with it."""

    party: int
    at: datetime
    reason: str = ""


class Notice(Struct):
    """受理 notice to the parties: when and where, and what to observe."""

    meet_at: datetime
    place: str
    observe: str  # 注意事项


class Acceptance(Struct):
    """受理 or 不予受理. ``due_on``: the last working day of the authority's
    period (``None`` where it sets none); ``number``: the mediation's own,
    per unit and year, taken on acceptance."""

    accepted: bool
    at: datetime
    reasons: str = ""
    notice: Notice | None = None
    number: FormNumber | None = None
    due_on: date | None = None
    working_days: int | None = None


class RightsNotice(Struct):
    """第十八条(三): the parties told their rights, the procedure and related matters."""

    given_at: datetime
    method: str  # 书面告知 / 口头告知并记录
    content: str


class Mediator(Struct):
    """A mediator (调解人员) as the directory knows them."""

    id: str
    name: str
    unit: str


class Statement(Struct):
    """What one party stated (陈述), argued (申辩) and evidenced (质证) in a session."""

    party: int
    statement: str
    argument: str = ""
    evidence: str = ""


class Session(Struct):
    """One sitting, written down as a numbered 行政调解笔录 (第1次, 第2次 …)."""

    number: int
    held_at: datetime
    place: str
    mediators: tuple[Mediator, ...]
    invited: tuple[str, ...]  # 专家学者、社会人士: “姓名（身份）”
    statements: tuple[Statement, ...]
    disputes: str  # 争议焦点
    course: str  # 调解经过（说服、劝导及依据）
    recorder: str = ""


class InvestigationKind(LabelledEnum):
    """第十八条(三): 对争议纠纷基本事实有异议的 … 可采取听证、现场调查等方式取证."""

    SITE = "site", "现场调查"
    HEARING = "hearing", "听证"


class Investigation(Struct):
    kind: InvestigationKind
    at: datetime
    place: str
    participants: tuple[str, ...]
    findings: str


class SignatureForm(LabelledEnum):
    SIGNED = "signed", "签名"
    SEALED = "sealed", "盖章"
    SIGNED_AND_SEALED = "signed_and_sealed", "签名并盖章"


class Signature(Struct):
    """A party's signature or seal on the 协议书, recorded as given (the paper carries it)."""

    party: int
    form: SignatureForm
    signed_by: str  # who signed (the party or its representative)


class SealKind(LabelledEnum):
    """第十八条(四): 加盖行政执法机关印章或行政调解专用章."""

    AGENCY = "agency", "行政执法机关印章"
    MEDIATION = "mediation", "行政调解专用章"


class Agreement(Struct):
    """行政调解协议书 (第十八条(四))."""

    signed_on: date
    matters: str  # 调解事项
    facts: str  # 查证的事实
    result: str  # 调解结果（协议内容）
    performance: str  # 履行方式和期限
    signatures: tuple[Signature, ...]
    seal: SealKind


class Referral(LabelledEnum):
    """第十八条(四): 引导当事人通过行政复议、诉讼、仲裁等法定途径解决."""

    REVIEW = "review", "行政复议"
    LITIGATION = "litigation", "诉讼"
    ARBITRATION = "arbitration", "仲裁"


class EndReason(LabelledEnum):
    NO_AGREEMENT = "no_agreement", "经调解无法达成协议"
    CONSENT_WITHDRAWN = "consent_withdrawn", "当事人撤回调解同意"


class Ending(Struct):
    """The mediation ended without agreement: why, and the way pointed to —
    which body, how to reach it — for the 终止调解告知书."""

    at: datetime
    reason: EndReason
    referral: Referral
    body: str
    contact: str
    explanation: str = ""
    withdrawn_by: int | None = None


class MediationState(LabelledEnum):
    STARTED = "started", "已启动（征求同意）"
    ACCEPTED = "accepted", "已受理"
    MEDIATING = "mediating", "调解中"
    AGREED = "agreed", "已达成协议"
    DECLINED = "declined", "不予受理"
    ENDED = "ended", "调解终止"


OPEN_STATES = (MediationState.STARTED, MediationState.ACCEPTED, MediationState.MEDIATING)
CLOSED_STATES = (MediationState.AGREED, MediationState.DECLINED, MediationState.ENDED)


class RightSource(LabelledEnum):
    """第十五条: when the party must be told of the right to apply for mediation."""

    MAJOR_DECISION = "major_decision", "作出重大行政执法决定"
    COMPLAINT = "complaint", "受理投诉举报"
    SERVICE = "service", "纠纷化解指导服务"
    DAILY = "daily", "日常监管执法"


class NoticeMethod(LabelledEnum):
    WRITTEN = "written", "书面告知"
    ORAL = "oral", "口头告知并记录"
    ELECTRONIC = "electronic", "电子方式告知"
