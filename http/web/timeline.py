"""A case's timeline as the case page shows it: every event with who, role,
unit, business and recording time, basis, its position in the sealed chain
and what it changed, in the clerks' words; a correction is shown against the
entry it corrects, a remark against the entry it is about. Presentation
only: the events are described by ``ledger.history``; masking is applied by
the caller's scope before anything reaches here."""

from __future__ import annotations

from typing import Any

from ledger.case.values import (
    SCALE_LABELS,
    ApplicantKind,
    CaseState,
    Channel,
    DocumentFormat,
    DocumentKind,
    FollowUpMethod,
    Grade,
    RatingMethod,
    RectificationStatus,
    ServiceForm,
    ServiceType,
    Urgency,
)
from ledger.guidance.values import (
    DeliveryMethod,
    InterviewKind,
    ItemStatus,
    SimpleForm,
    SimpleSituation,
    Stage,
    TerminationReason,
    VisitMethod,
    Way,
)
from ledger.history import EventView, event_label
from ledger.values import CST, DeadlineClass, FourList, Role

# The fields of the case's events, as the paper forms name them.
FIELD_LABELS = {
    "applicant": "申请人", "kind": "类型", "name": "名称/姓名", "id_number": "统一社会信用代码/身份证号",
    "address": "地址", "contact": "联系人", "phone": "联系电话", "service_types": "预约服务类型",
    "needs": "需求简述", "notes": "其他说明", "channel": "预约方式", "urgency": "紧急程度",
    "deadline_class": "需求类别", "application_number": "申请表编号", "due": "办结时限", "reason": "理由",
    "notice": "一次性告知", "referral": "引导至", "body": "机构", "how_to_reach": "联系方式",
    "assignments": "服务单位和人员", "unit": "单位", "staff": "人员", "form": "服务形式", "lead_unit": "牵头单位",
    "agreed_time": "约定时间", "redispatch_reason": "重新派单原因", "opinion": "意见书", "number": "编号",
    "service_time": "服务时间", "place": "服务地点", "content": "服务内容", "findings": "发现的问题/情况",
    "advice": "指导意见", "on_site": "现场服务", "unit_entries": "各单位意见", "applicant_signed": "申请人签字",
    "rating": "评价", "response": "服务响应", "attitude": "服务态度", "usefulness": "服务内容",
    "result": "服务结果", "comments": "意见建议", "method": "方式", "rated_on": "评价日期",
    "follow_up": "回访", "on": "日期", "rectification_status": "整改情况", "rectification": "整改",
    "penalty_decision": "处罚决定", "items": "整改事项", "description": "事项", "due_on": "期限",
    "status": "状态", "evidence": "整改证据", "reversal": "处罚撤销/重新作出", "decision": "原处罚决定",
    "decided_on": "决定日期", "issuing_unit": "作出单位", "four_lists_applied": "原决定已适用清单",
    "cited": "适用清单事项", "list": "清单", "catalogue_version": "清单版本", "item_number": "事项序号",
    "list_code": "清单代码", "conditions_met": "符合的适用条件", "outcome": "处理结果", "explanation": "书面说明",
    "legal_reviewer": "法制审核人员", "new_sanction": "新的处罚内容", "new_fine_yuan": "罚款（元）",
    "major": "重大行政处罚决定", "new_decision_number": "新决定书文号", "archive_number": "归档编号",
    "checks": "完整性检查", "item": "项目", "ok": "符合", "note": "批注", "about_version": "所涉记录",
    "corrects_version": "更正的记录", "corrects_event": "更正的事项", "changes": "更正内容", "field": "栏目",
    "old": "原值", "new": "新值", "target": "目标时限", "limit": "最迟时限", "start": "起算", "provisional": "暂定",
    "assumed_years": "推定年份", "refusal_notice": "一次性告知", "seq": "序号", "year": "年度", "id": "编号",
}
HIDDEN = {"id", "seq", "year"}  # parts of a number or id: the number's text says it
FIELD_LABELS |= {"form_number": "申请表编号", "disclaimer": "说明", "state": "状态", "issued": "文书",
                 "template": "模板", "template_version": "模板版本", "sha256": "文件摘要（SHA-256）",
                 "drawn_to_version": "依据至第几项记录", "format": "格式", "about": "所涉处罚决定",
                 "paper_code": "文书码"}
# agency-initiated guidance (行政指导)
FIELD_LABELS |= {"way": "形式", "addressee": "行政相对人", "officers": "指导人员", "matter": "指导事项", "text": "内容",
                 "catalogue_ref": "目录编号", "stage": "执法阶段", "legal_basis": "法律依据",
                 "problem_of": "存在的…问题", "problems": "存在问题", "contact_person": "指导联系人",
                 "contact_phone": "联系电话", "issued_on": "日期", "delivery": "送达", "delivered_on": "送达日期",
                 "receiver": "签收人", "record": "登记文书", "guided_at": "指导时间", "end": "结束", "at": "时间",
                 "accepted": "相对人接受", "effect": "效益、效果", "visit": "回访", "mark": "典型事例",
                 "by_name": "标记人", "simple": "简易形式", "situation": "适用情形", "officer": "指导人员",
                 "interview": "约谈", "held_at": "约谈时间", "participants": "被约谈人员", "requirements": "提出的要求",
                 "commitment": "整改承诺书", "signed_on": "承诺日期", "by": "用户名",
                 "order": "责令改正通知书", "pattern": "编号格式"}


