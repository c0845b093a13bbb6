"""A case's events as supervisors read them: who did what, when, on what basis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ledger.values import CST, Envelope, Role


class EventView(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    event: str
    recorded_at: datetime
    business_time: datetime | None
    actor_id: str | None
    actor_name: str | None
    role: str | None
    unit: str | None
    request_id: str | None
    basis: str | None
    data: dict[str, Any]
    aggregate: str = ""  # e.g. GuidanceCase, ReversalReview (the class the event belongs to)


# What clerks call each event (the timeline's words).
EVENT_LABELS = {
    "Applied": "预约申请", "Accepted": "受理", "Refused": "不予受理", "Dispatched": "统筹派单", "Served": "指导服务",
    "Rated": "满意度评价", "FollowedUp": "回访", "RectificationTracked": "整改跟踪", "PenaltyRevoked": "撤销行政处罚",
    "PenaltyRemade": "重新作出行政处罚", "Withdrawn": "撤回", "Archived": "归档", "Corrected": "更正",
    "Annotated": "批注", "DeadlineRecomputed": "时限重新计算", "DocumentIssued": "出具文书",
    # a reversal's review and a major decision's filing
    "Opened": "进入监督审查", "Objected": "制发整改建议书", "Answered": "单位答复", "Confirmed": "审查通过",
    "Required": "登记重大行政处罚决定", "Filed": "报送备案",  # MajorDecisionFiling.Required: the declaration
    # agency-initiated guidance (行政指导)
    "Started": "启动行政指导",
    "OpinionIssued": "出具行政指导意见书", "OpinionDelivered": "送达意见书", "RecordRegistered": "行政指导登记文书",
    "SimpleGuidanceRecorded": "简易行政指导", "InterviewHeld": "约谈", "CommitmentRecorded": "整改承诺书",
    "CommitmentTracked": "整改承诺跟踪", "Ended": "行政指导结束", "EffectRecorded": "指导效果",
    "MarkedTypical": "典型事例", "CorrectionOrdered": "下达责令改正通知书", "CorrectionTracked": "责令改正跟踪",
    # the directory
    "NumberFormatSet": "设置编号格式",
    # the quarterly report of the 登记簿 (a correction is "Corrected": 更正)
    "Submitted": "报送登记簿", "Received": "接收登记簿", "Returned": "退回登记簿", "Consolidated": "汇总登记簿",
    "Reconsolidated": "重新汇总登记簿", "Forwarded": "上报汇总登记簿",
}
# supervision feedback (ledger.feedback): boxes, forms, letters (an answer is "Answered": 单位答复)
for _name, _label in {
    "Installed": "设置建议箱（电子信箱）", "KeeperChanged": "更换管理人", "Checked": "每月检查建议箱（电子信箱）",
    "FilledIn": "填报建议意见反馈表", "Issued": "制发整改建议书", "Reissued": "再次制发整改建议书", "Verified": "核实整改到位",
}.items():
    EVENT_LABELS.setdefault(_name, _label)
# legal review before major decisions, credit repair (ledger.legal_review); filing review; lists filed
for _name, _label in {
    "Requested": "提出申请", "Reviewed": "法制审核意见", "Resubmitted": "重新送审",
    "Cited": "依法制审核作出决定", "Set": "设定较大数额罚款标准", "Guided": "信用修复指导", "Concluded": "信用修复办结",
    "FilingReviewed": "备案审查", "FiledWithJustice": "四张清单报司法局备案",
}.items():
    EVENT_LABELS.setdefault(_name, _label)


# Words for events whose class name another aggregate also uses (Started,
# Set, Submitted, Ended, Recorded …): looked up by (aggregate, event) first.
AGGREGATE_EVENT_LABELS = {
    # 行政调解 (ledger.mediation)
    ("AdministrativeMediation", "Started"): "启动行政调解", ("AdministrativeMediation", "ConsentRecorded"): "当事人同意调解",
    ("AdministrativeMediation", "ConsentWithdrawn"): "当事人撤回同意",
    ("AdministrativeMediation", "AcceptanceDecided"): "受理决定",
    ("AdministrativeMediation", "RightsNotified"): "告知权利义务和调解程序",
    ("AdministrativeMediation", "SessionHeld"): "调解（行政调解笔录）", ("AdministrativeMediation", "Investigated"): "调查或听证",
    ("AdministrativeMediation", "AgreementConcluded"): "达成行政调解协议", ("AdministrativeMediation", "Ended"): "终止调解",
    ("MediationDeadline", "Started"): "设立调解期限", ("MediationDeadline", "Set"): "设定调解期限",
    ("MediationRightNotice", "Given"): "告知申请行政调解的权利",
    # 法律风险防控 (ledger.risk_points, ledger.risk_assessment)
    ("RiskPointRegister", "Started"): "建立违法风险点清单", ("RiskPointRegister", "GradeRuleSet"): "设定风险等级规则",
    ("RiskPointRegister", "EditionDrafted"): "起草风险点清单", ("RiskPointRegister", "OpinionSolicited"): "征求意见",
    ("RiskPointRegister", "EditionPublished"): "公布风险点清单", ("RiskPointRegister", "WarningHandled"): "处置风险预警",
    ("RiskPointCitations", "Started"): "关联风险点", ("RiskPointCitations", "PointsCited"): "关联风险点",
    ("AssessmentSchedule", "Started"): "设定评估报告周期", ("AssessmentSchedule", "ScheduleSet"): "设定评估报告周期",
    ("RiskAssessmentReport", "Submitted"): "报送风险评估报告",
    # 典型案例 (ledger.typical_cases)
    ("TypicalCaseRound", "Started"): "开始年度典型案例评选", ("TypicalCaseRound", "Proposed"): "推荐典型案例",
    ("TypicalCaseRound", "ReviewOpened"): "开始评审", ("TypicalCaseRound", "Decided"): "评审意见",
    ("TypicalCaseRound", "Closed"): "公布评选结果",
    # the supervision network (ledger.network)
    ("ContactPoint", "Nominated"): "推荐企业联系点", ("ContactPoint", "Plaqued"): "企业联系点挂牌",
    ("ContactPoint", "Rejected"): "不予确定联系点", ("ContactPoint", "Adjusted"): "调整企业联系点",
    ("ContactPoint", "Removed"): "撤销企业联系点",
    ("InvitedSupervisor", "Nominated"): "推荐特邀行政执法监督员", ("InvitedSupervisor", "Appointed"): "聘任监督员",
    ("InvitedSupervisor", "Renewed"): "续聘监督员", ("InvitedSupervisor", "Dismissed"): "解聘监督员",
    ("InvitedSupervisor", "DocumentIssued"): "出具聘任书",
    ("NetworkQuota", "Recorded"): "确定名额", ("NetworkQuota", "Revised"): "调整名额",
    ("NetworkReport", "Filed"): "立档登记反映事项", ("NetworkReport", "Forwarded"): "转交反映事项",
    ("Pairing", "Paired"): "结对", ("Pairing", "Visited"): "结对走访", ("Pairing", "Ended"): "结束结对",
    ("OfficeRoster", "Started"): "建立司法所人员名册", ("OfficeRoster", "Joined"): "司法所人员到岗",
    ("OfficeRoster", "Left"): "司法所人员离岗",
    # legal review, the threshold, the four lists and the matters catalogue
    ("LegalReview", "Numbered"): "法制审核编号", ("ReviewThreshold", "Started"): "设定较大数额罚款标准",
    ("FourListsCatalogue", "Started"): "建立四张清单", ("FourListsCatalogue", "VersionPublished"): "发布四张清单版本",
    ("FourListsCatalogue", "VersionRepealed"): "废止四张清单版本", ("FourListsCatalogue", "ItemAmended"): "修订清单事项",
    ("FourListsCatalogue", "ItemRepealed"): "废止清单事项", ("FourListsCatalogue", "LegalReviewPolicySet"): "设定法制审核要求",
    ("GuidanceMatterCatalogue", "Started"): "建立行政指导事项目录",
    ("GuidanceMatterCatalogue", "EditionPublished"): "发布指导事项目录", ("GuidanceMatterCatalogue", "EditionRepealed"): "废止指导事项目录",
    ("GuidanceMatterCatalogue", "ItemAmended"): "修订指导事项", ("GuidanceMatterCatalogue", "ItemRepealed"): "废止指导事项",
    ("GuidanceMatterCatalogue", "MethodsSet"): "设定指导方式",
    # the directory
    ("Unit", "Registered"): "登记单位", ("User", "Registered"): "登记用户", ("User", "Assigned"): "分配角色和单位",
    ("User", "Disabled"): "停用账号", ("User", "Enabled"): "启用账号", ("User", "GrantProposed"): "提出授权",
    ("User", "GrantConfirmed"): "确认授权", ("User", "PasswordReset"): "重置密码", ("User", "PasswordSet"): "设置密码",
    ("User", "PostSet"): "设置职务", ("AdminRoster", "Started"): "建立管理员名册", ("AdminRoster", "Changed"): "变更管理员名册",
    # the kernel's bookkeeping
    ("FormCounter", "NumberIssued"): "编号", ("WorkCalendar", "YearScheduleRecorded"): "登记年度工作日安排",
    ("ProvisionalDeadlines", "CaseAdded"): "登记暂按法定节假日计算的时限",
    ("ProvisionalDeadlines", "CasesResolved"): "按年度安排重新计算时限",
    ("QuarterReportIndex", "ReportListed"): "登记季度报送",
    ("PlatformExport", "Recorded"): "导出行政指导报送文件（行政指导专区）",
}


def action_choices() -> list[tuple[str, str]]:
    """Every event name a filter can ask for, with its words (a name shared
    by several aggregates: their words together), sorted by the words."""
    words: dict[str, list[str]] = {name: [label] for name, label in EVENT_LABELS.items()}
    for (_, name), label in AGGREGATE_EVENT_LABELS.items():
        if name not in EVENT_LABELS and label not in words.setdefault(name, []):
            words[name].append(label)
    return sorted(((name, "／".join(labels)) for name, labels in words.items()), key=lambda kv: kv[1])


def event_label(name: str, aggregate: str = "") -> str:
    """What clerks call an event: by its aggregate and name where the name is
    shared, else by the name (the name itself if nothing is known)."""
    return AGGREGATE_EVENT_LABELS.get((aggregate, name)) or EVENT_LABELS.get(name, name)


def describe(event: Any) -> EventView:
    state = dict(vars(event))
    envelope: Envelope | None = state.pop("envelope", None)
    for key in ("originator_id", "originator_version", "timestamp", "originator_topic"):
        state.pop(key, None)
    actor = envelope.actor if envelope else None
    return EventView(
        version=event.originator_version,
        event=type(event).__name__,
        recorded_at=event.timestamp,
        business_time=envelope.business_time if envelope else None,
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else None,
        role=actor.role.value if actor else None,
        unit=actor.unit if actor else None,
        request_id=envelope.request_id if envelope else None,
        basis=envelope.basis if envelope else None,
        data=msgspec.to_builtins(state),
        aggregate=type(event).__qualname__.rpartition(".")[0],
    )


def format_line(view: EventView) -> str:
    """One line of the printed history, in the clerks' language."""
    role = Role(view.role).label if view.role else "—"
    when = view.business_time.isoformat(timespec="minutes") if view.business_time else "—"
    basis = f"｜依据/理由：{view.basis}" if view.basis else ""
    return (
        f"#{view.version:<2} {view.event:<20} 办理时间 {when}｜记录时间 {view.recorded_at.astimezone(CST).isoformat(timespec='seconds')}"
        f"｜{view.actor_name}（{role}，{view.unit}）{basis}"
    )
