"""The paper of a case (文书): what each document says, drawn from the case's
events (``drawing``), laid out on one of two page models — a form (标题,
编号, a table of labelled rows, signatures) or a letter in GB/T 9704
proportions (标题, 文号, 主送, paragraphs, 落款) — and rendered as DOCX and
PDF (``docx``, ``pdf``). Issuing a document is an event on its case
(``GuidanceCase.issue_document``) — or on its administrative guidance
(``AdministrativeGuidance.issue_document``; its papers in ``guidance_papers``)
— naming the template, its version and the file's SHA-256; the file itself
is not kept: issuing again from the same events gives the same bytes.

``Paper`` is the one interface between the drawing and the renderers."""

from __future__ import annotations

from ledger.values import LabelledEnum, Struct


class Layout(LabelledEnum):
    FORM = "form", "表单"
    LETTER = "letter", "公文"


class Row(Struct):
    """One labelled row of a form; ``wide``: the value takes a row of its own
    under the label (long text such as 需求简述)."""

    label: str
    value: str
    wide: bool = False


class Part(Struct):
    """A letter's (or a form's closing) paragraph with an optional heading
    (一、二、… are the drawing's, not the renderer's)."""

    heading: str
    text: str


class Paper(Struct):
    """A document ready to be laid out. Every text is final (dates written
    as 2026年11月22日, check boxes as ☑/□, masking applied)."""

    kind: str  # DocumentKind value
    layout: Layout
    title: str
    number: str = ""  # 编号 / 文号, e.g. 2026年第3号 or 皋司发〔2026〕3号
    unit: str = ""  # the issuing unit, in the header
    addressee: str = ""  # letters: 主送, e.g. "市市场监督管理局："
    rows: tuple[Row, ...] = ()
    parts: tuple[Part, ...] = ()
    note: str = ""  # e.g. 本意见书仅为指导服务使用，不作为行政执法依据。
    signatures: tuple[str, ...] = ()  # e.g. "申请人（签字）：", "日期："
    signer: str = ""  # letters: 落款 (the unit), with the seal's place beside it
    date: str = ""  # 2026年11月22日
    footer: str = ""  # every page's foot: the case's form number and the paper's short hash
