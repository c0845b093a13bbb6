"""First administrator and demo data for ``ledger serve``/``ledger create-admin``."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from ledger import commands as c
from ledger.application import SYSTEM_ACTOR, Ledger
from ledger.directory import Unit, UnitKind
from ledger.errors import NotFound
from ledger.values import CST, Role

DEMO_PASSWORD = "demo-password-2026"


def system_context() -> c.Context:
    return c.Context(actor=SYSTEM_ACTOR, request_id=uuid.uuid4().hex)


def ensure_unit(ledger: Ledger, name: str, kind: UnitKind) -> None:
    if not ledger.exists(Unit.create_id(name)):
        ledger.register_unit(system_context(), c.RegisterUnit(name=name, kind=kind))


def ensure_user(ledger: Ledger, credentials, username: str, name: str, role: Role, unit: str, password: str) -> bool:
    """Create the user (and set the password) unless it exists; True if created."""
    try:
        ledger.get_user(username)
        return False
    except NotFound:
        pass
    ledger.register_user(system_context(), c.RegisterUser(username=username, display_name=name, role=role, unit=unit))
    credentials.set_password(username, password)
    ledger.record_password_set(system_context(), username)
    return True


def seed_demo(ledger: Ledger, credentials) -> list[tuple[str, str, str]]:
    """Units, one user per role and a few realistic cases. Returns (username, role, unit)."""
    from ledger.demo import FIRE, MARKET, OFFICE, record_demo_case, record_demo_filing

    ensure_unit(ledger, OFFICE, UnitKind.COORDINATION)
    ensure_unit(ledger, MARKET, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, FIRE, UnitKind.ENFORCEMENT)
    ensure_unit(ledger, "市司法局执法监督科", UnitKind.SUPERVISION)
    users = [
        ("zhangmin", "张敏", Role.REGISTRAR, OFFICE),
        ("liqiang", "李强", Role.DISPATCHER, OFFICE),
        ("wanglei", "王磊", Role.UNIT_STAFF, MARKET),
        ("sunhao", "孙浩", Role.UNIT_STAFF, FIRE),
        ("wujian", "吴监", Role.SUPERVISOR, "市司法局执法监督科"),
        ("zhengshen", "郑审", Role.AUDITOR, "市司法局执法监督科"),
        ("admin", "系统管理员", Role.ADMINISTRATOR, OFFICE),
    ]
    created = [ensure_user(ledger, credentials, u, n, r, unit, DEMO_PASSWORD) for u, n, r, unit in users]
    if any(created):
        now = datetime.now(CST)
        record_demo_case(ledger, now.replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=14))
        record_demo_filing(ledger, now.date())
    return [(u, r.value, unit) for u, _, r, unit in users]
