"""Valid JSON bodies for the HTTP API, as a client would send them.

Times are omitted (the server's clock gives the business time) unless a test
is about them; dates are computed from today in China Standard Time so that
follow-ups, rectification deadlines and penalty decisions are never in the
future relative to the ledger's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledger.demo import FIRE, MARKET, OFFICE
from ledger.values import CST
from tests.builders import VALID_RIC, VALID_USCC

__all__ = ["FIRE", "MARKET", "OFFICE", "VALID_RIC", "VALID_USCC"]

SUPERVISION = "市司法局执法监督科"

# The users seed_demo creates: username → (display name, role, unit)
USERS = {
    "zhangmin": ("张敏", "registrar", OFFICE),
    "liqiang": ("李强", "dispatcher", OFFICE),
    "wanglei": ("王磊", "unit_staff", MARKET),
    "sunhao": ("孙浩", "unit_staff", FIRE),
    "wujian": ("吴监", "supervisor", SUPERVISION),
    "zhengshen": ("郑审", "auditor", SUPERVISION),
    "admin": ("系统管理员", "administrator", OFFICE),
}
REGISTRAR, DISPATCHER, MARKET_STAFF, FIRE_STAFF = "zhangmin", "liqiang", "wanglei", "sunhao"
SUPERVISOR, AUDITOR, ADMIN = "wujian", "zhengshen", "admin"


def today() -> str:
    return datetime.now(CST).date().isoformat()


def in_days(n: int) -> str:
    return (datetime.now(CST).date() + timedelta(days=n)).isoformat()


def book(*, individual: bool = False, name: str = "淄博鲁味轩餐饮管理有限公司", **over: Any) -> dict[str, Any]:
    applicant = (
        {"kind": "individual", "name": "刘芳", "id_number": VALID_RIC, "address": "张店区人民西路88号"}
        if individual
        else {"kind": "organisation", "name": name, "id_number": VALID_USCC, "address": "张店区人民西路88号"}
    )
    body = {
        "applicant": applicant,
        "contact": {"name": "刘芳", "phone": "13953312345"},
        "service_types": ["compliance_guidance", "rectification_assistance"],
        "needs": "指导后厨台账和消防通道整改",
        "notes": "希望上午上门",
        "channel": "phone",
    }
    body.update(over)
    return body


def accept(deadline_class: str = "general", **over: Any) -> dict[str, Any]:
    return {"deadline_class": deadline_class, **over}


def refuse(**over: Any) -> dict[str, Any]:
    return {
        "reason": "属于行政复议事项，不在指导服务范围",
        "notice": "请携带处罚决定书及身份证明向复议机关申请",
        "referral": {"body": "市人民政府行政复议办公室", "how_to_reach": "0533-1234567，人民西路1号"},
        **over,
    }


def dispatch(units: tuple[str, ...] = (MARKET,), **over: Any) -> dict[str, Any]:
    staff = {MARKET: {"id": "wanglei", "name": "王磊"}, FIRE: {"id": "sunhao", "name": "孙浩"}}
    body: dict[str, Any] = {
        "assignments": [{"unit": u, "staff": [staff.get(u, {"id": "x1", "name": "某人"})]} for u in units],
        "form": "joint_visit" if len(units) > 1 else "onsite_visit",
        "agreed_time": (datetime.now(CST) + timedelta(hours=2)).isoformat(timespec="seconds"),
    }
    if len(units) > 1:
        body["lead_unit"] = units[0]
    body.update(over)
    return body


def serve(**over: Any) -> dict[str, Any]:
    return {
        "place": "张店区人民西路88号 后厨及库房",
        "content": "食品安全合规经营指导",
        "findings": "进货查验台账记录不全",
        "advice": "建立并如实填写进货查验记录",
        "staff": [{"id": "wanglei", "name": "王磊"}],
        "on_site": True,
        **over,
    }


def rate(**over: Any) -> dict[str, Any]:
    return {
        "response": "excellent",
        "attitude": "good",
        "usefulness": "good",
        "result": "excellent",
        "comments": "指导具体",
        "method": "onsite_form",
        **over,
    }


def follow_up(**over: Any) -> dict[str, Any]:
    return {
        "follow_up": {"on": today(), "method": "visit", "findings": "台账已建立", "rectification_status": "done"},
        **over,
    }


def rectification(**over: Any) -> dict[str, Any]:
    return {
        "rectification": {
            "penalty_decision": "淄张市监罚〔2025〕118号",
            "items": [{"description": "建立进货查验台账", "due_on": in_days(7), "status": "done", "evidence": "台账照片3张"}],
        },
        **over,
    }


# items of the demo catalogue (ledger/samples/four_lists_sample.csv, 2025版)
# per list: number and conditions
SAMPLE_ITEMS = {
    "no_penalty": ("12", ["初次违法", "危害后果轻微", "及时改正"]),
    "lighter": ("4", ["主动供述行政机关尚未掌握的违法行为", "及时改正"]),
    "mitigated": ("2", ["主动消除或者减轻违法行为危害后果", "初次违法"]),
    "no_coercive_measure": ("1", ["不影响食品安全", "不会对消费者造成误导", "当事人承诺限期改正"]),
}


def reversal(
    *, list_: str = "no_penalty", unit: str = MARKET, number: str = "淄张市监罚〔2025〕118号", new_sanction: str | None = None
) -> dict[str, Any]:
    item, conditions = SAMPLE_ITEMS[list_]
    body: dict[str, Any] = {
        "reversal": {
            "decision": {"number": number, "decided_on": "2025-09-12", "issuing_unit": unit, "four_lists_applied": False},
            "cited": {"list": list_, "catalogue_version": "2025版", "item_number": item},
            "conditions_met": conditions,
            "outcome": "撤销原罚款决定，予以批评教育" if new_sanction is None else "变更为警告",
            "explanation": "当事人系初次违法且危害后果轻微，已及时改正，原决定未适用四张清单，依法处理并书面说明。",
            "legal_reviewer": {"id": "qianlv", "name": "钱律"},
        },
        "basis": "《中华人民共和国行政处罚法》第三十三条第一款",
    }
    if new_sanction is not None:
        body["reversal"]["new_sanction"] = new_sanction
        # the sample's lighter item 4 ranges 0–5,000 yuan; mitigated item 2 from 200,000
        body["reversal"]["new_fine_yuan"] = {"lighter": "1000", "mitigated": "100000"}.get(list_)
    return body


def withdraw(**over: Any) -> dict[str, Any]:
    return {"reason": "申请人已自行完成整改，撤回申请", **over}


def correct(**over: Any) -> dict[str, Any]:
    return {
        "basis": "申请人来电告知联系电话登记有误",
        "corrects_version": 1,
        "changes": [{"field": "contact.phone", "old": "", "new": "13953312346"}],
        **over,
    }


def annotate(**over: Any) -> dict[str, Any]:
    return {"note": "归档后补充：申请人表示满意", **over}


def year_2027() -> dict[str, Any]:
    return {
        "schedule": {
            "year": 2027,
            # a test schedule: 元旦 bridged to Monday 4 January (not a statutory day)
            "holidays": [{"day": "2027-01-01", "name": "元旦"}, {"day": "2027-01-04", "name": "元旦"}],
            "makeup_workdays": [],
            "source": "国务院办公厅关于2027年部分节假日安排的通知（测试）",
        }
    }
