"""The four lists (四张清单) as data: one catalogue per issuing authority.

A catalogue holds editions (versions), each with its lists — by default the
four of 行政处罚法 Arts. 32–33 and 行政强制法, but a place may define its own
set, each list having a *kind* that fixes what applying it may do — and its
items. Every change is an event: publishing an edition, amending an item
(a new revision from a date; the old text stays in force before it),
repealing an item or a whole edition (from a date). So "which item was in
force on the original decision date" is answered from the events alone.

``check_reversal`` holds the legal rules a reversal must satisfy against the
item it cites; the case calls it while deciding.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.copying import CopiedByContainers
from ledger.errors import FieldError, InvalidInput, NotAllowed, WrongState
from ledger.inputs import blank, money_problem
from ledger.numbering import LEDGER_NAMESPACE
from ledger.values import CST, Actor, Envelope, FourList, Reversal, Role, Struct


class ListDef(Struct):
    """One list of a catalogue: its code (stable, cited by reversals), the
    name the place gives it, and its legal kind."""

    code: str
    name: str
    kind: FourList


DEFAULT_LISTS = tuple(ListDef(code=k.value, name=k.label, kind=k) for k in FourList)


class ListItem(Struct):
    """One item: the violation, the conditions that must *all* be met to apply
    it, and its legal basis (the breached article and the penalty article).
    A fine range (yuan) lets the ledger check that a remade fine fits."""

    list_code: str
    number: str
    violation: str
    conditions: tuple[str, ...]
    breached: str
    penalty_basis: str
    fine_min_yuan: Decimal | None = None
    fine_max_yuan: Decimal | None = None
    notes: str = ""


class Edition(Struct):
    """A published version of an authority's catalogue (e.g. ``2024版``)."""

    version: str
    title: str
    effective_from: date
    items: tuple[ListItem, ...]
    document_number: str = ""
    effective_until: date | None = None
    lists: tuple[ListDef, ...] = DEFAULT_LISTS  # the four standard lists unless the place defines its own
    supersedes: str | None = None


class Revision(Struct):
    """An item's text valid from ``valid_from`` to ``valid_until`` (inclusive)."""

    item: ListItem
    valid_from: date
    valid_until: date | None


class ItemInForce(Struct):
    """What the catalogue shows for one item on one day."""

    version: str
    list: ListDef
    item: ListItem
    valid_from: date
    valid_until: date | None


def _text(field: str, value: str, label: str, errors: list[FieldError]) -> None:
    if blank(value):
        errors.append(FieldError(field, "required", f"{label}不能为空"))


def check_item(item: ListItem, lists: dict[str, ListDef], field: str, errors: list[FieldError]) -> None:
    """Every field of an item; problems are appended to ``errors``."""
    if item.list_code not in lists:
        known = "、".join(lists) or "（无）"
        errors.append(FieldError(f"{field}.list_code", "unknown_list", f"没有代码为“{item.list_code}”的清单（可用：{known}）"))
    _text(f"{field}.number", item.number, "事项序号", errors)
    _text(f"{field}.violation", item.violation, "违法行为", errors)
    if not item.conditions or any(blank(c) for c in item.conditions):
        errors.append(FieldError(f"{field}.conditions", "required", "至少列明一项适用条件，且不能为空"))
    elif len(set(item.conditions)) != len(item.conditions):
        errors.append(FieldError(f"{field}.conditions", "duplicate", "适用条件重复"))
    _text(f"{field}.breached", item.breached, "违反的法律条款", errors)
    _text(f"{field}.penalty_basis", item.penalty_basis, "处罚依据", errors)
    lo, hi = item.fine_min_yuan, item.fine_max_yuan
    bad = False
    for name, amount in (("fine_min_yuan", lo), ("fine_max_yuan", hi)):
        problem = money_problem(amount) if amount is not None else None
        if problem is not None:
            errors.append(FieldError(f"{field}.{name}", *problem))
            bad = True
    if (lo is None) != (hi is None):
        errors.append(FieldError(f"{field}.fine_max_yuan", "incomplete_range", "罚款幅度须同时填写下限和上限"))
    elif lo is not None and hi is not None and not bad and hi < lo:
        errors.append(FieldError(f"{field}.fine_min_yuan", "bad_range", "罚款幅度应为下限≤上限的非负金额"))


