"""The assessment report on SQLite and PostgreSQL: the sections drawn from the
views (the list in force on the period's last day, the citations with their
records' time, place, staff and content, the same period last year, the
cited cases' ratings), the report submitted as a snapshot, its view equal to
a rebuild and to the as-of fold, and its documents (DOCX, PDF, XLSX) drawn
from the snapshot alone, the same bytes every time."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook

from ledger.case.values import DocumentFormat
from ledger.documents.risk_assessment import assessment_paper, render_assessment
from ledger.risk_assessment.commands import SubmitRiskAssessment
from ledger.risk_assessment.values import Period, PeriodKind, Summary, sections_sha256, snapshot_sha256
from ledger.risk_points.values import RecordKind
from ledger.scope import Reach, console_scope, scope_for
from ledger.values import CST, Role
from projections.rebuild import fold_as_of, rebuild
from projections.risk_assessment import TABLES, RiskAssessmentProjection
from projections.risk_assessment.export import assessment_xlsx
from projections.runner import Runner
from projections.views import Views
from tests.builders import FIRE, MARKET, MARKET_STAFF, ctx, fixed_clock, rated_case
from tests.integration.test_projections import dump, log_count_and_head
from tests.risk_points_builders import cite, guidance, published, seed_directory

EVERY = console_scope(Reach.CASES)
Q4 = Period(kind=PeriodKind.QUARTER, year=2026, number=4)
SUMMARY = Summary(experience="主动公布风险点并上门提示", problems="药品零售企业引用较少", suggestions="下季度开展药品专项指导")


def project(settings: Any, views: tuple[str, ...] = ("risk_points", "cases", "guidance", "risk_assessment"),
            upto: int | None = None) -> None:
    from projections import PROJECTIONS

    for name in views:
        runner = Runner(settings, PROJECTIONS[name](), batch_size=3 if name == "risk_assessment" else 500)
        try:
            runner.catch_up(upto)
        finally:
            runner.close()


def cited(ledger) -> dict[str, Any]:
    """The market regulator's list (2026版) published; a guidance citing two
    points and a rated case's service citing one, in 2026's fourth quarter."""
    seed_directory(ledger)
    published(ledger)
    gid = guidance(ledger)
    cite(ledger, gid, ("SP-01", "SP-02"), date(2026, 11, 10))
    case_id = rated_case(ledger)
    cite(ledger, case_id, ("SP-01",), date(2026, 11, 12), kind=RecordKind.SERVICE)
    return dict(guidance=str(gid), case=str(case_id))


def submitted(ledger, store_settings) -> tuple[Any, Any]:
    ids = cited(ledger)
    project(store_settings)
    views = Views(store_settings)
    try:
        sections = views.risk_assessment_sections(scope_for(Role.UNIT_STAFF, MARKET, Reach.CASES), MARKET, Q4)
    finally:
        views.close()
    ledger.clock = fixed_clock(datetime(2027, 1, 8, 10, 0, tzinfo=CST))
    result = ledger.execute(ctx(MARKET_STAFF), SubmitRiskAssessment(
        authority=MARKET, period=Q4, summary=SUMMARY, sections=sections,
        sections_sha256=sections_sha256(sections)))
    return ids, ledger.risk_assessment_visible(ctx(MARKET_STAFF), result.record_id)


def test_the_sections_come_from_the_views_and_the_report_is_their_snapshot(ledger, store_settings):
    ids, report = submitted(ledger, store_settings)
    s = report.snapshot.sections
    b = s.basics
    assert (b.edition, b.published_on, b.solicitations, len(b.points)) == ("2026版", "2026-01-25", 1, 5)
    assert {p.code: p.cited for p in b.points} == {"SP-01": 2, "SP-02": 1, "SP-03": 0, "YP-01": 0, "YP-02": 0}
    assert "门户网站" in b.channels
    assert [(m.point_code, m.record_kind) for m in s.measures] == [("SP-01", "行政指导"), ("SP-02", "行政指导"),
                                                                  ("SP-01", "指导服务")]
    served = s.measures[2]
    assert served.staff and served.place and served.content and served.time.startswith("2026-11-")
    assert s.measures[0].staff == "王磊、赵静" and "食品经营许可事项指导" in s.measures[0].content
    c = s.comparison
    assert c.before_label == "2025年第四季度"
    assert {(line.point_code, line.now, line.before) for line in c.lines} >= {("SP-01", 2, 0), ("SP-02", 1, 0)}
    assert (c.rated_now, c.satisfied_now, c.rated_before, c.reversals_now) == (1, 1, 0, 0)
    assert report.snapshot.sha256 == snapshot_sha256(MARKET, Q4, s, SUMMARY)
    assert not report.late and report.due.provisional  # 2027's schedule is not in the package: assumed
    # another authority's citations are not this one's; the fire brigade's staff see no market report
    project(store_settings, ("risk_assessment",))
    views = Views(store_settings)
    try:
        fire = scope_for(Role.UNIT_STAFF, FIRE, Reach.CASES)
        assert views.risk_assessment_sections(fire, FIRE, Q4).measures == ()
        assert views.risk_assessments(fire) == []
        (row,) = views.risk_assessments(EVERY)
        assert (row["authority"], row["period_key"], row["late"], row["sha256"], row["measures"]) == (
            MARKET, "2026-Q4", False, report.snapshot.sha256, 3)
    finally:
        views.close()


def test_the_view_equals_a_rebuild_and_the_as_of_fold(ledger, store_settings):
    submitted(ledger, store_settings)
    project(store_settings, ("risk_assessment",))
    incremental = dump(store_settings, RiskAssessmentProjection())
    _, head = log_count_and_head(store_settings)
    assert incremental["position"] == head and len(incremental["risk_assessment"]) == 1
    assert rebuild(store_settings, RiskAssessmentProjection()) == head
    assert dump(store_settings, RiskAssessmentProjection()) == incremental
    folded = fold_as_of(store_settings, RiskAssessmentProjection(), head)
    assert {t.name: [r for _, r in sorted(folded.get(t.name, {}).items())] for t in TABLES} == {
        t.name: incremental[t.name] for t in TABLES}
    assert fold_as_of(store_settings, RiskAssessmentProjection(), head - 1).get("risk_assessment", {}) == {}


def test_the_documents_are_drawn_from_the_snapshot_the_same_bytes_every_time(ledger, store_settings):
    _, report = submitted(ledger, store_settings)
    paper = assessment_paper(report)
    assert [p.heading for p in paper.parts] == ["一、基本情况", "二、实施防控", "三、对比分析", "四、总结评估"]
    assert report.snapshot.sha256 in paper.footer and "2026年第四季度" in paper.title
    docx, name, media = render_assessment(report, DocumentFormat.DOCX)
    assert render_assessment(report, DocumentFormat.DOCX)[0] == docx and name.endswith("2026-Q4.docx")
    text = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
    assert "总结评估" in text and "主动公布风险点并上门提示" in text and "经营超过保质期的食品" in text
    pdf, _, pdf_media = render_assessment(report, DocumentFormat.PDF)
    assert pdf.startswith(b"%PDF") and pdf_media == "application/pdf"
    s = report.snapshot
    xlsx = assessment_xlsx(report.authority, report.period.label, s.sections, s.summary, s.sha256)
    assert xlsx == assessment_xlsx(report.authority, report.period.label, s.sections, s.summary, s.sha256)
    rows = [r for r in load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True)]
    assert any(r[0] == "实施防控" and r[1] == "SP-01" for r in rows)
    assert any(r[0] == "总结评估" and r[7] == "下季度开展药品专项指导" for r in rows)
