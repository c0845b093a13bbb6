"""The published list of legal-risk points (违法风险点清单, seed 002 第二十条(二))
as a GB/T 9704 letter: drawn purely from one published edition of an
authority's register (``risk_points_paper``) — per category of party, each
point with its legal basis, grade (and the grade's reasons) and guidance
measures, then the publication's date and channels — and rendered as DOCX or
PDF by the documents' renderers (``render_risk_points``).

The file is not recorded as an issued 文书 (``DocumentIssued`` belongs to a
case's or a guidance's papers): the edition is published law, its
``EditionDrafted`` and ``EditionPublished`` events hold every word, and the
footer cites the SHA-256 of that content, so the same edition always gives
the same bytes and a printed copy can be checked against the register."""

from __future__ import annotations

import hashlib

import msgspec

from ledger.case.values import DocumentFormat
from ledger.documents import Layout, Paper, Part
from ledger.documents.drawing import day
from ledger.documents.service import BUILT_IN, MEDIA, SUFFIX, render
from ledger.risk_points import RiskPointRegister
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


def render_risk_points(register: RiskPointRegister, version: str, fmt: DocumentFormat) -> tuple[bytes, str, str]:
    """The file (bytes, file name, media type) of a published edition in ``fmt``."""
    edition, publication = register.editions[version], register.publications[version]
    paper = risk_points_paper(register.authority, edition, publication)
    body = render(paper, fmt, BUILT_IN / f"letter{SUFFIX[fmt]}")
    return body, f"违法风险点清单-{register.authority}-{version}.{fmt.value}", MEDIA[fmt]