def require_editor(actor: Actor, authority: str) -> None:
    """An authority's lists are kept by its own unit staff or an administrator."""
    if actor.role in (Role.ADMINISTRATOR, Role.SYSTEM):
        return
    if actor.role is Role.UNIT_STAFF and actor.unit == authority:
        return
    raise NotAllowed(f"只有{authority}的执法人员或系统管理员可以维护该单位的四张清单", code="catalogue_editor_only")


class FourListsCatalogue(CopiedByContainers, Aggregate):
    """The four lists published by one issuing authority (a registered unit)."""

    @staticmethod
    def create_id(authority: str) -> UUID:
        return uuid5(LEDGER_NAMESPACE, f"four-lists/{authority}")

    @event("Started")
    def __init__(self, authority: str) -> None:
        self.authority = authority
        self.legal_review_required = False
        self.filed_with_justice: tuple[date, str] | None = None  # the last 报司法局备案
        self.editions: dict[str, Edition] = {}
        self.ends: dict[str, date | None] = {}  # the last day each edition is in force
        self.revisions: dict[tuple[str, str, str], tuple[Revision, ...]] = {}

    # ------------------------------------------------------------- decide

    def _require_editor(self, envelope: Envelope) -> None:
        require_editor(envelope.actor, self.authority)

    def publish(self, envelope: Envelope, edition: Edition) -> None:
        """发布 an edition with its lists and items."""
        self._require_editor(envelope)
        errors: list[FieldError] = []
        _text("version", edition.version, "清单版本", errors)
        if edition.version in self.editions:
            errors.append(FieldError("version", "duplicate", f"版本“{edition.version}”已发布，修改请用修订或废止"))
        _text("title", edition.title, "清单名称", errors)
        if edition.effective_until is not None and edition.effective_until < edition.effective_from:
            errors.append(FieldError("effective_until", "before_start", "失效日期早于生效日期"))
        if not edition.lists:
            errors.append(FieldError("lists", "required", "至少包含一张清单"))
        lists: dict[str, ListDef] = {}
        for i, lst in enumerate(edition.lists):
            _text(f"lists[{i}].code", lst.code, "清单代码", errors)
            _text(f"lists[{i}].name", lst.name, "清单名称", errors)
            if lst.code in lists:
                errors.append(FieldError(f"lists[{i}].code", "duplicate", f"清单代码“{lst.code}”重复"))
            lists[lst.code] = lst
        if not edition.items:
            errors.append(FieldError("items", "required", "至少包含一个事项"))
        seen: set[tuple[str, str]] = set()
        for i, item in enumerate(edition.items):
            check_item(item, lists, f"items[{i}]", errors)
            key = (item.list_code, item.number)
            if key in seen:
                errors.append(FieldError(f"items[{i}].number", "duplicate", f"清单“{item.list_code}”中事项序号{item.number}重复"))
            seen.add(key)
        if edition.supersedes is not None:
            old = self.editions.get(edition.supersedes)
            if old is None:
                errors.append(FieldError("supersedes", "unknown_version", f"没有版本“{edition.supersedes}”"))
            elif old.effective_from >= edition.effective_from:
                errors.append(FieldError("supersedes", "not_later", "新版本的生效日期应晚于被替代版本的生效日期"))
        if errors:
            raise InvalidInput(errors)
        self._published(envelope=envelope, edition=edition)

    @event("VersionPublished")
    def _published(self, envelope: Envelope, edition: Edition) -> None:
        self.editions = {**self.editions, edition.version: edition}
        self.ends = {**self.ends, edition.version: edition.effective_until}
        if edition.supersedes is not None:
            self._end_edition(edition.supersedes, edition.effective_from)
        revisions = dict(self.revisions)
        for item in edition.items:
            key = (edition.version, item.list_code, item.number)
            revisions[key] = (Revision(item=item, valid_from=edition.effective_from, valid_until=None),)
        self.revisions = revisions

    def amend_item(self, envelope: Envelope, version: str, item: ListItem, effective_from: date) -> None:
        """修订 (or add) an item from ``effective_from``; earlier days keep the old text."""
        self._require_editor(envelope)
        edition = self._edition(version)
        errors: list[FieldError] = []
        check_item(item, {x.code: x for x in edition.lists}, "item", errors)
        if errors:
            raise InvalidInput(errors)
        if effective_from < edition.effective_from:
            raise InvalidInput.one("effective_from", "before_edition", f"修订生效日期早于该版本生效日期{edition.effective_from}")
        end = self.ends[version]
        if end is not None and effective_from > end:
            raise InvalidInput.one("effective_from", "edition_ended", f"该版本已于{end}后失效，不能再修订")
        history = self.revisions.get((version, item.list_code, item.number), ())
        repealed_until = history[-1].valid_until if history else None
        if repealed_until is not None and effective_from <= repealed_until:
            # amending inside the repealed item's past would silently revive it
            raise InvalidInput.one(
                "effective_from",
                "item_repealed",
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
    def _item_amended(self, envelope: Envelope, version: str, item: ListItem, effective_from: date) -> None:
        key = (version, item.list_code, item.number)
        history = self._closed(self.revisions.get(key, ()), effective_from)
        self.revisions = {**self.revisions, key: (*history, Revision(item=item, valid_from=effective_from, valid_until=None))}

    def repeal_item(self, envelope: Envelope, version: str, list_code: str, number: str, effective_from: date, reason: str) -> None:
        """废止 an item: not in force from ``effective_from`` on."""
        self._require_editor(envelope)
        self._edition(version)
        history = self.revisions.get((version, list_code, number))
        if not history:
            raise InvalidInput.one("number", "unknown_item", f"版本“{version}”的清单“{list_code}”中没有第{number}项")
        last = history[-1]
        if last.valid_until is not None:
            raise InvalidInput.one("number", "already_repealed", f"该事项已于{last.valid_until + timedelta(days=1)}起废止")
        if effective_from <= last.valid_from:
            raise InvalidInput.one("effective_from", "not_after_revision", f"废止日期应晚于该事项现行文本的生效日期{last.valid_from}")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "废止原因不能为空")
        self._item_repealed(envelope=envelope, version=version, list_code=list_code, number=number, effective_from=effective_from, reason=reason.strip())

    @event("ItemRepealed")
    def _item_repealed(self, envelope: Envelope, version: str, list_code: str, number: str, effective_from: date, reason: str) -> None:
        key = (version, list_code, number)
        self.revisions = {**self.revisions, key: self._closed(self.revisions[key], effective_from)}

    def repeal_edition(self, envelope: Envelope, version: str, effective_from: date, reason: str) -> None:
        """废止 a whole edition from ``effective_from``."""
        self._require_editor(envelope)
        edition = self._edition(version)
        end = self.ends[version]
        if end is not None and effective_from > end:
            raise InvalidInput.one("version", "already_ended", f"该版本已于{end}后失效")
        if effective_from <= edition.effective_from:
            raise InvalidInput.one("effective_from", "before_edition", "废止日期应晚于该版本生效日期")
        if blank(reason):
            raise InvalidInput.one("reason", "required", "废止原因不能为空")
        self._edition_repealed(envelope=envelope, version=version, effective_from=effective_from, reason=reason.strip())

    @event("VersionRepealed")
    def _edition_repealed(self, envelope: Envelope, version: str, effective_from: date, reason: str) -> None:
        self._end_edition(version, effective_from)

    def set_legal_review(self, envelope: Envelope, required: bool) -> None:
        """Whether applying this authority's lists needs 法制审核 (major decisions always do)."""
        self._require_editor(envelope)
        if required == self.legal_review_required:
            raise InvalidInput.one("required", "unchanged", "法制审核要求未改变")
        self._legal_review_set(envelope=envelope, required=required)

    @event("LegalReviewPolicySet")
    def _legal_review_set(self, envelope: Envelope, required: bool) -> None:
        self.legal_review_required = required

    def file_with_justice(self, envelope: Envelope, filed_on: date, reference: str) -> None:
        """报司法局备案 (seed 003 八): the authority's lists as they stand, filed
        on a day with the 司法局's reference. Filed again after a change."""
        self._require_editor(envelope)
        if blank(reference):
            raise InvalidInput.one("reference", "required", "备案文号或回执编号不能为空")
        if filed_on > envelope.business_time.astimezone(CST).date():
            raise InvalidInput.one("filed_on", "in_future", "备案日期晚于今天")
        if not self.editions:
            raise WrongState("尚未发布任何版本的清单，无可备案", code="nothing_to_file")
        self._filed_with_justice(envelope=envelope, filed_on=filed_on, reference=reference.strip(),
                                 versions=tuple(sorted(self.editions)))

    @event("FiledWithJustice")
    def _filed_with_justice(self, envelope: Envelope, filed_on: date, reference: str, versions: tuple[str, ...]) -> None:
        self.filed_with_justice = (filed_on, reference)

    def _end_edition(self, version: str, first_day_out: date) -> None:
        last = first_day_out - timedelta(days=1)
        end = self.ends.get(version)
        self.ends = {**self.ends, version: last if end is None else min(end, last)}

    @staticmethod
    def _closed(history: tuple[Revision, ...], first_day_out: date) -> tuple[Revision, ...]:
        if not history or history[-1].valid_until is not None:
            return history
        last = history[-1]
        closed = Revision(item=last.item, valid_from=last.valid_from, valid_until=first_day_out - timedelta(days=1))
        return (*history[:-1], closed)

    def _edition(self, version: str) -> Edition:
        edition = self.editions.get(version)
        if edition is None:
            raise InvalidInput.one("version", "unknown_version", f"{self.authority}没有发布版本“{version}”")
        return edition

    # -------------------------------------------------------------- query

    def latest_lists(self) -> tuple[ListDef, ...]:
        """The lists of the latest edition (an import keeps the place's set)."""
        if not self.editions:
            return DEFAULT_LISTS
        return max(self.editions.values(), key=lambda e: e.effective_from).lists

    def edition_in_force(self, version: str, on: date) -> bool:
        edition = self.editions[version]
        end = self.ends[version]
        return edition.effective_from <= on and (end is None or on <= end)

    def item_on(self, version: str, list_code: str, number: str, on: date, field: str = "cited") -> ItemInForce:
        """The item as it stood on ``on``, or InvalidInput saying why not."""
        edition = self.editions.get(version)
        if edition is None:
            raise InvalidInput.one(f"{field}.catalogue_version", "unknown_version", f"{self.authority}没有发布清单版本“{version}”")
        if on < edition.effective_from:
            raise InvalidInput.one(
                f"{field}.catalogue_version",
                "not_yet_in_force",
                f"清单版本“{version}”自{edition.effective_from}起施行，原处罚决定作出之日（{on}）尚未生效",
            )
        end = self.ends[version]
        if end is not None and on > end:
            raise InvalidInput.one(
                f"{field}.catalogue_version",
                "no_longer_in_force",
                f"清单版本“{version}”已于{end}后失效，原处罚决定作出之日（{on}）不在其有效期内",
            )
        lists = {x.code: x for x in edition.lists}
        if list_code not in lists:
            raise InvalidInput.one(f"{field}.list_code", "unknown_list", f"清单版本“{version}”中没有清单“{list_code}”")
        history = self.revisions.get((version, list_code, number))
        if not history:
            raise InvalidInput.one(
                f"{field}.item_number", "unknown_item", f"{lists[list_code].name}（{version}）中没有第{number}项"
            )
        for revision in history:
            if revision.valid_from <= on and (revision.valid_until is None or on <= revision.valid_until):
                return ItemInForce(version=version, list=lists[list_code], item=revision.item, valid_from=revision.valid_from, valid_until=revision.valid_until)
        if on < history[0].valid_from:
            raise InvalidInput.one(
                f"{field}.item_number", "not_yet_in_force", f"第{number}项自{history[0].valid_from}起施行，原处罚决定作出时尚未生效"
            )
        raise InvalidInput.one(
            f"{field}.item_number", "repealed", f"第{number}项已于{history[-1].valid_until}后废止，原处罚决定作出时已不在施行"
        )

    def items_on(self, on: date, *, list_code: str | None = None, version: str | None = None) -> list[ItemInForce]:
        """Every item in force on ``on`` (optionally of one list or edition)."""
        found: list[ItemInForce] = []
        for (v, code, number) in self.revisions:
            if (version is not None and v != version) or (list_code is not None and code != list_code):
                continue
            if not self.edition_in_force(v, on):
                continue
            try:
                found.append(self.item_on(v, code, number, on))
            except InvalidInput:
                continue
        def order(x: ItemInForce) -> tuple[date, str, int, tuple[int, str]]:
            edition = self.editions[x.version]
            return (edition.effective_from, x.version, edition.lists.index(x.list), _number_key(x.item.number))

        return sorted(found, key=order)

    # -------------------------------------------------------------- rules

    def check_reversal(self, envelope: Envelope, reversal: Reversal) -> ItemInForce:
        """The legal rules of reversing a penalty under this catalogue.

        - the cited item must be in force on the *original decision date*;
        - the list's kind must be the one cited, and every condition of the
          item must be stated as met (conditions are cumulative), none other;
        - the outcome must fit the list: a lighter fine within the lower half
          of the statutory range, a mitigated fine below its minimum;
        - 法制审核 is recorded when the authority requires it, and always for
          a major decision (行政处罚法 Art. 58), by someone else than the actor.
        """
        cited = reversal.cited
        found = self.item_on(cited.catalogue_version, cited.code, cited.item_number, reversal.decision.decided_on)
        if found.list.kind is not cited.list:
            raise InvalidInput.one(
                "cited.list", "list_mismatch", f"“{found.list.name}”属于{found.list.kind.label}，与所引清单类别不符"
            )
        item = found.item
        stated = [c.strip() for c in reversal.conditions_met]
        unknown = [c for c in stated if c not in item.conditions]
        if unknown:
            raise InvalidInput.one(
                "conditions_met", "unknown_condition", f"“{'、'.join(unknown)}”不是该事项的适用条件（适用条件：{'、'.join(item.conditions)}）"
            )
        missing = [c for c in item.conditions if c not in stated]
        if missing:
            raise InvalidInput.one(
                "conditions_met", "conditions_not_met", f"适用该事项须同时符合全部条件，未写明：{'、'.join(missing)}"
            )
        self._check_outcome(reversal, found)
        if self.legal_review_required or reversal.major:
            why = "重大行政处罚决定须经法制审核" if reversal.major else f"{self.authority}要求适用四张清单须经法制审核"
            reviewer = reversal.legal_reviewer
            if reviewer is None or blank(reviewer.id) or blank(reviewer.name):
                raise InvalidInput.one("legal_reviewer", "legal_review_required", f"{why}，请填写法制审核人员")
            if reviewer.id == envelope.actor.id:
                raise InvalidInput.one("legal_reviewer", "self_review", "法制审核人员不能是承办人本人")
        return found

    @staticmethod
    def _check_outcome(reversal: Reversal, found: ItemInForce) -> None:
        kind, item, fine = found.list.kind, found.item, reversal.new_fine_yuan
        if kind in (FourList.NO_PENALTY, FourList.NO_COERCIVE_MEASURE):
            if fine is not None:
                raise InvalidInput.one("new_fine_yuan", "not_for_revocation", f"适用{kind.label}应撤销，不应有罚款")
            return
        if fine is not None and (problem := money_problem(fine)) is not None:
            raise InvalidInput.one("new_fine_yuan", *problem)
        lo, hi = item.fine_min_yuan, item.fine_max_yuan
        if lo is None or hi is None:
            return  # not a fine with a range: the written sanction is all there is
        if fine is None:
            raise InvalidInput.one("new_fine_yuan", "required", f"该事项的罚款幅度为{lo}至{hi}元，请填写重新作出的罚款金额")
        if kind is FourList.LIGHTER:
            upper = lo + (hi - lo) / 2
            if not lo <= fine <= upper:
                raise InvalidInput.one(
                    "new_fine_yuan", "outside_lower_range", f"从轻处罚应在法定幅度的较低部分，即{lo}至{_yuan(upper)}元"
                )
        elif kind is FourList.MITIGATED and not Decimal(0) < fine < lo:
            raise InvalidInput.one("new_fine_yuan", "not_below_minimum", f"减轻处罚应低于法定最低罚款{lo}元（且不为零）")


def _yuan(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')).normalize():f}"


def _number_key(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 1 << 30, number)
