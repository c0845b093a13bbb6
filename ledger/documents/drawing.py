"""What each document of a case says, drawn from the case as its events
left it (pure: no I/O, no clock — the same case gives the same paper).

The forms follow the seed's annexes field by field: 附件1 指导服务申请表,
附件2 指导服务意见书 (a joint visit: one opinion with a part per unit), 附件3
服务满意度评价表 (blank for the applicant to fill on site, or filled from a
phone rating and marked 电话回访); the letters: the 一次性告知书 of a refusal,
the 书面说明 of a revoked or remade penalty and the supervisor's
行政执法监督问题整改建议书; and the archive file's cover and index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ledger.case import GuidanceCase
from ledger.case.values import (
    SCALE_LABELS,
    ApplicantKind,
    DocumentKind,
    Grade,
    RatingMethod,
    ServiceType,
)
from ledger.documents import Layout, Paper, Part, Row
from ledger.errors import WrongState
from ledger.identifiers import mask_id_number
from ledger.values import CST, FormNumber, Reversal, Struct

OPINION_NOTE = "备注：本意见书仅为指导服务使用，不作为行政执法依据。"
SCALES = (("response", "服务响应是否及时"), ("attitude", "服务态度是否良好"),
          ("usefulness", "服务内容是否实用"), ("result", "服务结果是否满意"))
NUMERALS = "一二三四五六七八九十"


class Letter(Struct):
    """A supervisor's 整改建议书 as its review recorded it."""

    number: FormNumber
    problems: str
    suggestions: str
    reply_due: date
    issued_at: datetime
    supervising_unit: str
    decision_number: str
    issuing_unit: str


def day(moment: date | datetime | None) -> str:
    """2026年11月22日 (GB/T 9704: Arabic numerals, no leading zeros)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(CST).date()
    return f"{moment.year}年{moment.month}月{moment.day}日"


def doc_number(number: FormNumber | None, prefix: str = "") -> str:
    """A form's 编号 (2026年第3号), or a letter's 文号 (皋司发〔2026〕3号)
    where the unit's documents carry a prefix."""
    if number is None:
        return ""
    return f"{prefix}〔{number.year}〕{number.seq}号" if prefix else str(number)


def boxes(chosen: Any, options: list[tuple[Any, str]]) -> str:
    return "　".join(f"{'☑' if value in chosen else '□'}{label}" for value, label in options)


def id_shown(case: GuidanceCase, masked: bool) -> str:
    number = case.applicant.id_number
    return mask_id_number(number) if masked and case.applicant.kind is ApplicantKind.INDIVIDUAL else number


def available(case: GuidanceCase, letters: int = 0) -> list[DocumentKind]:
    """The documents the case can issue now (its present state)."""
    kinds = [DocumentKind.APPLICATION]
    if case.refusal_reason:
        kinds.append(DocumentKind.REFUSAL_NOTICE)
    if case.opinion is not None:
        kinds += [DocumentKind.OPINION, DocumentKind.RATING]
    if case.reversals:
        kinds.append(DocumentKind.REVERSAL_STATEMENT)
    if letters:
        kinds.append(DocumentKind.SUGGESTION_LETTER)
    kinds.append(DocumentKind.FILE_INDEX)
    return kinds


# -------------------------------------------------------------------- forms


def application(case: GuidanceCase, masked: bool) -> Paper:
    a = case.applicant
    return Paper(
        kind=DocumentKind.APPLICATION.value, layout=Layout.FORM, title="指导服务申请表",
        number=doc_number(case.application_number) or "（未受理）",
        rows=(
            Row(label="申请单位/个人", value=a.name),
            Row(label="统一社会信用代码/身份证号", value=id_shown(case, masked)),
            Row(label="地址", value=a.address),
            Row(label="联系人及电话", value=f"{case.contact.name}　{case.contact.phone}"),
            Row(label="预约服务类型（可多选）", value=boxes(case.service_types, [(t, t.label) for t in ServiceType])),
            Row(label="需求简述", value=case.needs, wide=True),
            Row(label="其他说明", value=case.notes or "无", wide=True),
            Row(label="预约方式　紧急程度", value=f"{case.channel.label}　{case.urgency.label}"),
            Row(label="申请人", value=a.name),
            Row(label="申请日期", value=day(case.applied_at)),
        ),
        signatures=("申请人（签字或盖章）：",), date=day(case.applied_at),
    )


