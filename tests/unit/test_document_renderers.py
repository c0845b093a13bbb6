"""The DOCX and PDF renderers of a ``Paper``: every field comes out, in its
place and literally (markup and Jinja syntax in a value are text), the
fonts are the office's East-Asian ones, the page is A4, and the same paper
gives the same bytes in this process and in fresh ones.

Pages of each layout are rasterised to tests/screenshots/doc-*.png (the PDF
through pdftoppm; the DOCX would need LibreOffice, not installed here)."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Emu

from ledger.documents import Layout, Paper, Part, Row
from ledger.documents.docx import render_docx
from ledger.documents.pdf import render_pdf

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "screenshots"
TRICKY = "<script>alert(1)</script> {{ x }} {% if %} {_{ y }_} 50% & “引号”"

FORM = Paper(
    kind="application", layout=Layout.FORM, title="指导服务申请表", number="编号：2026年第3号",
    unit="如皋市行政执法协调监督科",
    rows=(
        Row(label="申请单位/个人", value="如皋市某某食品有限公司"),
        Row(label="统一社会信用代码/身份证号", value="91320682MA1XXXXX3K"),
        Row(label="地址", value="如皋市如城街道海阳路18号"),
        Row(label="联系人及电话", value="王某 138****5678"),
        Row(label="预约服务类型\n（可多选）", value="☑政策法规解读 □行政许可咨询 ☑合规经营指导\n"
                                               "□风险隐患排查 □问题整改帮扶 □法律问题咨询\n"
                                               "□法治体检 □纠纷化解 □普法宣传 □其他"),
        Row(label="需求简述", value="企业拟新增预包装食品销售，咨询标签合规要求。\n希望上门指导。", wide=True),
        Row(label="其他说明", value=TRICKY, wide=True),
        Row(label="申请人", value="王某"),
        Row(label="申请日期", value="2026年11月22日"),
    ),
    parts=(Part(heading="受理意见", text="符合指导服务范围，予以受理。"),),
    note="备注：本申请表由登记受理人员据实填写。",
    signatures=("申请人（签字）：", "登记人员（签字）："),
    date="2026年11月22日",
    footer="2026年第3号 · 文书校验 3f9a1c2e",
)

LETTER = Paper(
    kind="suggestion_letter", layout=Layout.LETTER,
    title="关于如皋市某某食品有限公司行政处罚撤销事项的整改建议书", number="皋司发〔2026〕3号",
    unit="如皋市司法局", addressee="如皋市市场监督管理局：",
    rows=(Row(label="原处罚决定", value="如市监罚〔2026〕12号"), Row(label="审查意见", value=TRICKY, wide=True)),
    parts=(
        Part(heading="", text="我局在对你局撤销行政处罚决定的审查中，发现以下问题，现提出整改建议。"),
        Part(heading="一、存在的问题", text="适用《不予处罚清单》第12项时，未核实“初次违法”条件。\n证明材料缺失。"),
        Part(heading="二、整改建议", text="请于收到本建议书之日起15个工作日内补正材料，并书面报送我局。"),
    ),
    note="联系人：吴某，电话：0513-87650000",
    signatures=("签收人：",),
    signer="如皋市司法局",
    date="2026年11月22日",
    footer="2026年第3号 · 文书校验 8b77d0e1",
)

PAPERS = pytest.mark.parametrize("paper", [FORM, LETTER], ids=["form", "letter"])


def texts(paper: Paper) -> list[str]:
    """Every text of the paper a reader must find, in reading order (a
    form's table comes before its parts, a letter's after)."""
    parts, rows = [], []
    for part in paper.parts:
        parts += [part.heading, *part.text.splitlines()]
    for row in paper.rows:
        rows += [*row.label.splitlines(), *row.value.splitlines()]
    out = [paper.title, paper.number, paper.addressee]
    out += rows + parts if paper.layout is Layout.FORM else parts + rows
    out += [paper.note, *paper.signatures, paper.signer, paper.date]
    return [t for t in out if t]


# ------------------------------------------------------------------ DOCX


def table_rows(doc) -> list[list[str]]:
    """The table's rows as the texts of their cells (a merged cell once)."""
    return [["\n".join(p.text for p in tc.iterchildren(qn("w:p"))) for tc in tr.iterchildren(qn("w:tc"))]
            for tr in doc.tables[0]._tbl.iterchildren(qn("w:tr"))]


