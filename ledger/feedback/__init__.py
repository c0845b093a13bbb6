"""Supervision feedback (seed 003 四): the suggestion boxes and mailboxes
(建议箱 / 电子信箱) and their monthly checks, the feedback forms (附件5
行政执法监督建议意见反馈表, one problem per form, due 次月5日前), and the
司法局's rectification suggestion letters (行政执法监督问题整改建议书) to any
enforcement unit: issued, answered, verified (整改到位) or issued again.

- ``SuggestionBox``: installed by the 司法局 with the collecting unit the seed
  assigns (``values.collector_of``) and a keeper of that unit; each month's
  check is recorded, an empty one too (本月无意见建议).
- ``FeedbackForm``: one problem, filled in (制表) by the collecting unit and
  reviewed (审核) by another of its users; ``late`` when filled in after the
  due day.
- ``SuggestionLetter``: numbered from the same series as the objections to a
  reversed penalty (``ledger.supervision.ReversalReview.object``: the
  supervising unit's ``FormKind.SUGGESTION_LETTER`` counter of the year), so
  the two kinds of letter share one gap-free sequence.

Public methods decide; ``@event`` methods only assign. This module's name and
its classes are stored topics: never move them.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.case.values import IssuedDocument
from ledger.copying import CopiedByContainers
from ledger.errors import InvalidInput, NotAllowed, WrongState
from ledger.feedback.values import (
    EMPTY_NOTE,
    ActCategory,
    BoxKind,
    BoxSite,
    Collector,
    FeedbackSource,
    LetterSource,
    LetterState,
    Person,
    collector_of,
    forms_due,
    month_label,
    parse_month,
)
from ledger.inputs import blank
from ledger.numbering import LEDGER_NAMESPACE, FormCounter
from ledger.values import CST, Envelope, FormNumber, Role
from ledger.workdays import WorkCalendarView

MAX_TEXT = 2000
MAX_RECEIVED = 10_000

# The unit kinds (ledger.directory.UnitKind values) of the 司法局's own
# departments: they collect what the seed gives the 协调监督科, and they
# cannot be the addressee of a letter (the 司法局 does not write to itself).
SUPERVISING_KINDS = frozenset({"supervision", "coordination"})


def _day(envelope: Envelope) -> date:
    return envelope.business_time.astimezone(CST).date()


def _month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _text(field: str, value: str, label: str, errors: list[InvalidInput] | None = None) -> str:
    problem = None
    if blank(value):
        problem = InvalidInput.one(field, "required", f"{label}不能为空")
    elif len(value.strip()) > MAX_TEXT:
        problem = InvalidInput.one(field, "too_long", f"{label}不超过{MAX_TEXT}字")
    if problem is not None:
        if errors is None:
            raise problem
        errors.append(problem)
        return ""
    return value.strip()


def _raise_all(errors: list[InvalidInput]) -> None:
    if errors:
        raise InvalidInput([fe for e in errors for fe in e.errors])


def require_supervisor(envelope: Envelope, what: str) -> None:
    if envelope.actor.role is not Role.SUPERVISOR:
        raise NotAllowed(f"{envelope.actor.role.label}不能{what}，应由司法局执法监督人员办理", code="supervisor_only")


def _checked_month(month: str, envelope: Envelope) -> str:
    """A month that has begun (a check or form is about a month under way or past)."""
    year, mon = parse_month(month)
    text = f"{year:04d}-{mon:02d}"
    if text > _month_of(_day(envelope)):
        raise InvalidInput.one("month", "in_future", f"{month_label(text)}尚未开始")
    return text


class SuggestionBox(CopiedByContainers, Aggregate):
    """One 建议箱 or 电子信箱, its collecting unit and keeper, and its monthly checks."""

    @staticmethod
    def create_id(site_name: str, kind: BoxKind) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"feedback-box/{site_name}/{kind.value}")

    @classmethod
    def install(
        cls,
        envelope: Envelope,
        *,
        kind: BoxKind,
        site: BoxSite,
        site_name: str,
        address: str,
        collecting_unit: str,
        collecting_unit_kind: str,
        keeper: Person,
        keeper_unit: str,
    ) -> SuggestionBox:
        """设置 (司法局统一制作): the collecting unit must be the one the seed
        assigns — the 司法局's own department for its mailbox and the centres'
        boxes, another unit (the centre, the town's 司法所) for the rest."""
        require_supervisor(envelope, "设置建议箱或电子信箱")
        errors: list[InvalidInput] = []
        name = _text("site_name", site_name, "设置地点（中心名称）", errors)
        if kind is BoxKind.MAILBOX and blank(address):
            errors.append(InvalidInput.one("address", "required", "电子信箱须填写信箱地址（网址或邮箱）"))
        collector = collector_of(site, kind)
        supervising = collecting_unit_kind in SUPERVISING_KINDS
        if collector is Collector.SUPERVISION and not supervising:
            errors.append(InvalidInput.one(
                "collecting_unit", "wrong_collector",
                f"{site.label}的{kind.label}由司法局行政执法协调监督科收集处理，“{collecting_unit}”不是执法监督部门"))
        elif collector is not Collector.SUPERVISION and supervising:
            errors.append(InvalidInput.one(
                "collecting_unit", "wrong_collector", f"{site.label}的{kind.label}由{collector.label}收集处理，不是司法局"))
        if keeper_unit != collecting_unit:
            errors.append(InvalidInput.one("keeper", "not_of_unit", f"管理人{keeper.name}不是{collecting_unit}的人员"))
        _raise_all(errors)
        return cls(
            envelope=envelope, kind=kind, site=site, site_name=name, address=address.strip(),
            collecting_unit=collecting_unit, collector=collector, keeper=keeper,
        )

    @event("Installed")
    def __init__(
        self, envelope: Envelope, kind: BoxKind, site: BoxSite, site_name: str, address: str,
        collecting_unit: str, collector: Collector, keeper: Person,
    ) -> None:
        self.kind = kind
        self.site = site
        self.site_name = site_name
        self.address = address
        self.collecting_unit = collecting_unit
        self.collector = collector
        self.keeper = keeper
        self.checked: dict[str, int] = {}  # month → items received

    @property
    def title(self) -> str:
        return f"{self.site_name}{self.kind.label}"

    def change_keeper(self, envelope: Envelope, keeper: Person, keeper_unit: str) -> None:
        """另行安排专人: by the 司法局 or the collecting unit itself."""
        if envelope.actor.role is not Role.SUPERVISOR and envelope.actor.unit != self.collecting_unit:
            raise NotAllowed(f"只有司法局或{self.collecting_unit}可以更换管理人", code="collecting_unit_only")
        if keeper_unit != self.collecting_unit:
            raise InvalidInput.one("keeper", "not_of_unit", f"管理人{keeper.name}不是{self.collecting_unit}的人员")
        if keeper.id == self.keeper.id:
            raise InvalidInput.one("keeper", "unchanged", f"管理人已是{keeper.name}")
        self._keeper_changed(envelope=envelope, keeper=keeper)

    @event("KeeperChanged")
    def _keeper_changed(self, envelope: Envelope, keeper: Person) -> None:
        self.keeper = keeper

    def check(self, envelope: Envelope, calendar: WorkCalendarView, *, month: str, received: int, note: str) -> date:
        """每月检查 by the collecting unit: how many letters or mails the box
        held (0: 本月无意见建议, recorded too); returns the day the month's
        forms are due at the 司法局."""
        if envelope.actor.unit != self.collecting_unit:
            raise NotAllowed(f"只有{self.collecting_unit}可以检查{self.title}", code="collecting_unit_only")
        month = _checked_month(month, envelope)
        if month in self.checked:
            raise InvalidInput.one("month", "already_checked", f"{self.title}{month_label(month)}已检查")
        if not 0 <= received <= MAX_RECEIVED:
            raise InvalidInput.one("received", "bad_count", f"收到的意见建议数应在0至{MAX_RECEIVED}之间")
        text = note.strip() if not blank(note) else ""
        if received == 0 and not text:
            text = EMPTY_NOTE
        if len(text) > MAX_TEXT:
            raise InvalidInput.one("note", "too_long", f"检查情况不超过{MAX_TEXT}字")
        due = forms_due(month, calendar)
        self._checked(envelope=envelope, month=month, received=received, note=text, forms_due=due)
        return due

    @event("Checked")
    def _checked(self, envelope: Envelope, month: str, received: int, note: str, forms_due: date) -> None:
        self.checked = {**self.checked, month: received}


class FeedbackForm(CopiedByContainers, Aggregate):
    """附件5 行政执法监督建议意见反馈表: one problem, from one collecting unit."""

    @classmethod
    def fill_in(
        cls,
        envelope: Envelope,
        calendar: WorkCalendarView,
        *,
        id: UUID,  # noqa: A002
        month: str,
        source: FeedbackSource | None,
        source_detail: str,
        box: SuggestionBox | None,
        category: ActCategory | None,
        problem: str,
        suggestion: str,
        reviewer: Person | None,
        reviewer_unit: str,
    ) -> FeedbackForm:
        """制表 by a user of the collecting unit, 审核 by another of its users;
        every invalid field is reported at once."""
        actor = envelope.actor
        if actor.role not in (Role.UNIT_STAFF, Role.SUPERVISOR):
            raise NotAllowed(f"{actor.role.label}不能填报建议意见反馈表", code="collecting_unit_only")
        errors: list[InvalidInput] = []
        try:
            month = _checked_month(month, envelope)
        except InvalidInput as e:
            errors.append(e)
        if source is None:
            errors.append(InvalidInput.one("source", "required", "请选择情况来源"))
        elif source is FeedbackSource.MAILBOX:
            if box is None:
                errors.append(InvalidInput.one("box_id", "required", "情况来源为信箱（邮箱）时须选择建议箱或电子信箱"))
            elif box.collecting_unit != actor.unit:
                errors.append(InvalidInput.one("box_id", "not_collected_here", f"{box.title}由{box.collecting_unit}收集处理"))
        elif box is not None:
            errors.append(InvalidInput.one("box_id", "not_a_mailbox_source", "只有情况来源为信箱（邮箱）时才选择信箱"))
        if source is not None and source is not FeedbackSource.MAILBOX and blank(source_detail):
            errors.append(InvalidInput.one("source_detail", "required", f"请写明具体的{source.label}"))
        if category is None:
            errors.append(InvalidInput.one("category", "required", "请选择问题类型"))
        problem = _text("problem", problem, "问题描述", errors)
        suggestion = _text("suggestion", suggestion, "建议意见", errors)
        if reviewer is None:
            errors.append(InvalidInput.one("reviewer", "required", "请选择审核人"))
        elif reviewer.id == actor.id:
            errors.append(InvalidInput.one("reviewer", "own_review", "审核人不能是制表人本人"))
        elif reviewer_unit != actor.unit:
            errors.append(InvalidInput.one("reviewer", "not_of_unit", f"审核人{reviewer.name}不是{actor.unit}的人员"))
        if len(source_detail.strip()) > 200:
            errors.append(InvalidInput.one("source_detail", "too_long", "具体来源不超过200字"))
        _raise_all(errors)
        assert source is not None and category is not None and reviewer is not None
        filled_on = _day(envelope)
        due = forms_due(month, calendar)
        # a random id chosen by the service (the library's way to give one: _create)
        return cls._create(
            cls.FilledIn, id=id, envelope=envelope, unit=actor.unit, month=month, source=source,
            source_detail=source_detail.strip() or (box.title if box is not None else ""),
            box_id=box.id if box is not None else None, category=category, problem=problem, suggestion=suggestion,
            reviewer=reviewer, clerk=Person(id=actor.id, name=actor.name), filled_on=filled_on, due_on=due,
            late=filled_on > due,
        )

    @event("FilledIn")
    def __init__(
        self, envelope: Envelope, unit: str, month: str, source: FeedbackSource, source_detail: str,
        box_id: UUID | None, category: ActCategory, problem: str, suggestion: str, reviewer: Person,
        clerk: Person, filled_on: date, due_on: date, late: bool,
    ) -> None:
        self.unit = unit
        self.month = month
        self.source = source
        self.source_detail = source_detail
        self.box_id = box_id
        self.category = category
        self.problem = problem
        self.suggestion = suggestion
        self.reviewer = reviewer
        self.clerk = clerk
        self.filled_on = filled_on
        self.due_on = due_on
        self.late = late
        self.documents: tuple[IssuedDocument, ...] = ()

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """The form printed (PDF/DOCX), by its unit or the 司法局."""
        if envelope.actor.role is not Role.SUPERVISOR and envelope.actor.unit != self.unit:
            raise NotAllowed(f"只有{self.unit}或司法局可以出具该反馈表", code="collecting_unit_only")
        self._document_issued(envelope=envelope, issued=issued, unit=self.unit)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: whose record it is (the form's collecting unit, the letter's
        # addressee), by which the documents view scopes the issue
        self.documents = (*self.documents, issued)


class SuggestionLetter(CopiedByContainers, Aggregate):
    """行政执法监督问题整改建议书 to one unit: issued → answered → verified, or issued again."""

    @classmethod
    def issue(
        cls,
        envelope: Envelope,
        counter: FormCounter,
        *,
        id: UUID,  # noqa: A002
        unit: str,
        unit_kind: str | None,
        problems: str,
        suggestions: str,
        reply_due: date,
        form: FeedbackForm | None = None,
        follows: SuggestionLetter | None = None,
    ) -> SuggestionLetter:
        """制作 by the 司法局 (a supervisor), to a unit the directory knows
        (``unit_kind`` None: it does not); from a feedback form, as a letter
        again after an earlier one (``follows``), or on its own initiative.
        The number comes from the supervising unit's letter series."""
        require_supervisor(envelope, "制发整改建议书")
        if follows is not None:
            follows.check_reissue(envelope)
        errors: list[InvalidInput] = []
        if blank(unit):
            errors.append(InvalidInput.one("unit", "required", "请选择被建议整改的行政执法单位"))
        elif unit_kind is None:
            errors.append(InvalidInput.one("unit", "unknown_unit", f"单位目录中没有“{unit.strip()}”"))
        elif unit_kind in SUPERVISING_KINDS:
            errors.append(InvalidInput.one("unit", "not_enforcement", f"“{unit.strip()}”是执法监督部门，不是行政执法单位"))
        problems = _text("problems", problems, "存在的问题", errors)
        suggestions = _text("suggestions", suggestions, "整改建议", errors)
        if reply_due <= _day(envelope):
            errors.append(InvalidInput.one("reply_due", "not_in_future", "答复期限应晚于今天"))
        _raise_all(errors)
        number = counter.issue(envelope, id)
        source = LetterSource.REISSUE if follows else LetterSource.FEEDBACK if form else LetterSource.INITIATIVE
        letter = cls._create(
            cls.Issued, id=id, envelope=envelope, number=number, unit=unit.strip(), problems=problems, suggestions=suggestions,
            reply_due=reply_due, source=source, form_id=form.id if form else None,
            follows_id=follows.id if follows else None, follows_number=follows.number if follows else None,
        )
        if follows is not None:
            follows._reissued(envelope=envelope, letter_id=id, number=number)
        return letter

    @event("Issued")
    def __init__(
        self, envelope: Envelope, number: FormNumber, unit: str, problems: str, suggestions: str, reply_due: date,
        source: LetterSource, form_id: UUID | None, follows_id: UUID | None, follows_number: FormNumber | None,
    ) -> None:
        self.number = number
        self.unit = unit
        self.supervising_unit = envelope.actor.unit
        self.issued_at = envelope.business_time
        self.problems = problems
        self.suggestions = suggestions
        self.reply_due = reply_due
        self.source = source
        self.form_id = form_id
        self.follows_id = follows_id
        self.follows_number = follows_number
        self.state = LetterState.ISSUED
        self.reply: str | None = None
        self.measures: str | None = None
        self.documents: tuple[IssuedDocument, ...] = ()

    def check_reissue(self, envelope: Envelope) -> None:
        """再次制发 only on a letter still open (not verified, not issued again)."""
        if self.state not in (LetterState.ISSUED, LetterState.ANSWERED):
            raise WrongState(f"整改建议书{self.number}状态为“{self.state.label}”，不能再次制发", code="wrong_state")

    @event("Reissued")
    def _reissued(self, envelope: Envelope, letter_id: UUID, number: FormNumber) -> None:
        self.state = LetterState.REISSUED

    def answer(self, envelope: Envelope, reply: str, measures: str) -> None:
        """书面答复 by the addressed unit's staff (整改情况)."""
        actor = envelope.actor
        if actor.role is not Role.UNIT_STAFF or actor.unit != self.unit:
            raise NotAllowed(f"只有{self.unit}的执法人员可以答复该整改建议书", code="addressed_unit_only")
        if self.state is not LetterState.ISSUED:
            raise WrongState(f"整改建议书{self.number}状态为“{self.state.label}”，不能答复", code="wrong_state")
        reply = _text("reply", reply, "答复意见（整改情况）")
        if len(measures.strip()) > MAX_TEXT:
            raise InvalidInput.one("measures", "too_long", f"整改措施不超过{MAX_TEXT}字")
        self._answered(envelope=envelope, reply=reply, measures=measures.strip(), late=_day(envelope) > self.reply_due)

    @event("Answered")
    def _answered(self, envelope: Envelope, reply: str, measures: str, late: bool) -> None:
        self.state = LetterState.ANSWERED
        self.reply = reply
        self.measures = measures

    def verify(self, envelope: Envelope, comment: str) -> None:
        """核实整改到位 by the 司法局, on an answered letter only."""
        require_supervisor(envelope, "核实整改情况")
        if self.state is LetterState.ISSUED:
            raise WrongState(f"整改建议书{self.number}尚未答复，不能核实整改到位", code="not_answered")
        if self.state is not LetterState.ANSWERED:
            raise WrongState(f"整改建议书{self.number}状态为“{self.state.label}”，不能核实", code="wrong_state")
        if len(comment.strip()) > MAX_TEXT:
            raise InvalidInput.one("comment", "too_long", f"核实意见不超过{MAX_TEXT}字")
        self._verified(envelope=envelope, comment=comment.strip())

    @event("Verified")
    def _verified(self, envelope: Envelope, comment: str) -> None:
        self.state = LetterState.VERIFIED

    def issue_document(self, envelope: Envelope, issued: IssuedDocument) -> None:
        """The letter printed (DOCX/PDF): by the 司法局, or the addressed unit (its copy)."""
        if envelope.actor.role is not Role.SUPERVISOR and envelope.actor.unit != self.unit:
            raise NotAllowed(f"只有司法局或{self.unit}可以出具该整改建议书", code="addressed_unit_only")
        self._document_issued(envelope=envelope, issued=issued, unit=self.unit)

    @event("DocumentIssued")
    def _document_issued(self, envelope: Envelope, issued: IssuedDocument, unit: str) -> None:
        # ``unit``: whose record it is (the form's collecting unit, the letter's
        # addressee), by which the documents view scopes the issue
        self.documents = (*self.documents, issued)


def visible_to(role: Role, unit: str, record: Any) -> bool:
    """Who may know a record exists: the 司法局 (supervisors) and auditors
    every one; a form its collecting unit; a letter its addressed unit; a
    box its collecting unit."""
    if role in (Role.SUPERVISOR, Role.AUDITOR):
        return True
    if role is not Role.UNIT_STAFF:
        return False
    owner = record.collecting_unit if isinstance(record, SuggestionBox) else record.unit
    return owner == unit
