"""The feedback slice's commands: boxes and their monthly checks, feedback
forms, rectification suggestion letters."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from ledger.commands import Command
from ledger.feedback.values import ActCategory, BoxKind, BoxSite, FeedbackSource


class InstallBox(Command, frozen=True, kw_only=True):
    """设置一个建议箱或电子信箱 (司法局)."""

    kind: BoxKind
    site: BoxSite
    site_name: str  # e.g. 如城街道为民服务中心
    collecting_unit: str
    keeper: str  # username of a user of the collecting unit
    address: str = ""  # a mailbox's address (网址或邮箱)


class ChangeBoxKeeper(Command, frozen=True, kw_only=True):
    box_id: UUID
    keeper: str


class CheckBox(Command, frozen=True, kw_only=True):
    """每月检查: how many opinions the box held that month (0 is recorded too)."""

    box_id: UUID
    month: str  # 2026-10
    received: int = 0
    note: str = ""


class FillInFeedbackForm(Command, frozen=True, kw_only=True):
    """附件5 行政执法监督建议意见反馈表: one problem per form."""

    month: str
    source: FeedbackSource | None = None
    source_detail: str = ""  # 具体联系点、监督员、结对企业…
    box_id: UUID | None = None  # when the source is 信箱（邮箱）
    category: ActCategory | None = None
    problem: str = ""
    suggestion: str = ""
    reviewer: str = ""  # username of the reviewing user (审核)


class IssueSuggestionLetter(Command, frozen=True, kw_only=True):
    """制发《行政执法监督问题整改建议书》: from a form, again after an earlier
    letter (``follows``), or on the 司法局's own initiative (neither)."""

    unit: str
    problems: str
    suggestions: str
    reply_due: date
    form_id: UUID | None = None
    follows: UUID | None = None


class AnswerSuggestionLetter(Command, frozen=True, kw_only=True):
    letter_id: UUID
    reply: str
    measures: str = ""


class VerifySuggestionLetter(Command, frozen=True, kw_only=True):
    """核实整改到位."""

    letter_id: UUID
    comment: str = ""

