"""The supervision feedback's e2e setting: a 司法所 with two users (the demo
has none yet), and JSON bodies for boxes, checks, forms and letters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledger.demo import DEMO_PASSWORD
from ledger.directory import UnitKind
from ledger.directory.setup import ensure_unit, ensure_user
from ledger.values import CST, Role
from tests.e2e.payloads import MARKET

OFFICE = "如城司法所"
CLERK, HEAD = "chenli", "guming"  # 制表 / 审核


def this_month() -> str:
    return datetime.now(CST).strftime("%Y-%m")


def months_ago(n: int) -> str:
    day = datetime.now(CST).date().replace(day=1)
    for _ in range(n):
        day = (day - timedelta(days=1)).replace(day=1)
    return day.strftime("%Y-%m")


def in_days(n: int) -> str:
    return (datetime.now(CST).date() + timedelta(days=n)).isoformat()


def seed_office(api: Any) -> None:
    """The 司法所 and its two users (passwords set, so they can sign in)."""
    ensure_unit(api.ledger, OFFICE, UnitKind.OTHER)
    for username, name in ((CLERK, "陈立"), (HEAD, "顾明")):
        ensure_user(api.ledger, api.app.state.credentials, username, name, Role.UNIT_STAFF, OFFICE, DEMO_PASSWORD)


def box(**over: Any) -> dict[str, Any]:
    body = {"kind": "box", "site": "town_centre", "site_name": "如城街道为民服务中心", "collecting_unit": OFFICE,
            "keeper": CLERK}
    body.update(over)
    return body


def check(**over: Any) -> dict[str, Any]:
    body = {"month": this_month(), "received": 1, "note": "收到来信1封"}
    body.update(over)
    return body


def form(box_id: str | None = None, **over: Any) -> dict[str, Any]:
    body = {"month": this_month(), "source": "mailbox" if box_id else "contact_point",
            "source_detail": "" if box_id else "如皋市恒力机械有限公司", "box_id": box_id, "category": "inspection",
            "problem": "一个月内对同一企业重复检查三次", "suggestion": "统筹检查计划，推行综合查一次", "reviewer": HEAD}
    body.update(over)
    return body


def letter(**over: Any) -> dict[str, Any]:
    body = {"unit": MARKET, "problems": "对同一企业重复检查", "suggestions": "制定检查计划，合并同类检查",
            "reply_due": in_days(30)}
    body.update(over)
    return body
