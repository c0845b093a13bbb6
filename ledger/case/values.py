"""Value types of the guidance case (指导服务): the applicant, the steps'
records (opinion, rating, follow-up, rectification), its states and labels.

Enum *values* are stored in events forever, so they are stable English codes;
the Chinese wording that clerks see comes from ``label``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from ledger.values import FormNumber, LabelledEnum, Person, Struct


class ServiceType(LabelledEnum):
    """The ten service types of S0 §二, labelled as on annex 1."""

    POLICY_INTERPRETATION = "policy_interpretation", "政策法规解读"
    LICENSING_CONSULTATION = "licensing_consultation", "行政许可咨询"
    COMPLIANCE_GUIDANCE = "compliance_guidance", "合规经营指导"
    RISK_SCREENING = "risk_screening", "风险隐患排查"
    RECTIFICATION_ASSISTANCE = "rectification_assistance", "问题整改帮扶"
    LEGAL_CONSULTATION = "legal_consultation", "法律问题咨询"
    LEGAL_HEALTH_CHECK = "legal_health_check", "法治体检"
    DISPUTE_MEDIATION = "dispute_mediation", "纠纷化解"
    LEGAL_AWARENESS = "legal_awareness", "普法宣传"
    OTHER = "other", "其他"


class ApplicantKind(LabelledEnum):
    ORGANISATION = "organisation", "单位"
    INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
    INDIVIDUAL = "individual", "个人"


class Channel(LabelledEnum):
    IN_PERSON = "in_person", "线下预约"
    PHONE = "phone", "电话预约"
    ONLINE = "online", "网上预约"


class Urgency(LabelledEnum):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class ServiceForm(LabelledEnum):
    ON_THE_SPOT = "on_the_spot", "现场解答"
    BY_PHONE = "by_phone", "电话回复"
    ONSITE_VISIT = "onsite_visit", "上门指导"
    JOINT_VISIT = "joint_visit", "联合上门服务"

    @property
    def is_visit(self) -> bool:
        return self in (ServiceForm.ONSITE_VISIT, ServiceForm.JOINT_VISIT)


class Grade(enum.StrEnum):
    """The four levels shared by the four scales of annex 3."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"

    @property
    def score(self) -> int:
        return {"excellent": 4, "good": 3, "fair": 2, "poor": 1}[self.value]


# Annex 3 words each scale's levels differently.
SCALE_LABELS: dict[str, dict[Grade, str]] = {
    "response": {Grade.EXCELLENT: "非常及时", Grade.GOOD: "及时", Grade.FAIR: "一般", Grade.POOR: "不及时"},
    "attitude": {Grade.EXCELLENT: "非常好", Grade.GOOD: "好", Grade.FAIR: "一般", Grade.POOR: "较差"},
    "usefulness": {Grade.EXCELLENT: "非常实用", Grade.GOOD: "实用", Grade.FAIR: "一般", Grade.POOR: "不实用"},
    "result": {Grade.EXCELLENT: "非常满意", Grade.GOOD: "满意", Grade.FAIR: "一般", Grade.POOR: "不满意"},
}


class RatingMethod(LabelledEnum):
    ONSITE_FORM = "onsite_form", "现场填写"
    PHONE_FOLLOW_UP = "phone_follow_up", "电话回访"


class FollowUpMethod(LabelledEnum):
    VISIT = "visit", "上门回访"
    PHONE = "phone", "电话回访"
    OTHER = "other", "其他方式"


class RectificationStatus(LabelledEnum):
    OPEN = "open", "整改中"
    DONE = "done", "已整改"
    OVERDUE = "overdue", "逾期未整改"


class CaseState(LabelledEnum):
    APPLIED = "applied", "已预约"
    ACCEPTED = "accepted", "已受理"
    REFUSED = "refused", "不予受理"
    DISPATCHED = "dispatched", "已派单"
    SERVED = "served", "已服务"
    RATED = "rated", "已评价"
    WITHDRAWN = "withdrawn", "已撤回"
    ARCHIVED = "archived", "已归档"


class Applicant(Struct):
    """Annex 1: 申请单位/个人, 统一社会信用代码/身份证号, 地址."""

    kind: ApplicantKind
    name: str
    id_number: str
    address: str


class Contact(Struct):
    """Annex 1: 联系人及电话 (phone stored in E.164 form)."""

    name: str
    phone: str


class Referral(Struct):
    """Where a refused applicant is sent (一次性告知并做好指引)."""

    body: str
    how_to_reach: str


class Assignment(Struct):
    unit: str
    staff: tuple[Person, ...]


class UnitEntry(Struct):
    """One unit's part of a joint visit's consolidated opinion."""

    unit: str
    findings: str
    advice: str
    staff: tuple[Person, ...]


OPINION_DISCLAIMER = "本意见书仅为指导服务使用，不作为行政执法依据。"


