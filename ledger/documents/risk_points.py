"""The published list of legal-risk points (违法风险点清单, seed 002 第二十条(二))
as a GB/T 9704 letter: drawn purely from one published edition of an
authority's register (``risk_points_paper``) — per category of party, each
point with its legal basis, grade (and the grade's reasons) and guidance
measures, then the publication's date and channels — and rendered as DOCX or
PDF by the documents' renderers (``render_risk_points``).

Every reader gets the same bytes of an edition (its footer cites the
SHA-256 of the published content and the paper's 文书码); the authority's
own staff issue the official copy (``IssueRiskPointList``), recorded as
``DocumentIssued`` on the register, so ``/documents/verify`` finds any copy
of that file. The edition's ``EditionDrafted`` and ``EditionPublished``
events hold every word."""

from __future__ import annotations

import hashlib
from datetime import date

import msgspec

from ledger.case.values import DocumentFormat, DocumentKind, IssuedDocument
from ledger.commands import Command, Context
from ledger.documents import Layout, Paper, Part
from ledger.documents.drawing import day
from ledger.documents.service import MEDIA, Issued, issue_paper, issued_file
from ledger.errors import NotFound
from ledger.risk_points import RiskPointRegister
from ledger.risk_points.service import RiskPointCommands
from ledger.risk_points.values import RiskEdition, RiskPublication

KIND = "risk_points"


def content_sha256(authority: str, edition: RiskEdition, publication: RiskPublication) -> str:
    """The SHA-256 of what was published (canonical JSON of the edition and its publication)."""
    data = msgspec.json.encode({"authority": authority, "edition": edition, "publication": publication},
                               order="sorted")
    return hashlib.sha256(data).hexdigest()


def risk_points_paper(authority: str, edition: RiskEdition, publication: RiskPublication) -> Paper:
    """The list as a letter, from the published edition alone (pure): each
    point's grade as stored when drafted, with the reason where it departs
    from the authority's rule (a rule changed since does not rewrite it)."""
    categories: dict[str, list[str]] = {}
    for p in edition.points:
        grade = f"{p.grade.label}风险" if p.grade else "—"
        why = f"（{p.grade_reason}）" if p.grade_reason else ""
        categories.setdefault(p.category, []).append(
            f"{p.code} {p.point}\n表现形式：{p.manifestation}\n法律依据：{p.basis}\n"
            f"风险等级：{grade}{why}\n指导方式及措施：{p.measures}")
    numerals = "一二三四五六七八九十"
    parts = [Part(heading="", text=f"为有针对性地实施行政指导，促使行政相对人积极预防、主动纠正违法行为，"
                                   f"现将本机关梳理的行政相对人违法风险点公布如下（自{day(edition.effective_from)}起施行）：")]
    for i, (category, lines) in enumerate(categories.items()):
        heading = f"{numerals[i] if i < len(numerals) else i + 1}、{category}"
        parts.append(Part(heading=heading, text="\n\n".join(lines)))
    parts.append(Part(heading="", text=f"本清单于{day(publication.published_on)}通过{'、'.join(publication.channels)}公布。"
                                       "风险点用于提示预防，不作为行政处罚的依据。"))
    return Paper(kind=KIND, layout=Layout.LETTER, title=edition.title, number=edition.document_number, unit=authority,
                 parts=tuple(parts), signer=authority, date=day(publication.published_on),
                 footer=f"{edition.version} 内容 SHA-256 {content_sha256(authority, edition, publication)[:16]}")


def risk_points_file(register: RiskPointRegister, version: str, fmt: DocumentFormat) -> tuple[bytes, IssuedDocument]:
    """The file of a published edition in ``fmt`` and what issuing it records:
    the same bytes for every reader (laid out on the authority's template if
    it has one), its footer the content's SHA-256 and the paper's 文书码."""
    edition, publication = register.editions[version], register.publications[version]
    paper = risk_points_paper(register.authority, edition, publication)
    content = paper.footer
    return issue_paper(paper, DocumentKind.RISK_POINT_LIST, fmt, register.authority, register.version,
                       lambda code: f"{content}\n文书码 {code}", about=version)


def render_risk_points(register: RiskPointRegister, version: str, fmt: DocumentFormat) -> tuple[bytes, str, str]:
    """The file (bytes, file name, media type) of a published edition in ``fmt``."""
    body, _ = risk_points_file(register, version, fmt)
    return body, file_name(register, version, fmt), MEDIA[fmt]


def file_name(register: RiskPointRegister, version: str, fmt: DocumentFormat) -> str:
    return f"违法风险点清单-{register.authority}-{version}.{fmt.value}"


class IssueRiskPointList(Command, frozen=True, kw_only=True):
    """The authority's official copy of its list in force on a day, issued
    (recorded as ``DocumentIssued`` on the register, verifiable by its hash)."""

    authority: str
    on: date
    format: DocumentFormat = DocumentFormat.PDF


class RiskPointDocumentCommands(RiskPointCommands):
    def issue_risk_point_list(self, ctx: Context, cmd: IssueRiskPointList) -> Issued:
        envelope = self._envelope(ctx, cmd)
        register = self.risk_register(cmd.authority)
        edition = register.edition_on(cmd.on) if register is not None else None
        if register is None or edition is None:
            raise NotFound(f"{cmd.authority}在{cmd.on}没有施行中的违法风险点清单", code="risk_list_not_found")
        body, issued = risk_points_file(register, edition.version, cmd.format)
        register.issue_document(envelope, issued)  # who may: the authority's staff or an administrator
        result = self._saved(None, register)
        done = issued_file(msgspec.structs.replace(result, record_id=register.id), body, issued)
        return msgspec.structs.replace(done, filename=file_name(register, edition.version, cmd.format))
