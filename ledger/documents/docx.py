"""A ``Paper`` as DOCX, through docxtpl (Jinja tags in a .docx a clerk can
edit in Word or WPS; built-in templates in ``templates/``, made by
``tools/make_document_templates.py``; a unit's own file may be passed
instead).

The bytes depend on the paper and the template only, so that issuing again
gives the same SHA-256: after docxtpl saves, the package is rewritten with
fixed member order, timestamps, attributes and compression, and its core
properties are drawn from the paper (``normalised_package``). Nothing else
in the pipeline reads the clock or a random source (python-docx writes no
rsids; the templates carry only what they were saved with)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from docxtpl import DocxTemplate
from jinja2 import Environment
from markupsafe import Markup, escape

from ledger.documents import Layout, Paper

TEMPLATES = Path(__file__).resolve().parent / "templates"

# XML 1.0 forbids most C0 controls; docxtpl would also turn \a and \f in a
# value into new paragraphs and page breaks. \t and \n are kept (a tab, a
# line break inside the paragraph).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")

# One environment per process: autoescape makes a value's <, & and quotes
# XML-safe (without it a "<script>" in a value breaks the document).
_ENV = Environment(autoescape=True)

FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FALLBACK_DATE = "2000-01-01T00:00:00Z"


def literal(text: str) -> Markup:
    """A value as XML text that docxtpl leaves alone: escaped for XML, and
    its braces and percent signs written as character references, because
    after rendering docxtpl rewrites "{_{", "%_}" … back into Jinja
    delimiters in the whole part; the XML parser turns the references back
    into the characters, so the document says exactly what the value said."""
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;").replace("%", "&#37;"))


def context(paper: Paper) -> dict:
    """What the templates see: every text escaped once (``literal``); a
    part's text split into its paragraphs (``part.lines``)."""
    return {
        "kind": literal(paper.kind),
        "layout": str(paper.layout),
        "title": literal(paper.title),
        "number": literal(paper.number),
        "unit": literal(paper.unit),
        "addressee": literal(paper.addressee),
        "rows": [{"label": literal(r.label), "value": literal(r.value), "wide": r.wide} for r in paper.rows],
        "parts": [{"heading": literal(p.heading),
                   "lines": [literal(line) for line in p.text.splitlines() if line.strip()]}
                  for p in paper.parts],
        "note": literal(paper.note),
        "signatures": [literal(s) for s in paper.signatures],
        "signer": literal(paper.signer),
        "date": literal(paper.date),
        "footer": literal(paper.footer),
    }


def template_for(layout: Layout) -> Path:
    return TEMPLATES / f"{'letter' if layout is Layout.LETTER else 'form'}.docx"


def render_docx(paper: Paper, template: Path | None = None) -> bytes:
    """The paper laid out on ``template`` (the layout's built-in one by
    default), as the bytes of a .docx file."""
    source = template if template is not None else template_for(paper.layout)
    doc = DocxTemplate(io.BytesIO(source.read_bytes()))
    doc.render(context(paper), jinja_env=_ENV, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return normalised_package(out.getvalue(), core_properties(paper))


def w3cdtf(date: str) -> str:
    """The paper's date (2026年11月22日) as the package's created/modified
    time, midnight UTC; a fixed one when it has none in Arabic numerals."""
    m = _DATE.search(date)
    if not m:
        return FALLBACK_DATE
    y, mo, d = (int(g) for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T00:00:00Z"


def core_properties(paper: Paper) -> bytes:
    when = w3cdtf(paper.date)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:title>{xml_escape(_CONTROL.sub("", paper.title))}</dc:title>'
        f'<dc:creator>{xml_escape(_CONTROL.sub("", paper.unit))}</dc:creator>'
        '<cp:lastModifiedBy></cp:lastModifiedBy><cp:revision>1</cp:revision>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        '</cp:coreProperties>').encode("utf-8")


def _member_order(name: str) -> tuple[int, str]:
    # [Content_Types].xml first (some readers sniff it), then the package
    # relationships, then everything by name.
    return (0 if name == "[Content_Types].xml" else 1 if name == "_rels/.rels" else 2, name)


def normalised_package(data: bytes, core: bytes | None = None) -> bytes:
    """The same package with nothing that depends on when or where it was
    written: members in a fixed order, each dated 1980-01-01 with fixed
    attributes and deflate level; ``core`` replaces docProps/core.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for name in sorted(src.namelist(), key=_member_order):
            body = core if core is not None and name == "docProps/core.xml" else src.read(name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()
