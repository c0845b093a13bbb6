"""What each document says, checked field by field against its case (the
demo case: a joint visit, a rating, rectification, a revoked penalty, a
correction, archived) and against the seed's annexes; masking by role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from ledger.application import Ledger
from ledger.case.values import ApplicantKind, DocumentKind, ServiceType
from ledger.commands import Context
from ledger.demo import record_demo_case
from ledger.documents import drawing
from ledger.errors import WrongState
from ledger.settings import Settings
from ledger.values import CST, Actor, Role
from tests.builders import book_cmd, ctx

REGISTRAR = Actor(id="u-zhang", name="张敏", role=Role.REGISTRAR, unit="市司法局行政执法协调监督科")
DISPATCHER = Actor(id="u-li", name="李强", role=Role.DISPATCHER, unit="市司法局行政执法协调监督科")


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Ledger, object]]:
    app = Ledger(Settings(backend="sqlite"), env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.ensure_calendar()
    case_id = record_demo_case(app, datetime(2026, 11, 17, 9, 0, tzinfo=CST))
    yield app, app.get_case(case_id)
    app.close()


def rows(paper) -> dict[str, str]:
    return {r.label: r.value for r in paper.rows}


def test_the_application_form_carries_every_field_of_annex_1(demo) -> None:
    app, case = demo
    paper = app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.APPLICATION)
    got = rows(paper)
    assert paper.title == "指导服务申请表" and paper.number == str(case.application_number)
    assert got["申请单位/个人"] == case.applicant.name
    assert got["统一社会信用代码/身份证号"] == case.applicant.id_number
    assert got["地址"] == case.applicant.address
    assert got["联系人及电话"] == f"{case.contact.name}　{case.contact.phone}"  # as corrected
    types = got["预约服务类型（可多选）"]
    for t in ServiceType:  # the ten types, each ☑ or □
        assert (f"☑{t.label}" in types) == (t in case.service_types) and (f"□{t.label}" in types) != (t in case.service_types)
    assert got["需求简述"] == case.needs and got["其他说明"] == case.notes
    assert got["申请日期"] == paper.date == "2026年11月17日"


def test_a_joint_visit_gives_one_opinion_with_a_part_per_unit_and_the_note(demo) -> None:
    app, case = demo
    paper = app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.OPINION)
    got = rows(paper)
    o = case.opinion
    assert got["服务地点"] == o.place and got["服务内容"] == o.content
    assert got["现场情况及发现问题"] == o.findings and got["整改建议及指导意见"] == o.advice
    for entry in o.unit_entries:
        assert got[f"{entry.unit}发现问题"] == entry.findings and got[f"{entry.unit}指导意见"] == entry.advice
    assert got["服务人员（签字）"] == "、".join(p.name for p in o.staff)
    assert paper.note == "备注：本意见书仅为指导服务使用，不作为行政执法依据。"
    assert paper.number == str(o.number) and paper.date == drawing.day(o.service_time)


def test_the_rating_form_is_filled_from_the_rating_or_blank_before_it(demo) -> None:
    app, case = demo
    paper = app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.RATING)
    got = rows(paper)
    assert got["服务响应是否及时"].startswith("☑非常及时")
    assert got["服务内容是否实用"] == "□非常实用　☑实用　□一般　□不实用"
    assert got["意见建议"] == case.rating.comments
    blank = drawing.rating(_without_rating(case), masked=False)
    assert all("☑" not in r.value for r in blank.rows) and rows(blank)["评价日期"] == "　　年　　月　　日"


def _without_rating(case):
    import copy

    c = copy.deepcopy(case)
    c.rating = None
    return c


def test_the_reversal_statement_names_the_decision_the_item_its_conditions_the_outcome_and_the_reviewer(demo) -> None:
    app, case = demo
    r = case.reversals[0]
    paper = app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.REVERSAL_STATEMENT)
    text = "\n".join(p.heading + p.text for p in paper.parts)
    assert r.decision.number in paper.title and "2025年9月12日" in text
    assert f"{r.cited.list.label}（{r.cited.catalogue_version}）第{r.cited.item_number}项" in text
    assert "食品经营许可证有效期届满未满一个月" in text  # the item's text as of the decision date
    assert all(c in text for c in r.conditions_met) and r.outcome in text and r.explanation in text
    assert f"经{r.legal_reviewer.name}法制审核" in text
    assert paper.signer == r.decision.issuing_unit


def test_the_file_index_lists_every_record_in_order(demo) -> None:
    app, case = demo
    paper = app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.FILE_INDEX)
    listed = [r.value for r in paper.rows if r.label[0].isdigit()]
    assert len(listed) == case.version
    assert listed[0].startswith("预约申请") and listed[-1].startswith("归档")
    assert rows(paper)["归档编号"] == str(case.archive_number)


def test_documents_that_do_not_apply_say_why(demo) -> None:
    app, case = demo
    assert DocumentKind.REFUSAL_NOTICE not in drawing.available(case)
    with pytest.raises(WrongState):
        app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.REFUSAL_NOTICE)
    with pytest.raises(WrongState):
        app.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.SUGGESTION_LETTER)


def test_a_persons_resident_id_is_masked_on_paper_as_on_screen(memory_ledger: Ledger) -> None:
    from ledger.case.values import Applicant

    cmd = book_cmd(applicant=Applicant(kind=ApplicantKind.INDIVIDUAL, name="王小明", id_number="11010519491231002X",
                                       address="张店区"))
    case_id = memory_ledger.book(ctx(REGISTRAR), cmd).case_id
    case = memory_ledger.get_case(case_id)
    full = memory_ledger.draw_document(Context(actor=REGISTRAR, request_id="t"), case, DocumentKind.APPLICATION)
    masked = memory_ledger.draw_document(Context(actor=DISPATCHER, request_id="t"), case, DocumentKind.APPLICATION)
    assert rows(full)["统一社会信用代码/身份证号"] == "11010519491231002X"
    assert rows(masked)["统一社会信用代码/身份证号"] != "11010519491231002X"
    assert "1949" not in rows(masked)["统一社会信用代码/身份证号"]
