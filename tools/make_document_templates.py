"""Write ledger/documents/templates/form.docx and letter.docx, the built-in
DOCX templates (docxtpl: Jinja tags inside a document a clerk can open and
edit in Word or WPS; a unit's own copy in its template folder overrides them).

Run after changing this script; the output is committed. The package starts
from a skeleton of our own (styles, settings, font table written here), not
from python-docx's default document, whose 430 kB of Word 2010 styles, theme,
thumbnail and customXml would be parsed on every render and carry Latin
theme fonts that override the East-Asian ones. python-docx then lays out the
body, the header and the footers.

The East-Asian fonts are named in the styles' w:rFonts (ascii, hAnsi,
eastAsia, cs): python-docx's ``font.name`` sets only ascii/hAnsi, and an
office's WPS picks the CJK face from w:eastAsia. The office fonts come first
(方正小标宋简体, 仿宋_GB2312, 黑体, 宋体); a viewer without them substitutes.

Page models: both A4 portrait. The letter follows GB/T 9704-2012: margins
top 37 mm and left 28 mm, a text block of 156 × 225 mm (22 lines of 28
characters: exact line pitch 28.95 pt), body 3号 (16 pt) 仿宋, title 2号
小标宋, 文号 centred under the title, headings 黑体, 落款 right-aligned with
the seal's place, page numbers "— 1 —" in 4号 宋体 (odd pages right, even
pages left, one character in). The form uses the same text block width
with the table in 四号 (14 pt).

Usage: python tools/make_document_templates.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.documents.docx import normalised_package  # noqa: E402

TEMPLATES = ROOT / "ledger" / "documents" / "templates"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SONG_FONT = "宋体"


# ------------------------------------------------------------ the skeleton


def fonts(face: str) -> str:
    return f'<w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}" w:cs="{face}" w:hint="eastAsia"/>'


def run_props(face: str, pt: float, bold: bool = False) -> str:
    half = int(pt * 2)
    b = "<w:b/><w:bCs/>" if bold else ""
    return f'<w:rPr>{fonts(face)}{b}<w:kern w:val="0"/><w:sz w:val="{half}"/><w:szCs w:val="{half}"/></w:rPr>'


def para_style(sid: str, name: str, ppr: str, rpr: str, based: str = "Normal", next_: str = "") -> str:
    nxt = f'<w:next w:val="{next_}"/>' if next_ else ""
    return (f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{sid}"><w:name w:val="{name}"/>'
            f'<w:basedOn w:val="{based}"/>{nxt}<w:qFormat/><w:pPr>{ppr}</w:pPr>{rpr}</w:style>')


def styles_xml(letter: bool) -> str:
    """The styles a clerk sees in Word's style list (Chinese names, ASCII ids
    so docxtpl and python-docx refer to them safely)."""
    body_pt = 16 if letter else 14
    # GB/T 9704: 22 lines in 225 mm → an exact pitch of 28.95 pt (579 twips).
    body_spacing = ('<w:spacing w:before="0" w:after="0" w:line="579" w:lineRule="exact"/>' if letter
                    else '<w:spacing w:before="0" w:after="0" w:line="360" w:lineRule="auto"/>')
    indent2 = f'<w:ind w:firstLineChars="200" w:firstLine="{body_pt * 40}"/>'
    cell_spacing = '<w:spacing w:before="40" w:after="40" w:line="300" w:lineRule="auto"/>'
    table_pt = 14
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:styles xmlns:w="{W}">'
        '<w:docDefaults><w:rPrDefault>'
        f'<w:rPr>{fonts(BODY_FONT)}<w:kern w:val="2"/><w:sz w:val="{body_pt * 2}"/><w:szCs w:val="{body_pt * 2}"/>'
        '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr>'
        '</w:rPrDefault><w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:jc w:val="both"/></w:pPr>'
        '</w:pPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>'
        f'<w:pPr>{body_spacing}</w:pPr>{run_props(BODY_FONT, body_pt)}</w:style>'
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>'
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:semiHidden/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        '<w:style w:type="table" w:customStyle="1" w:styleId="DocTable"><w:name w:val="文书表格"/>'
        '<w:basedOn w:val="TableNormal"/><w:tblPr><w:jc w:val="center"/><w:tblBorders>'
        + "".join(f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
                  for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + '</w:tblBorders><w:tblCellMar><w:top w:w="57" w:type="dxa"/><w:left w:w="113" w:type="dxa"/>'
        '<w:bottom w:w="57" w:type="dxa"/><w:right w:w="113" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
        + para_style("DocTitle", "文书标题",
                     '<w:keepNext/><w:spacing w:before="0" w:after="0" w:line="640" w:lineRule="exact"/>'
                     '<w:jc w:val="center"/><w:outlineLvl w:val="0"/>',
                     run_props(TITLE_FONT, 22), next_="DocNumber")
        + para_style("DocNumber", "文书编号",
                     '<w:spacing w:before="120" w:after="120"/>' + ('<w:jc w:val="center"/>' if letter
                                                                    else '<w:jc w:val="right"/>'),
                     run_props(BODY_FONT, 16 if letter else 14))
        + para_style("DocAddressee", "主送机关", '<w:jc w:val="left"/>', run_props(BODY_FONT, body_pt))
        + para_style("DocBody", "正文", indent2, run_props(BODY_FONT, body_pt))
        + para_style("DocHeading", "小标题", '<w:keepNext/>' + indent2 + '<w:outlineLvl w:val="1"/>',
                     run_props(HEADING_FONT, body_pt))
        + para_style("DocNote", "备注", '<w:spacing w:before="120"/>', run_props(BODY_FONT, 12 if not letter else 16))
        + para_style("DocSignature", "签字栏",
                     '<w:spacing w:before="360" w:after="0"/><w:ind w:left="4400"/><w:jc w:val="left"/>',
                     run_props(BODY_FONT, body_pt))
        + para_style("DocSeal", "印章位置",
                     '<w:keepNext/><w:spacing w:before="480"/><w:ind w:right="1600"/><w:jc w:val="right"/>',
                     run_props(BODY_FONT, body_pt))
        + para_style("DocSigner", "落款单位", '<w:keepNext/><w:ind w:right="1280"/><w:jc w:val="right"/>',
                     run_props(BODY_FONT, body_pt))
        + para_style("DocDate", "成文日期",
                     ('<w:ind w:right="1280"/>' if letter else '<w:spacing w:before="240"/><w:ind w:right="280"/>')
                     + '<w:jc w:val="right"/>', run_props(BODY_FONT, body_pt))
        + para_style("CellLabel", "表格标签", cell_spacing + '<w:jc w:val="center"/>',
                     run_props(BODY_FONT, table_pt))
        + para_style("CellWideLabel", "表格标签（通栏）", cell_spacing + '<w:keepNext/><w:jc w:val="left"/>',
                     run_props(BODY_FONT, table_pt))
        + para_style("CellText", "表格内容", cell_spacing + '<w:jc w:val="both"/>', run_props(BODY_FONT, table_pt))
        + para_style("Header", "页眉", '<w:spacing w:line="240" w:lineRule="auto"/><w:jc w:val="center"/>',
                     run_props(SONG_FONT, 10.5))
        + para_style("Footer", "页脚", '<w:spacing w:line="240" w:lineRule="auto"/>', run_props(SONG_FONT, 9))
        + '<w:style w:type="character" w:customStyle="1" w:styleId="PageNumber"><w:name w:val="页码"/>'
        f'{run_props(SONG_FONT, 14)}</w:style>'
        '</w:styles>')


def settings_xml(letter: bool) -> str:
    even_odd = "<w:evenAndOddHeaders/>" if letter else ""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:settings xmlns:w="{W}">{even_odd}<w:defaultTabStop w:val="420"/>'
            '<w:characterSpacingControl w:val="compressPunctuation"/>'
            '<w:compat><w:spaceForUL/><w:balanceSingleByteDoubleByteWidth/><w:doNotLeaveBackslashAlone/>'
            '<w:ulTrailSpace/><w:doNotExpandShiftReturn/><w:adjustLineHeightInTable/><w:useFELayout/>'
            '<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
            '</w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>')


def font_table_xml() -> str:
    """Declares the faces with their GB2312 charset and family so Word/WPS
    substitute sensibly where one is missing."""
    faces = [(TITLE_FONT, "roman"), (BODY_FONT, "modern"), (HEADING_FONT, "modern"), (SONG_FONT, "auto")]
    body = "".join(f'<w:font w:name="{face}"><w:charset w:val="86"/><w:family w:val="{family}"/>'
                   '<w:pitch w:val="fixed"/></w:font>' for face, family in faces)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W}">{body}</w:fonts>'


def skeleton(letter: bool) -> bytes:
    """A minimal package python-docx can open."""
    ct = ("application/vnd.openxmlformats-officedocument.wordprocessingml.")
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{ct}document.main+xml"/>'
            f'<Override PartName="/word/styles.xml" ContentType="{ct}styles+xml"/>'
            f'<Override PartName="/word/settings.xml" ContentType="{ct}settings+xml"/>'
            f'<Override PartName="/word/fontTable.xml" ContentType="{ct}fontTable+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
            'core-properties" Target="docProps/core.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'extended-properties" Target="docProps/app.xml"/>'
            '</Relationships>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{{ title }}</dc:title>'
            '<cp:revision>1</cp:revision></cp:coreProperties>'),
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            '<Application>guidance-ledger</Application></Properties>'),
        "word/_rels/document.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId2" Type="{R}/settings" Target="settings.xml"/>'
            f'<Relationship Id="rId3" Type="{R}/fontTable" Target="fontTable.xml"/>'
            '</Relationships>'),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body><w:sectPr/></w:body></w:document>'),
        "word/styles.xml": styles_xml(letter),
        "word/settings.xml": settings_xml(letter),
        "word/fontTable.xml": font_table_xml(),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


# ------------------------------------------------------------ the layout


def styled(paragraph, style_id: str):
    """Give a paragraph a style by its id (python-docx looks styles up by
    their display name, here Chinese)."""
    ppr = paragraph._p.get_or_add_pPr()
    for old in ppr.findall(qn("w:pStyle")):
        ppr.remove(old)
    ppr.insert(0, parse_xml(f'<w:pStyle xmlns:w="{W}" w:val="{style_id}"/>'))
    return paragraph


def add(container, style_id: str, text: str = ""):
    """A paragraph of ``style_id`` with ``text`` in a single run: a docxtpl
    tag split over runs would not be recognised."""
    p = styled(container.add_paragraph(), style_id)
    if text:
        p.add_run(text)
    return p


def tag(container, text: str, style_id: str = "Normal"):
    return add(container, style_id, text)


def page_setup(doc: Document, letter: bool) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.left_margin, s.right_margin = Mm(28), Mm(26)  # 156 mm of text
    if letter:
        s.top_margin, s.bottom_margin = Mm(37), Mm(35)  # 225 mm of text
        s.header_distance, s.footer_distance = Mm(15), Mm(20)
        # The grid that keeps 22 lines a page in Word and WPS.
        grid = s._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = s._sectPr.makeelement(qn("w:docGrid"), {})
            s._sectPr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), "579")
    else:
        s.top_margin, s.bottom_margin = Mm(30), Mm(28)
        s.header_distance, s.footer_distance = Mm(15), Mm(15)


def page_number(paragraph, align: str, indent: str = "") -> None:
    """"— 1 —" in 4号 宋体: a PAGE field between two em dashes."""
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(parse_xml(f'<w:jc xmlns:w="{W}" w:val="{align}"/>'))
    if indent:
        ppr.append(parse_xml(f'<w:ind xmlns:w="{W}" {indent}/>'))
    paragraph._p.append(parse_xml(
        f'<w:r xmlns:w="{W}"><w:rPr><w:rStyle w:val="PageNumber"/></w:rPr><w:t xml:space="preserve">— </w:t></w:r>'))
    paragraph._p.append(parse_xml(
        f'<w:fldSimple xmlns:w="{W}" w:instr=" PAGE \\* MERGEFORMAT "><w:r><w:rPr><w:rStyle w:val="PageNumber"/>'
        '</w:rPr><w:t>1</w:t></w:r></w:fldSimple>'))
    paragraph._p.append(parse_xml(
        f'<w:r xmlns:w="{W}"><w:rPr><w:rStyle w:val="PageNumber"/></w:rPr><w:t xml:space="preserve"> —</w:t></w:r>'))


def header_and_footers(doc: Document, letter: bool) -> None:
    s = doc.sections[0]
    headers = [s.header, s.even_page_header] if letter else [s.header]
    for h in headers:
        h.is_linked_to_previous = False
        p = h.paragraphs[0]
        styled(p, "Header").add_run("{{ unit }}")
    if letter:
        doc.settings.odd_and_even_pages_header_footer = True
        footers = [(s.footer, "right", 'w:right="280"', "right"), (s.even_page_footer, "left", 'w:left="280"', "left")]
    else:
        footers = [(s.footer, "center", "", "center")]
    for f, align, indent, footer_align in footers:
        f.is_linked_to_previous = False
        p = f.paragraphs[0]
        styled(p, "Footer")
        page_number(p, align, indent)
        tag(f, "{%p if footer %}", "Footer")
        note = add(f, "Footer")
        note.alignment = {"right": 2, "left": 0, "center": 1}[footer_align]
        note.add_run("{{ footer }}")
        tag(f, "{%p endif %}", "Footer")


def set_cell_width(cell, mm: float) -> None:
    cell.width = Mm(mm)


def rows_table(doc: Document) -> None:
    """The label | value table; docxtpl's row tags ({%tr %}) each take a row
    of their own, which the render removes. A wide row is one merged cell
    with the label above its text."""
    label_mm, value_mm = 38, 118
    tag(doc, "{%p if rows %}")
    table = doc.add_table(rows=7, cols=2)
    table._tbl.tblPr.append(parse_xml(f'<w:tblStyle xmlns:w="{W}" w:val="DocTable"/>'))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for col, mm in zip(table.columns, (label_mm, value_mm)):
        col.width = Mm(mm)
    for row in table.rows:
        for cell, mm in zip(row.cells, (label_mm, value_mm)):
            set_cell_width(cell, mm)
    texts = ["{%tr for r in rows %}", "{%tr if r.wide %}", None, "{%tr else %}", None, "{%tr endif %}",
             "{%tr endfor %}"]
    for i, text in enumerate(texts):
        if text is not None:
            table.cell(i, 0).paragraphs[0].add_run(text)
    wide = table.cell(2, 0).merge(table.cell(2, 1))
    styled(wide.paragraphs[0], "CellWideLabel").add_run("{{ r.label }}")
    add(wide, "CellText", "{{ r.value }}")
    label, value = table.cell(4, 0), table.cell(4, 1)
    styled(label.paragraphs[0], "CellLabel").add_run("{{ r.label }}")
    label.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    styled(value.paragraphs[0], "CellText").add_run("{{ r.value }}")
    value.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    # Room to write by hand when a value is blank (a form filled on site).
    for i, mm in ((2, 30), (4, 11)):
        tr = table.rows[i]
        tr.height = Mm(mm)
        tr.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    tag(doc, "{%p endif %}")


def parts(doc: Document) -> None:
    tag(doc, "{%p for part in parts %}")
    tag(doc, "{%p if part.heading %}")
    add(doc, "DocHeading", "{{ part.heading }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for line in part.lines %}")
    add(doc, "DocBody", "{{ line }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")


def closing(doc: Document, letter: bool) -> None:
    tag(doc, "{%p if note %}")
    add(doc, "DocBody" if letter else "DocNote", "{{ note }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for s in signatures %}")
    add(doc, "DocSignature", "{{ s }}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if signer %}")
    add(doc, "DocSeal", "（印章）")
    add(doc, "DocSigner", "{{ signer }}")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if date %}")
    add(doc, "DocDate", "{{ date }}")
    tag(doc, "{%p endif %}")


def build(letter: bool) -> bytes:
    doc = Document(io.BytesIO(skeleton(letter)))
    page_setup(doc, letter)
    header_and_footers(doc, letter)
    add(doc, "DocTitle", "{{ title }}")
    tag(doc, "{%p if number %}")
    add(doc, "DocNumber", "{{ number }}")
    tag(doc, "{%p endif %}")
    if letter:
        add(doc, "Normal")  # GB/T 9704: one empty line between the title and 主送
        tag(doc, "{%p if addressee %}")
        add(doc, "DocAddressee", "{{ addressee }}")
        tag(doc, "{%p endif %}")
        parts(doc)
        rows_table(doc)
    else:
        tag(doc, "{%p if addressee %}")
        add(doc, "DocAddressee", "{{ addressee }}")
        tag(doc, "{%p endif %}")
        rows_table(doc)
        parts(doc)
    closing(doc, letter)
    buf = io.BytesIO()
    doc.save(buf)
    return normalised_package(buf.getvalue())


def main() -> None:
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    for name, letter in (("form", False), ("letter", True)):
        path = TEMPLATES / f"{name}.docx"
        path.write_bytes(build(letter))
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
