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


def event_label(name: str) -> str:
    return EVENT_LABELS.get(name, name)


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