def opinion(case: GuidanceCase, masked: bool) -> Paper:
    o = _served(case)
    rows = [
        Row(label="服务对象", value=case.applicant.name),
        Row(label="服务时间", value=day(o.service_time)),
        Row(label="服务地点", value=o.place),
        Row(label="服务内容", value=o.content),
        Row(label="现场情况及发现问题", value=o.findings, wide=True),
        Row(label="整改建议及指导意见", value=o.advice, wide=True),
    ]
    for entry in o.unit_entries:  # a joint visit: one opinion, a part per unit
        rows += [Row(label=f"{entry.unit}发现问题", value=entry.findings, wide=True),
                 Row(label=f"{entry.unit}指导意见", value=entry.advice, wide=True)]
    staff = "、".join(p.name for p in o.staff)
    rows += [Row(label="服务对象（签字）", value="已签字确认" if o.applicant_signed else ""),
             Row(label="服务人员（签字）", value=staff)]
    unit = case.lead_unit or o.number.unit
    return Paper(kind=DocumentKind.OPINION.value, layout=Layout.FORM, title="指导服务意见书", number=doc_number(o.number),
                 unit=unit, rows=tuple(rows), note=OPINION_NOTE, date=day(o.service_time))


def rating(case: GuidanceCase, masked: bool) -> Paper:
    """Blank for the applicant to fill on site; filled from the ledger once rated
    (marked 电话回访 when rated by phone)."""
    _served(case)
    r = case.rating
    rows = [Row(label="服务对象", value=case.applicant.name)]  # whom the filed form is about
    for scale, label in SCALES:
        chosen = {getattr(r, scale)} if r else set()
        rows.append(Row(label=label, value=boxes(chosen, [(g, SCALE_LABELS[scale][g]) for g in Grade])))
    rows += [Row(label="意见建议", value=(r.comments or "无") if r else "", wide=True),
             Row(label="服务对象（签字）", value="电话回访" if r and r.method is RatingMethod.PHONE_FOLLOW_UP else ""),
             Row(label="评价日期", value=day(r.rated_on) if r else "　　年　　月　　日")]
    note = "电话回访：按服务对象的评价内容填写。" if r and r.method is RatingMethod.PHONE_FOLLOW_UP else ""
    return Paper(kind=DocumentKind.RATING.value, layout=Layout.FORM, title="服务满意度评价表",
                 number=doc_number(r.number) if r else doc_number(case.application_number), rows=tuple(rows),
                 note=note, date=day(r.rated_on) if r else "")


def file_index(case: GuidanceCase, masked: bool, entries: list[tuple[str, str, str]]) -> Paper:
    """The archive file's cover and index (卷宗目录): ``entries`` are the
    case's records and documents as (date, what, by whom), in order."""
    rows = [
        Row(label="案卷名称", value=f"{case.applicant.name}行政执法指导服务"),
        Row(label="申请表编号", value=doc_number(case.application_number) or "（未受理）"),
        Row(label="归档编号", value=doc_number(case.archive_number) or "（未归档）"),
        Row(label="服务单位", value="、".join(case.units) or "—"),
        Row(label="办理状态", value=case.state.label),
        Row(label="申请日期", value=day(case.applied_at)),
    ]
    rows += [Row(label=f"{i}．{when}", value=f"{what}（{who}）") for i, (when, what, who) in enumerate(entries, start=1)]
    return Paper(kind=DocumentKind.FILE_INDEX.value, layout=Layout.FORM, title="行政执法指导服务卷宗",
                 number=doc_number(case.archive_number), rows=tuple(rows), note="卷内目录按办理顺序排列，与台账记录一致。",
                 date=day(case.state_since))


# ------------------------------------------------------------------ letters


def refusal_notice(case: GuidanceCase, masked: bool, unit: str) -> Paper:
    if not case.refusal_reason:
        raise WrongState("本案未作出不予受理决定，没有一次性告知书", code="no_refusal")
    refused_at = next((ref.at for ref in case.history if ref.name == "Refused"), case.state_since)
    parts = [Part(heading="", text=f"你（单位）于{day(case.applied_at)}申请的行政执法指导服务（{case.needs}），"
                                   f"经审查，不予受理。"),
             Part(heading="一、不予受理的理由", text=case.refusal_reason),
             Part(heading="二、需要告知的事项", text=case.refusal_notice or "")]
    if case.referral:
        parts.append(Part(heading="三、可以前往的机构", text=f"{case.referral.body}（{case.referral.how_to_reach}）"))
    parts.append(Part(heading="", text="特此一次性告知。"))
    return Paper(kind=DocumentKind.REFUSAL_NOTICE.value, layout=Layout.LETTER, title="一次性告知书",
                 addressee=f"{case.applicant.name}：", parts=tuple(parts), signer=unit, unit=unit,
                 date=day(refused_at))


