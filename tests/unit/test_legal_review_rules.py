"""Legal review before major decisions (seed 003 七) and credit-repair
guidance (seed 003 十): the rules, each refused with a field-level Chinese
reason and nothing written; a major decision (declared or by reversal) only
on a passed review; the filing review; the lists filed with the 司法局."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.catalogue.commands import FileListsWithJustice
from ledger.directory import Unit, UnitKind
from ledger.directory.commands import RegisterUnit
from ledger.errors import InvalidInput, NotAllowed, NotFound, WrongState
from ledger.legal_review import LegalReview, ReviewThreshold
from ledger.legal_review.commands import ConcludeCreditRepair, GuideCreditRepair, SetReviewThreshold
from ledger.legal_review.values import (
    DEFAULT_INDIVIDUAL_YUAN,
    DEFAULT_ORGANISATION_YUAN,
    FilingReviewOutcome,
    MajorKind,
    PartyKind,
    RepairOutcome,
    RepairState,
    ReviewOutcome,
    ReviewState,
)
from ledger.supervision import MajorDecisionFiling
from ledger.supervision.commands import DeclareMajorDecision, FileMajorDecision, ReviewMajorDecisionFiling
from ledger.values import FourList, Person
from tests.builders import (
    ADMIN,
    FIRE_STAFF,
    MARKET,
    MARKET_STAFF,
    OTHER_STAFF,
    SUPERVISOR,
    ctx,
    publish_catalogues,
)
from tests.legal_review_builders import (
    MARKET_OFFICER,
    MARKET_REVIEWER,
    opinion_cmd,
    passed_review,
    repair_cmd,
    request_cmd,
    resubmit_cmd,
)
from tests.unit.test_four_lists import REVIEWER, fined_remake_cmd, log_position, rated_case, refused


def invalid(ledger, call, field: str, code: str) -> InvalidInput:
    error = refused(ledger, call, InvalidInput, "invalid_input")
    assert (field, code) in {(e.field, e.code) for e in error.errors}, str(error)
    assert all(e.message for e in error.errors)
    return error


def declare_cmd(**over) -> DeclareMajorDecision:
    values = dict(decision_number="张市监罚〔2026〕21号", decided_on=date(2026, 11, 19), party="淄博某食品有限公司",
                  summary="罚款8万元")
    values.update(over)
    return DeclareMajorDecision(**values)


# ------------------------------------------------------------------ requests


def test_a_request_keeps_the_draft_and_counts_the_requester_among_the_officers(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    review = memory_ledger.repository.get(review_id)
    assert (review.unit, review.state, review.required) == (MARKET, ReviewState.PENDING, True)
    assert [p.id for p in review.officers] == [MARKET_STAFF.id, MARKET_OFFICER.id]
    assert review.current.number == 1 and review.current.draft.amount_yuan == Decimal("80000")


@pytest.mark.parametrize(("kind", "amount", "required"), [
    (PartyKind.ORGANISATION, DEFAULT_ORGANISATION_YUAN, True),  # the threshold itself is a large fine (以上 includes it)
    (PartyKind.ORGANISATION, DEFAULT_ORGANISATION_YUAN - Decimal("0.01"), False),
    (PartyKind.INDIVIDUAL, DEFAULT_INDIVIDUAL_YUAN, True),
    (PartyKind.INDIVIDUAL, Decimal("4999.99"), False),
])
def test_a_fine_below_the_threshold_may_be_reviewed_but_is_marked_not_required(memory_ledger, kind, amount, required):
    over = dict(party_kind=kind, amount_yuan=amount)
    if kind is PartyKind.INDIVIDUAL:
        over.update(party="张三", party_code="")
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd(**over)).record_id
    assert memory_ledger.repository.get(review_id).required is required


def test_an_order_to_stop_production_always_needs_review_whatever_the_amount(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd(kind=MajorKind.STOP_PRODUCTION, amount_yuan=None,
                                                                    proposed="责令停产停业3个月")).record_id
    assert memory_ledger.repository.get(review_id).required is True


def test_the_authoritys_own_threshold_set_by_the_supervisor_replaces_the_default(memory_ledger):
    memory_ledger.execute(ctx(ADMIN), RegisterUnit(name=MARKET, kind=UnitKind.ENFORCEMENT))
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), SetReviewThreshold(
        unit=MARKET, individual_yuan=Decimal("3000"), organisation_yuan=Decimal("100000"), source="x")), NotAllowed)
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), SetReviewThreshold(
        unit=MARKET, individual_yuan=Decimal("0"), organisation_yuan=Decimal("100000"), source="本地规定")),
        "individual_yuan", "not_positive")
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), SetReviewThreshold(
        unit="不存在的局", individual_yuan=Decimal("3000"), organisation_yuan=Decimal("100000"), source="本地规定")),
        "unit", "unknown_unit")
    memory_ledger.execute(ctx(SUPERVISOR), SetReviewThreshold(
        unit=MARKET, individual_yuan=Decimal("3000"), organisation_yuan=Decimal("100000"), source="市政府令第5号"))
    threshold = memory_ledger.repository.get(ReviewThreshold.create_id(MARKET))
    assert (threshold.organisation_yuan, threshold.source) == (Decimal("100000"), "市政府令第5号")
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id  # 80,000 < 100,000 now
    assert memory_ledger.repository.get(review_id).required is False


def test_a_request_without_facts_basis_or_a_valid_uscc_names_every_field(memory_ledger):
    error = invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), request_cmd(
        facts=" ", legal_basis="", party_code="91370303MA3C7Q2N80", amount_yuan=None)), "draft.facts", "required")
    assert {e.field for e in error.errors} == {"draft.facts", "draft.legal_basis", "draft.party_code", "draft.amount_yuan"}
    assert "统一社会信用代码" in {e.field: e.message for e in error.errors}["draft.party_code"]


def test_only_the_units_own_staff_request_review(memory_ledger):
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), request_cmd()), NotAllowed)


# ------------------------------------------------------------------- reviews


def test_a_reviewer_cannot_review_their_own_case(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    for actor in (MARKET_STAFF, MARKET_REVIEWER.__class__(id=MARKET_OFFICER.id, name="赵队", role=MARKET_STAFF.role,
                                                          unit=MARKET)):
        error = invalid(memory_ledger, lambda: memory_ledger.execute(ctx(actor), opinion_cmd(review_id)), "reviewer", "own_case")
        assert "自己承办" in error.errors[0].message


def test_another_units_staff_cannot_see_the_review_and_the_supervisor_cannot_review(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(FIRE_STAFF), opinion_cmd(review_id)), NotFound)
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), opinion_cmd(review_id)), NotAllowed)


def test_a_fail_needs_reasons_and_changes_need_the_changes(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(
        review_id, ReviewOutcome.FAILED, opinion="")), "opinion", "required")
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(
        review_id, ReviewOutcome.PASSED_WITH_CHANGES)), "changes", "required")


def test_a_failed_review_is_resubmitted_as_a_new_round_citing_the_previous_and_then_passed(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), resubmit_cmd(review_id)), WrongState)
    memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(review_id, ReviewOutcome.FAILED, opinion="违法所得计算依据不足"))
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(review_id)), WrongState)
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), resubmit_cmd(review_id, facts="")),
            "draft.facts", "required")
    memory_ledger.execute(ctx(MARKET_STAFF), resubmit_cmd(review_id, amount_yuan=Decimal("60000")))
    (*_, resubmitted) = memory_ledger.events.get(review_id)
    assert (type(resubmitted).__name__, resubmitted.round, resubmitted.previous_round) == ("Resubmitted", 2, 1)
    memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(review_id))
    review = memory_ledger.repository.get(review_id)
    assert review.state is ReviewState.PASSED
    assert [(r.number, r.outcome) for r in review.rounds] == [(1, ReviewOutcome.FAILED), (2, ReviewOutcome.PASSED)]


# --------------------------------------------- a major decision only on a passed review


def test_a_major_decision_without_a_passed_review_is_refused_and_nothing_written(memory_ledger):
    error = invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd()),
                    "legal_review_id", "legal_review_required")
    assert "不得作出" in error.errors[0].message
    pending = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=pending)),
            "legal_review_id", "not_passed")
    memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(pending, ReviewOutcome.FAILED, opinion="证据不足"))
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=pending)),
            "legal_review_id", "not_passed")
    assert not memory_ledger.exists(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕21号"))


def test_a_passed_review_is_cited_by_one_decision_of_its_own_unit_in_the_same_save(memory_ledger):
    review_id = passed_review(memory_ledger)
    fire_review = passed_review(memory_ledger, FIRE_STAFF)
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=fire_review)),
            "legal_review_id", "other_unit")
    before = log_position(memory_ledger)
    memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=review_id))
    assert log_position(memory_ledger) == before + 2  # Required and Cited
    assert memory_ledger.repository.get(review_id).cited_by == "张市监罚〔2026〕21号"
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(
        decision_number="张市监罚〔2026〕22号", legal_review_id=review_id)), "legal_review_id", "already_cited")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), resubmit_cmd(review_id)), WrongState)


def test_a_decision_passed_with_changes_may_be_made_and_records_the_changes(memory_ledger):
    review_id = memory_ledger.execute(ctx(MARKET_STAFF), request_cmd()).record_id
    memory_ledger.execute(ctx(MARKET_REVIEWER), opinion_cmd(review_id, ReviewOutcome.PASSED_WITH_CHANGES,
                                                          changes="罚款数额调整为6万元"))
    memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=review_id))
    assert memory_ledger.repository.get(review_id).state is ReviewState.PASSED_WITH_CHANGES


def test_a_major_reversal_needs_a_passed_review_reviewed_by_its_legal_reviewer(memory_ledger):
    case_id = rated_case(memory_ledger)
    major = dict(major=True, new_decision_number="张市监罚〔2026〕5号", legal_reviewer=REVIEWER)
    invalid(memory_ledger, lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), fined_remake_cmd(
        case_id, FourList.LIGHTER, "3000", **major)), "legal_review_id", "legal_review_required")
    other = passed_review(memory_ledger, reviewer=MARKET_REVIEWER.__class__(id="q9", name="孔法", role=MARKET_STAFF.role,
                                                                         unit=MARKET))
    invalid(memory_ledger, lambda: memory_ledger.remake_penalty(ctx(MARKET_STAFF), fined_remake_cmd(
        case_id, FourList.LIGHTER, "3000", legal_review_id=other, **major)), "legal_reviewer", "reviewer_mismatch")
    review_id = passed_review(memory_ledger)
    before = log_position(memory_ledger)
    memory_ledger.remake_penalty(ctx(MARKET_STAFF), fined_remake_cmd(
        case_id, FourList.LIGHTER, "3000", legal_review_id=review_id, **major))
    assert log_position(memory_ledger) == before + 4  # PenaltyRemade, Opened, Cited, Required: one save
    assert memory_ledger.repository.get(review_id).cited_by == "张市监罚〔2026〕5号"
    assert memory_ledger.exists(MajorDecisionFiling.create_id(MARKET, "张市监罚〔2026〕5号"))


# -------------------------------------------------------------- filing review


def test_the_supervisor_reviews_a_filed_decision_once_and_a_problem_needs_a_finding(memory_ledger):
    review_id = passed_review(memory_ledger)
    filing_id = memory_ledger.execute(ctx(MARKET_STAFF), declare_cmd(legal_review_id=review_id)).record_id
    cmd = ReviewMajorDecisionFiling(filing_id=filing_id, outcome=FilingReviewOutcome.LETTER, finding="")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), cmd), WrongState)  # not filed yet
    memory_ledger.execute(ctx(MARKET_STAFF), FileMajorDecision(filing_id=filing_id, filed_on=date(2026, 11, 20),
                                                                reference="苏执监备〔2026〕33号"))
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), cmd), NotAllowed)
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), cmd), "finding", "required")
    memory_ledger.execute(ctx(SUPERVISOR), ReviewMajorDecisionFiling(
        filing_id=filing_id, outcome=FilingReviewOutcome.LETTER, finding="未告知听证权利"))
    assert memory_ledger.repository.get(filing_id).filing_review is FilingReviewOutcome.LETTER
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(SUPERVISOR), ReviewMajorDecisionFiling(
        filing_id=filing_id, outcome=FilingReviewOutcome.OK)), WrongState)


def test_an_authority_files_its_lists_with_the_justice_bureau(memory_ledger):
    publish_catalogues(memory_ledger, (MARKET,))
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), FileListsWithJustice(
        authority=MARKET, filed_on=date(2026, 11, 2), reference=" ")), "reference", "required")
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(OTHER_STAFF), FileListsWithJustice(
        authority=MARKET, filed_on=date(2026, 11, 2), reference="皋司备〔2026〕3号")), NotAllowed)
    memory_ledger.execute(ctx(MARKET_STAFF), FileListsWithJustice(authority=MARKET, filed_on=date(2026, 11, 2),
                                                                   reference="皋司备〔2026〕3号"))
    catalogue = memory_ledger.catalogue(MARKET)
    assert catalogue.filed_with_justice == (date(2026, 11, 2), "皋司备〔2026〕3号")
    assert memory_ledger.exists(Unit.create_id(MARKET))


# ------------------------------------------------------------- credit repair


def test_credit_repair_is_requested_guided_and_repaired(memory_ledger):
    error = invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), repair_cmd(
        uscc="123", firm="", requested_on=date(2026, 12, 1))), "uscc", "uscc_length")
    assert {e.field for e in error.errors} == {"uscc", "firm", "requested_on"}
    repair_id = memory_ledger.execute(ctx(MARKET_STAFF), repair_cmd()).record_id
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), ConcludeCreditRepair(
        repair_id=repair_id, outcome=RepairOutcome.REPAIRED, concluded_on=date(2026, 11, 20))), "outcome", "not_guided")
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(MARKET_STAFF), GuideCreditRepair(
        repair_id=repair_id, given_on=date(2026, 11, 17), officer=Person(id="s1", name="王磊"), content="x")),
        "given_on", "before_request")
    memory_ledger.execute(ctx(MARKET_STAFF), GuideCreditRepair(
        repair_id=repair_id, given_on=date(2026, 11, 19), officer=Person(id="s1", name="王磊"),
        content="指导企业通过信用中国网站提交信用修复书面申请并附罚款缴纳凭证"))
    refused(memory_ledger, lambda: memory_ledger.execute(ctx(FIRE_STAFF), ConcludeCreditRepair(
        repair_id=repair_id, outcome=RepairOutcome.WITHDRAWN, concluded_on=date(2026, 11, 20))), NotFound)
    memory_ledger.execute(ctx(MARKET_STAFF), ConcludeCreditRepair(
        repair_id=repair_id, outcome=RepairOutcome.REPAIRED, concluded_on=date(2026, 11, 20)))
    assert memory_ledger.repository.get(repair_id).state is RepairState.REPAIRED


def test_credit_repair_not_eligible_needs_the_reason(memory_ledger):
    repair_id = memory_ledger.execute(ctx(FIRE_STAFF), repair_cmd(decision_number="淄消行罚决字〔2026〕5号")).record_id
    invalid(memory_ledger, lambda: memory_ledger.execute(ctx(FIRE_STAFF), ConcludeCreditRepair(
        repair_id=repair_id, outcome=RepairOutcome.NOT_ELIGIBLE, concluded_on=date(2026, 11, 20))), "reason", "required")
    memory_ledger.execute(ctx(FIRE_STAFF), ConcludeCreditRepair(
        repair_id=repair_id, outcome=RepairOutcome.NOT_ELIGIBLE, concluded_on=date(2026, 11, 20),
        reason="罚款尚未缴纳，不符合修复条件"))
    assert memory_ledger.repository.get(repair_id).state is RepairState.NOT_ELIGIBLE
    assert isinstance(memory_ledger.repository.get(passed_review(memory_ledger, FIRE_STAFF)), LegalReview)
