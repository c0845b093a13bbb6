"""Idempotent set-up of units and users by the system itself: the first
administrator (``ledger create-admin``) and the demo's people."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from ledger.commands import Context
from ledger.directory import Unit, UnitKind
from ledger.directory.commands import RecordPasswordSet, RegisterUnit, RegisterUser
from ledger.envelope import SYSTEM_ACTOR
from ledger.errors import NotFound
from ledger.values import Role

if TYPE_CHECKING:
    from ledger.application import Ledger


def system_context() -> Context:
    return Context(actor=SYSTEM_ACTOR, request_id=uuid.uuid4().hex)


def ensure_unit(ledger: Ledger, name: str, kind: UnitKind) -> None:
    if not ledger.exists(Unit.create_id(name)):
        ledger.register_unit(system_context(), RegisterUnit(name=name, kind=kind))


def ensure_user(ledger: Ledger, credentials: Any, username: str, name: str, role: Role, unit: str, password: str) -> bool:
    """Create the user (and set the password) unless it exists; True if created."""
    try:
        ledger.get_user(username)
        return False
    except NotFound:
        pass
    ledger.register_user(system_context(), RegisterUser(username=username, display_name=name, role=role, unit=unit))
    credentials.set_password(username, password)
    ledger.record_password_set(system_context(), RecordPasswordSet(username=username))
    return True
