"""Valid JSON bodies for the administrative guidance (行政指导) API, as a
client would send them. Business times are the server's clock (omitted);
dates and instants are today's, so nothing is in the ledger's future."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.values import CST
from tests.builders import VALID_RIC, VALID_USCC
from tests.e2e.payloads import today


def now() -> str:
    return datetime.now(CST).isoformat()


def firm(name: str = "鲁味轩餐饮有限公司", **over: Any) -> dict[str, Any]:
    return {"kind": "organisation", "name": name, "id_number": VALID_USCC, "address": "张店区人民西路88号",
            "contact": "刘芳", "phone": "13953312345", **over}


def person(**over: Any) -> dict[str, Any]:
    return {"kind": "individual", "name": "刘芳", "id_number": VALID_RIC, "address": "张店区人民西路88号", **over}


def start(*, way: str = "written", addressee: dict[str, Any] | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "way": way,
        "addressee": addressee if addressee is not None else firm(),
        "officers": ["wanglei"],
        "matter": {"text": "食品经营许可事项指导", "catalogue_ref": "2026版/3"},
        "method": "提示提醒",
        "stage": "before",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
    }
    body.update(over)
    return body


def opinion(**over: Any) -> dict[str, Any]:
    return {
        "problem_of": "食品经营许可证到期未延续",
        "problems": "许可证将于年底到期，尚未申请延续",
        "opinion": "在有效期届满30个工作日前提出延续申请",
        "contact_person": "王磊",
        "contact_phone": "0533-2345678",
        **over,
    }


def delivery(**over: Any) -> dict[str, Any]:
    return {"delivery": {"delivered_on": today(), "method": "direct", "receiver": "刘芳", **over}}


def record(**over: Any) -> dict[str, Any]:
    return {"guided_at": now(), "place": "张店区人民西路88号", "content": "食品经营许可延续", **over}


def simple(**over: Any) -> dict[str, Any]:
    return {"at": now(), "form": "oral", "situation": "routine_business", "officer": "wanglei",
            "content": "当场解答许可延续所需材料", **over}
