"""Builders of legal reviews (法制审核) and credit-repair requests for tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ledger.legal_review.commands import (
    GiveLegalReviewOpinion,
    RequestCreditRepair,
    RequestLegalReview,
    ResubmitLegalReview,
)
from ledger.legal_review.values import DraftDecision, MajorKind, PartyKind, ReviewOutcome
from ledger.values import Actor, Person, Role
from tests.builders import FIRE, FIRE_STAFF, MARKET, MARKET_STAFF, VALID_USCC, ctx

# the market regulator's legal reviewer: the same person as test_four_lists' REVIEWER (钱律, q1)
MARKET_REVIEWER = Actor(id="q1", name="钱律", role=Role.UNIT_STAFF, unit=MARKET)
FIRE_REVIEWER = Actor(id="q2", name="冯法", role=Role.UNIT_STAFF, unit=FIRE)
MARKET_OFFICER = Person(id="s7", name="赵队")


def draft(**over: Any) -> DraftDecision:
    values: dict[str, Any] = dict(
        party="淄博某食品有限公司", party_kind=PartyKind.ORGANISATION, party_code=VALID_USCC,
        facts="生产经营超过保质期的食品，货值金额1.2万元", legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        proposed="没收违法所得，罚款8万元", kind=MajorKind.FINE, amount_yuan=Decimal("80000"),
    )
    values.update(over)
    return DraftDecision(**values)


def request_cmd(officers: tuple[Person, ...] = (MARKET_OFFICER,), **over: Any) -> RequestLegalReview:
    return RequestLegalReview(draft=draft(**over), officers=officers)


def opinion_cmd(review_id: Any, outcome: ReviewOutcome = ReviewOutcome.PASSED, **over: Any) -> GiveLegalReviewOpinion:
    values: dict[str, Any] = dict(review_id=review_id, outcome=outcome, opinion="事实清楚，证据确凿，适用依据正确，程序合法")
    values.update(over)
    return GiveLegalReviewOpinion(**values)


def resubmit_cmd(review_id: Any, **over: Any) -> ResubmitLegalReview:
    return ResubmitLegalReview(review_id=review_id, draft=draft(**over), response="已按审核意见补充证据并调整罚款数额")


def passed_review(ledger: Any, requester: Actor = MARKET_STAFF, reviewer: Actor | None = None, **over: Any) -> Any:
    """A review requested by ``requester`` and passed by the unit's reviewer; returns its id."""
    if reviewer is None:
        reviewer = FIRE_REVIEWER if requester.unit == FIRE else MARKET_REVIEWER
    if requester is FIRE_STAFF:
        over.setdefault("party", "某商场有限公司")
    review_id = ledger.execute(ctx(requester), request_cmd(**over)).record_id
    ledger.execute(ctx(reviewer), opinion_cmd(review_id))
    return review_id


def repair_cmd(**over: Any) -> RequestCreditRepair:
    values: dict[str, Any] = dict(firm="淄博某食品有限公司", uscc=VALID_USCC, decision_number="张市监罚〔2026〕12号",
                                  requested_on=date(2026, 11, 18), request="已履行罚款，申请指导修复信用记录")
    values.update(over)
    return RequestCreditRepair(**values)
