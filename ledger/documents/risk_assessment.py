"""The periodic assessment report of the legal-risk prevention (法律风险防控
分析评估报告, seed 002 第二十一条) as a GB/T 9704 letter: drawn purely from a
submitted report's snapshot (``assessment_paper``) — the four sections under
their headings 一、基本情况 二、实施防控 三、对比分析 四、总结评估 — and rendered as
DOCX or PDF by the documents' renderers (``render_assessment``).

The file is not recorded as an issued 文书 (no ``DocumentIssued``): the
report's own ``Submitted`` event holds the snapshot and its SHA-256, which the
paper's footer cites, and the same snapshot gives the same bytes every time."""

from __future__ import annotations

from uuid import UUID

import msgspec

from ledger.case.values import DocumentFormat, DocumentKind, IssuedDocument
from ledger.commands import Command, Context
from ledger.documents import Layout, Paper, Part
from ledger.documents.drawing import day
from ledger.documents.service import MEDIA, Issued, issue_paper, issued_file
from ledger.risk_assessment import RiskAssessmentReport
from ledger.risk_assessment.service import RiskAssessmentCommands
from ledger.risk_assessment.values import Sections, Summary

KIND = "risk_assessment"


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def section_texts(sections: Sections, summary: Summary | None) -> tuple[Part, ...]:
    """The four parts as the report's paragraphs (also the page's preview)."""
    b, c = sections.basics, sections.comparison
    if b.edition:
        basics = [f"本机关梳理违法风险点{len(b.points)}个，其中高风险{b.graded('高')}个、中风险{b.graded('中')}个、"
                  f"低风险{b.graded('低')}个（{b.title or '违法风险点清单'}，{b.edition}，自{b.effective_from}起施行）。"
                  f"公布前征求意见{b.solicitations}次。"
                  f"{'于' + b.published_on + '通过' + b.channels + '公布' if b.published_on else '尚未公布'}"
                  f"{'，文号' + b.document_number if b.document_number else ''}。"]
        basics += [f"{p.code} {p.point}（{p.category}，{p.grade}风险）：法律依据 {p.legal_basis}；指导方式及措施 {p.measures}；"
                   f"本期被引用{p.cited}次。" for p in b.points]
    else:
        basics = ["本期末没有施行中的违法风险点清单。"]
    measures = [f"{i}. {m.point_code} {m.point}｜{m.record_kind}{(' ' + m.reference) if m.reference else ''}｜"
                f"时间 {m.time or '—'}｜地点 {m.place or '—'}｜人员 {m.staff or '—'}｜{m.content or '—'}"
                for i, m in enumerate(sections.measures, 1)] or ["本期没有引用风险点的指导服务、行政指导或行政调解。"]
    comparison = [f"{line.point_code} {line.point}：本期{line.now}件，{c.before_label}{line.before}件。" for line in c.lines]
    comparison += [
        f"引用风险点的指导服务评价：本期{c.rated_now}件，满意及以上{c.satisfied_now}件（{_percent(c.satisfied_now, c.rated_now)}）；"
        f"{c.before_label}{c.rated_before}件，满意及以上{c.satisfied_before}件（{_percent(c.satisfied_before, c.rated_before)}）。",
        f"撤销或者重新作出的行政处罚：本期{c.reversals_now}件，{c.before_label}{c.reversals_before}件。"]
    parts = [Part(heading="一、基本情况", text="\n".join(basics)), Part(heading="二、实施防控", text="\n".join(measures)),
             Part(heading="三、对比分析", text="\n".join(comparison))]
    if summary is not None:
        parts.append(Part(heading="四、总结评估", text=f"（一）取得的经验：{summary.experience}\n"
                                                   f"（二）存在问题：{summary.problems}\n（三）意见建议：{summary.suggestions}"))
    return tuple(parts)


def assessment_paper(report: RiskAssessmentReport) -> Paper:
    """The report as a letter, from its snapshot alone (pure)."""
    s = report.snapshot
    return Paper(kind=KIND, layout=Layout.LETTER, title=f"{report.authority}{report.period.label}法律风险防控分析评估报告",
                 unit=report.authority, parts=section_texts(s.sections, s.summary), signer=report.authority,
                 date=day(s.submitted_at), footer=f"报告 SHA-256 {s.sha256}")


def assessment_file(report: RiskAssessmentReport, fmt: DocumentFormat) -> tuple[bytes, IssuedDocument]:
    """The report's file in ``fmt`` and what issuing it records: the same
    bytes for every reader, the footer the snapshot's SHA-256 and the 文书码."""
    paper = assessment_paper(report)
    content = paper.footer
    return issue_paper(paper, DocumentKind.RISK_ASSESSMENT, fmt, report.authority, report.version,
                       lambda code: f"{content}\n文书码 {code}", about=report.period.key)


def file_name(report: RiskAssessmentReport, fmt: DocumentFormat) -> str:
    return f"法律风险防控分析评估报告-{report.authority}-{report.period.key}.{fmt.value}"


def render_assessment(report: RiskAssessmentReport, fmt: DocumentFormat) -> tuple[bytes, str, str]:
    """The file (bytes, file name, media type) of the report in ``fmt``."""
    body, _ = assessment_file(report, fmt)
    return body, file_name(report, fmt), MEDIA[fmt]


class IssueRiskAssessment(Command, frozen=True, kw_only=True):
    """The authority's official copy of its submitted report (``DocumentIssued``
    on the report, verifiable by the file's hash)."""

    report_id: UUID
    format: DocumentFormat = DocumentFormat.PDF


class RiskAssessmentDocumentCommands(RiskAssessmentCommands):
    def issue_risk_assessment(self, ctx: Context, cmd: IssueRiskAssessment) -> Issued:
        envelope = self._envelope(ctx, cmd)
        report = self.risk_assessment_visible(ctx, cmd.report_id)
        body, issued = assessment_file(report, cmd.format)
        report.issue_document(envelope, issued)  # who may: the authority's own staff
        result = self._saved(None, report)
        done = issued_file(msgspec.structs.replace(result, record_id=report.id), body, issued)
        return msgspec.structs.replace(done, filename=file_name(report, cmd.format))
