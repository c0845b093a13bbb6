"""The catalogue of guidance matters (行政指导事项目录清单; seed 001 附件1 and
三(一), seed 004 二(四)): one per authority, versioned like the four lists.

An authority publishes editions of its catalogue; an item is amended (a new
text from a date, the old one stays in force before it) or repealed from a
date; an edition is repealed or superseded from a date. So "which matter was
in force on the day a guidance started" is answered from the events alone.

The catalogue also holds the authority's list of guidance methods (政策指引,
行政约谈…): the seeds' methods until its editors set their own, and every
item's methods come from it.

The module's import name and the class name are the stored topics: never
move them. Public methods decide; the ``@event`` methods only assign.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.catalogue import _number_key  # the four lists' item order: 2 before 10
from ledger.copying import CopiedByContainers
from ledger.errors import FieldError, InvalidInput, NotAllowed
from ledger.guidance.values import SEED_METHODS
from ledger.inputs import blank
from ledger.matters.values import MatterEdition, MatterInForce, MatterItem, MatterRevision
from ledger.numbering import LEDGER_NAMESPACE
from ledger.values import CST, Actor, Envelope, Role

# An import splits a cell of methods (or implementers) on these, so a method's
# own name may not hold one; "/" separates version and number in a citation.
LIST_SEPARATORS = re.compile(r"[；;、,，|\n]+")
MAX_METHOD_LENGTH = 20


def authority_of(unit: str) -> str:
    """The authority whose catalogue a unit's guidance follows. As for the
    four lists (a reversal reads the catalogue of the issuing unit), the
    directory's unit is itself the authority: units are registered as the
    enforcement bodies that publish catalogues, not as their 科室."""
    return unit


def require_editor(actor: Actor, authority: str) -> None:
    """An authority's catalogue is kept by its own unit staff (its 政策法规科,
    seed 001 三(一)) or an administrator, as the four lists are."""
    if actor.role in (Role.ADMINISTRATOR, Role.SYSTEM):
        return
    if actor.role is Role.UNIT_STAFF and actor.unit == authority:
        return
    raise NotAllowed(f"只有{authority}的执法人员或系统管理员可以维护该单位的行政指导事项目录", code="matters_editor_only")


def _text(field: str, value: str, label: str, errors: list[FieldError]) -> None:
    if blank(value):
        errors.append(FieldError(field, "required", f"{label}不能为空"))


def _names(field: str, values: tuple[str, ...], label: str, errors: list[FieldError]) -> None:
    if not values or any(blank(v) for v in values):
        errors.append(FieldError(field, "required", f"至少填写一个{label}，且不能为空"))
    elif len({v.strip() for v in values}) != len(values):
        errors.append(FieldError(field, "duplicate", f"{label}重复"))


def check_item(item: MatterItem, methods: tuple[str, ...], field: str, errors: list[FieldError]) -> None:
    """Every field of an item against the authority's ``methods``; problems
    are appended to ``errors`` (``field`` is the prefix of their names)."""
    _text(f"{field}.number", item.number, "编号", errors)
    if "/" in item.number:
        errors.append(FieldError(f"{field}.number", "bad_number", "编号不能包含“/”（引用事项时写作 版本/编号）"))
    _text(f"{field}.matter", item.matter, "指导事项", errors)
    _names(f"{field}.implementers", item.implementers, "实施主体", errors)
    _text(f"{field}.basis", item.basis, "指导依据", errors)
    _text(f"{field}.content", item.content, "指导内容", errors)
    _names(f"{field}.methods", item.methods, "指导方式", errors)
    unknown = [m for m in item.methods if not blank(m) and m.strip() not in methods]
    if unknown:
        errors.append(FieldError(
            f"{field}.methods", "unknown_method",
            f"“{'、'.join(unknown)}”不在本单位的行政指导方式之中（可用：{'、'.join(methods)}）",
        ))
    _text(f"{field}.rights", item.rights, "相对人权利", errors)


def cleaned(item: MatterItem) -> MatterItem:
    """The item as stored: every text trimmed."""
    return MatterItem(
        number=item.number.strip(), matter=item.matter.strip(),
        implementers=tuple(x.strip() for x in item.implementers), basis=item.basis.strip(),
        content=item.content.strip(), methods=tuple(m.strip() for m in item.methods), rights=item.rights.strip(),
        remarks=item.remarks.strip(),
    )


class GuidanceMatterCatalogue(CopiedByContainers, Aggregate):
    """The guidance matters published by one authority (a registered unit),
    and its list of guidance methods."""

    @staticmethod
    def create_id(authority: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"guidance-matters/{authority}")

    @event("Started")
    def __init__(self, envelope: Envelope, authority: str) -> None:
        self.authority = authority
        self.own_methods: tuple[str, ...] | None = None  # None: the seeds' methods
        self.editions: dict[str, MatterEdition] = {}
        self.ends: dict[str, date | None] = {}  # the last day each edition is in force
        self.revisions: dict[tuple[str, str], tuple[MatterRevision, ...]] = {}

    @property
    def methods(self) -> tuple[str, ...]:
        """The authority's list of guidance methods (the seeds' until set)."""
        return self.own_methods if self.own_methods is not None else SEED_METHODS

    # ------------------------------------------------------------- decide

    def publish(self, envelope: Envelope, edition: MatterEdition) -> None:
        """发布 an edition with its items."""
        require_editor(envelope.actor, self.authority)
        errors: list[FieldError] = []
        _text("version", edition.version, "目录版本", errors)
        if "/" in edition.version:
            errors.append(FieldError("version", "bad_version", "版本不能包含“/”（引用事项时写作 版本/编号）"))
        if edition.version.strip() in self.editions:
            errors.append(FieldError("version", "duplicate", f"版本“{edition.version}”已发布，修改请用修订或废止"))
        _text("title", edition.title, "目录名称", errors)
        if edition.effective_until is not None and edition.effective_until < edition.effective_from:
            errors.append(FieldError("effective_until", "before_start", "失效日期早于生效日期"))
        if not edition.items:
            errors.append(FieldError("items", "required", "至少包含一个指导事项"))
        seen: set[str] = set()
        for i, item in enumerate(edition.items):
            check_item(item, self.methods, f"items[{i}]", errors)
            if item.number.strip() in seen:
                errors.append(FieldError(f"items[{i}].number", "duplicate", f"编号{item.number}重复"))
            seen.add(item.number.strip())
        if edition.supersedes is not None:
            old = self.editions.get(edition.supersedes)
            if old is None:
                errors.append(FieldError("supersedes", "unknown_version", f"没有版本“{edition.supersedes}”"))
            elif old.effective_from >= edition.effective_from:
                errors.append(FieldError("supersedes", "not_later", "新版本的生效日期应晚于被替代版本的生效日期"))
        if errors:
            raise InvalidInput(errors)
        stored = MatterEdition(
            version=edition.version.strip(), title=edition.title.strip(), effective_from=edition.effective_from,
            items=tuple(cleaned(i) for i in edition.items), document_number=edition.document_number.strip(),
            effective_until=edition.effective_until, supersedes=edition.supersedes,
        )
        self._published(envelope=envelope, edition=stored)

    @event("EditionPublished")
    def _published(self, envelope: Envelope, edition: MatterEdition) -> None:
        self.editions = {**self.editions, edition.version: edition}
        self.ends = {**self.ends, edition.version: edition.effective_until}
        if edition.supersedes is not None:
            self._end_edition(edition.supersedes, edition.effective_from)
        revisions = dict(self.revisions)
        for item in edition.items:
            revisions[(edition.version, item.number)] = (
                MatterRevision(item=item, valid_from=edition.effective_from, valid_until=None),
            )
        self.revisions = revisions

    def amend_item(self, envelope: Envelope, version: str, item: MatterItem, effective_from: date) -> None:
        """修订 (or add) an item from ``effective_from``; earlier days keep the old text."""
        require_editor(envelope.actor, self.authority)
        edition = self._edition(version)
        errors: list[FieldError] = []
        check_item(item, self.methods, "item", errors)
        if errors:
            raise InvalidInput(errors)
        item = cleaned(item)
        if effective_from < edition.effective_from:
            raise InvalidInput.one("effective_from", "before_edition", f"修订生效日期早于该版本生效日期{edition.effective_from}")
        end = self.ends[version]
        if end is not None and effective_from > end:
            raise InvalidInput.one("effective_from", "edition_ended", f"该版本已于{end}后失效，不能再修订")
        history = self.revisions.get((version, item.number), ())
        repealed_until = history[-1].valid_until if history else None
        if repealed_until is not None and effective_from <= repealed_until:
            # amending inside the repealed item's past would silently revive it
            raise InvalidInput.one(
                "effective_from", "item_repealed",
                f"该事项已于{repealed_until + timedelta(days=1)}起废止；重新施行的日期应不早于废止日期",
            )
        if history and effective_from <= history[-1].valid_from:
            raise InvalidInput.one(
                "effective_from", "not_after_revision", f"修订生效日期应晚于该事项现行文本的生效日期{history[-1].valid_from}"
            )
        if history and history[-1].item == item:
            raise InvalidInput.one("item", "unchanged", "修订内容与现行文本相同")
        self._item_amended(envelope=envelope, version=version, item=item, effective_from=effective_from)

    @event("ItemAmended")
    def _item_amended(self, envelope: Envelope, version: str, item: MatterItem, effective_from: date) -> None:
        key = (version, item.number)
        history = _closed(self.revisions.get(key, ()), effective_from)
        self.revisions = {**self.revisions, key: (*history, MatterRevision(item=item, valid_from=effective_from, valid_until=None))}

    def repeal_item(self, envelope: Envelope, version: str, number: str, effective_from: date, reason: str) -> None:
        """废止 an item: not in force from ``effective_from`` on."""
        require_editor(envelope.actor, self.authority)
        self._edition(version)
        history = self.revisions.get((version, number))
        if not history:
            raise InvalidInput.one("number", "unknown_item", f"版本“{version}”中没有编号为{number}的指导事项")
        last = history[-1]
        if last.valid_until is not None:
            raise InvalidInput.one("number", "already_repealed", f"该事项已于{last.valid_until + timedelta(days=1)}起废止")
        if effective_from <= last.valid_from:
            raise InvalidInput.one("effective_from", "not_after_revision", f"废止日期应晚于该事项现行文本的生效日期{last.valid_from}")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "废止原因不能为空")
        self._item_repealed(envelope=envelope, version=version, number=number, effective_from=effective_from, reason=reason.strip())

    @event("ItemRepealed")
    def _item_repealed(self, envelope: Envelope, version: str, number: str, effective_from: date, reason: str) -> None:
        key = (version, number)
        self.revisions = {**self.revisions, key: _closed(self.revisions[key], effective_from)}

    def repeal_edition(self, envelope: Envelope, version: str, effective_from: date, reason: str) -> None:
        """废止 a whole edition from ``effective_from``."""
        require_editor(envelope.actor, self.authority)
        edition = self._edition(version)
        end = self.ends[version]
        if end is not None and effective_from > end:
            raise InvalidInput.one("version", "already_ended", f"该版本已于{end}后失效")
        if effective_from <= edition.effective_from:
            raise InvalidInput.one("effective_from", "before_edition", "废止日期应晚于该版本生效日期")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "废止原因不能为空")
        self._edition_repealed(envelope=envelope, version=version, effective_from=effective_from, reason=reason.strip())

    @event("EditionRepealed")
    def _edition_repealed(self, envelope: Envelope, version: str, effective_from: date, reason: str) -> None:
        self._end_edition(version, effective_from)

    def set_methods(self, envelope: Envelope, methods: tuple[str, ...]) -> None:
        """The authority's list of guidance methods. A method still named by an
        item in force on the day of the change (or later) stays: the item is
        amended or repealed first, so no published matter names a method the
        authority no longer offers."""
        require_editor(envelope.actor, self.authority)
        names = tuple(m.strip() for m in methods)
        errors: list[FieldError] = []
        _names("methods", names, "行政指导方式", errors)
        for i, name in enumerate(names):
            if LIST_SEPARATORS.search(name) or "/" in name:
                errors.append(FieldError(f"methods[{i}]", "separator", f"“{name}”含有分隔符（；、，|/），请每行填写一种方式"))
            elif len(name) > MAX_METHOD_LENGTH:
                errors.append(FieldError(f"methods[{i}]", "too_long", f"方式名称不超过{MAX_METHOD_LENGTH}个字"))
        if errors:
            raise InvalidInput(errors)
        if names == self.methods:
            raise InvalidInput.one("methods", "unchanged", "行政指导方式未改变")
        day = envelope.business_time.astimezone(CST).date()
        in_use: set[str] = set()
        for (version, number), history in self.revisions.items():
            if not self._ends_after(version, day):
                continue
            for r in history:
                if r.valid_until is None or r.valid_until >= day:
                    in_use.update(f"{version}第{number}项（{m}）" for m in r.item.methods if m not in names)
        if in_use:
            raise InvalidInput.one(
                "methods", "method_in_use", f"以下施行中的指导事项仍使用被删除的方式，请先修订或废止：{'、'.join(sorted(in_use))}"
            )
        self._methods_set(envelope=envelope, methods=names)

    @event("MethodsSet")
    def _methods_set(self, envelope: Envelope, methods: tuple[str, ...]) -> None:
        self.own_methods = methods

    def _end_edition(self, version: str, first_day_out: date) -> None:
        last = first_day_out - timedelta(days=1)
        end = self.ends.get(version)
        self.ends = {**self.ends, version: last if end is None else min(end, last)}

    def _ends_after(self, version: str, day: date) -> bool:
        end = self.ends[version]
        return end is None or end >= day

    def _edition(self, version: str) -> MatterEdition:
        edition = self.editions.get(version)
        if edition is None:
            raise InvalidInput.one("version", "unknown_version", f"{self.authority}没有发布行政指导事项目录版本“{version}”")
        return edition

    # -------------------------------------------------------------- query

    def edition_in_force(self, version: str, on: date) -> bool:
        return self.editions[version].effective_from <= on and self._ends_after(version, on)

    def item_on(self, version: str, number: str, on: date, field: str = "matter") -> MatterInForce:
        """The item as it stood on ``on``, or InvalidInput on ``field`` saying why not."""
        edition = self.editions.get(version)
        if edition is None:
            raise InvalidInput.one(field, "unknown_version", f"{self.authority}的行政指导事项目录没有版本“{version}”")
        if on < edition.effective_from:
            raise InvalidInput.one(field, "not_yet_in_force", f"目录版本“{version}”自{edition.effective_from}起施行，{on}尚未生效")
        end = self.ends[version]
        if end is not None and on > end:
            raise InvalidInput.one(field, "no_longer_in_force", f"目录版本“{version}”已于{end}后失效，{on}不在其有效期内")
        history = self.revisions.get((version, number))
        if not history:
            raise InvalidInput.one(field, "unknown_item", f"行政指导事项目录（{version}）中没有编号为{number}的事项")
        for r in history:
            if r.valid_from <= on and (r.valid_until is None or on <= r.valid_until):
                return MatterInForce(version=version, item=r.item, valid_from=r.valid_from, valid_until=r.valid_until)
        if on < history[0].valid_from:
            raise InvalidInput.one(field, "not_yet_in_force", f"第{number}项自{history[0].valid_from}起施行，{on}尚未生效")
        # repealed (and perhaps in force again later): the last text that ended before that day
        ended = max(r.valid_until for r in history if r.valid_until is not None and r.valid_until < on)
        repealed_from = ended + timedelta(days=1)
        raise InvalidInput.one(field, "repealed", f"第{number}项已于{repealed_from}起废止，{on}已不在施行")

    def items_on(self, on: date, *, version: str | None = None) -> list[MatterInForce]:
        """Every item in force on ``on`` (optionally of one edition), in edition and number order."""
        found = []
        for (v, number) in self.revisions:
            if (version is not None and v != version) or not self.edition_in_force(v, on):
                continue
            try:
                found.append(self.item_on(v, number, on))
            except InvalidInput:
                continue
        return sorted(found, key=lambda x: (self.editions[x.version].effective_from, x.version, _number_key(x.item.number)))

    def find(self, ref: str, on: date, field: str = "matter") -> MatterInForce:
        """The item cited as ``版本/编号`` (or by its number alone, when one
        edition in force that day has it), as it stood on ``on``."""
        ref = ref.strip()
        version, slash, number = ref.rpartition("/")
        if slash:
            return self.item_on(version.strip(), number.strip(), on, field)
        having = sorted((v for (v, n) in self.revisions if n == ref), key=lambda v: self.editions[v].effective_from)
        current = [v for v in having if self.edition_in_force(v, on)]
        if len(current) > 1:
            raise InvalidInput.one(field, "ambiguous", f"编号{ref}见于多个施行中的版本（{'、'.join(current)}），请写作 版本/编号")
        if current or having:
            return self.item_on((current or having)[-1], ref, on, field)
        raise InvalidInput.one(field, "unknown_item", f"{self.authority}的行政指导事项目录中没有编号为{ref}的事项")

    # -------------------------------------------------------------- rules

    def cite(self, ref: str, text: str, on: date) -> MatterInForce:
        """The rules of a guidance that cites a matter: the item is in force on
        the day the guidance starts, and the wording given (if any) is the
        item's. (The method is checked against the authority's list, not the
        item's: the item names the usual ways, the officer chooses.)"""
        found = self.find(ref, on)
        if not blank(text) and text.strip() != found.item.matter:
            raise InvalidInput.one(
                "matter.text", "not_the_catalogues", f"指导事项与目录第{found.ref}项的表述（{found.item.matter}）不一致"
            )
        return found

def _closed(history: tuple[MatterRevision, ...], first_day_out: date) -> tuple[MatterRevision, ...]:
    if not history or history[-1].valid_until is not None:
        return history
    last = history[-1]
    closed = MatterRevision(item=last.item, valid_from=last.valid_from, valid_until=first_day_out - timedelta(days=1))
    return (*history[:-1], closed)