class Opinion(Struct):
    """Annex 2, 指导服务意见书."""

    number: FormNumber
    service_time: datetime
    place: str
    content: str
    findings: str
    advice: str
    staff: tuple[Person, ...]
    on_site: bool
    unit_entries: tuple[UnitEntry, ...] = ()
    applicant_signed: bool = True
    disclaimer: str = OPINION_DISCLAIMER


class Rating(Struct):
    """Annex 3, 服务满意度评价表."""

    number: FormNumber
    response: Grade
    attitude: Grade
    usefulness: Grade
    result: Grade
    comments: str
    method: RatingMethod
    rated_on: date


class FollowUp(Struct):
    on: date
    method: FollowUpMethod
    findings: str
    rectification_status: RectificationStatus | None = None


class RectificationItem(Struct):
    description: str
    due_on: date
    status: RectificationStatus = RectificationStatus.OPEN
    evidence: str = ""


class Rectification(Struct):
    penalty_decision: str | None
    items: tuple[RectificationItem, ...]


class FieldChange(Struct):
    """One field a correction changes: its path, the old and the new value."""

    field: str
    old: str
    new: str


class CompletenessCheck(Struct):
    item: str
    ok: bool


class DocumentKind(LabelledEnum):
    """The documents a case can issue (the seeds' forms and letters)."""

    APPLICATION = "application", "指导服务申请表"
    REFUSAL_NOTICE = "refusal_notice", "一次性告知书"
    OPINION = "opinion", "指导服务意见书"
    RATING = "rating", "服务满意度评价表"
    REVERSAL_STATEMENT = "reversal_statement", "撤销（重新作出）行政处罚书面说明"
    SUGGESTION_LETTER = "suggestion_letter", "行政执法监督问题整改建议书"
    FILE_INDEX = "file_index", "卷宗封面及目录"
    # of an administrative guidance (ledger.guidance), not of a case
    GUIDANCE_OPINION = "guidance_opinion", "行政指导意见书"
    GUIDANCE_RECORD = "guidance_record", "行政指导登记文书"
    CORRECTION_ORDER = "correction_order", "责令改正通知书"
    # of the supervision feedback (ledger.feedback): the annex 5 form
    FEEDBACK_FORM = "feedback_form", "行政执法监督建议意见反馈表"
    # of the supervision network (ledger.network): an invited supervisor's letter of appointment
    APPOINTMENT_LETTER = "appointment_letter", "特邀行政执法监督员聘任书"
    # of an administrative mediation (ledger.mediation)
    MEDIATION_RECORD = "mediation_record", "行政调解笔录"
    MEDIATION_AGREEMENT = "mediation_agreement", "行政调解协议书"
    MEDIATION_TERMINATION = "mediation_termination", "终止调解告知书"
    # of an authority's register of legal-risk points (ledger.risk_points): a published edition
    RISK_POINT_LIST = "risk_point_list", "行政相对人违法风险点清单"
    # an authority's periodic assessment report (ledger.risk_assessment), as submitted
    RISK_ASSESSMENT = "risk_assessment", "法律风险防控分析评估报告"


# The documents of a booked case, and those of an administrative guidance.
GUIDANCE_DOCUMENTS = (DocumentKind.GUIDANCE_OPINION, DocumentKind.GUIDANCE_RECORD, DocumentKind.CORRECTION_ORDER)
FEEDBACK_DOCUMENTS = (DocumentKind.FEEDBACK_FORM,)
NETWORK_DOCUMENTS = (DocumentKind.APPOINTMENT_LETTER,)
MEDIATION_DOCUMENTS = (DocumentKind.MEDIATION_RECORD, DocumentKind.MEDIATION_AGREEMENT, DocumentKind.MEDIATION_TERMINATION)
RISK_DOCUMENTS = (DocumentKind.RISK_POINT_LIST, DocumentKind.RISK_ASSESSMENT)
CASE_DOCUMENTS = tuple(k for k in DocumentKind
                       if k not in GUIDANCE_DOCUMENTS and k not in FEEDBACK_DOCUMENTS and k not in NETWORK_DOCUMENTS
                       and k not in MEDIATION_DOCUMENTS and k not in RISK_DOCUMENTS)


class DocumentFormat(LabelledEnum):
    DOCX = "docx", "Word（DOCX）"
    PDF = "pdf", "PDF"


class IssuedDocument(Struct):
    """A document issued from the case: which, from which template (and its
    version: the SHA-256 of the template file), in which format, the file's
    SHA-256, and the case version it was drawn up to (its notification id is
    read from the seal when verifying). ``about``: the penalty decision of a
    reversal's statement or letter."""

    kind: DocumentKind
    format: DocumentFormat
    template: str
    template_version: str
    sha256: str
    drawn_to_version: int
    about: str = ""
    # printed in every page's footer (the file's own hash cannot be): the
    # SHA-256 of what the paper says, short — a paper copy is looked up by it
    paper_code: str = ""