@PAPERS
def test_docx_puts_every_row_in_the_table_in_order_and_every_text_in_the_document(paper):
    doc = Document(io.BytesIO(render_docx(paper)))
    expected = [[r.label + "\n" + r.value] if r.wide else [r.label, r.value] for r in paper.rows]
    assert table_rows(doc) == expected
    body = [p.text for p in doc.paragraphs]
    assert body[0] == paper.title
    assert paper.number in body
    for text in [paper.addressee, paper.note, *paper.signatures, paper.signer, paper.date]:
        if text:
            assert text in body
    for part in paper.parts:
        if part.heading:
            assert part.heading in body
        for line in part.text.splitlines():
            assert line in body
    section = doc.sections[0]
    assert section.header.paragraphs[0].text == paper.unit
    assert paper.footer in [p.text for p in section.footer.paragraphs]
    # No tag of the template is left over.
    xml = zipfile.ZipFile(io.BytesIO(render_docx(paper))).read("word/document.xml").decode()
    assert "{%" not in xml.replace("{% if %}", "")


def test_docx_keeps_markup_and_jinja_syntax_in_a_value_as_text():
    doc = Document(io.BytesIO(render_docx(FORM)))
    assert ["其他说明\n" + TRICKY] in table_rows(doc)
    letter = Document(io.BytesIO(render_docx(LETTER)))
    assert ["审查意见\n" + TRICKY] in table_rows(letter)


@PAPERS
def test_docx_styles_name_the_office_east_asian_fonts_and_the_page_is_a4(paper):
    doc = Document(io.BytesIO(render_docx(paper)))
    fonts = {}
    for style in doc.styles.element.iterchildren(qn("w:style")):
        rfonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        if rfonts is not None:
            fonts[style.get(qn("w:styleId"))] = {a: rfonts.get(qn(f"w:{a}")) for a in ("eastAsia", "ascii", "hAnsi")}
    assert fonts["DocTitle"] == dict.fromkeys(("eastAsia", "ascii", "hAnsi"), "方正小标宋简体")
    assert fonts["DocBody"] == dict.fromkeys(("eastAsia", "ascii", "hAnsi"), "仿宋_GB2312")
    assert fonts["DocHeading"]["eastAsia"] == "黑体"
    # No theme font attribute overrides them.
    assert "Theme" not in zipfile.ZipFile(io.BytesIO(render_docx(paper))).read("word/styles.xml").decode()
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    size = {"DocTitle": 22, "DocBody": 16 if paper.layout is Layout.LETTER else 14}
    for sid, pt in size.items():
        sz = doc.styles.element.xpath(f'w:style[@w:styleId="{sid}"]/w:rPr/w:sz')[0]
        assert int(sz.get(qn("w:val"))) == pt * 2


def test_letter_docx_has_gbt_9704_margins_and_page_numbers_outside():
    doc = Document(io.BytesIO(render_docx(LETTER)))
    s = doc.sections[0]
    assert (round(s.top_margin.mm), round(s.left_margin.mm)) == (37, 28)
    assert (round(Emu(s.page_width - s.left_margin - s.right_margin).mm),
            round(Emu(s.page_height - s.top_margin - s.bottom_margin).mm)) == (156, 225)
    assert doc.settings.odd_and_even_pages_header_footer
    odd, even = s.footer.paragraphs[0], s.even_page_footer.paragraphs[0]
    for p, align in ((odd, "right"), (even, "left")):
        assert p._p.xpath("w:pPr/w:jc/@w:val") == [align]
        assert p._p.xpath("w:fldSimple/@w:instr")[0].split()[0] == "PAGE"
        assert p.text == "—  —"  # the field's number sits between the dashes
    number = [p for p in doc.paragraphs if p.text == LETTER.number][0]
    assert number.style.style_id == "DocNumber"
    assert doc.styles.element.xpath('w:style[@w:styleId="DocNumber"]/w:pPr/w:jc/@w:val') == ["center"]
    assert "（印章）" in [p.text for p in doc.paragraphs]


