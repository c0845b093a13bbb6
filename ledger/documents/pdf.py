"""A ``Paper`` as PDF, made on the server with WeasyPrint (Pango/HarfBuzz
shape CJK properly; the fonts are subset and embedded, so the text layer is
real and ``pdftotext`` gives it back) from the Jinja templates
``templates/form.html`` and ``letter.html`` — or a unit's own copy of one
(``LEDGER_TEMPLATES``, see ``ledger.documents.service``), which may include
the built-in ``_paper.css``.

The bytes depend on the paper only (and on the installed fonts and
WeasyPrint's version): the HTML has no date metadata, so none is written,
and the file identifier is derived from the content. One ``FontConfiguration``
and one Jinja environment serve the whole process: building them costs more
than a render; so do the small copies of the CJK fonts (``pdf_fonts``)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ledger.documents import Layout, Paper
from ledger.documents.pdf_fonts import font_faces_css

TEMPLATES = Path(__file__).resolve().parent / "templates"

# XML/HTML cannot carry most C0 controls; a stray one in a typed value must
# not make the document fail.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def lines(text: str) -> list[str]:
    """A part's text as its paragraphs (one per line, blank lines dropped)."""
    return [line for line in _CONTROL.sub("", text).splitlines() if line.strip()]


def _clean(value):
    # Every {{ … }} passes here; our own Markup (the @font-face rules) is kept as it is.
    return _CONTROL.sub("", value) if isinstance(value, str) and not isinstance(value, Markup) else value


@lru_cache(maxsize=64)
def _environment(folder: Path = TEMPLATES) -> Environment:
    """The templates of ``folder`` (a unit's own), falling back to the
    built-in ones; one environment per folder per process."""
    loader = FileSystemLoader([folder, TEMPLATES] if folder != TEMPLATES else [TEMPLATES])
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=_clean)
    env.globals["lines"] = lines
    return env


@lru_cache(maxsize=1)
def _fonts():
    # Imported here: WeasyPrint loads Pango through cffi, which the rest of
    # the ledger (and a machine that never prints) does not need.
    from weasyprint.text.fonts import FontConfiguration

    # fontTools reports every subset table it drops at INFO/WARNING.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return FontConfiguration()


def html_for(paper: Paper, template: Path | None = None) -> str:
    """The paper as HTML, laid out by ``template`` (default: the layout's built-in one)."""
    if template is None:
        template = TEMPLATES / ("letter.html" if paper.layout is Layout.LETTER else "form.html")
    return _environment(template.parent.resolve()).get_template(template.name).render(
        paper=paper, footer=paper.footer, font_faces=Markup(font_faces_css()))


def render_pdf(paper: Paper, template: Path | None = None) -> bytes:
    """The paper laid out on A4 as the bytes of a PDF file; ``template``: a
    unit's own HTML layout (relative links in it resolve in its folder)."""
    from weasyprint import HTML

    folder = template.parent.resolve() if template is not None else TEMPLATES
    document = HTML(string=html_for(paper, template), base_url=str(folder))
    return document.write_pdf(font_config=_fonts(), pdf_identifier=_identifier(paper))


def _identifier(paper: Paper) -> bytes:
    """The PDF's /ID, from the paper itself (never random or time-based)."""
    import hashlib

    import msgspec

    return hashlib.md5(msgspec.json.encode(paper), usedforsecurity=False).hexdigest().encode()
