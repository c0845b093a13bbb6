"""The register of legal-risk points (seed 002 第二十条): grading by the
authority's rule (and a stated reason to depart from it), the legal basis
required, solicitation before publication, editions in force by date, who may
edit, citing points from a record; and the import, all or nothing.

Every refused command is checked to have appended nothing to the log."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook

from ledger.errors import InvalidInput, LedgerError, NotAllowed, NotFound, WrongState
from ledger.risk_points import RiskPointRegister, grade_reasons
from ledger.risk_points.commands import (
    CiteRiskPoints,
    HandleRiskWarning,
    PublishRiskEdition,
    SetRiskGradeRule,
    SolicitRiskOpinion,
)
from ledger.risk_points.importing import parse_points
from ledger.risk_points.values import (
    DEFAULT_RULE,
    RecordKind,
    RiskCell,
    RiskGrade,
    RiskGradeRule,
    RiskLikelihood,
    RiskPublication,
    RiskSeverity,
    WarningAction,
    WarningRule,
)
from tests.builders import ADMIN, FIRE, MARKET, REGISTRAR, ctx
from tests.guidance_builders import SUN, WANG
from tests.risk_points_builders import (
    SAMPLE_SOLICITATION,
    cite,
    draft_cmd,
    guidance,
    point,
    publish,
    published,
    seed_directory,
)


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    return memory_ledger


def log_position(app) -> int:
    return app.recorder.max_notification_id() or 0


def refused(app, call, error: type[LedgerError], code: str) -> LedgerError:
    before = log_position(app)
    with pytest.raises(error) as raised:
        call()
    codes = {e.code for e in raised.value.errors} if isinstance(raised.value, InvalidInput) else {raised.value.code}
    assert code in codes, raised.value
    assert log_position(app) == before
    return raised.value


def register(app) -> RiskPointRegister:
    return app.risk_register(MARKET, for_update=False)


def test_a_points_grade_is_derived_by_the_default_matrix_when_not_given(app):
    app.execute(ctx(WANG), draft_cmd(MARKET))
    points = {p.code: p for p in register(app).editions["2026版"].points}
    assert points["SP-01"].grade is RiskGrade.HIGH  # 严重 × 高
    assert points["SP-02"].grade is RiskGrade.MEDIUM  # 较重 × 中
    assert points["SP-03"].grade is RiskGrade.MEDIUM  # 一般 × 高
    assert points["YP-02"].grade is RiskGrade.MEDIUM and points["YP-02"].grade_reason  # raised with a reason
    assert "调整为中风险" in grade_reasons(points["YP-02"], DEFAULT_RULE)
    assert grade_reasons(points["SP-01"], DEFAULT_RULE) == "危害后果严重 × 发生概率高 → 高风险（按等级规则）"


def test_a_grade_contradicting_the_rule_without_a_reason_is_refused_naming_the_field(app):
    bad = point("SP-02", grade=RiskGrade.LOW, grade_reason="  ")
    error = refused(app, lambda: app.execute(ctx(WANG), draft_cmd(MARKET, points=(bad,))), InvalidInput,
                    "contradicts_rule")
    assert error.errors[0].field == "points[0].grade" and "应为中风险" in error.errors[0].message


def test_the_rules_own_grade_needs_no_reason_and_keeps_none(app):
    app.execute(ctx(WANG), draft_cmd(MARKET, points=(point("SP-02", grade=RiskGrade.MEDIUM, grade_reason="多余"),)))
    stored = register(app).editions["2026版"].points[0]
    assert (stored.grade, stored.grade_reason) == (RiskGrade.MEDIUM, "")


def test_a_point_without_legal_basis_is_refused(app):
    error = refused(app, lambda: app.execute(ctx(WANG), draft_cmd(MARKET, points=(point(basis=" "),))),
                    InvalidInput, "required")
    assert [(e.field, e.message) for e in error.errors] == [("points[0].basis", "法律依据不能为空")]


def test_the_authoritys_own_rule_grades_later_drafts(app):
    cells = tuple(RiskCell(severity=c.severity, likelihood=c.likelihood,
                           grade=RiskGrade.HIGH if c.severity is RiskSeverity.SERIOUS else c.grade)
                  for c in DEFAULT_RULE.cells)
    app.execute(ctx(WANG), SetRiskGradeRule(authority=MARKET, rule=RiskGradeRule(cells=cells, note="较重一律高")))
    app.execute(ctx(WANG), draft_cmd(MARKET, points=(point("SP-02"),)))
    assert register(app).editions["2026版"].points[0].grade is RiskGrade.HIGH


def test_an_incomplete_rule_is_refused(app):
    rule = RiskGradeRule(cells=DEFAULT_RULE.cells[:-1])
    error = refused(app, lambda: app.execute(ctx(WANG), SetRiskGradeRule(authority=MARKET, rule=rule)),
                    InvalidInput, "incomplete")
    assert "一般×低" in error.errors[0].message


def test_publication_needs_a_solicitation_and_a_channel(app):
    app.execute(ctx(WANG), draft_cmd(MARKET))
    publication = RiskPublication(published_on=date(2026, 1, 25), channels=("门户网站",))
    refused(app, lambda: app.execute(ctx(WANG), PublishRiskEdition(authority=MARKET, version="2026版",
                                                                    publication=publication)),
            InvalidInput, "not_solicited")
    app.execute(ctx(WANG), SolicitRiskOpinion(authority=MARKET, version="2026版", solicitation=SAMPLE_SOLICITATION))
    refused(app, lambda: app.execute(ctx(WANG), PublishRiskEdition(
        authority=MARKET, version="2026版", publication=RiskPublication(published_on=date(2026, 1, 25), channels=(" ",)))),
        InvalidInput, "required")
    refused(app, lambda: app.execute(ctx(WANG), PublishRiskEdition(
        authority=MARKET, version="2026版", publication=RiskPublication(published_on=date(2026, 1, 9), channels=("网",)))),
        InvalidInput, "before_solicitation")
    app.execute(ctx(WANG), PublishRiskEdition(authority=MARKET, version="2026版", publication=publication))
    assert register(app).publications["2026版"].channels == ("门户网站",)


def test_a_published_edition_is_frozen(app):
    published(app)
    refused(app, lambda: app.execute(ctx(WANG), draft_cmd(MARKET)), InvalidInput, "published")
    refused(app, lambda: app.execute(ctx(WANG), SolicitRiskOpinion(
        authority=MARKET, version="2026版", solicitation=SAMPLE_SOLICITATION)), WrongState, "risk_edition_published")


def test_the_edition_in_force_on_a_day_is_the_latest_published_to_take_effect(app):
    published(app)
    app.execute(ctx(WANG), draft_cmd(MARKET, version="2026修订版", effective_from=date(2026, 7, 1),
                                     points=(point("SP-01"), point("SP-02"))))
    assert register(app).edition_on(date(2026, 7, 1)).version == "2026版"  # a draft is not in force
    publish(app, "2026修订版", on=date(2026, 6, 20))
    reg = register(app)
    assert reg.edition_on(date(2026, 1, 31)) is None
    assert reg.edition_on(date(2026, 2, 1)).version == "2026版"
    assert reg.edition_on(date(2026, 6, 30)).version == "2026版"
    assert reg.edition_on(date(2026, 7, 1)).version == "2026修订版"
    assert "2026版" in reg.editions  # earlier editions kept


def test_a_new_edition_must_take_effect_after_the_published_ones(app):
    published(app)
    refused(app, lambda: app.execute(ctx(WANG), draft_cmd(MARKET, version="新版", effective_from=date(2026, 2, 1))),
            InvalidInput, "not_later")


def test_only_the_authoritys_staff_or_an_administrator_edit_its_register(app):
    refused(app, lambda: app.execute(ctx(SUN), draft_cmd(MARKET)), NotAllowed, "risk_points_editor_only")
    refused(app, lambda: app.execute(ctx(REGISTRAR), draft_cmd(MARKET)), NotAllowed, "risk_points_editor_only")
    app.execute(ctx(ADMIN), draft_cmd(FIRE))
    refused(app, lambda: app.execute(ctx(ADMIN), draft_cmd("没有的单位")), InvalidInput, "unknown_unit")
    refused(app, lambda: app.execute(ctx(WANG), SolicitRiskOpinion(
        authority="没有的单位", version="x", solicitation=SAMPLE_SOLICITATION)), NotFound, "risk_points_not_found")


def test_an_officer_of_the_records_unit_cites_points_of_the_list_in_force(app):
    published(app)
    gid = guidance(app)
    cite(app, gid, ("SP-01", "SP-03"), date(2026, 11, 3))
    refused(app, lambda: cite(app, gid, ("SP-01",), date(2026, 11, 4)), InvalidInput, "already_cited")
    refused(app, lambda: cite(app, gid, ("XX-9",), date(2026, 11, 4)), InvalidInput, "unknown_point")
    refused(app, lambda: cite(app, gid, ("SP-02",), date(2026, 1, 31)), InvalidInput, "no_list")
    refused(app, lambda: cite(app, gid, ("SP-02",), date(2026, 11, 4), who=SUN), NotFound, "record_not_found")
    refused(app, lambda: cite(app, gid, ("SP-02",), date(2026, 11, 4), kind=RecordKind.CASE), NotFound,
            "record_not_found")
    refused(app, lambda: app.execute(ctx(WANG), CiteRiskPoints(record_kind=RecordKind.GUIDANCE, record_id=gid,
                                                                codes=())), InvalidInput, "required")
    cite(app, gid, ("SP-02",), date(2026, 11, 4))


def test_a_warning_is_handled_by_the_authoritys_staff_once_per_action(app):
    published(app)
    handle = HandleRiskWarning(authority=MARKET, code="SP-01", rule=WarningRule.CITATIONS, window="2026-11-03",
                               action=WarningAction.ACKNOWLEDGED, note="已知悉，安排专项指导")
    refused(app, lambda: app.execute(ctx(SUN), handle), NotAllowed, "risk_warning_own_unit")
    refused(app, lambda: app.execute(ctx(WANG), HandleRiskWarning(
        authority=MARKET, code="SP-01", rule=WarningRule.CITATIONS, window="2026-11-03",
        action=WarningAction.ACKNOWLEDGED, note="")), InvalidInput, "required")
    app.execute(ctx(WANG), handle)
    refused(app, lambda: app.execute(ctx(WANG), handle), InvalidInput, "already_handled")
    app.execute(ctx(WANG), HandleRiskWarning(authority=MARKET, code="SP-01", rule=WarningRule.CITATIONS,
                                             window="2026-11-03", action=WarningAction.ACTED, note="开展集中约谈"))
    assert register(app).handled[("SP-01", "citations", "2026-11-03")] is WarningAction.ACTED


# ------------------------------------------------------------------ import

HEADER = ["编号", "相对人类别", "违法风险点", "表现形式", "形成原因", "危害后果", "危害程度", "发生概率", "法律依据",
          "指导方式及措施", "风险等级", "等级调整理由", "预警阈值"]
ROW = ["A-1", "食品经营者", "经营过期食品", "货架有过期食品", "查验不到位", "危害健康", "严重", "高", "食品安全法第三十四条",
       "行政提示", "", "", "3"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def test_an_import_reads_csv_in_gbk_and_xlsx_and_derives_grades():
    points = parse_points(csv_bytes([HEADER, ROW, ["A-2", *ROW[1:6], "一般", "低", *ROW[8:10], "", "", ""]], "gbk"),
                          DEFAULT_RULE)
    assert [(p.code, p.severity, p.likelihood, p.citation_threshold) for p in points] == [
        ("A-1", RiskSeverity.SEVERE, RiskLikelihood.HIGH, 3), ("A-2", RiskSeverity.MINOR, RiskLikelihood.LOW, None)]
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append(ROW)
    data = io.BytesIO()
    wb.save(data)
    assert parse_points(data.getvalue(), DEFAULT_RULE)[0].point == "经营过期食品"


def test_one_bad_row_imports_nothing_and_names_the_row_and_column():
    bad_basis = [*ROW[:8], "", *ROW[9:]]
    bad_grade = ["A-3", *ROW[1:10], "低", "", "3"]
    with pytest.raises(InvalidInput) as raised:
        parse_points(csv_bytes([HEADER, ROW, bad_basis, bad_grade, ["A-4", *ROW[1:6], "极重", *ROW[7:]]]), DEFAULT_RULE)
    found = [(e.field, e.code) for e in raised.value.errors]
    assert ("rows[3].法律依据", "required") in found and ("rows[3].编号", "duplicate") in found
    assert ("rows[4].风险等级", "contradicts_rule") in found
    assert ("rows[5].危害程度", "unknown_value") in found
    assert all(e.message.startswith(f"第{e.field[5]}行") for e in raised.value.errors)


def test_an_import_missing_a_column_names_it():
    with pytest.raises(InvalidInput) as raised:
        parse_points(csv_bytes([HEADER[:8], ROW[:8]]), DEFAULT_RULE)
    assert "法律依据" in raised.value.errors[0].message


def test_the_register_keeps_the_edition_and_its_solicitations(app):
    published(app)
    reg = register(app)
    assert (reg.authority, sorted(reg.editions), len(reg.solicitations["2026版"])) == (MARKET, ["2026版"], 1)


def test_a_case_is_cited_by_an_officer_of_a_unit_it_was_dispatched_to(app):
    from tests.builders import MARKET_STAFF, dispatched_case

    published(app)
    case_id = dispatched_case(app)
    refused(app, lambda: cite(app, case_id, ("SP-01",), date(2026, 11, 3), kind=RecordKind.CASE, who=SUN), NotFound,
            "record_not_found")
    cite(app, case_id, ("SP-01",), date(2026, 11, 3), kind=RecordKind.SERVICE, who=MARKET_STAFF)
    refused(app, lambda: cite(app, case_id, ("SP-02",), date(2026, 11, 3), kind=RecordKind.MEDIATION), NotFound,
            "record_not_found")  # a case is no mediation


def test_the_published_paper_lists_each_category_with_basis_grade_and_measures(app):
    from ledger.documents.risk_points import content_sha256, risk_points_paper

    published(app)
    reg = register(app)
    paper = risk_points_paper(MARKET, reg.editions["2026版"], reg.publications["2026版"])
    assert [p.heading for p in paper.parts[1:-1]] == ["一、食品经营者", "二、药品零售企业"]
    assert "风险等级：中风险（近两年本市两起药品召回因记录不全未能追溯，调高一级）" in paper.parts[2].text
    assert "2026年1月25日通过门户网站、微信公众号公布" in paper.parts[-1].text
    assert paper.footer.endswith(content_sha256(MARKET, reg.editions["2026版"], reg.publications["2026版"])[:16])


def test_a_mediation_is_cited_by_an_officer_of_its_unit(app):
    from tests.mediation_builders import start_cmd as start_mediation

    published(app)
    mid = app.execute(ctx(WANG), start_mediation()).case_id
    refused(app, lambda: cite(app, mid, ("SP-01",), date(2026, 11, 3), kind=RecordKind.GUIDANCE), NotFound,
            "record_not_found")  # a mediation is no guidance
    refused(app, lambda: cite(app, mid, ("SP-01",), date(2026, 11, 3), kind=RecordKind.MEDIATION, who=SUN), NotFound,
            "record_not_found")
    cite(app, mid, ("SP-01",), date(2026, 11, 3), kind=RecordKind.MEDIATION)
