"""The four lists (四张清单) as data, and the supervision that follows a reversal.

- which catalogue item a reversal may cite: the one in force on the ORIGINAL
  decision date (editions, amendments, item and edition repeals, supersession);
- who may edit an authority's catalogue and reverse a unit's penalty;
- the legal rules of a reversal against the cited item (conditions, list
  kind, fine ranges, 法制审核);
- the review (整改建议书 numbered per supervising unit) and the 15-day filing
  of major decisions that a reversal opens in the same atomic save;
- importing an edition from CSV (UTF-8, GBK) or XLSX, all-or-nothing.

Every refused command is checked to have appended nothing to the log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any

import msgspec
import pytest

from ledger.case.commands import AcceptCase, DispatchCase, RemakePenalty, RevokePenalty
from ledger.catalogue import DEFAULT_LISTS, Edition, ListDef, ListItem
from ledger.catalogue.commands import (
    AmendListItem,
    PublishCatalogueEdition,
    RepealCatalogueEdition,
    RepealListItem,
    SetLegalReviewPolicy,
)
from ledger.catalogue.importing import parse_items
from ledger.directory import Unit, UnitKind
from ledger.directory.commands import RegisterUnit
from ledger.errors import CaseNotFound, Conflict, InvalidInput, LedgerError, NotAllowed, NotFound, WrongState
from ledger.supervision import FILING_DAYS, MajorDecisionFiling, ReversalReview, ReviewStatus, filing_due
from ledger.supervision.commands import (
    AnswerObjection,
    ConfirmReversal,
    DeclareMajorDecision,
    FileMajorDecision,
    ObjectToReversal,
)
from ledger.values import Actor, FormKind, FourList, ListItemCited, PenaltyDecision, Person, Role
from tests.builders import (
    ADMIN,
    AUDITOR,
    DISPATCHER,
    FIRE,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    OTHER_STAFF,
    REGISTRAR,
    SUPERVISOR,
    T0,
    ctx,
    rated_case,
    reversal,
    sample_edition,
    sample_items,
)
from tests.legal_review_builders import passed_review

REVERSE_AT = T0 + timedelta(days=4)  # Friday 2026-11-06 09:00, after the builders' service and rating
DECIDED = date(2025, 9, 12)  # the builders' original decision date
ITEM13_CONDITIONS = ("初次违法", "未造成危害后果")  # item 13 (fine range 1,000–10,000 yuan)
OLD_CONDITIONS = ("初次违法", "及时改正")  # item 12 as published
NEW_CONDITIONS = ("初次违法", "及时改正", "危害后果轻微")  # item 12 as amended in some tests
OTHER_SUPERVISOR = Actor(id="v2", name="郑督", role=Role.SUPERVISOR, unit="市人民政府行政执法监督局")
REVIEWER = Person(id="q1", name="钱律")
SAMPLES = files("ledger").joinpath("samples")


# ------------------------------------------------------------------ helpers


def log_position(ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def refused(ledger, call: Callable[[], Any], error: type[LedgerError], code: str | None = None, case_id=None) -> LedgerError:
    """``call`` raises exactly ``error`` (with ``code``) and appends nothing."""
    before = log_position(ledger)
    history = len(ledger.history(case_id)) if case_id is not None else None
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error, repr(info.value)
    if code is not None:
        assert info.value.code == code, str(info.value)
    assert log_position(ledger) == before, "a refused command appended to the log"
    if case_id is not None:
        assert len(ledger.history(case_id)) == history
    return info.value


def invalid(ledger, call: Callable[[], Any], field: str, code: str, case_id=None) -> InvalidInput:
    error = refused(ledger, call, InvalidInput, "invalid_input", case_id)
    assert {(e.field, e.code) for e in error.errors} == {(field, code)}, str(error)
    assert all(e.message for e in error.errors)
    return error


def decision(number: str = "张市监罚〔2025〕118号", on: date = DECIDED, unit: str = MARKET) -> PenaltyDecision:
    return PenaltyDecision(number=number, decided_on=on, issuing_unit=unit, four_lists_applied=False)


def cite(list_: FourList = FourList.NO_PENALTY, number: str = "12", version: str = "2025版", list_code: str = "") -> ListItemCited:
    return ListItemCited(list=list_, catalogue_version=version, item_number=number, list_code=list_code)


def revoke_cmd(case_id, at=REVERSE_AT, **over) -> RevokePenalty:
    return RevokePenalty(case_id=case_id, business_time=at, reversal=reversal(**over))


def remake_cmd(case_id, list_: FourList = FourList.LIGHTER, at=REVERSE_AT, **over) -> RemakePenalty:
    values: dict[str, Any] = dict(outcome="重新作出从轻处罚", new_sanction="警告")
    values.update(over)
    return RemakePenalty(case_id=case_id, business_time=at, reversal=reversal(list_, **values))


def fined_remake_cmd(case_id, list_: FourList, fine: str | None, number: str = "张市监罚〔2025〕118号", **over) -> RemakePenalty:
    """A remake under item 13 (fine range 1,000–10,000 yuan)."""
    return remake_cmd(
        case_id,
        list_,
        decision=decision(number),
        cited=cite(list_, "13"),
        conditions_met=ITEM13_CONDITIONS,
        new_sanction=f"罚款{fine}元" if fine is not None else "罚款",
        new_fine_yuan=Decimal(fine) if fine is not None else None,
        **over,
    )


def item12(conditions: tuple[str, ...] = OLD_CONDITIONS, list_code: str = "no_penalty", number: str = "12") -> ListItem:
    base = next(i for i in sample_items() if i.list_code == "no_penalty" and i.number == "12")
    return msgspec.structs.replace(base, conditions=conditions, list_code=list_code, number=number)


def amend(ledger, item: ListItem, effective_from: date, actor: Actor = MARKET_STAFF, version: str = "2025版"):
    return ledger.amend_list_item(
        ctx(actor), AmendListItem(authority=MARKET, version=version, item=item, effective_from=effective_from)
    )


def repeal_item(ledger, effective_from: date, number: str = "12", list_code: str = "no_penalty", actor: Actor = MARKET_STAFF):
    return ledger.repeal_list_item(
        ctx(actor),
        RepealListItem(
            authority=MARKET, version="2025版", list_code=list_code, number=number, effective_from=effective_from,
            reason="上位法修改",
        ),
    )


def repeal_edition(ledger, effective_from: date, version: str = "2025版", actor: Actor = MARKET_STAFF):
    return ledger.repeal_catalogue_edition(
        ctx(actor), RepealCatalogueEdition(authority=MARKET, version=version, effective_from=effective_from, reason="整体废止")
    )


def publish(ledger, actor: Actor = MARKET_STAFF, authority: str = MARKET, **edition):
    values: dict[str, Any] = dict(version="2026版", title="市场监管领域四张清单（2026版）", effective_from=date(2026, 1, 1))
    values.update(edition)
    return ledger.publish_catalogue_edition(
        ctx(actor), PublishCatalogueEdition(authority=authority, edition=sample_edition(**values), business_time=T0)
    )


def set_policy(ledger, required: bool, actor: Actor = MARKET_STAFF):
    return ledger.set_legal_review_policy(ctx(actor), SetLegalReviewPolicy(authority=MARKET, required=required))


def review_of(ledger, case_id, number: str = "张市监罚〔2025〕118号") -> ReversalReview:
    return ledger.review(ReversalReview.create_id(case_id, number))


def register_unit(ledger, name: str) -> None:
    if not ledger.exists(Unit.create_id(name)):
        ledger.register_unit(ctx(ADMIN), RegisterUnit(name=name, kind=UnitKind.ENFORCEMENT))


# ------------------------------------------------------- in force on the decision date


def test_citing_an_edition_not_yet_in_force_on_the_decision_date_is_refused_and_appends_nothing(memory_ledger):
    case_id = rated_case(memory_ledger)
    publish(memory_ledger, version="2026版", effective_from=date(2026, 1, 1))
    error = invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, cited=cite(version="2026版"))),
        "cited.catalogue_version",
        "not_yet_in_force",
        case_id,
    )
    assert "2026-01-01" in error.errors[0].message
    assert not memory_ledger.exists(ReversalReview.create_id(case_id, "张市监罚〔2025〕118号"))
    # a decision made on the edition's first day may cite it
    later = decision("张市监罚〔2026〕1号", on=date(2026, 1, 1))
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, decision=later, cited=cite(version="2026版")))
    assert memory_ledger.get_case(case_id).reversals[-1].decision.number == "张市监罚〔2026〕1号"


def test_citing_an_item_added_by_amendment_after_the_decision_date_is_refused(memory_ledger):
    case_id = rated_case(memory_ledger)
    amend(memory_ledger, item12(number="30"), date(2025, 10, 1))
    error = invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, cited=cite(number="30"))),
        "cited.item_number",
        "not_yet_in_force",
        case_id,
    )
    assert "2025-10-01" in error.errors[0].message
    # the day before, item 30 did not exist; from its first day it may be cited
    memory_ledger.revoke_penalty(
        ctx(MARKET_STAFF),
        revoke_cmd(case_id, decision=decision("张市监罚〔2025〕140号", on=date(2025, 10, 1)), cited=cite(number="30")),
    )
    assert review_of(memory_ledger, case_id, "张市监罚〔2025〕140号").status is ReviewStatus.PENDING


def _supersede(ledger, effective_from: date) -> None:
    publish(ledger, version="2025修订版", effective_from=effective_from, supersedes="2025版")


@pytest.mark.parametrize(
    ("how", "field", "code"),
    [
        ("item_repealed", "cited.item_number", "repealed"),
        ("edition_repealed", "cited.catalogue_version", "no_longer_in_force"),
        ("edition_superseded", "cited.catalogue_version", "no_longer_in_force"),
    ],
)
def test_citing_an_item_no_longer_in_force_on_the_decision_date_is_refused_but_an_earlier_decision_is_not(
    memory_ledger, how, field, code
):
    case_id = rated_case(memory_ledger)
    out_from = date(2025, 7, 1)
    {"item_repealed": repeal_item, "edition_repealed": repeal_edition, "edition_superseded": _supersede}[how](
        memory_ledger, out_from
    )
    # decided on the first day out of force
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, decision=decision(on=out_from))),
        field,
        code,
        case_id,
    )
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id)),  # 2025-09-12
        field,
        code,
        case_id,
    )
    # decided on the last day in force: still applies the old text
    memory_ledger.revoke_penalty(
        ctx(MARKET_STAFF), revoke_cmd(case_id, decision=decision("张市监罚〔2025〕90号", on=date(2025, 6, 30)))
    )
    assert review_of(memory_ledger, case_id, "张市监罚〔2025〕90号").issuing_unit == MARKET
    if how == "edition_superseded":  # the newer edition applies from its first day
        memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, cited=cite(version="2025修订版")))
        assert [r.cited.catalogue_version for r in memory_ledger.get_case(case_id).reversals] == ["2025版", "2025修订版"]


@pytest.mark.parametrize(
    ("decided_on", "conditions", "expected"),
    [
        (date(2025, 6, 30), OLD_CONDITIONS, None),
        (date(2025, 6, 30), NEW_CONDITIONS, "unknown_condition"),  # 危害后果轻微 was not a condition yet
        (date(2025, 7, 1), OLD_CONDITIONS, "conditions_not_met"),  # the amended text adds one
        (date(2025, 7, 1), NEW_CONDITIONS, None),
    ],
    ids=["before_old", "before_new", "after_old", "after_new"],
)
def test_an_amended_item_applies_its_old_conditions_before_the_amendment_and_the_new_ones_after(
    memory_ledger, decided_on, conditions, expected
):
    case_id = rated_case(memory_ledger)
    amend(memory_ledger, item12(NEW_CONDITIONS), date(2025, 7, 1))
    catalogue = memory_ledger.catalogue(MARKET)
    assert catalogue.item_on("2025版", "no_penalty", "12", date(2025, 6, 30)).item.conditions == OLD_CONDITIONS
    assert catalogue.item_on("2025版", "no_penalty", "12", date(2025, 7, 1)).item.conditions == NEW_CONDITIONS
    cmd = revoke_cmd(case_id, decision=decision(on=decided_on), conditions_met=conditions)
    if expected is None:
        memory_ledger.revoke_penalty(ctx(MARKET_STAFF), cmd)
        assert memory_ledger.get_case(case_id).reversals[-1].conditions_met == conditions
    else:
        error = invalid(memory_ledger, lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), cmd), "conditions_met", expected, case_id)
        assert "危害后果轻微" in error.errors[0].message


def test_amending_a_repealed_item_from_before_its_repeal_neither_hides_the_amendment_nor_undoes_the_repeal(memory_ledger):
    rated_case(memory_ledger)
    repeal_item(memory_ledger, date(2025, 7, 1))
    try:
        amend(memory_ledger, item12(NEW_CONDITIONS), date(2025, 5, 1))
    except InvalidInput as refused:
        # refused: amending inside the repealed past would revive the item
        assert refused.errors[0].code == "item_repealed"
        return
    catalogue = memory_ledger.catalogue(MARKET)
    assert catalogue.item_on("2025版", "no_penalty", "12", date(2025, 5, 15)).item.conditions == NEW_CONDITIONS
    with pytest.raises(InvalidInput) as info:
        catalogue.item_on("2025版", "no_penalty", "12", date(2025, 7, 15))
    assert info.value.errors[0].code == "repealed"


def test_browsing_a_catalogue_by_date_list_and_version_follows_amendments_and_repeals(memory_ledger):
    rated_case(memory_ledger)
    amend(memory_ledger, item12(NEW_CONDITIONS), date(2025, 7, 1))
    repeal_item(memory_ledger, date(2025, 8, 1), number="12", list_code="lighter")
    _supersede(memory_ledger, date(2026, 1, 1))
    catalogue = memory_ledger.catalogue(MARKET)

    def shown(on: date, **kw) -> list[tuple[str, str, str]]:
        return [(i.version, i.list.code, i.item.number) for i in catalogue.items_on(on, **kw)]

    assert shown(date(2023, 12, 31)) == []
    assert ("2025版", "lighter", "12") in shown(date(2025, 7, 31))
    assert ("2025版", "lighter", "12") not in shown(date(2025, 8, 1))
    assert len(shown(date(2025, 8, 1))) == len(sample_items()) - 1
    assert shown(date(2025, 8, 1), list_code="mitigated") == [("2025版", "mitigated", "12"), ("2025版", "mitigated", "13")]
    jul = {(i.list.code, i.item.number): i for i in catalogue.items_on(date(2025, 7, 1))}
    assert jul[("no_penalty", "12")].item.conditions == NEW_CONDITIONS and jul[("no_penalty", "12")].valid_from == date(2025, 7, 1)
    # superseded from 2026: only the new edition, and its item 12 of the lighter list is back
    assert {v for v, _, _ in shown(date(2026, 1, 1))} == {"2025修订版"}
    assert shown(date(2026, 1, 1), version="2025版") == []
    assert ("2025修订版", "lighter", "12") in shown(date(2026, 1, 1))
    assert catalogue.ends == {"2025版": date(2025, 12, 31), "2025修订版": None}


# ------------------------------------------------------------------ who may


@pytest.mark.parametrize("command", ["revoke", "remake"])
@pytest.mark.parametrize(
    ("actor", "unit"), [(FIRE_STAFF, MARKET), (MARKET_STAFF, FIRE)], ids=["fire_reverses_market", "market_reverses_fire"]
)
def test_a_unit_cannot_reverse_another_units_penalty(memory_ledger, command, actor, unit):
    case_id = rated_case(memory_ledger, joint=True)  # both units served the case
    make = revoke_cmd if command == "revoke" else remake_cmd
    cmd = make(case_id, decision=decision(unit=unit))
    refused(
        memory_ledger,
        lambda: getattr(memory_ledger, f"{command}_penalty")(ctx(actor), cmd),
        NotAllowed,
        "issuing_unit_only",
        case_id,
    )
    assert not memory_ledger.exists(ReversalReview.create_id(case_id, cmd.reversal.decision.number))


def _catalogue_commands(ledger) -> dict[str, Callable[[Actor], Any]]:
    return {
        "publish": lambda actor: publish(ledger, actor),
        "amend": lambda actor: amend(ledger, item12(NEW_CONDITIONS), date(2025, 7, 1), actor),
        "repeal_item": lambda actor: repeal_item(ledger, date(2025, 7, 1), actor=actor),
        "repeal_edition": lambda actor: repeal_edition(ledger, date(2025, 7, 1), actor=actor),
        "legal_review": lambda actor: set_policy(ledger, True, actor),
    }


@pytest.mark.parametrize("command", ["publish", "amend", "repeal_item", "repeal_edition", "legal_review"])
@pytest.mark.parametrize(
    "actor", [FIRE_STAFF, OTHER_STAFF, SUPERVISOR, REGISTRAR, DISPATCHER, AUDITOR], ids=lambda a: f"{a.role.value}:{a.unit}"
)
def test_only_the_authoritys_own_staff_or_an_administrator_edit_its_catalogue(memory_ledger, command, actor):
    register_unit(memory_ledger, MARKET)
    publish(memory_ledger, ADMIN, version="2025版", effective_from=date(2024, 1, 1))
    run = _catalogue_commands(memory_ledger)[command]
    refused(memory_ledger, lambda: run(actor), NotAllowed, "catalogue_editor_only")
    catalogue = memory_ledger.catalogue(MARKET)
    assert set(catalogue.editions) == {"2025版"} and catalogue.revisions[("2025版", "no_penalty", "12")][-1].valid_until is None
    assert catalogue.legal_review_required is False
    # the market regulator's own staff may
    run(MARKET_STAFF)


def test_staff_of_one_unit_cannot_publish_another_units_first_catalogue_but_the_administrator_can(memory_ledger):
    register_unit(memory_ledger, FIRE)
    for actor in (MARKET_STAFF, SUPERVISOR, REGISTRAR):
        refused(memory_ledger, lambda: publish(memory_ledger, actor, authority=FIRE), NotAllowed, "catalogue_editor_only")
    assert memory_ledger.catalogue(FIRE) is None
    publish(memory_ledger, ADMIN, authority=FIRE)
    publish(memory_ledger, FIRE_STAFF, authority=FIRE, version="2027版", effective_from=date(2027, 1, 1))
    assert set(memory_ledger.catalogue(FIRE).editions) == {"2026版", "2027版"}


def test_a_catalogue_needs_a_registered_unit_and_changes_need_a_published_catalogue(memory_ledger):
    invalid(memory_ledger, lambda: publish(memory_ledger, ADMIN, authority="无此单位"), "authority", "unknown_unit")
    refused(memory_ledger, lambda: amend(memory_ledger, item12(), date(2025, 7, 1)), NotFound, "catalogue_not_found")


def test_a_reversal_needs_the_issuing_units_catalogue(memory_ledger):
    from ledger.case.values import Assignment, ServiceForm
    from ledger.values import DeadlineClass
    from tests.builders import DISPATCHER, REGISTRAR, T0, book_cmd, publish_catalogues, serve_cmd

    register_unit(memory_ledger, FIRE)
    publish_catalogues(memory_ledger)  # the market's and the fire brigade's; not the other unit's
    register_unit(memory_ledger, OTHER_STAFF.unit)
    # a case served by a unit that has published no four lists
    case_id = memory_ledger.book(ctx(REGISTRAR), book_cmd()).case_id
    memory_ledger.accept(ctx(REGISTRAR), AcceptCase(
        case_id=case_id, business_time=T0 + timedelta(minutes=10), deadline_class=DeadlineClass.GENERAL))
    staff = (Person(id=OTHER_STAFF.id, name=OTHER_STAFF.name),)
    memory_ledger.dispatch(ctx(DISPATCHER), DispatchCase(
        case_id=case_id, business_time=T0 + timedelta(hours=1), assignments=(Assignment(unit=OTHER_STAFF.unit, staff=staff),),
        form=ServiceForm.ONSITE_VISIT, agreed_time=T0 + timedelta(days=2)))
    memory_ledger.serve(ctx(OTHER_STAFF), serve_cmd(case_id, staff=staff))
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(OTHER_STAFF), revoke_cmd(case_id, decision=decision(unit=OTHER_STAFF.unit))),
        "cited.catalogue_version",
        "no_catalogue",
        case_id,
    )


def test_a_unit_not_on_the_case_cannot_learn_of_it_by_reversing_a_penalty(memory_ledger):
    case_id = rated_case(memory_ledger)  # the market regulator's
    refused(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(FIRE_STAFF), revoke_cmd(case_id, decision=decision(unit=FIRE))),
        CaseNotFound, "case_not_found", case_id,
    )


# ------------------------------------------------------------------ the legal rules


@pytest.mark.parametrize(
    ("conditions", "code"),
    [
        (("初次违法",), "conditions_not_met"),
        (("及时改正",), "conditions_not_met"),
        (("初次违法", "及时改正", "主动报告"), "unknown_condition"),
        (("初次违法", "情节轻微"), "unknown_condition"),
    ],
)
def test_every_condition_of_the_item_must_be_stated_as_met_and_none_other(memory_ledger, conditions, code):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, conditions_met=conditions)),
        "conditions_met",
        code,
        case_id,
    )
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, conditions_met=("及时改正", "初次违法")))


@pytest.mark.parametrize(
    ("command", "list_"),
    [
        ("remake", FourList.NO_PENALTY),
        ("remake", FourList.NO_COERCIVE_MEASURE),
        ("revoke", FourList.LIGHTER),
        ("revoke", FourList.MITIGATED),
    ],
)
def test_the_list_kind_must_fit_the_reversal(memory_ledger, command, list_):
    case_id = rated_case(memory_ledger)
    cmd = remake_cmd(case_id, list_) if command == "remake" else revoke_cmd(case_id, list_=list_)
    invalid(memory_ledger, lambda: getattr(memory_ledger, f"{command}_penalty")(ctx(MARKET_STAFF), cmd), "cited.list", "list_mismatch", case_id)


def test_a_place_defined_list_must_be_cited_with_its_own_kind(memory_ledger):
    register_unit(memory_ledger, FIRE)
    local = ListDef(code="first_offence", name="首违不罚清单", kind=FourList.NO_PENALTY)
    publish(
        memory_ledger, ADMIN, authority=FIRE, version="2025版", effective_from=date(2024, 1, 1),
        lists=(local,), items=(item12(list_code="first_offence", number="1"),),
    )
    case_id = rated_case(memory_ledger, joint=True)
    wrong = cite(FourList.NO_COERCIVE_MEASURE, "1", list_code="first_offence")
    error = invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(FIRE_STAFF), revoke_cmd(case_id, decision=decision(unit=FIRE), cited=wrong)),
        "cited.list",
        "list_mismatch",
        case_id,
    )
    assert "首违不罚清单" in error.errors[0].message
    unknown = cite(FourList.NO_PENALTY, "1")  # code "no_penalty": not a list of this catalogue
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(FIRE_STAFF), revoke_cmd(case_id, decision=decision(unit=FIRE), cited=unknown)),
        "cited.list_code",
        "unknown_list",
        case_id,
    )
    right = cite(FourList.NO_PENALTY, "1", list_code="first_offence")
    memory_ledger.revoke_penalty(ctx(FIRE_STAFF), revoke_cmd(case_id, decision=decision(unit=FIRE), cited=right))
    assert review_of(memory_ledger, case_id).issuing_unit == FIRE


@pytest.mark.parametrize(
    ("list_", "fine", "code"),
    [
        (FourList.LIGHTER, "1000", None),
        (FourList.LIGHTER, "5500", None),  # the top of the lower half of 1,000–10,000
        (FourList.LIGHTER, "5500.01", "outside_lower_range"),
        (FourList.LIGHTER, "9000", "outside_lower_range"),
        (FourList.LIGHTER, "999", "outside_lower_range"),
        (FourList.LIGHTER, None, "required"),
        (FourList.MITIGATED, "999.99", None),
        (FourList.MITIGATED, "1", None),
        (FourList.MITIGATED, "1000", "not_below_minimum"),
        (FourList.MITIGATED, "0", "not_below_minimum"),
        (FourList.MITIGATED, "-5", "bad_amount"),
        (FourList.MITIGATED, None, "required"),
    ],
)
def test_a_remade_fine_must_fit_the_list(memory_ledger, list_, fine, code):
    case_id = rated_case(memory_ledger)
    cmd = fined_remake_cmd(case_id, list_, fine)
    if code is None:
        memory_ledger.remake_penalty(ctx(MARKET_STAFF), cmd)
        assert memory_ledger.get_case(case_id).reversals[-1].new_fine_yuan == Decimal(fine)
    else:
        invalid(memory_ledger, lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), cmd), "new_fine_yuan", code, case_id)


@pytest.mark.parametrize(
    ("fine", "code"),
    [("1E+31", "amount_too_large"), ("1000000000000.01", "amount_too_large"), ("1500.005", "too_many_decimals"),
     ("NaN", "bad_amount"), ("Infinity", "bad_amount")],
)
def test_a_remade_fine_out_of_bounds_is_refused_on_its_field_never_a_crash(memory_ledger, fine, code):
    case_id = rated_case(memory_ledger)
    cmd = fined_remake_cmd(case_id, FourList.LIGHTER, fine)
    invalid(memory_ledger, lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), cmd), "new_fine_yuan", code, case_id)


def test_a_fine_range_beyond_the_bound_cannot_be_published_so_a_remake_cannot_crash_on_it(memory_ledger):
    rated_case(memory_ledger)
    huge = msgspec.structs.replace(item12(), fine_min_yuan=Decimal("0"), fine_max_yuan=Decimal("1E+30"))
    invalid(memory_ledger, lambda: amend(memory_ledger, huge, date(2025, 7, 1)), "item.fine_max_yuan", "amount_too_large")
    fen = msgspec.structs.replace(item12(), fine_min_yuan=Decimal("0.001"), fine_max_yuan=Decimal("10"))
    invalid(memory_ledger, lambda: amend(memory_ledger, fen, date(2025, 7, 1)), "item.fine_min_yuan", "too_many_decimals")


def test_a_revocation_under_a_no_penalty_list_carries_no_fine(memory_ledger):
    case_id = rated_case(memory_ledger)
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, new_fine_yuan=Decimal(100))),
        "new_fine_yuan",
        "not_for_revocation",
        case_id,
    )


def test_legal_review_is_required_when_the_authority_requires_it_and_never_by_the_actor(memory_ledger):
    case_id = rated_case(memory_ledger)
    refused(memory_ledger, lambda: set_policy(memory_ledger, False), InvalidInput)  # unchanged: already off
    set_policy(memory_ledger, True)
    assert memory_ledger.catalogue(MARKET).legal_review_required is True
    for reviewer in (None, Person(id="q1", name=" "), Person(id=" ", name="钱律")):
        invalid(
            memory_ledger,
            lambda: memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, legal_reviewer=reviewer)),
            "legal_reviewer",
            "legal_review_required",
            case_id,
        )
    invalid(
        memory_ledger,
        lambda: memory_ledger.revoke_penalty(
            ctx(MARKET_STAFF), revoke_cmd(case_id, legal_reviewer=Person(id=MARKET_STAFF.id, name=MARKET_STAFF.name))
        ),
        "legal_reviewer",
        "self_review",
        case_id,
    )
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, legal_reviewer=REVIEWER))
    # once the policy is lifted, an ordinary reversal needs none
    set_policy(memory_ledger, False)
    memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, decision=decision("张市监罚〔2025〕119号")))
    assert [r.legal_reviewer for r in memory_ledger.get_case(case_id).reversals] == [REVIEWER, None]


def test_a_major_decision_always_needs_legal_review_by_someone_else_and_a_new_decision_number(memory_ledger):
    case_id = rated_case(memory_ledger)
    assert memory_ledger.catalogue(MARKET).legal_review_required is False
    major = dict(major=True, new_decision_number="张市监罚〔2026〕5号")
    invalid(
        memory_ledger,
        lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), remake_cmd(case_id, **major)),
        "legal_reviewer",
        "legal_review_required",
        case_id,
    )
    invalid(
        memory_ledger,
        lambda: memory_ledger.remake_penalty(
            ctx(MARKET_STAFF), remake_cmd(case_id, legal_reviewer=Person(id="s1", name="王磊"), **major)
        ),
        "legal_reviewer",
        "self_review",
        case_id,
    )
    for number in ("", "   "):
        invalid(
            memory_ledger,
            lambda: memory_ledger.remake_penalty(
                ctx(MARKET_STAFF), remake_cmd(case_id, legal_reviewer=REVIEWER, major=True, new_decision_number=number)
            ),
            "new_decision_number",
            "required",
            case_id,
        )
    # and the review itself, passed (未经审核或者审核未通过的，不得作出)
    invalid(
        memory_ledger,
        lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), remake_cmd(case_id, legal_reviewer=REVIEWER, **major)),
        "legal_review_id",
        "legal_review_required",
        case_id,
    )
    assert not memory_ledger.exists(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号"))
    memory_ledger.remake_penalty(ctx(MARKET_STAFF), remake_cmd(case_id, legal_reviewer=REVIEWER,
                                                               legal_review_id=passed_review(memory_ledger), **major))
    assert memory_ledger.exists(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号"))


# ------------------------------------------------- what a reversal opens, atomically


def test_a_reversal_opens_a_pending_review_in_the_same_save(memory_ledger):
    case_id = rated_case(memory_ledger)
    before = log_position(memory_ledger)
    result = memory_ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id))
    # the case's PenaltyRevoked and the review's Opened, nothing else (no filing: not major)
    assert log_position(memory_ledger) == before + 2 == result.notification_id
    case = memory_ledger.get_case(case_id)
    review = review_of(memory_ledger, case_id)
    assert (review.case_id, review.case_version, review.decision_number, review.issuing_unit) == (
        case_id, case.version, "张市监罚〔2025〕118号", MARKET
    )
    assert review.status is ReviewStatus.PENDING and review.letters == () and review.reply_due is None
    opened = list(memory_ledger.events.get(review.id))
    assert [type(e).__name__ for e in opened] == ["Opened"] and opened[0].envelope.actor == MARKET_STAFF
    assert not memory_ledger.exists(MajorDecisionFiling.create_id(MARKET, ""))


def test_a_major_reversal_also_opens_its_filing_due_fifteen_days_later_moved_past_the_weekend(memory_ledger):
    case_id = rated_case(memory_ledger)
    review_id = passed_review(memory_ledger)
    before = log_position(memory_ledger)
    memory_ledger.remake_penalty(
        ctx(MARKET_STAFF),
        fined_remake_cmd(case_id, FourList.LIGHTER, "3000", major=True, new_decision_number="张市监罚〔2026〕5号",
                         legal_reviewer=REVIEWER, legal_review_id=review_id),
    )
    assert log_position(memory_ledger) == before + 4  # PenaltyRemade, Opened, the review's Cited, Required: one save
    filing_id = MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号")
    filing = memory_ledger.repository.get(filing_id)
    # decided (remade) Friday 2026-11-06; +15 days is Saturday 21 Nov: due the next working day, Monday 23 Nov
    assert REVERSE_AT.date() + timedelta(days=FILING_DAYS) == date(2026, 11, 21)
    assert (filing.unit, filing.decision_number, filing.decided_on, filing.due_on, filing.filed_on) == (
        MARKET, "张市监罚〔2026〕5号", date(2026, 11, 6), date(2026, 11, 23), None
    )
    (required,) = memory_ledger.events.get(filing_id)
    assert required.case_id == case_id and required.party == memory_ledger.get_case(case_id).applicant.name
    assert "张市监罚〔2025〕118号" in required.summary
    assert review_of(memory_ledger, case_id).status is ReviewStatus.PENDING


@pytest.mark.parametrize(
    ("decided_on", "due_on"),
    [
        (date(2026, 11, 2), date(2026, 11, 17)),  # a Tuesday: not moved
        (date(2026, 11, 6), date(2026, 11, 23)),  # Saturday → Monday
        (date(2026, 9, 16), date(2026, 10, 8)),  # 1 October, National Day: after the holiday week
        (date(2026, 9, 10), date(2026, 9, 28)),  # Friday 25 September, Mid-Autumn holiday + weekend
        (date(2026, 9, 5), date(2026, 9, 20)),  # Sunday 20 September is a make-up working day: not moved
    ],
)
def test_a_declared_major_decisions_filing_is_due_fifteen_days_later_or_the_next_working_day(memory_ledger, decided_on, due_on):
    rated_case(memory_ledger)  # the calendar is saved
    view = memory_ledger._view(memory_ledger.calendar(for_update=False))
    assert filing_due(decided_on, view) == due_on
    memory_ledger.declare_major_decision(
        ctx(MARKET_STAFF), DeclareMajorDecision(decision_number="张市监罚〔2026〕9号", decided_on=decided_on, party="某公司", summary="吊销许可证",
                                                legal_review_id=passed_review(memory_ledger))
    )
    assert memory_ledger.repository.get(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕9号")).due_on == due_on


def test_a_major_reversal_whose_decision_was_already_declared_keeps_that_filing(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.declare_major_decision(
        ctx(MARKET_STAFF),
        DeclareMajorDecision(decision_number="张市监罚〔2026〕5号", decided_on=date(2026, 11, 5), party="某公司", summary="罚款",
                             legal_review_id=(review_id := passed_review(memory_ledger))),
    )
    before = log_position(memory_ledger)
    memory_ledger.remake_penalty(
        ctx(MARKET_STAFF), remake_cmd(case_id, major=True, new_decision_number="张市监罚〔2026〕5号", legal_reviewer=REVIEWER,
                                     legal_review_id=review_id)
    )
    assert log_position(memory_ledger) == before + 2  # no second filing
    assert memory_ledger.repository.get(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号")).decided_on == date(2026, 11, 5)


def test_a_major_reversal_with_a_padded_decision_number_already_declared_keeps_that_filing(memory_ledger):
    case_id = rated_case(memory_ledger)
    memory_ledger.declare_major_decision(
        ctx(MARKET_STAFF),
        DeclareMajorDecision(decision_number="张市监罚〔2026〕5号", decided_on=date(2026, 11, 5), party="某公司", summary="罚款",
                             legal_review_id=(review_id := passed_review(memory_ledger))),
    )
    memory_ledger.remake_penalty(
        ctx(MARKET_STAFF), remake_cmd(case_id, major=True, new_decision_number=" 张市监罚〔2026〕5号 ", legal_reviewer=REVIEWER,
                                     legal_review_id=review_id)
    )
    assert review_of(memory_ledger, case_id).status is ReviewStatus.PENDING


# ------------------------------------------------------------------ review workflow


def reversed_case(ledger, *numbers: str):
    """A case whose market-regulator penalties ``numbers`` were revoked; returns (case id, review ids)."""
    case_id = rated_case(ledger)
    for n in numbers:
        ledger.revoke_penalty(ctx(MARKET_STAFF), revoke_cmd(case_id, decision=decision(n)))
    return case_id, [ReversalReview.create_id(case_id, n) for n in numbers]


def object_cmd(review_id, **over) -> ObjectToReversal:
    values: dict[str, Any] = dict(
        review_id=review_id, problems="书面说明未写明危害后果", suggestions="补充说明并报送", reply_due=date(2026, 11, 30)
    )
    values.update(over)
    return ObjectToReversal(**values)


def answer_cmd(review_id, **over) -> AnswerObjection:
    values: dict[str, Any] = dict(review_id=review_id, reply="已补充书面说明", measures="组织执法人员学习四张清单")
    values.update(over)
    return AnswerObjection(**values)


@pytest.mark.parametrize("actor", [MARKET_STAFF, FIRE_STAFF, AUDITOR, REGISTRAR, DISPATCHER, ADMIN], ids=lambda a: a.role.value + a.id)
def test_only_supervisors_confirm_or_object(memory_ledger, actor):
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    # who may not read the review (another unit's staff, the registrar, the dispatcher, the
    # administrator) is answered as for an unknown review; who may read it is told the rule
    error, code = (NotAllowed, "supervisor_only") if actor in (MARKET_STAFF, AUDITOR) else (NotFound, "review_not_found")
    refused(memory_ledger, lambda: memory_ledger.confirm_reversal(ctx(actor), ConfirmReversal(review_id=review_id)), error, code)
    refused(memory_ledger, lambda: memory_ledger.object_to_reversal(ctx(actor), object_cmd(review_id)), error, code)
    assert memory_ledger.review(review_id).status is ReviewStatus.PENDING
    memory_ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=review_id, comment="符合规定"))
    assert memory_ledger.review(review_id).status is ReviewStatus.CONFIRMED


def test_objection_letters_are_numbered_per_supervising_unit_and_year(memory_ledger):
    _, (r1, r2, r3) = reversed_case(memory_ledger, "张市监罚〔2025〕118号", "张市监罚〔2025〕119号", "张市监罚〔2025〕120号")
    first = memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(r1))
    second = memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(r2))
    other = memory_ledger.object_to_reversal(ctx(OTHER_SUPERVISOR), object_cmd(r3))  # another supervising unit: its own series
    assert (first.number, second.number, other.number) == ("2026年第1号", "2026年第2号", "2026年第1号")
    (letter,) = memory_ledger.review(r1).letters
    assert (letter.unit, letter.kind, letter.year, letter.seq) == (SUPERVISOR.unit, FormKind.SUGGESTION_LETTER, 2026, 1)
    assert memory_ledger.review(r3).letters[0].unit == OTHER_SUPERVISOR.unit
    # answered, then objected to again: the next number of the series, both letters kept
    memory_ledger.answer_objection(ctx(MARKET_STAFF), answer_cmd(r1))
    again = memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(r1, reply_due=date(2026, 12, 4)))
    assert again.number == "2026年第3号"
    review = memory_ledger.review(r1)
    assert [str(x) for x in review.letters] == ["2026年第1号", "2026年第3号"]
    assert review.status is ReviewStatus.OBJECTED and review.reply_due == date(2026, 12, 4)


def test_an_invalid_objection_is_refused_and_uses_up_no_letter_number(memory_ledger):
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    cases = [
        (dict(reply_due=date(2026, 11, 20)), "reply_due", "not_in_future"),  # today (the clock's)
        (dict(reply_due=date(2026, 11, 1)), "reply_due", "not_in_future"),
        (dict(problems="  "), "problems", "required"),
        (dict(suggestions=""), "suggestions", "required"),
    ]
    for over, field, code in cases:
        invalid(memory_ledger, lambda: memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(review_id, **over)), field, code)
    assert memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(review_id)).number == "2026年第1号"


@pytest.mark.parametrize("actor", [FIRE_STAFF, SUPERVISOR, REGISTRAR, ADMIN], ids=lambda a: a.role.value + a.id)
def test_only_the_issuing_units_staff_answer_an_objection(memory_ledger, actor):
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    memory_ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(review_id))
    error, code = (NotAllowed, "issuing_unit_only") if actor is SUPERVISOR else (NotFound, "review_not_found")
    refused(memory_ledger, lambda: memory_ledger.answer_objection(ctx(actor), answer_cmd(review_id)), error, code)
    invalid(memory_ledger, lambda: memory_ledger.answer_objection(ctx(MARKET_STAFF), answer_cmd(review_id, reply=" ")), "reply", "required")
    memory_ledger.answer_objection(ctx(MARKET_STAFF), answer_cmd(review_id))
    assert memory_ledger.review(review_id).status is ReviewStatus.ANSWERED


def test_review_steps_in_the_wrong_state_are_refused(memory_ledger):
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    ledger = memory_ledger
    confirm = lambda: ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=review_id))  # noqa: E731
    objection = lambda: ledger.object_to_reversal(ctx(SUPERVISOR), object_cmd(review_id))  # noqa: E731
    answer = lambda: ledger.answer_objection(ctx(MARKET_STAFF), answer_cmd(review_id))  # noqa: E731

    refused(ledger, answer, WrongState, "wrong_state")  # pending: nothing to answer
    objection()
    refused(ledger, confirm, WrongState, "wrong_state")  # objected: waits for the answer
    refused(ledger, objection, WrongState, "wrong_state")
    answer()
    refused(ledger, answer, WrongState, "wrong_state")  # answered once
    confirm()
    for step in (confirm, objection, answer):  # confirmed: closed
        refused(ledger, step, WrongState, "wrong_state")
    assert [type(e).__name__ for e in ledger.events.get(review_id)] == ["Opened", "Objected", "Answered", "Confirmed"]


def test_an_unknown_review_is_not_found(memory_ledger):
    case_id, _ = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    for unknown in (ReversalReview.create_id(case_id, "张市监罚〔2025〕999号"), case_id):  # a case is not a review
        refused(memory_ledger, lambda: memory_ledger.confirm_reversal(ctx(SUPERVISOR), ConfirmReversal(review_id=unknown)),
                NotFound, "review_not_found")
        refused(memory_ledger, lambda: memory_ledger.answer_objection(ctx(MARKET_STAFF), answer_cmd(unknown)), NotFound, "review_not_found")


# ------------------------------------------------------------------ filing


READY: dict[tuple[int, str], Any] = {}


def ready_reviews(ledger) -> None:
    """A passed legal review per unit, made before the declarations that cite it
    (a declaration is refused without one: ``tests/unit/test_legal_review_rules.py``)."""
    for staff in (MARKET_STAFF, FIRE_STAFF):
        READY[(id(ledger), staff.unit)] = passed_review(ledger, staff)


def declare(ledger, actor: Actor = MARKET_STAFF, number: str = "张市监罚〔2026〕7号", decided_on: date = date(2026, 10, 20), **over):
    values: dict[str, Any] = dict(decision_number=number, decided_on=decided_on, party="某食品公司", summary="吊销食品经营许可证",
                                  legal_review_id=READY.get((id(ledger), actor.unit)))
    values.update(over)
    return ledger.declare_major_decision(ctx(actor), DeclareMajorDecision(**values))


def file_cmd(filing_id, filed_on: date, **over) -> FileMajorDecision:
    values: dict[str, Any] = dict(filing_id=filing_id, filed_on=filed_on, reference="备案〔2026〕1号")
    values.update(over)
    return FileMajorDecision(**values)


def test_only_a_units_own_staff_declare_its_major_decisions_and_not_in_the_future_nor_twice(memory_ledger):
    rated_case(memory_ledger)
    ready_reviews(memory_ledger)
    for actor in (SUPERVISOR, REGISTRAR, ADMIN):
        refused(memory_ledger, lambda: declare(memory_ledger, actor), NotAllowed, "issuing_unit_only")
    invalid(memory_ledger, lambda: declare(memory_ledger, decided_on=date(2026, 11, 21)), "decided_on", "in_future")
    invalid(memory_ledger, lambda: declare(memory_ledger, party=" "), "party", "required")
    invalid(memory_ledger, lambda: declare(memory_ledger, number=""), "decision_number", "required")
    refused(memory_ledger, lambda: declare(memory_ledger, case_id=MajorDecisionFiling.create_id(MARKET, "x")), CaseNotFound)
    declare(memory_ledger)
    invalid(memory_ledger, lambda: declare(memory_ledger), "decision_number", "duplicate")
    invalid(memory_ledger, lambda: declare(memory_ledger, number=" 张市监罚〔2026〕7号 "), "decision_number", "duplicate")
    declare(memory_ledger, FIRE_STAFF)  # the same number in another unit's series is another decision
    assert memory_ledger.repository.get(MajorDecisionFiling.create_id(FIRE, "张市监罚〔2026〕7号")).unit == FIRE


def test_filing_is_by_the_units_own_staff_not_before_the_decision_not_in_the_future_and_once(memory_ledger):
    rated_case(memory_ledger)
    ready_reviews(memory_ledger)
    declare(memory_ledger)  # decided Tuesday 2026-10-20, due Wednesday 2026-11-04
    filing_id = MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕7号")
    assert memory_ledger.repository.get(filing_id).due_on == date(2026, 11, 4)
    ledger = memory_ledger
    refused(ledger, lambda: ledger.file_major_decision(ctx(SUPERVISOR), file_cmd(filing_id, date(2026, 11, 2))), NotAllowed, "issuing_unit_only")
    for actor in (FIRE_STAFF, ADMIN):  # who may not read the filing: as for an unknown one
        refused(ledger, lambda: ledger.file_major_decision(ctx(actor), file_cmd(filing_id, date(2026, 11, 2))), NotFound, "filing_not_found")
    invalid(ledger, lambda: ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 10, 19))), "filed_on", "before_decision")
    invalid(ledger, lambda: ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 11, 21))), "filed_on", "in_future")
    invalid(ledger, lambda: ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 11, 2), reference=" ")), "reference", "required")
    ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 11, 4)))  # on the last day: on time
    refused(ledger, lambda: ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 11, 5))), WrongState, "already_filed")
    filed = list(ledger.events.get(filing_id))[-1]
    assert (type(filed).__name__, filed.filed_on, filed.late) == ("Filed", date(2026, 11, 4), False)
    assert ledger.repository.get(filing_id).filed_on == date(2026, 11, 4)


def test_a_filing_after_the_due_day_is_flagged_late(memory_ledger):
    rated_case(memory_ledger)
    ready_reviews(memory_ledger)
    declare(memory_ledger)  # due 2026-11-04
    filing_id = MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕7号")
    memory_ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(filing_id, date(2026, 11, 5)))
    filed = list(memory_ledger.events.get(filing_id))[-1]
    assert (filed.filed_on, filed.late) == (date(2026, 11, 5), True)


def test_an_unknown_filing_is_not_found(memory_ledger):
    _, (review_id,) = reversed_case(memory_ledger, "张市监罚〔2025〕118号")
    for unknown in (MajorDecisionFiling.create_id(MARKET, "无此文号"), review_id):  # a review is not a filing
        refused(memory_ledger, lambda: memory_ledger.file_major_decision(ctx(MARKET_STAFF), file_cmd(unknown, date(2026, 11, 5))),
                NotFound, "filing_not_found")


# ------------------------------------------------------------------ import


def sample_csv() -> bytes:
    return SAMPLES.joinpath("four_lists_sample.csv").read_bytes()


def sample_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(sample_csv().decode("utf-8-sig"))))


def to_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def import_edition(ledger, data: bytes, authority: str, actor: Actor = ADMIN):
    """What POST /catalogues/{authority}/imports does: parse, then publish."""
    catalogue = ledger.catalogue(authority)
    lists = catalogue.latest_lists() if catalogue else DEFAULT_LISTS
    edition = Edition(
        version="2025版", title="四张清单（2025版）", document_number="", effective_from=date(2025, 1, 1),
        effective_until=None, lists=lists, items=parse_items(data, lists),
    )
    return ledger.publish_catalogue_edition(ctx(actor), PublishCatalogueEdition(authority=authority, edition=edition))


def test_the_csv_and_xlsx_samples_import_to_the_same_seven_items():
    from_csv = parse_items(sample_csv())
    from_xlsx = parse_items(SAMPLES.joinpath("four_lists_sample.xlsx").read_bytes())
    assert from_csv == from_xlsx
    assert len(from_csv) == 7
    assert [(i.list_code, i.number) for i in from_csv] == [
        ("no_penalty", "1"), ("no_penalty", "12"), ("no_penalty", "15"), ("lighter", "3"), ("lighter", "4"),
        ("mitigated", "2"), ("no_coercive_measure", "1"),
    ]
    lighter4 = from_csv[4]
    assert (lighter4.fine_min_yuan, lighter4.fine_max_yuan) == (Decimal(0), Decimal(5000))
    assert lighter4.conditions == ("主动供述行政机关尚未掌握的违法行为", "及时改正")
    assert from_csv[1].conditions == ("初次违法", "危害后果轻微", "及时改正") and from_csv[1].fine_min_yuan is None
    assert from_csv[6].notes == "不予查封、扣押"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_a_csv_in_gbk_or_utf8_with_or_without_bom_imports_the_same(encoding):
    assert parse_items(to_csv(sample_rows(), encoding)) == parse_items(sample_csv())


def _bad_row_6(kind: str) -> list[list[str]]:
    rows = sample_rows()
    row = rows[5]  # spreadsheet row 6: 从轻处罚清单 item 4
    assert row[:2] == ["从轻处罚清单", "4"]
    if kind == "empty_breached":
        row[4] = ""
    elif kind == "bad_fine":
        row[6] = "五千"
    elif kind == "duplicate":
        row[0], row[1] = "不予处罚清单", "12"  # as row 3
    elif kind == "unknown_list":
        row[0] = "从重处罚清单"
    return rows


@pytest.mark.parametrize(
    ("kind", "field", "code"),
    [
        ("empty_breached", "rows[6].违反条款", "required"),
        ("bad_fine", "rows[6].罚款下限（元）", "not_a_number"),
        ("duplicate", "rows[6].序号", "duplicate"),
        ("unknown_list", "rows[6].清单", "unknown_list"),
    ],
)
def test_one_bad_row_names_its_row_and_column_and_nothing_is_imported(memory_ledger, kind, field, code):
    register_unit(memory_ledger, OTHER_STAFF.unit)
    data = to_csv(_bad_row_6(kind))
    before = log_position(memory_ledger)
    with pytest.raises(InvalidInput) as info:
        import_edition(memory_ledger, data, OTHER_STAFF.unit)
    errors = {(e.field, e.code): e.message for e in info.value.errors}
    assert (field, code) in errors, errors
    assert all(f.startswith("rows[6].") for f, _ in errors), errors  # only the bad row
    assert "第6行" in errors[(field, code)]
    if kind == "duplicate":
        assert "第3行" in errors[(field, code)]
    assert memory_ledger.catalogue(OTHER_STAFF.unit) is None and log_position(memory_ledger) == before
    # the same file, corrected, imports every row
    import_edition(memory_ledger, sample_csv(), OTHER_STAFF.unit)
    assert len(memory_ledger.catalogue(OTHER_STAFF.unit).items_on(date(2025, 6, 1))) == 7


def test_every_bad_row_is_reported_at_once():
    rows = sample_rows()
    rows[2][2] = ""  # row 3: 违法行为
    rows[7][3] = " ；；"  # row 8: 适用条件 (separators only)
    rows[4][6], rows[4][7] = "60000", "50000"  # row 5: range upside down
    with pytest.raises(InvalidInput) as info:
        parse_items(to_csv(rows))
    assert {(e.field, e.code) for e in info.value.errors} == {
        ("rows[3].违法行为", "required"),
        ("rows[5].罚款下限（元）", "bad_range"),
        ("rows[8].适用条件", "required"),
    }


def test_a_file_missing_a_required_column_is_refused_naming_the_column():
    rows = [r[:4] + r[5:] for r in sample_rows()]  # without 违反条款
    with pytest.raises(InvalidInput) as info:
        parse_items(to_csv(rows))
    (error,) = info.value.errors
    assert (error.field, error.code) == ("header", "missing_columns") and "违反条款" in error.message


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        (b"PK\x03\x04" + b"\x00garbage, not a zip archive" * 10, "file", "bad_xlsx"),
        (b"", "file", "empty"),
        ("\ufeff\r\n,,\r\n".encode(), "file", "empty"),
        (to_csv(sample_rows()[:1]), "file", "no_items"),
    ],
    ids=["garbage_pk", "empty", "blank_rows", "header_only"],
)
def test_an_unreadable_or_empty_file_is_refused(data, field, code):
    with pytest.raises(InvalidInput) as info:
        parse_items(data)
    assert {(e.field, e.code) for e in info.value.errors} == {(field, code)}


def test_lists_may_be_named_by_code_or_by_name_without_the_suffix():
    rows = sample_rows()
    rows[1][0] = "no_penalty"
    rows[4][0] = "从轻处罚"
    assert parse_items(to_csv(rows)) == parse_items(sample_csv())


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_are_numbered_as_in_the_spreadsheet_even_below_a_blank_first_row(kind):
    from openpyxl import load_workbook

    if kind == "csv":
        rows = sample_rows()
        rows[5][4] = ""  # 违反条款 of 从轻处罚清单 item 4
        data = to_csv([[], *rows])  # a blank line above the header: item 4 is on line 7
    else:
        book = load_workbook(io.BytesIO(SAMPLES.joinpath("four_lists_sample.xlsx").read_bytes()))
        sheet = book.worksheets[0]
        sheet.insert_rows(1)  # a blank row above the header
        assert [cell.value for cell in sheet[7]][:2] == ["从轻处罚清单", 4]
        sheet.cell(row=7, column=5).value = None  # 违反条款
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    with pytest.raises(InvalidInput) as info:
        parse_items(data)
    assert {(e.field, e.code) for e in info.value.errors} == {("rows[7].违反条款", "required")}


# ----------------------------------------------- catalogues published one list a file

ONE_LIST_FILE = (
    "序号,违法行为名称,法律依据,适用情形\n"
    "1,未按规定公示营业执照,《市场主体登记管理条例》第三十六条、第四十九条,初次违法且及时改正\n"
    "2,未按规定办理备案,《市场主体登记管理条例》第二十九条、第四十八条,首次违法；及时改正\n"
)


@pytest.mark.parametrize("given", ["no_penalty", "不予处罚清单", "不予处罚"])
def test_a_file_of_one_list_without_a_list_column_imports_into_the_list_given_for_the_whole_file(given):
    items = parse_items(ONE_LIST_FILE.encode("gbk"), default_list=given)
    assert [(i.list_code, i.number) for i in items] == [("no_penalty", "1"), ("no_penalty", "2")]
    # one 法律依据 column stands for both the breached and the penalty article
    assert items[0].breached == items[0].penalty_basis == "《市场主体登记管理条例》第三十六条、第四十九条"
    assert items[0].conditions == ("初次违法且及时改正",)
    assert items[1].conditions == ("首次违法", "及时改正")


def test_a_file_without_a_list_column_and_no_list_given_is_refused_with_a_hint():
    with pytest.raises(InvalidInput) as info:
        parse_items(ONE_LIST_FILE.encode("utf-8"))
    error = info.value.errors[0]
    assert (error.field, error.code) == ("header", "missing_columns")
    assert "清单" in error.message and "指定" in error.message


def test_an_unknown_list_given_for_the_whole_file_is_refused_naming_the_known_ones():
    with pytest.raises(InvalidInput) as info:
        parse_items(ONE_LIST_FILE.encode("utf-8"), default_list="首违不罚")
    error = info.value.errors[0]
    assert (error.field, error.code) == ("list", "unknown_list")
    assert "no_penalty" in error.message
