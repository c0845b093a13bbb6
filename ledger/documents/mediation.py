"""The papers of an administrative mediation (``ledger.mediation``; seed 002
第十八条), drawn from the mediation as its events left it (pure drawing), then
issued by the documents' one step (``ledger.documents.service.issue_paper``)
and recorded as ``AdministrativeMediation.DocumentIssued`` in the same save:

- 行政调解笔录 (one per session, ``about`` = its number): 时间, 地点, 调解人员,
  邀请参加人员, 当事人 (with their identifiers and representatives), what each
  party stated, argued and evidenced, 争议焦点, 调解经过, the signature lines;
- 行政调解协议书: the parties' particulars, 调解事项, 查证的事实, 调解结果,
  履行方式和期限, each party's signature or seal as recorded, the place of the
  agency's seal or the mediation seal, the date;
- 终止调解告知书: why it ended (no agreement, or a party withdrew its consent)
  and the way pointed to — 行政复议, 诉讼 or 仲裁, which body, how to reach it.

A person's resident ID is masked for the roles that see it masked on screen."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.case.values import MEDIATION_DOCUMENTS, DocumentFormat, DocumentKind
from ledger.commanding import Decision
from ledger.commands import Context
from ledger.documents import Layout, Paper, Part, Row
from ledger.documents.drawing import day
from ledger.documents.service import Issued, issue_paper, issued_file
from ledger.envelope import Envelope
from ledger.errors import InvalidInput, WrongState
from ledger.identifiers import mask_id_number
from ledger.mediation import AdministrativeMediation, MediationNotFound
from ledger.mediation.commands import MediationCommand
from ledger.mediation.service import MediationCommands
from ledger.mediation.values import EndReason, Party, PartyKind
from ledger.scope import Reach, scope_for, sees
from ledger.values import CST

ORDINALS = "甲乙丙丁戊己庚辛壬癸"
AGREEMENT_CLOSING = ("本协议书经各方当事人签名或盖章、加盖行政执法机关印章或行政调解专用章后生效，"
                     "各方当事人应当自觉履行。本协议书一式{n}份，各方当事人各执一份，行政执法机关留存一份。")


class IssueMediationDocument(MediationCommand, frozen=True, kw_only=True):
    """出具 one of the mediation's documents as DOCX or PDF; ``session``: the 笔录's number."""

    kind: DocumentKind
    format: DocumentFormat = DocumentFormat.PDF
    session: int | None = None


def side(i: int) -> str:
    return f"{ORDINALS[i]}方" if i < len(ORDINALS) else f"第{i + 1}方"


def id_label(party: Party) -> str:
    return "身份证号" if party.kind is PartyKind.INDIVIDUAL else "统一社会信用代码"


def id_shown(party: Party, masked: bool) -> str:
    return mask_id_number(party.id_number) if masked and party.kind is PartyKind.INDIVIDUAL else party.id_number


def particulars(i: int, party: Party, masked: bool) -> str:
    """当事人的基本情况, one line."""
    bits = [f"{side(i)}：{party.name}（{party.kind.label}）", f"{id_label(party)}：{id_shown(party, masked)}"]
    if party.address:
        bits.append(f"地址：{party.address}")
    if party.representative is not None:
        bits.append(f"{party.representative.capacity}：{party.representative.name}")
    return "；".join(bits)


def available(m: AdministrativeMediation) -> list[tuple[DocumentKind, int | None]]:
    """The documents the mediation can issue now (each session's 笔录 apart)."""
    kinds: list[tuple[DocumentKind, int | None]] = [(DocumentKind.MEDIATION_RECORD, s.number) for s in m.sessions]
    if m.agreement is not None:
        kinds.append((DocumentKind.MEDIATION_AGREEMENT, None))
    if m.ending is not None:
        kinds.append((DocumentKind.MEDIATION_TERMINATION, None))
    return kinds


def record(m: AdministrativeMediation, masked: bool, session: int | None) -> Paper:
    s = next((x for x in m.sessions if x.number == session), None)
    if s is None:
        raise InvalidInput.one("session", "unknown_session", "没有该次调解的笔录")
    at = s.held_at.astimezone(CST)
    rows = [
        Row(label="调解事项", value=m.matter, wide=True),
        Row(label="时间", value=f"{day(at)} {at:%H:%M}"),
        Row(label="地点", value=s.place),
        Row(label="调解人员", value="、".join(f"{x.name}（{x.unit}）" for x in s.mediators)),
        Row(label="邀请参加人员", value="、".join(s.invited) or "无"),
        Row(label="记录人", value=s.recorder or "—"),
    ]
    rows += [Row(label=f"当事人（{side(i)}）", value=particulars(i, p, masked), wide=True) for i, p in enumerate(m.parties)]
    for st in s.statements:
        who = f"{side(st.party)}{m.parties[st.party].name}"
        rows.append(Row(label=f"{who}陈述", value=st.statement, wide=True))
        if st.argument:
            rows.append(Row(label=f"{who}申辩", value=st.argument, wide=True))
        if st.evidence:
            rows.append(Row(label=f"{who}举证、质证", value=st.evidence, wide=True))
    rows += [Row(label="争议焦点", value=s.disputes, wide=True), Row(label="调解经过", value=s.course, wide=True)]
    return Paper(kind=DocumentKind.MEDIATION_RECORD.value, layout=Layout.FORM, title="行政调解笔录",
                 number=f"{m.number or ''}（第{s.number}次）", unit=m.unit, rows=tuple(rows),
                 note="以上笔录经当事人阅看（或向其宣读），确认无误。",
                 signatures=("当事人（签名或盖章）：", "调解人员（签名）：", "记录人（签名）："), date=day(at))


def agreement(m: AdministrativeMediation, masked: bool, session: int | None = None) -> Paper:
    a = m.agreement
    if a is None:
        raise WrongState("尚未签订行政调解协议书", code="no_agreement")
    signed = {s.party: s for s in a.signatures}
    parts = (
        Part(heading="当事人的基本情况", text="\n".join(particulars(i, p, masked) for i, p in enumerate(m.parties))),
        Part(heading="一、调解事项", text=a.matters),
        Part(heading="二、查证的事实", text=a.facts),
        Part(heading="三、调解结果", text=a.result),
        Part(heading="四、履行方式和期限", text=a.performance),
        Part(heading="", text=AGREEMENT_CLOSING.format(n=len(m.parties) + 1)),
    )
    signatures = tuple(
        f"{side(i)}：{p.name}（已{signed[i].form.label}：{signed[i].signed_by}）" for i, p in enumerate(m.parties))
    return Paper(kind=DocumentKind.MEDIATION_AGREEMENT.value, layout=Layout.LETTER, title="行政调解协议书",
                 number=m.number or "", unit=m.unit, parts=parts, signatures=signatures,
                 signer=f"{m.unit}（{a.seal.label}）", date=day(a.signed_on))


def termination(m: AdministrativeMediation, masked: bool, session: int | None = None) -> Paper:
    e = m.ending
    if e is None:
        raise WrongState("行政调解尚未终止", code="not_ended")
    if e.reason is EndReason.CONSENT_WITHDRAWN and e.withdrawn_by is not None:
        why = (f"{m.parties[e.withdrawn_by].name}于{day(e.at)}撤回调解同意"
               + (f"（{e.explanation}）" if e.explanation else "") + "。根据自愿原则，本机关终止本次行政调解。")
    else:
        why = f"经调解，各方当事人未能达成协议（{e.explanation}）。本机关决定终止本次行政调解。"
    names = "、".join(p.name for p in m.parties)
    parts = (
        Part(heading="", text=f"你们之间关于{m.matter}的争议纠纷，本机关"
                              + (f"于{day(m.acceptance.at)}受理（{m.number}）" if m.acceptance and m.number else "依法进行调解")
                              + f"。{why}"),
        Part(heading="法定途径", text=f"如对该争议纠纷仍有异议，可以依法通过{e.referral.label}途径解决：\n"
                                   f"受理机关（机构）：{e.body}\n联系方式：{e.contact}"),
        Part(heading="", text="终止调解不影响当事人依法享有的其他权利，也不作为对任何一方不利的依据。"),
    )
    return Paper(kind=DocumentKind.MEDIATION_TERMINATION.value, layout=Layout.LETTER, title="终止调解告知书",
                 number=m.number or "", unit=m.unit, addressee=f"{names}：", parts=parts, signer=m.unit,
                 date=day(e.at))


DRAW = {
    DocumentKind.MEDIATION_RECORD: record,
    DocumentKind.MEDIATION_AGREEMENT: agreement,
    DocumentKind.MEDIATION_TERMINATION: termination,
}


def footer(m: AdministrativeMediation, kind: DocumentKind, code: str) -> str:
    return f"{kind.label} {m.number or ''}\n文书码 {code}"


class MediationDocumentCommands(MediationCommands):
    def issue_mediation_document(self, ctx: Context, cmd: IssueMediationDocument) -> Issued:
        """Draw, render and record one document of the mediation."""
        out: dict[str, Any] = {}

        def decide(m: AdministrativeMediation, env: Envelope) -> Decision:
            m.check_issuer(env)
            paper = self.draw_mediation_document(ctx, m, cmd.kind, cmd.session)
            about = str(cmd.session) if cmd.kind is DocumentKind.MEDIATION_RECORD else ""
            body, issued = issue_paper(paper, cmd.kind, cmd.format, m.unit, m.version,
                                       lambda code: footer(m, cmd.kind, code), about=about)
            m.issue_document(env, issued)
            out.update(body=body, issued=issued)
            return [], None

        result = self._on_mediation(ctx, cmd, decide)
        return issued_file(result, out["body"], out["issued"])

    def draw_mediation_document(self, ctx: Context, m: AdministrativeMediation, kind: DocumentKind,
                                session: int | None = None) -> Paper:
        if kind not in MEDIATION_DOCUMENTS:
            raise InvalidInput.one("kind", "unknown_kind", f"行政调解没有该文书：{kind.label}")
        masked = scope_for(ctx.actor.role, ctx.actor.unit, Reach.CASES).masks_ids
        return DRAW[kind](m, masked, session)

    def mediation_for_documents(self, ctx: Context, mediation_id: UUID) -> AdministrativeMediation:
        m = self.get_mediation(mediation_id)
        if not sees(ctx.actor.role, ctx.actor.unit, Reach.CASES, [m.unit]):
            raise MediationNotFound(f"没有编号为{mediation_id}的行政调解")
        return m
