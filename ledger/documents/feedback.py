"""The papers of the supervision feedback (``ledger.feedback``), drawn from
their records (pure drawing, then the documents' one issuing step
``ledger.documents.service.issue_paper``):

- 行政执法监督问题整改建议书, a GB/T 9704 letter on the same page model as an
  objection's (``drawing.suggestion_letter``): 文号 from the 司法局's letter
  series (with the unit's 文号 prefix when its templates folder names one),
  主送 the addressed unit, 一、存在的问题 二、整改建议 三、答复要求, the source
  (a feedback form, or the letter it follows), 落款 and date;
- 附件5 行政执法监督建议意见反馈表, a form: （　月份）, 单位, 情况来源 with the
  concrete source, 问题描述, 建议意见, 审核, 制表 and the date; 注：一个问题一个表.

Issuing records ``DocumentIssued`` on the letter or the form in the same save."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from ledger.case.values import DocumentFormat, DocumentKind
from ledger.commands import Command, Context
from ledger.documents import Layout, Paper, Part, Row
from ledger.documents.drawing import day, doc_number
from ledger.documents.service import Issued, issue_paper, issued_file, number_prefix
from ledger.errors import InvalidInput
from ledger.feedback import FeedbackForm, SuggestionLetter
from ledger.feedback.service import FeedbackCommands
from ledger.feedback.values import FeedbackSource, LetterSource, month_label

FORM_NOTE = "注：一个问题一个表。"


class IssueFeedbackDocument(Command, frozen=True, kw_only=True):
    """出具 a letter (整改建议书) or a form (附件5) as DOCX or PDF: exactly one of the ids."""

    letter_id: UUID | None = None
    form_id: UUID | None = None
    format: DocumentFormat = DocumentFormat.PDF


def letter_paper(letter: SuggestionLetter, form: FeedbackForm | None = None, prefix: str = "") -> Paper:
    if letter.source is LetterSource.REISSUE and letter.follows_number is not None:
        opening = (f"我局于前期向你单位制发的整改建议书（{doc_number(letter.follows_number, prefix)}）"
                   "所提问题尚未整改到位，现再次提出整改建议如下：")
    elif form is not None:
        opening = (f"根据{form.unit}报送的{month_label(form.month)}行政执法监督建议意见反馈表"
                   f"（情况来源：{form.source.label}），经研究，你单位的{form.category.label}行为存在以下问题，"
                   "现提出整改建议如下：")
    else:
        opening = "经行政执法监督，你单位的行政执法行为存在以下问题，现提出整改建议如下："
    parts = (
        Part(heading="", text=opening),
        Part(heading="一、存在的问题", text=letter.problems),
        Part(heading="二、整改建议", text=letter.suggestions),
        Part(heading="三、答复要求", text=f"请于{day(letter.reply_due)}前将整改情况书面答复我局。"),
    )
    return Paper(kind=DocumentKind.SUGGESTION_LETTER.value, layout=Layout.LETTER, title="行政执法监督问题整改建议书",
                 number=doc_number(letter.number, prefix), addressee=f"{letter.unit}：", parts=parts,
                 signer=letter.supervising_unit, unit=letter.supervising_unit, date=day(letter.issued_at))


def form_paper(form: FeedbackForm) -> Paper:
    source = form.source.label + (f"（{form.source_detail}）" if form.source_detail else "")
    sources = "　".join(("☑" if s is form.source else "□") + s.label for s in FeedbackSource)
    return Paper(
        kind=DocumentKind.FEEDBACK_FORM.value, layout=Layout.FORM, title="行政执法监督建议意见反馈表",
        number=f"（{month_label(form.month)}份）",
        unit=form.unit,
        rows=(
            Row(label="单位", value=form.unit),
            Row(label="情况来源", value=sources),
            Row(label="具体联系点、监督员、结对企业、信箱（邮箱）、其他", value=source),
            Row(label="问题类型", value=form.category.label),
            Row(label="问题描述", value=form.problem, wide=True),
            Row(label="建议意见", value=form.suggestion, wide=True),
            Row(label="审核", value=form.reviewer.name),
            Row(label="制表", value=form.clerk.name),
            Row(label="日期", value=day(form.filled_on)),
        ),
        note=FORM_NOTE, signatures=("单位（盖章）：",), date=day(form.filled_on),
    )


class FeedbackDocumentCommands(FeedbackCommands):
    def issue_feedback_document(self, ctx: Context, cmd: IssueFeedbackDocument) -> Issued:
        """Draw, render and record one letter or form (``DocumentIssued`` on it)."""
        if (cmd.letter_id is None) == (cmd.form_id is None):
            raise InvalidInput.one("letter_id", "one_of", "请指定一份整改建议书或一张反馈表")
        cls = SuggestionLetter if cmd.letter_id is not None else FeedbackForm
        record_id = cmd.letter_id or cmd.form_id
        assert record_id is not None
        envelope = self._envelope(ctx, cmd)
        record: Any = self.feedback_visible(ctx, cls, record_id)
        paper = self.feedback_paper(record)
        kind = DocumentKind.SUGGESTION_LETTER if cls is SuggestionLetter else DocumentKind.FEEDBACK_FORM
        number = str(record.number) if cls is SuggestionLetter else month_label(record.month)
        body, issued = issue_paper(paper, kind, cmd.format, paper.unit or envelope.actor.unit, record.version,
                                   lambda code: f"{kind.label} {number}\n文书码 {code}")
        record.issue_document(envelope, issued)
        result = self._saved(None, record)
        return issued_file(msgspec.structs.replace(result, record_id=record.id), body, issued)

    def feedback_paper(self, record: Any) -> Paper:
        """The paper of a letter or a form as it stands now."""
        if isinstance(record, SuggestionLetter):
            form = self.feedback_record(FeedbackForm, record.form_id) if record.form_id else None
            return letter_paper(record, form, number_prefix(record.supervising_unit))
        return form_paper(record)