def reversal_statement(case: GuidanceCase, masked: bool, decision: str = "", item: Any = None) -> Paper:
    """The written explanation of a revoked or remade penalty: the original
    decision, the list item applied with its conditions, the outcome, the
    explanation, the legal reviewer. ``item``: the catalogue item as it stood
    on the decision date (None if the catalogue no longer resolves it)."""
    r = _reversal(case, decision)
    cited = r.cited
    what = "撤销" if not r.new_sanction else "重新作出"
    parts = [
        Part(heading="一、原行政处罚决定",
             text=f"{r.decision.issuing_unit}于{day(r.decision.decided_on)}作出{r.decision.number}行政处罚决定"
                  f"（{'已' if r.decision.four_lists_applied else '未'}适用四张清单）。"),
        Part(heading="二、适用的清单事项",
             text=f"{cited.list.label}（{cited.catalogue_version}）第{cited.item_number}项"
                  + (f"：{item.item.violation}。处罚依据：{item.item.penalty_basis}。" if item is not None else "。")
                  + f"适用条件：{'；'.join(r.conditions_met)}，经核实均已符合。"),
        Part(heading="三、处理结果", text=r.outcome + (f"；{r.new_sanction}" if r.new_sanction else "")
             + (f"（罚款{r.new_fine_yuan}元）" if r.new_fine_yuan is not None else "")
             + (f"。新决定书文号：{r.new_decision_number}" if r.new_decision_number else "") + "。"),
        Part(heading="四、具体情况说明", text=r.explanation),
        Part(heading="五、法制审核", text=(f"经{r.legal_reviewer.name}法制审核。" if r.legal_reviewer else "未经法制审核。")
             + ("本决定属重大行政处罚决定，依法报送备案。" if r.major else "")),
    ]
    return Paper(kind=DocumentKind.REVERSAL_STATEMENT.value, layout=Layout.LETTER,
                 title=f"关于{what}{r.decision.number}行政处罚决定的书面说明", number=r.new_decision_number,
                 addressee=f"{case.applicant.name}：", parts=tuple(parts), signer=r.decision.issuing_unit,
                 unit=r.decision.issuing_unit, date=day(_reversed_on(case, r)))


def suggestion_letter(letter: Letter, prefix: str = "") -> Paper:
    parts = (
        Part(heading="", text=f"经审查，你单位对{letter.decision_number}行政处罚决定的撤销（重新作出）存在以下问题，"
                              "现提出整改建议如下："),
        Part(heading="一、存在的问题", text=letter.problems),
        Part(heading="二、整改建议", text=letter.suggestions),
        Part(heading="三、答复要求", text=f"请于{day(letter.reply_due)}前将整改情况书面答复我局。"),
    )
    return Paper(kind=DocumentKind.SUGGESTION_LETTER.value, layout=Layout.LETTER, title="行政执法监督问题整改建议书",
                 number=doc_number(letter.number, prefix), addressee=f"{letter.issuing_unit}：", parts=parts,
                 signer=letter.supervising_unit, unit=letter.supervising_unit, date=day(letter.issued_at))


# ------------------------------------------------------------------ helpers


def _served(case: GuidanceCase) -> Any:
    if case.opinion is None:
        raise WrongState("本案尚未完成指导服务，没有意见书和评价表", code="not_served")
    return case.opinion


def _reversal(case: GuidanceCase, decision: str) -> Reversal:
    if not case.reversals:
        raise WrongState("本案没有撤销或重新作出的行政处罚", code="no_reversal")
    if not decision:
        return case.reversals[-1]
    found = next((r for r in case.reversals if r.decision.number == decision.strip()), None)
    if found is None:
        raise WrongState(f"本案没有处罚决定{decision}的撤销或重新作出记录", code="no_reversal")
    return found


def _reversed_on(case: GuidanceCase, reversal: Reversal) -> datetime | None:
    """When the reversal was recorded (its event's business time)."""
    index = case.reversals.index(reversal)
    refs = [ref for ref in case.history if ref.name in ("PenaltyRevoked", "PenaltyRemade")]
    return refs[index].at if index < len(refs) else case.state_since
