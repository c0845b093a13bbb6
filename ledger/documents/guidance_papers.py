"""What each document of an administrative guidance (行政指导, ``ledger.guidance``)
says, drawn from the guidance as its events left it (pure: no I/O, no clock).

The forms follow the seeds field by field:

- 行政指导意见书 (seed 004 附件1, seed 001 附件3), a letter: its number in the
  unit's format (临人社行指〔2026〕3号 / 2026年第3号), the addressee, “关于你（单位）
  存在的…问题，现提出以下指导意见：”, 存在问题, 指导意见, the closing sentence
  with 指导联系人 and 联系电话, the unit's seal place and the date;
- 行政指导登记文书 (seed 004 附件2; seed 001 附件2 行政指导文书), a form with its
  own number: 指导时间, 指导地点, 指导人员, 指导对象, 指导内容（事项）,
  指导取得的效益、效果 (blank until the effect is recorded), 单位（公章）;
- 责令改正通知书 (seed 001 (四) 劝导警示), a letter: the problems found, the
  legal basis, what must be corrected and by which date.

An individual's resident ID number is masked for the roles that see it
masked on screen (``masked``)."""

from __future__ import annotations

import phonenumbers

from ledger.case.values import DocumentKind
from ledger.documents import Layout, Paper, Part, Row
from ledger.documents.drawing import day
from ledger.errors import WrongState
from ledger.guidance import AdministrativeGuidance
from ledger.guidance.values import Addressee, AddresseeKind
from ledger.identifiers import mask_id_number
from ledger.values import CST

OPINION_CLOSING = "你（单位）在落实以上指导意见时遇到问题，请及时与行政指导人员联系。"


def available(guidance: AdministrativeGuidance) -> list[DocumentKind]:
    """The documents the guidance can issue now (its present state)."""
    kinds = []
    if guidance.opinion is not None:
        kinds.append(DocumentKind.GUIDANCE_OPINION)
    if guidance.record is not None:
        kinds.append(DocumentKind.GUIDANCE_RECORD)
    if guidance.correction is not None:
        kinds.append(DocumentKind.CORRECTION_ORDER)
    return kinds


def number_of(guidance: AdministrativeGuidance, kind: DocumentKind) -> str:
    """The document's own number as issued (its text never changes)."""
    found = {DocumentKind.GUIDANCE_OPINION: guidance.opinion, DocumentKind.GUIDANCE_RECORD: guidance.record,
             DocumentKind.CORRECTION_ORDER: guidance.correction}.get(kind)
    return str(found.number) if found is not None else "未编号"


def footer(guidance: AdministrativeGuidance, kind: DocumentKind, code: str) -> str:
    """Every page's foot: the document's number and the paper's code."""
    return f"{kind.label}编号 {number_of(guidance, kind)}\n文书码 {code}"


def phone_shown(e164: str) -> str:
    """A stored number as people write it: 0533-2345678, 13953312345."""
    try:
        parsed = phonenumbers.parse(e164, "CN")
    except phonenumbers.NumberParseException:
        return e164
    national = phonenumbers.national_significant_number(parsed)
    area = phonenumbers.length_of_geographical_area_code(parsed)
    return f"0{national[:area]}-{national[area:]}" if area else national


def id_label(addressee: Addressee) -> str:
    return "身份证号" if addressee.kind is AddresseeKind.INDIVIDUAL else "统一社会信用代码"


def id_shown(addressee: Addressee, masked: bool) -> str:
    number = addressee.id_number
    return mask_id_number(number) if masked and number and addressee.kind is AddresseeKind.INDIVIDUAL else number


def identified(addressee: Addressee | None, masked: bool) -> str:
    """指导对象: the name, with the identifier where one was recorded."""
    if addressee is None:
        return ""
    if not addressee.id_number:
        return addressee.name
    return f"{addressee.name}（{id_label(addressee)}：{id_shown(addressee, masked)}）"


def opinion(guidance: AdministrativeGuidance, masked: bool) -> Paper:
    o = guidance.opinion
    if o is None:
        raise WrongState("尚未出具行政指导意见书", code="no_opinion")
    name = guidance.addressee.name if guidance.addressee else ""
    parts = (
        Part(heading="", text=f"关于你（单位）存在的{o.problem_of}问题，现提出以下指导意见："),
        Part(heading="存在问题：", text=o.problems),
        Part(heading="指导意见：", text=o.opinion),
        Part(heading="", text=f"{OPINION_CLOSING}指导联系人：{o.contact_person}　联系电话：{phone_shown(o.contact_phone)}"),
    )
    return Paper(kind=DocumentKind.GUIDANCE_OPINION.value, layout=Layout.LETTER, title="行政指导意见书",
                 number=str(o.number), unit=guidance.unit, addressee=f"{name}：", parts=parts, signer=guidance.unit,
                 date=day(o.issued_on))


def record(guidance: AdministrativeGuidance, masked: bool) -> Paper:
    r = guidance.record
    if r is None:
        raise WrongState("尚未填写行政指导登记文书", code="no_record")
    at = r.guided_at.astimezone(CST)
    rows = (
        Row(label="指导时间", value=f"{day(at)} {at:%H:%M}"),
        Row(label="指导地点", value=r.place),
        Row(label="指导人员", value="、".join(o.name for o in guidance.officers)),
        Row(label="指导对象", value=identified(guidance.addressee, masked)),
        Row(label="指导内容（事项）", value=r.content, wide=True),
        Row(label="指导取得的效益、效果", value=guidance.effect or "", wide=True),
    )
    return Paper(kind=DocumentKind.GUIDANCE_RECORD.value, layout=Layout.FORM, title="行政指导登记文书",
                 number=str(r.number), unit=guidance.unit, rows=rows, signer=guidance.unit, date=day(at))


def correction_order(guidance: AdministrativeGuidance, masked: bool) -> Paper:
    c = guidance.correction
    if c is None:
        raise WrongState("尚未下达责令改正通知书", code="no_correction")
    a = guidance.addressee
    who = ""
    if a is not None:
        details = [f"{id_label(a)}：{id_shown(a, masked)}" if a.id_number else "", f"地址：{a.address}" if a.address else ""]
        who = "；".join([f"当事人：{a.name}", *(d for d in details if d)]) + "。"
    items = "\n".join(f"{i}．{item.description}" for i, item in enumerate(c.items, start=1))
    parts = (
        Part(heading="", text=who),
        Part(heading="一、存在的问题", text=c.problems),
        Part(heading="二、依据", text=c.legal_basis),
        Part(heading="三、责令改正的事项", text=items),
        Part(heading="四、改正期限", text=f"请于{day(c.due_on)}前改正完毕，并将改正情况告知本单位。"),
    )
    name = a.name if a is not None else ""
    return Paper(kind=DocumentKind.CORRECTION_ORDER.value, layout=Layout.LETTER, title="责令改正通知书",
                 number=str(c.number), unit=guidance.unit, addressee=f"{name}：" if name else "",
                 parts=tuple(p for p in parts if p.text), signer=guidance.unit, date=day(c.issued_on))


DRAW = {
    DocumentKind.GUIDANCE_OPINION: opinion,
    DocumentKind.GUIDANCE_RECORD: record,
    DocumentKind.CORRECTION_ORDER: correction_order,
}
