"""An administrative guidance's paper (行政指导意见书, 行政指导登记文书,
责令改正通知书): each document says field by field what the guidance
recorded (DOCX XML and PDF text), issuing is an event and issuing again gives
the same bytes, a person's resident ID is masked as on screen, the unit's
number formats (seed 001 and seed 004) are kept as issued, the 责令改正通知书
refuses what it must, and a unit's own templates lay out the PDF as well as
the DOCX. A page of each document is rasterised to docs/screenshots/."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from docx import Document

from ledger.case.values import DocumentFormat, DocumentKind
from ledger.commands import Context
from ledger.directory.commands import SetNumberFormat
from ledger.documents.guidance import IssueGuidanceDocument
from ledger.documents.guidance_papers import phone_shown
from ledger.documents.service import IssueDocument
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.guidance import GuidanceNotFound
from ledger.guidance.commands import (
    IssueCorrectionOrder,
    RecordGuidanceEffect,
    TerminateGuidance,
    TrackCorrectionOrder,
)
from ledger.guidance.values import AddresseeKind, CommitmentItem, GuidanceState, ItemStatus, Matter, TerminationReason
from ledger.numbering import DEFAULT_NUMBER_FORMAT, number_text
from ledger.values import FormKind, FormNumber
from tests.builders import ADMIN, AUDITOR, MARKET, REGISTRAR, SUPERVISOR, VALID_RIC, ctx
from tests.guidance_builders import (
    DELIVER_AT,
    RECORD_AT,
    SUN,
    WANG,
    deliver_cmd,
    firm,
    opinion_cmd,
    record_cmd,
    seed_directory,
    start_cmd,
)

ROOT = Path(__file__).resolve().parents[2]
PICTURES = ROOT / "docs" / "screenshots"
BUILT_IN = ROOT / "ledger" / "documents" / "templates"
ORDER_AT = RECORD_AT + timedelta(hours=1)
EFFECT_AT = ORDER_AT + timedelta(hours=1)
FREE_MATTER = Matter(text="食品经营许可事项指导")  # free text (no catalogue item to match)
SEED_004 = {FormKind.GUIDANCE_OPINION: "临人社行指〔{year}〕{seq}号",
            FormKind.GUIDANCE_RECORD: "临淄区人社局指导书〔{year}〕{seq}号"}


@pytest.fixture
def app(memory_ledger):
    seed_directory(memory_ledger)
    return memory_ledger


def order_cmd(gid: Any, **over: Any) -> IssueCorrectionOrder:
    values: dict[str, Any] = dict(
        guidance_id=gid, business_time=ORDER_AT, problems="经营场所未悬挂食品经营许可证",
        legal_basis="《食品经营许可和备案管理办法》第三十一条",
        items=("在经营场所显著位置悬挂许可证正本", "建立许可证信息公示台账"), due_on=(ORDER_AT + timedelta(days=7)).date(),
    )
    values.update(over)
    return IssueCorrectionOrder(**values)


def written(app, **over: Any) -> Any:
    """A written 劝导警示 guidance: 意见书 issued and delivered, 登记文书, a
    责令改正通知书 and the effect recorded."""
    values = dict(method="劝导警示", matter=FREE_MATTER)
    values.update(over)
    gid = app.execute(ctx(WANG), start_cmd(**values)).case_id
    app.execute(ctx(WANG), opinion_cmd(gid))
    app.execute(ctx(WANG), deliver_cmd(gid))
    app.execute(ctx(WANG), record_cmd(gid))
    app.execute(ctx(WANG), order_cmd(gid))
    app.execute(ctx(WANG), RecordGuidanceEffect(guidance_id=gid, business_time=EFFECT_AT, effect="许可证已悬挂，台账已建立"))
    return gid


def issue(app, gid: Any, kind: DocumentKind, fmt: DocumentFormat, who=WANG) -> Any:
    return app.issue_guidance_document(Context(actor=who, request_id="t"),
                                       IssueGuidanceDocument(guidance_id=gid, kind=kind, format=fmt))


def docx_paragraphs(body: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(body)).paragraphs if p.text.strip()]


def docx_rows(body: bytes) -> list[list[str]]:
    table = Document(io.BytesIO(body)).tables[0]
    return [[c.text for c in row.cells] for row in table.rows]


def docx_footer(body: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(body)).sections[0].footer.paragraphs)


def pdf_text(body: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def squeezed(text: str) -> str:
    """Text without its line breaks and spaces (a PDF wraps long lines)."""
    return re.sub(r"\s+", "", text)


def nothing_written(app, fn) -> Exception:
    head = app.recorder.max_notification_id()
    with pytest.raises(Exception) as caught:
        fn()
    assert app.recorder.max_notification_id() == head
    return caught.value


# ------------------------------------------------------- what each paper says


def test_the_opinion_says_what_the_guidance_recorded_in_word_and_in_pdf(app, tmp_path) -> None:
    gid = written(app)
    g = app.get_guidance(gid)
    o = g.opinion
    docx = issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.DOCX)
    paragraphs = docx_paragraphs(docx.body)
    assert paragraphs[:3] == ["行政指导意见书", "2026年第1号", "鲁味轩餐饮有限公司："]
    assert f"关于你（单位）存在的{o.problem_of}问题，现提出以下指导意见：" in paragraphs
    assert paragraphs[paragraphs.index("存在问题：") + 1] == o.problems
    assert paragraphs[paragraphs.index("指导意见：") + 1] == o.opinion
    closing = f"你（单位）在落实以上指导意见时遇到问题，请及时与行政指导人员联系。指导联系人：{o.contact_person}　联系电话：0533-2345678"
    assert closing in paragraphs
    assert paragraphs[-3:] == ["（印章）", MARKET, "2026年11月2日"]  # the unit's seal place, the date of the 意见书
    assert Document(io.BytesIO(docx.body)).sections[0].header.paragraphs[0].text == MARKET
    assert docx_footer(docx.body).endswith(f"行政指导意见书编号 2026年第1号\n文书码 {docx.issued.paper_code}")

    pdf = issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF)
    text = squeezed(pdf_text(pdf.body, tmp_path))
    for value in ("行政指导意见书", "2026年第1号", "鲁味轩餐饮有限公司：", o.problem_of, o.problems, o.opinion, closing,
                  "（印章）", MARKET, "2026年11月2日", f"文书码{pdf.issued.paper_code}"):
        assert squeezed(value) in text, value


def test_the_record_lists_time_place_officers_addressee_content_and_effect(app, tmp_path) -> None:
    gid = written(app)
    g = app.get_guidance(gid)
    docx = issue(app, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.DOCX)
    assert docx_paragraphs(docx.body)[:2] == ["行政指导登记文书", "2026年第1号"]
    assert docx_rows(docx.body) == [
        ["指导时间", "2026年11月3日 09:00"],
        ["指导地点", g.record.place],
        ["指导人员", "王磊、赵静"],
        ["指导对象", f"鲁味轩餐饮有限公司（统一社会信用代码：{g.addressee.id_number}）"],
        ["指导内容（事项）\n" + g.record.content] * 2,  # a wide row: one merged cell, the label above its text
        ["指导取得的效益、效果\n许可证已悬挂，台账已建立"] * 2,
    ]
    assert docx_paragraphs(docx.body)[-3:] == ["（印章）", MARKET, "2026年11月3日"]
    text = squeezed(pdf_text(issue(app, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.PDF).body, tmp_path))
    for value in ("行政指导登记文书", "指导时间", "2026年11月3日09:00", "指导地点", g.record.place, "指导人员", "王磊、赵静",
                  "指导对象", g.addressee.id_number, "指导内容（事项）", g.record.content, "指导取得的效益、效果",
                  "许可证已悬挂，台账已建立"):
        assert squeezed(value) in text, value


def test_the_record_leaves_the_effect_blank_until_it_is_recorded(app) -> None:
    gid = app.execute(ctx(WANG), start_cmd(matter=FREE_MATTER)).case_id
    for step in (opinion_cmd, deliver_cmd, record_cmd):
        app.execute(ctx(WANG), step(gid))
    rows = docx_rows(issue(app, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.DOCX).body)
    assert rows[-1] == ["指导取得的效益、效果\n"] * 2


def test_the_correction_order_names_the_problems_the_basis_the_items_and_the_date(app, tmp_path) -> None:
    gid = written(app)
    c = app.get_guidance(gid).correction
    docx = issue(app, gid, DocumentKind.CORRECTION_ORDER, DocumentFormat.DOCX)
    paragraphs = docx_paragraphs(docx.body)
    assert paragraphs[:3] == ["责令改正通知书", "2026年第1号", "鲁味轩餐饮有限公司："]
    who = paragraphs[3]
    assert who.startswith("当事人：鲁味轩餐饮有限公司；统一社会信用代码：") and "地址：人民西路88号" in who
    after = {h: paragraphs[paragraphs.index(h) + 1] for h in ("一、存在的问题", "二、依据", "四、改正期限")}
    assert after["一、存在的问题"] == c.problems and after["二、依据"] == c.legal_basis
    assert after["四、改正期限"] == "请于2026年11月10日前改正完毕，并将改正情况告知本单位。"
    items = paragraphs.index("三、责令改正的事项")
    assert paragraphs[items + 1:items + 3] == ["1．在经营场所显著位置悬挂许可证正本", "2．建立许可证信息公示台账"]
    assert paragraphs[-3:] == ["（印章）", MARKET, "2026年11月3日"]
    text = squeezed(pdf_text(issue(app, gid, DocumentKind.CORRECTION_ORDER, DocumentFormat.PDF).body, tmp_path))
    for value in ("责令改正通知书", c.problems, c.legal_basis, "在经营场所显著位置悬挂许可证正本", "建立许可证信息公示台账",
                  "请于2026年11月10日前改正完毕", "责令改正通知书编号2026年第1号"):
        assert squeezed(value) in text, value


def test_a_phone_is_printed_as_people_write_it() -> None:
    assert phone_shown("+865332345678") == "0533-2345678"
    assert phone_shown("+861087654321") == "010-87654321"
    assert phone_shown("+8613953312345") == "13953312345"


# --------------------------------------------------- issued, again, recorded


def test_issuing_is_an_event_on_the_guidance_and_issuing_again_gives_the_same_bytes(app) -> None:
    gid = written(app)
    for kind in (DocumentKind.GUIDANCE_OPINION, DocumentKind.GUIDANCE_RECORD, DocumentKind.CORRECTION_ORDER):
        for fmt in DocumentFormat:
            first = issue(app, gid, kind, fmt)
            again = issue(app, gid, kind, fmt)
            assert again.body == first.body, (kind, fmt)  # the issue changed the guidance, not what the paper says
            assert first.issued.sha256 == hashlib.sha256(first.body).hexdigest()
            assert first.filename == f"{kind.label}-{first.issued.sha256[:8]}.{fmt.value}"
    g = app.get_guidance(gid)
    assert len(g.documents) == 12
    events = [e for e in app.history(gid) if type(e).__name__ == "DocumentIssued"]
    assert [(e.issued.kind, e.issued.format) for e in events[:2]] == [(DocumentKind.GUIDANCE_OPINION, DocumentFormat.DOCX)] * 2
    assert {e.unit for e in events} == {MARKET}
    assert events[1].issued.drawn_to_version == events[0].issued.drawn_to_version + 1
    assert events[0].issued.template == "letter.docx" and len(events[0].issued.template_version) == 16


def test_only_the_documents_the_guidance_has_are_issued_and_a_refusal_writes_nothing(app) -> None:
    gid = app.execute(ctx(WANG), start_cmd(matter=FREE_MATTER)).case_id
    e = nothing_written(app, lambda: issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF))
    assert isinstance(e, WrongState) and e.code == "no_opinion"
    app.execute(ctx(WANG), opinion_cmd(gid))
    for kind, code in ((DocumentKind.GUIDANCE_RECORD, "no_record"), (DocumentKind.CORRECTION_ORDER, "no_correction")):
        e = nothing_written(app, lambda: issue(app, gid, kind, DocumentFormat.PDF))
        assert isinstance(e, WrongState) and e.code == code
    e = nothing_written(app, lambda: issue(app, gid, DocumentKind.APPLICATION, DocumentFormat.PDF))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "kind"
    assert issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF).body.startswith(b"%PDF")


def test_a_case_does_not_issue_a_guidance_document(app) -> None:
    from ledger.demo import record_demo_case

    case_id = record_demo_case(app, RECORD_AT)
    e = nothing_written(app, lambda: app.issue_document(
        Context(actor=REGISTRAR, request_id="t"),
        IssueDocument(case_id=case_id, kind=DocumentKind.GUIDANCE_OPINION, format=DocumentFormat.PDF)))
    assert isinstance(e, InvalidInput)


def test_who_may_issue_the_guidances_documents(app) -> None:
    gid = written(app)
    # the supervisor and the registrar read every unit's guidance, and may issue its paper
    assert issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.DOCX, who=SUPERVISOR).issued.sha256
    assert issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.DOCX, who=REGISTRAR).issued.sha256
    for kind in (DocumentKind.GUIDANCE_OPINION, DocumentKind.APPLICATION):  # refused before anything is drawn
        e = nothing_written(app, lambda: issue(app, gid, kind, DocumentFormat.PDF, who=AUDITOR))
        assert isinstance(e, NotAllowed) and e.code == "read_only_role"
    for who in (SUN, ADMIN):  # another unit's staff, the administrator: as if it did not exist
        e = nothing_written(app, lambda: issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF, who=who))
        assert isinstance(e, GuidanceNotFound)


def test_a_persons_resident_id_is_masked_on_paper_for_the_roles_that_see_it_masked(app, tmp_path) -> None:
    person = firm(kind=AddresseeKind.INDIVIDUAL, name="刘芳", id_number=VALID_RIC)
    gid = written(app, addressee=person)
    masked = VALID_RIC[:6] + "*" * 8 + VALID_RIC[-4:]
    for kind in (DocumentKind.GUIDANCE_RECORD, DocumentKind.CORRECTION_ORDER):
        own = zipfile.ZipFile(io.BytesIO(issue(app, gid, kind, DocumentFormat.DOCX).body)).read("word/document.xml").decode()
        assert VALID_RIC not in own and masked in own, kind  # the unit's staff see it masked on screen
        full = issue(app, gid, kind, DocumentFormat.PDF, who=SUPERVISOR)
        assert VALID_RIC in squeezed(pdf_text(full.body, tmp_path)), kind
    own_pdf = squeezed(pdf_text(issue(app, gid, DocumentKind.CORRECTION_ORDER, DocumentFormat.PDF).body, tmp_path))
    assert VALID_RIC not in own_pdf and masked in own_pdf
    assert "身份证号" in own_pdf


# ----------------------------------------------------------- number formats


def test_by_default_the_numbers_read_year_and_sequence_as_in_seed_001(app) -> None:
    gid = written(app)
    g = app.get_guidance(gid)
    assert [str(n) for n in (g.opinion.number, g.record.number, g.correction.number)] == ["2026年第1号"] * 3
    # the text as issued is in the events themselves
    texts = [e.opinion.number.text for e in app.history(gid) if type(e).__name__ == "OpinionIssued"]
    assert texts == ["2026年第1号"]
    assert number_text(DEFAULT_NUMBER_FORMAT, 2026, 15) == "2026年第15号"


def test_a_unit_numbers_its_opinion_and_record_in_its_own_formats_as_seed_004(app) -> None:
    for kind, pattern in SEED_004.items():
        app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=kind, pattern=pattern))
    gid = written(app)
    g = app.get_guidance(gid)
    assert str(g.opinion.number) == "临人社行指〔2026〕1号"
    assert str(g.record.number) == "临淄区人社局指导书〔2026〕1号"
    assert str(g.correction.number) == "2026年第1号"  # the kind without a format keeps the default
    assert docx_paragraphs(issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.DOCX).body)[1] == "临人社行指〔2026〕1号"
    record = issue(app, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.DOCX).body
    assert docx_paragraphs(record)[1] == "临淄区人社局指导书〔2026〕1号"
    assert "行政指导登记文书编号 临淄区人社局指导书〔2026〕1号" in docx_footer(record)
    # another unit keeps the default
    assert app.number_format("消防救援支队", FormKind.GUIDANCE_OPINION) == DEFAULT_NUMBER_FORMAT


def test_a_format_changed_later_leaves_the_numbers_already_issued_as_they_were(app) -> None:
    app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION, pattern=SEED_004[FormKind.GUIDANCE_OPINION]))
    first = written(app)
    before = issue(app, first, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF).body
    app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION, pattern="市监行指〔{year}〕第{seq}号"))
    second = written(app)
    assert str(app.get_guidance(first).opinion.number) == "临人社行指〔2026〕1号"
    assert str(app.get_guidance(second).opinion.number) == "市监行指〔2026〕第2号"  # the series goes on
    assert issue(app, first, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF).body == before
    app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION, pattern=""))  # back to the default
    assert str(app.get_guidance(written(app)).opinion.number) == "2026年第3号"
    assert str(app.get_guidance(first).opinion.number) == "临人社行指〔2026〕1号"


def test_numbers_recorded_before_formats_existed_read_as_they_were_issued() -> None:
    old = b'{"unit":"\xe5\xb8\x82","kind":"guidance_opinion","year":2026,"seq":3}'
    number = msgspec.json.decode(old, type=FormNumber)
    assert str(number) == "2026年第3号" and number.text == ""
    assert msgspec.json.encode(number) == old  # and a number without a text is stored as before


@pytest.mark.parametrize("pattern", ["{year}", "第{seq}号", "{year}{seq}{seq}", "{year}-{seq}-{unit}", "{year}年{seq}号}",
                                     "长" * 38 + "{year}{seq}", "{year}\n{seq}"])
def test_a_format_must_tell_years_and_sequence_numbers_apart(app, pattern: str) -> None:
    e = nothing_written(app, lambda: app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION,
                                                                               pattern=pattern)))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "pattern"


def test_only_an_administrator_sets_a_format_of_a_series_that_has_one(app) -> None:
    pattern = SEED_004[FormKind.GUIDANCE_OPINION]
    e = nothing_written(app, lambda: app.execute(ctx(WANG), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION,
                                                                              pattern=pattern)))
    assert isinstance(e, NotAllowed)
    e = nothing_written(app, lambda: app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.APPLICATION,
                                                                               pattern=pattern)))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "kind"
    e = nothing_written(app, lambda: app.execute(ctx(ADMIN), SetNumberFormat(unit="没有的单位", kind=FormKind.GUIDANCE_OPINION,
                                                                               pattern=pattern)))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "unit"
    e = nothing_written(app, lambda: app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=FormKind.GUIDANCE_OPINION,
                                                                               pattern=DEFAULT_NUMBER_FORMAT)))
    assert isinstance(e, InvalidInput) and e.errors[0].code == "unchanged"


# -------------------------------------------------------- 责令改正通知书


def admonished(app, **over: Any) -> Any:
    values = dict(method="劝导警示", matter=FREE_MATTER)
    values.update(over)
    return app.execute(ctx(WANG), start_cmd(**values)).case_id


def test_the_correction_order_is_a_way_of_giving_admonition_numbered_per_unit_and_year(app) -> None:
    gid = admonished(app)
    r = app.execute(ctx(WANG), order_cmd(gid, due_on=ORDER_AT.date()))  # due the day it is issued: the boundary
    g = app.get_guidance(gid)
    assert r.number == "2026年第1号" and g.state is GuidanceState.GIVEN
    assert g.given_at.date() == ORDER_AT.date()
    assert [i.due_on for i in g.correction.items] == [ORDER_AT.date()] * 2
    assert [i.status for i in g.correction.items] == [ItemStatus.OPEN] * 2
    second = admonished(app, method="规劝")
    assert app.execute(ctx(WANG), order_cmd(second)).number == "2026年第2号"


def test_a_due_date_before_the_issue_day_is_refused_and_nothing_is_written(app) -> None:
    gid = admonished(app)
    e = nothing_written(app, lambda: app.execute(ctx(WANG), order_cmd(gid, due_on=(ORDER_AT - timedelta(days=1)).date())))
    assert isinstance(e, InvalidInput) and [f.field for f in e.errors] == ["due_on"]
    assert "早于通知书日期" in e.errors[0].message


def test_only_admonition_guidance_gets_a_correction_order(app) -> None:
    gid = admonished(app, method="提示提醒")
    e = nothing_written(app, lambda: app.execute(ctx(WANG), order_cmd(gid)))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "method"


def test_every_missing_field_of_the_order_is_named_at_once(app) -> None:
    gid = admonished(app)
    e = nothing_written(app, lambda: app.execute(ctx(WANG), order_cmd(gid, problems=" ", legal_basis="", items=(" ",))))
    assert isinstance(e, InvalidInput) and [f.field for f in e.errors] == ["problems", "legal_basis", "items"]


def test_an_order_is_issued_once_and_never_after_the_end(app) -> None:
    gid = admonished(app)
    app.execute(ctx(WANG), order_cmd(gid))
    e = nothing_written(app, lambda: app.execute(ctx(WANG), order_cmd(gid)))
    assert isinstance(e, WrongState) and e.code == "correction_exists"
    ended = admonished(app)
    app.execute(ctx(WANG), TerminateGuidance(guidance_id=ended, business_time=DELIVER_AT, reason=TerminationReason.REFUSED))
    e = nothing_written(app, lambda: app.execute(ctx(WANG), order_cmd(ended)))
    assert isinstance(e, WrongState)
    other = admonished(app)
    e = nothing_written(app, lambda: app.execute(ctx(SUN), order_cmd(other)))
    assert isinstance(e, GuidanceNotFound)


def test_the_orders_items_are_followed_up_like_a_commitments(app) -> None:
    gid = admonished(app)
    app.execute(ctx(WANG), order_cmd(gid))
    items = app.get_guidance(gid).correction.items
    done = CommitmentItem(description=items[0].description, due_on=items[0].due_on, status=ItemStatus.DONE)
    later = ORDER_AT + timedelta(days=2)
    e = nothing_written(app, lambda: app.execute(ctx(WANG), TrackCorrectionOrder(
        guidance_id=gid, business_time=later, items=(done, items[1]))))
    assert isinstance(e, InvalidInput) and e.errors[0].field == "items[0].evidence"
    e = nothing_written(app, lambda: app.execute(ctx(WANG), TrackCorrectionOrder(
        guidance_id=gid, business_time=later, items=(items[1], items[0]))))
    assert isinstance(e, InvalidInput) and e.errors[0].code == "items_changed"
    e = nothing_written(app, lambda: app.execute(ctx(WANG), TrackCorrectionOrder(guidance_id=gid, business_time=later,
                                                                                   items=items)))
    assert isinstance(e, InvalidInput) and e.errors[0].code == "unchanged"
    proof = msgspec.structs.replace(done, evidence="现场照片两张")
    app.execute(ctx(WANG), TrackCorrectionOrder(guidance_id=gid, business_time=later, items=(proof, items[1])))
    g = app.get_guidance(gid)
    assert [(i.status, i.evidence) for i in g.correction.items] == [(ItemStatus.DONE, "现场照片两张"), (ItemStatus.OPEN, "")]
    assert [type(e).__name__ for e in app.history(gid)][-2:] == ["CorrectionOrdered", "CorrectionTracked"]


# ------------------------------------------------------- a unit's templates


def _custom(folder: Path, name: str, marker: str, layout: str = "") -> Path:
    """A unit's copy of a built-in HTML layout (``layout``, default ``name``)
    with a line of its own at the top."""
    source = BUILT_IN / (layout or name)
    text = source.read_text(encoding="utf-8").replace("<body>", f'<body>\n<p class="custom">{marker}</p>', 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_units_own_html_templates_lay_out_its_pdfs(app, tmp_path, monkeypatch) -> None:
    gid = written(app)
    built_in = issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF)
    folder = tmp_path / "templates" / MARKET
    folder.mkdir(parents=True)
    letter = _custom(folder, "letter.html", "本局自定公文版式")
    record = _custom(folder, "form.html", "本局自定表格版式")
    own_record = _custom(folder, "guidance_record.html", "本局登记文书专用版式", "form.html")  # a kind's own beats its layout's
    monkeypatch.setenv("LEDGER_TEMPLATES", str(tmp_path / "templates"))
    opinion = issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF)
    text = pdf_text(opinion.body, tmp_path)
    assert "本局自定公文版式" in text and "行政指导意见书" in squeezed(text)  # its own line, and still the paper
    assert opinion.body != built_in.body
    assert opinion.issued.template == "letter.html"
    assert opinion.issued.template_version == hashlib.sha256(letter.read_bytes()).hexdigest()[:16]
    assert opinion.issued.template_version != built_in.issued.template_version
    form = issue(app, gid, DocumentKind.GUIDANCE_RECORD, DocumentFormat.PDF)
    assert "本局登记文书专用版式" in pdf_text(form.body, tmp_path)
    assert form.issued.template == "guidance_record.html"
    assert form.issued.template_version == hashlib.sha256(own_record.read_bytes()).hexdigest()[:16]
    assert record.exists()
    # another unit's paper keeps the built-in layout
    monkeypatch.setenv("LEDGER_TEMPLATES", str(tmp_path / "elsewhere"))
    assert issue(app, gid, DocumentKind.GUIDANCE_OPINION, DocumentFormat.PDF).body == built_in.body


def test_a_units_own_templates_lay_out_a_cases_pdf_and_docx_too(app, tmp_path, monkeypatch) -> None:
    from ledger.demo import record_demo_case

    case_id = record_demo_case(app, RECORD_AT)
    unit = REGISTRAR.unit  # the application form carries no unit: the issuer's templates apply
    folder = tmp_path / unit
    folder.mkdir()
    _custom(folder, "form.html", "本科室自定申请表版式")
    docx = (BUILT_IN / "form.docx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(folder / "application.docx", "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == "word/document.xml":
                body = body.replace("{{ title }}".encode(), "{{ title }}（本科室版）".encode(), 1)
            dst.writestr(name, body)
    monkeypatch.setenv("LEDGER_TEMPLATES", str(tmp_path))

    def issue_case(fmt: DocumentFormat) -> Any:
        return app.issue_document(Context(actor=REGISTRAR, request_id="t"),
                                  IssueDocument(case_id=case_id, kind=DocumentKind.APPLICATION, format=fmt))

    pdf = issue_case(DocumentFormat.PDF)
    assert "本科室自定申请表版式" in pdf_text(pdf.body, tmp_path) and pdf.issued.template == "form.html"
    word = issue_case(DocumentFormat.DOCX)
    assert docx_paragraphs(word.body)[0] == "指导服务申请表（本科室版）" and word.issued.template == "application.docx"


# ---------------------------------------------------------------- pictures


def test_a_page_of_each_document_is_pictured_in_seed_004s_numbering(app, tmp_path) -> None:
    """docs/screenshots/guidance_opinion.png, guidance_record.png and
    correction_order.png: to look at beside seed 004's 附件1/附件2 and seed
    001's forms (the files are the same from run to run)."""
    for kind, pattern in SEED_004.items():
        app.execute(ctx(ADMIN), SetNumberFormat(unit=MARKET, kind=kind, pattern=pattern))
    gid = written(app)
    PICTURES.mkdir(parents=True, exist_ok=True)
    for kind in (DocumentKind.GUIDANCE_OPINION, DocumentKind.GUIDANCE_RECORD, DocumentKind.CORRECTION_ORDER):
        pdf = tmp_path / f"{kind.value}.pdf"
        pdf.write_bytes(issue(app, gid, kind, DocumentFormat.PDF).body)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(PICTURES / kind.value)], check=True)
        picture = PICTURES / f"{kind.value}.png"
        assert picture.read_bytes().startswith(b"\x89PNG") and picture.stat().st_size > 10_000
