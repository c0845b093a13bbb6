"""The feedback slice's commands: load → decide → save, each a few lines."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from ledger.commanding import MAX_ATTEMPTS, Result, _backoff
from ledger.commands import Context
from ledger.directory import Unit
from ledger.directory.service import DirectoryCommands
from ledger.errors import Conflict, FieldError, InvalidInput, NotFound
from ledger.feedback import FeedbackForm, SuggestionBox, SuggestionLetter, require_supervisor, visible_to
from ledger.feedback.commands import (
    AnswerSuggestionLetter,
    ChangeBoxKeeper,
    CheckBox,
    FillInFeedbackForm,
    InstallBox,
    IssueSuggestionLetter,
    VerifySuggestionLetter,
)
from ledger.feedback.values import Person
from ledger.inputs import blank
from ledger.values import FormKind

WHAT = {SuggestionBox: "建议箱（电子信箱）", FeedbackForm: "建议意见反馈表", SuggestionLetter: "整改建议书"}
CODES = {SuggestionBox: "box_not_found", FeedbackForm: "form_not_found", SuggestionLetter: "letter_not_found"}


class FeedbackCommands(DirectoryCommands):
    # --------------------------------------------------------------- boxes

    def install_box(self, ctx: Context, cmd: InstallBox) -> Result:
        envelope = self._envelope(ctx, cmd)
        if self.exists(SuggestionBox.create_id(cmd.site_name.strip(), cmd.kind)):
            raise InvalidInput.one("site_name", "duplicate", f"{cmd.site_name.strip()}已设置{cmd.kind.label}")
        unit = self._feedback_unit(cmd.collecting_unit)
        if unit is None:
            raise InvalidInput.one("collecting_unit", "unknown_unit", f"单位目录中没有“{cmd.collecting_unit}”")
        keeper, keeper_unit = self._feedback_person("keeper", cmd.keeper)
        box = SuggestionBox.install(
            envelope, kind=cmd.kind, site=cmd.site, site_name=cmd.site_name, address=cmd.address,
            collecting_unit=unit.name, collecting_unit_kind=unit.kind.value, keeper=keeper, keeper_unit=keeper_unit,
        )
        return msgspec.structs.replace(self._saved(None, box), record_id=box.id)

    def change_box_keeper(self, ctx: Context, cmd: ChangeBoxKeeper) -> Result:
        envelope = self._envelope(ctx, cmd)
        box = self.feedback_visible(ctx, SuggestionBox, cmd.box_id)
        keeper, keeper_unit = self._feedback_person("keeper", cmd.keeper)
        box.change_keeper(envelope, keeper, keeper_unit)
        return msgspec.structs.replace(self._saved(None, box), record_id=box.id)

    def check_box(self, ctx: Context, cmd: CheckBox) -> Result:
        envelope = self._envelope(ctx, cmd)
        box = self.feedback_visible(ctx, SuggestionBox, cmd.box_id)
        box.check(envelope, self._view(self.calendar(for_update=False)), month=cmd.month, received=cmd.received,
                  note=cmd.note)
        return msgspec.structs.replace(self._saved(None, box), record_id=box.id)

    # --------------------------------------------------------------- forms

    def fill_in_feedback_form(self, ctx: Context, cmd: FillInFeedbackForm) -> Result:
        envelope = self._envelope(ctx, cmd)
        found: list[FieldError] = []
        box = None
        if cmd.box_id is not None:
            try:
                box = self.feedback_visible(ctx, SuggestionBox, cmd.box_id)
            except NotFound as e:
                found.append(FieldError("box_id", "unknown_box", e.message))
        reviewer, reviewer_unit = None, ""
        if not blank(cmd.reviewer):
            try:
                reviewer, reviewer_unit = self._feedback_person("reviewer", cmd.reviewer)
            except InvalidInput as e:
                found += e.errors
        try:
            form = FeedbackForm.fill_in(
                envelope, self._view(self.calendar(for_update=False)), id=uuid.uuid4(), month=cmd.month,
                source=cmd.source, source_detail=cmd.source_detail, box=box, category=cmd.category,
                problem=cmd.problem, suggestion=cmd.suggestion, reviewer=reviewer, reviewer_unit=reviewer_unit,
            )
        except InvalidInput as e:  # what the directory refused, with what the form refused
            named = {f.field for f in found}
            raise InvalidInput([*found, *(f for f in e.errors if f.field not in named)]) from None
        if found:
            raise InvalidInput(found)
        return msgspec.structs.replace(self._saved(None, form), record_id=form.id)

    # ------------------------------------------------------------- letters

    def issue_suggestion_letter(self, ctx: Context, cmd: IssueSuggestionLetter) -> Result:
        """Numbered from the supervising unit's letter series (the objections'
        too, ``SupervisionCommands.object_to_reversal``), saved with the
        counter (and the letter it follows) in one atomic save."""
        letter_id = uuid.uuid4()
        for attempt in range(MAX_ATTEMPTS):
            envelope = self._envelope(ctx, cmd)
            require_supervisor(envelope, "制发整改建议书")  # before the form or letter it cites is looked up
            form = self._form_cited(ctx, cmd.form_id)
            follows = self._letter_followed(ctx, cmd)
            unit = self._feedback_unit(cmd.unit.strip()) if not blank(cmd.unit) else None
            try:
                counter = self._counter(envelope, FormKind.SUGGESTION_LETTER)
                letter = SuggestionLetter.issue(
                    envelope, counter, id=letter_id, unit=cmd.unit, unit_kind=unit.kind.value if unit else None,
                    problems=cmd.problems, suggestions=cmd.suggestions, reply_due=cmd.reply_due,
                    form=form, follows=follows,
                )
                recordings = self._save_numbered(letter, counter, *([follows] if follows else []))
            except RecordConflictError:
                self._end_attempt()
                if follows is not None and self.repository.get(follows.id).version != follows.version - 1:
                    raise Conflict("原整改建议书已被他人同时处理，请刷新后重试") from None
                _backoff(attempt)  # only the letter counter moved on
                continue
            finally:
                self._end_attempt()
            return Result(case_id=None, version=letter.version, notification_id=recordings[-1].notification.id,
                          number=str(letter.number), record_id=letter.id)
        raise Conflict("编号分配繁忙，请稍后重试")

    def answer_suggestion_letter(self, ctx: Context, cmd: AnswerSuggestionLetter) -> Result:
        envelope = self._envelope(ctx, cmd)
        letter = self.feedback_visible(ctx, SuggestionLetter, cmd.letter_id)
        letter.answer(envelope, cmd.reply, cmd.measures)
        return msgspec.structs.replace(self._saved(None, letter), record_id=letter.id)

    def verify_suggestion_letter(self, ctx: Context, cmd: VerifySuggestionLetter) -> Result:
        envelope = self._envelope(ctx, cmd)
        letter = self.feedback_visible(ctx, SuggestionLetter, cmd.letter_id)
        letter.verify(envelope, cmd.comment)
        return msgspec.structs.replace(self._saved(None, letter), record_id=letter.id)

    # --------------------------------------------------------------- reads

    def feedback_record(self, cls: type, record_id: UUID) -> Any:
        """A box, form or letter (a copy), or NotFound."""
        try:
            record = self.repository.get(record_id)
        except AggregateNotFoundError:
            record = None
        if not isinstance(record, cls):
            raise NotFound(f"没有编号为{record_id}的{WHAT[cls]}", code=CODES[cls])
        return record

    def feedback_visible(self, ctx: Context, cls: type, record_id: UUID) -> Any:
        """The record for a reader or a command: one the actor may not see is
        answered as unknown, before any rule speaks."""
        record = self.feedback_record(cls, record_id)
        if not visible_to(ctx.actor.role, ctx.actor.unit, record):
            raise NotFound(f"没有编号为{record_id}的{WHAT[cls]}", code=CODES[cls])
        return record

    def feedback_history(self, ctx: Context, cls: type, record_id: UUID) -> list[Any]:
        """The record's events, oldest first (visibility checked)."""
        self.feedback_visible(ctx, cls, record_id)
        return list(self.events.get(record_id))

    # ------------------------------------------------------------- helpers

    def _feedback_unit(self, name: str) -> Unit | None:
        try:
            unit = self.repository.get(Unit.create_id(name), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return unit if isinstance(unit, Unit) else None

    def _feedback_person(self, field: str, username: str) -> tuple[Person, str]:
        """A user as the directory knows them (their name from there, never as typed) and their unit."""
        try:
            user = self.get_user(username.strip(), for_update=False)
        except NotFound:
            raise InvalidInput.one(field, "unknown_user", f"用户目录中没有“{username}”") from None
        if not user.active:
            raise InvalidInput.one(field, "not_active", f"{user.display_name}的账户已停用")
        return Person(id=user.username, name=user.display_name), user.unit

    def _form_cited(self, ctx: Context, form_id: UUID | None) -> FeedbackForm | None:
        if form_id is None:
            return None
        try:
            return self.feedback_visible(ctx, FeedbackForm, form_id)
        except NotFound as e:
            raise InvalidInput.one("form_id", "unknown_form", e.message) from None

    def _letter_followed(self, ctx: Context, cmd: IssueSuggestionLetter) -> SuggestionLetter | None:
        if cmd.follows is None:
            return None
        try:
            follows = self.feedback_visible(ctx, SuggestionLetter, cmd.follows)
        except NotFound as e:
            raise InvalidInput.one("follows", "unknown_letter", e.message) from None
        if cmd.unit.strip() != follows.unit:
            raise InvalidInput.one("unit", "not_the_same_unit", f"再次制发的整改建议书应致原单位{follows.unit}")
        return follows


HANDLERS = {
    InstallBox: FeedbackCommands.install_box,
    ChangeBoxKeeper: FeedbackCommands.change_box_keeper,
    CheckBox: FeedbackCommands.check_box,
    FillInFeedbackForm: FeedbackCommands.fill_in_feedback_form,
    IssueSuggestionLetter: FeedbackCommands.issue_suggestion_letter,
    AnswerSuggestionLetter: FeedbackCommands.answer_suggestion_letter,
    VerifySuggestionLetter: FeedbackCommands.verify_suggestion_letter,
}