@PAPERS
def test_docx_package_is_fixed_in_time(paper):
    z = zipfile.ZipFile(io.BytesIO(render_docx(paper)))
    names = z.namelist()
    assert names[0] == "[Content_Types].xml"
    assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in z.infolist())
    core = z.read("docProps/core.xml").decode()
    assert "2026-11-22T00:00:00Z" in core and "<cp:revision>1</cp:revision>" in core
    assert "<cp:lastModifiedBy></cp:lastModifiedBy>" in core
    assert not any("rsid" in z.read(n).decode() for n in names if n.endswith(".xml"))


def test_docx_renders_on_a_units_own_template(tmp_path):
    from ledger.documents.docx import TEMPLATES

    own = tmp_path / "form.docx"
    own.write_bytes((TEMPLATES / "form.docx").read_bytes())
    assert render_docx(FORM, own) == render_docx(FORM)


# ------------------------------------------------------------------ PDF


def pdftotext(data: bytes, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@PAPERS
def test_pdf_text_layer_gives_back_every_text_in_order(paper):
    text = pdftotext(render_pdf(paper))
    flat = "".join(text.split())
    at = 0
    for expected in texts(paper):
        found = flat.find("".join(expected.split()), at)
        assert found >= 0, expected
        at = found
    assert re.search(r"—\s*1\s*—", text)
    assert "".join(paper.footer.split()) in flat


@PAPERS
def test_pdf_is_a4_with_embedded_cjk_fonts_and_no_dates(paper):
    data = render_pdf(paper)
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info
    assert "CreationDate" not in info and "ModDate" not in info
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[-5:-2] == ["yes", "yes", "yes"] for r in rows)  # embedded, subset, unicode map
    assert any("Serif-SC" in r[0] for r in rows)


def test_pdf_letter_keeps_markup_and_jinja_syntax_as_text():
    flat = "".join(pdftotext(render_pdf(LETTER)).split())
    assert "".join(TRICKY.split()) in flat


# ------------------------------------------------------------------ the same bytes

RENDER_BOTH = """
import hashlib, sys
sys.path.insert(0, {root!r})
from tests.unit.test_document_renderers import FORM, LETTER
from ledger.documents.docx import render_docx
from ledger.documents.pdf import render_pdf
for p in (FORM, LETTER):
    print(hashlib.sha256(render_docx(p)).hexdigest(), hashlib.sha256(render_pdf(p)).hexdigest())
"""


def digests() -> list[str]:
    return [f"{hashlib.sha256(render_docx(p)).hexdigest()} {hashlib.sha256(render_pdf(p)).hexdigest()}"
            for p in (FORM, LETTER)]


def test_the_same_paper_gives_the_same_bytes_here_and_in_fresh_processes():
    here = digests()
    assert here == digests()
    runs = [subprocess.run([sys.executable, "-c", RENDER_BOTH.format(root=str(ROOT))], capture_output=True,
                           text=True, check=True, cwd=ROOT).stdout.split("\n")[:2] for _ in range(2)]
    assert runs[0] == runs[1] == here


def test_a_changed_value_changes_the_bytes():
    import msgspec

    other = msgspec.structs.replace(FORM, date="2026年11月23日")
    assert render_docx(other) != render_docx(FORM)
    assert render_pdf(other) != render_pdf(FORM)


# ------------------------------------------------------------------ pictures


@PAPERS
def test_a_page_of_each_layout_is_rasterised(paper):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = SCREENSHOTS / f"doc-{paper.layout}"
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", "-", str(stem)],
                   input=render_pdf(paper), check=True)
    png = stem.with_suffix(".png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
