"""JSON bodies and helpers for the legal-review API (法制审核, 信用修复)."""

from __future__ import annotations

from typing import Any

from ledger.demo import DEMO_PASSWORD, FIRE
from ledger.directory.setup import ensure_user
from ledger.values import Role
from tests.e2e import payloads as p

# the market regulator's legal reviewer (seed_demo's 钱律); the fire brigade's is made here
MARKET_REVIEWER = "qianlv"
FIRE_REVIEWER = "fengfa"


def fire_reviewer(api: Any) -> str:
    ensure_user(api.ledger, api.app.state.credentials, FIRE_REVIEWER, "冯法", Role.UNIT_STAFF, FIRE, DEMO_PASSWORD)
    return FIRE_REVIEWER


def draft(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "party": "淄博某建材有限公司", "party_kind": "organisation", "party_code": p.VALID_USCC,
        "facts": "生产不符合强制性国家标准的产品，货值金额4.6万元", "legal_basis": "《中华人民共和国产品质量法》第四十九条",
        "proposed": "没收违法所得，并处罚款9.2万元", "kind": "fine", "amount_yuan": "92000",
    }
    body.update(over)
    return body


def request(**over: Any) -> dict[str, Any]:
    return {"draft": draft(**over), "officers": [{"id": "zhaodui", "name": "赵队"}]}


def opinion(outcome: str = "passed", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"outcome": outcome, "opinion": "事实清楚，证据确凿，适用依据正确，程序合法"}
    body.update(over)
    return body


def passed_review(api: Any, staff: str = p.MARKET_STAFF, **over: Any) -> str:
    """A review requested by ``staff`` and passed by their unit's reviewer; its id."""
    reviewer = fire_reviewer(api) if staff == p.FIRE_STAFF else MARKET_REVIEWER
    review_id = api.ok(staff, "/legal-reviews", request(**over), status=201)["record_id"]
    api.ok(reviewer, f"/legal-reviews/{review_id}/opinions", opinion())
    return review_id


def repair(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"firm": "淄博某建材有限公司", "uscc": p.VALID_USCC, "decision_number": "淄张市监罚〔2026〕203号",
                            "requested_on": p.today(), "request": "罚款已缴纳，申请指导修复信用记录"}
    body.update(over)
    return body