def _words(*enums: Any) -> dict[str, str]:
    return {m.value: m.label for e in enums for m in e}


# A stored code in the clerks' words, by the field that holds it.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "service_types": _words(ServiceType), "kind": _words(ApplicantKind, DocumentKind, InterviewKind), "channel": _words(Channel),
    "urgency": _words(Urgency), "format": _words(DocumentFormat), "form": _words(ServiceForm, SimpleForm),
    "method": _words(RatingMethod, FollowUpMethod, DeliveryMethod, VisitMethod),
    "status": _words(RectificationStatus, ItemStatus), "rectification_status": _words(RectificationStatus),
    "way": _words(Way), "stage": _words(Stage), "situation": _words(SimpleSituation), "reason": _words(TerminationReason),
    "deadline_class": _words(DeadlineClass), "list": _words(FourList), "state": _words(CaseState),
    **{scale: {g.value: words[g] for g in Grade} for scale, words in SCALE_LABELS.items()},
}


def _text(value: Any, key: str = "") -> str:
    """A nested value in one readable line (``key``: the field holding it)."""
    if isinstance(value, str) and value in VALUE_WORDS.get(key, {}):
        return VALUE_WORDS[key][value]
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "" or value == [] or value == ():
        return "—"
    if isinstance(value, (list, tuple)):
        return "；".join(_text(v, key) for v in value)
    if isinstance(value, dict):
        if {"year", "seq"} <= value.keys():
            return f"{value['year']}年第{value['seq']}号"
        if set(value) == {"id", "name"}:  # a person
            return str(value["name"])
        parts = [f"{FIELD_LABELS.get(k, k)}：{_text(v, k)}" for k, v in value.items() if k not in HIDDEN or len(value) == 1]
        return "，".join(parts)
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":  # an ISO instant
        return text[:16].replace("T", " ")
    return text


def changed(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What an event recorded, as (label, text) lines."""
    return [(FIELD_LABELS.get(k, k), _text(v, k)) for k, v in data.items() if v not in (None, "", [], ())]


# A corrected field by the name it has on its paper form.
PATH_LABELS = {
    "applicant.name": "申请单位/个人", "applicant.address": "地址", "applicant.id_number": "统一社会信用代码/身份证号",
    "contact.name": "联系人", "contact.phone": "联系电话", "referral.body": "引导至（机构）",
    "referral.how_to_reach": "该机构联系方式", "opinion.place": "服务地点", "opinion.content": "服务内容",
    "opinion.findings": "现场情况及发现问题", "opinion.advice": "整改建议及指导意见", "rating.comments": "意见和建议",
}


def field_path_label(path: str) -> str:
    if path in PATH_LABELS:
        return PATH_LABELS[path]
    return "·".join(FIELD_LABELS.get(p, p) for p in path.split("."))


def entries(views: list[EventView], chain: dict[int, tuple[int, str]], *, masked: Any = None) -> list[dict[str, Any]]:
    """The timeline: one dict per event, oldest first. ``chain`` maps a
    version to its (notification id, digest) in the seal; ``masked`` maps an
    event's data through the reader's masking."""
    out: list[dict[str, Any]] = []
    by_version: dict[int, dict[str, Any]] = {}
    for v in views:
        data = masked(v.data) if masked else v.data
        entry = {
            "version": v.version, "label": event_label(v.event, v.aggregate), "event": v.event,
            "actor": v.actor_name or "系统", "role": Role(v.role).label if v.role else "",
            "unit": v.unit or "", "basis": v.basis or "",
            "business": v.business_time.astimezone(CST).strftime("%Y-%m-%d %H:%M") if v.business_time else "—",
            "recorded": v.recorded_at.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S"),
            "chain": chain.get(v.version), "lines": changed(data), "corrected_by": [], "remarks": [],
        }
        if v.event == "Corrected":
            entry["lines"] = [(field_path_label(c["field"]), f"{c['old'] or '（空）'} → {c['new']}") for c in data.get("changes", [])]
            target = by_version.get(data.get("corrects_version"))
            if target is not None:
                target["corrected_by"].append({"version": v.version, "lines": entry["lines"], "basis": entry["basis"]})
                entry["corrects"] = target["version"]
        if v.event == "Annotated":
            entry["lines"] = [("批注", data.get("note", ""))]
            target = by_version.get(data.get("about_version"))
            if target is not None:
                target["remarks"].append({"version": v.version, "note": data.get("note", ""), "actor": entry["actor"]})
                entry["about"] = target["version"]
        by_version[v.version] = entry
        out.append(entry)
    return out
